"""The retraining pipeline with the Azure ML SDK v2: the same as train-deploy.yml.

    python pipelines/train_deploy.py                # submit it to the workspace (config.json, az login)
    ohcheck pipeline run pipelines/train_deploy.py  # run it locally (the local target)

The steps are the components in components/, wired by data: evaluate takes
train's model, register takes train's model and evaluate's decision, deploy
takes register's model_info. Training uses all the data (2013 + 2014).
"""

from pathlib import Path

from azure.ai.ml import Input, load_component
from azure.ai.ml.dsl import pipeline

COMPONENTS = Path(__file__).resolve().parent.parent / "components"
ENDPOINT = "aw-forecast-team1"  # your ohcheck.yaml's endpoint

train_component = load_component(source=COMPONENTS / "train.yml")
evaluate_component = load_component(source=COMPONENTS / "evaluate.yml")
register_component = load_component(source=COMPONENTS / "register.yml")
deploy_component = load_component(source=COMPONENTS / "deploy.yml")


@pipeline(
    display_name="train-register-deploy",
    experiment_name="adventureworks-forecast",
    description="Retrain the Adventure Works forecast on 2013 + 2014, promote it only if it beats the champion.",
    default_compute="cpu-cluster",
)
def train_register_deploy(data: Input, endpoint: str):
    # A step is named after its variable: these make the steps train, evaluate, register, deploy.
    train = train_component(data=data)
    evaluate = evaluate_component(challenger=train.outputs.model, data=data)
    register = register_component(model=train.outputs.model, decision=evaluate.outputs.decision)
    deploy = deploy_component(model_info=register.outputs.model_info, endpoint=endpoint)  # noqa: F841


def build_pipeline():
    """The pipeline job, ready to submit (or to run locally with ohcheck)."""
    return train_register_deploy(
        data=Input(type="uri_file", path="azureml:transaction_ts@latest"), endpoint=ENDPOINT
    )


def main() -> None:
    from azure.ai.ml import MLClient
    from azure.identity import DefaultAzureCredential

    ml_client = MLClient.from_config(DefaultAzureCredential())
    job = ml_client.jobs.create_or_update(build_pipeline())
    print(f"submitted {job.name}: {job.studio_url}")


if __name__ == "__main__":
    main()
