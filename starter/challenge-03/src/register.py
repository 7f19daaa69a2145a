"""Register the newest completed training job's model, with its metrics as tags.

    python src/register.py --local     # into the local MLflow registry (.ohcheck/mlflow.db)
    python src/register.py             # into the Azure ML workspace (config.json, az login)

Either way the model version keeps its lineage to the job that produced it
(the job's `model` output, or the MLflow run's `model` artifact).
"""

import argparse

MODEL = "adventureworks-forecast"
EXPERIMENT = "adventureworks-forecast"
LOCAL_TRACKING_URI = "sqlite:///.ohcheck/mlflow.db"


def register_local() -> None:
    # TODO (challenge 03): with mlflow.tracking.MlflowClient(LOCAL_TRACKING_URI):
    # find the newest FINISHED run of EXPERIMENT, and create a version of MODEL
    # from its `model` artifact (source=f"{run.info.artifact_uri}/model",
    # run_id=run.info.run_id) tagged with the run's metrics.
    raise NotImplementedError("register_local(): register the newest run's model (challenge 03)")


def register_azure() -> None:
    # TODO (challenge 03): with MLClient.from_config(DefaultAzureCredential()):
    # find the newest Completed command job of EXPERIMENT, read its metrics with
    # MLflow, and ml_client.models.create_or_update(Model(name=MODEL, type="custom_model",
    # path=f"azureml://jobs/{job.name}/outputs/model", tags=...)).
    # (Or: az ml model create --name ... --type custom_model --path azureml://jobs/<job>/outputs/model)
    raise NotImplementedError("register_azure(): register the newest job's model (challenge 03)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--local", action="store_true", help="register in the local MLflow registry")
    args = parser.parse_args()
    register_local() if args.local else register_azure()


if __name__ == "__main__":
    main()
