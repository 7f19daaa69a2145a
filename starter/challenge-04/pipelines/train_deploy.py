"""The training and deployment pipeline with the Azure ML SDK v2 — if you prefer Python to YAML.

    python pipelines/train_deploy.py                # submit it to the workspace (config.json, az login)
    ohcheck pipeline run pipelines/train_deploy.py  # run it locally (the local target)

Pick one route: this file, or pipelines/train-deploy.yml (ohcheck reads the YAML
when both exist, so delete the one you do not use).

TODO (challenge 04): load components/register.yml and components/deploy.yml and
add the steps `register` and `deploy`, wired by data: register takes
train.outputs.model, deploy takes register's output. A step is named after the
variable you assign it to.
"""

from pathlib import Path

from azure.ai.ml import Input, load_component
from azure.ai.ml.dsl import pipeline

COMPONENTS = Path(__file__).resolve().parent.parent / "components"
ENDPOINT = "aw-forecast-team1"  # your ohcheck.yaml's endpoint

train_component = load_component(source=COMPONENTS / "train.yml")


@pipeline(
    display_name="train-register-deploy",
    experiment_name="adventureworks-forecast",
    description="Train the Adventure Works forecast, register it, deploy it to the online endpoint.",
    default_compute="cpu-cluster",
)
def train_register_deploy(data: Input, endpoint: str):
    train = train_component(data=data)  # noqa: F841 - TODO: register and deploy take its output


def build_pipeline():
    """The pipeline job, ready to submit (or to run locally with ohcheck)."""
    return train_register_deploy(
        data=Input(type="uri_file", path="azureml:transaction_ts2013@latest"), endpoint=ENDPOINT
    )


def main() -> None:
    from azure.ai.ml import MLClient
    from azure.identity import DefaultAzureCredential

    ml_client = MLClient.from_config(DefaultAzureCredential())
    job = ml_client.jobs.create_or_update(build_pipeline())
    print(f"submitted {job.name}: {job.studio_url}")


if __name__ == "__main__":
    main()
