"""Submit the training job with the Azure ML SDK v2: the same job as train-job.yml.

    python jobs/submit_job.py

The workspace comes from the config.json the portal downloads (in this folder
or a parent); the credential from `az login` or a service principal.
"""

from pathlib import Path

from azure.ai.ml import Input, MLClient, Output, command
from azure.identity import DefaultAzureCredential

SRC = Path(__file__).resolve().parent.parent / "src"


def build_job():
    return command(
        display_name="train-adventureworks-forecast",
        experiment_name="adventureworks-forecast",
        description="Train the Adventure Works daily transactions forecast on the 2013 series.",
        code=str(SRC),
        command="python train.py --data ${{inputs.data}} --model-output ${{outputs.model}}",
        inputs={"data": Input(type="uri_file", path="azureml:transaction_ts2013@latest")},
        outputs={"model": Output(type="uri_folder")},
        environment="azureml:adventureworks-env@latest",
        compute="cpu-cluster",
    )


def main() -> None:
    ml_client = MLClient.from_config(DefaultAzureCredential())
    job = ml_client.jobs.create_or_update(build_job())
    print(f"submitted {job.name}: {job.studio_url}")


if __name__ == "__main__":
    main()
