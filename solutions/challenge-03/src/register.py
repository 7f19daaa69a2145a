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
TAGGED = ("rmse", "mae", "mape", "r2")


def _tags(metrics: dict) -> dict:
    return {key: f"{metrics[key]:.4f}" for key in TAGGED if key in metrics}


def register_local() -> None:
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=LOCAL_TRACKING_URI, registry_uri=LOCAL_TRACKING_URI)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    runs = client.search_runs(
        [experiment.experiment_id] if experiment else [],
        filter_string="attributes.status = 'FINISHED'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    if not runs:
        raise SystemExit(f"no finished run in experiment {EXPERIMENT}: run python src/train.py first")
    run = runs[0]
    try:
        client.create_registered_model(MODEL)
    except MlflowException as exc:
        if exc.error_code != "RESOURCE_ALREADY_EXISTS":  # a second version of the same model is fine
            raise
    version = client.create_model_version(
        MODEL, source=f"{run.info.artifact_uri}/model", run_id=run.info.run_id, tags=_tags(run.data.metrics)
    )
    print(f"registered {MODEL} version {version.version} from run {run.info.run_id}")


def register_azure() -> None:
    import mlflow
    from azure.ai.ml import MLClient
    from azure.ai.ml.entities import Model
    from azure.identity import DefaultAzureCredential

    ml_client = MLClient.from_config(DefaultAzureCredential())
    jobs = [
        j for j in ml_client.jobs.list()
        if j.experiment_name == EXPERIMENT and j.type == "command" and j.status == "Completed"
    ]
    if not jobs:
        raise SystemExit(f"no completed command job in experiment {EXPERIMENT}: run the training job first")
    job = max(jobs, key=lambda j: j.creation_context.created_at)
    # The workspace's MLflow (azureml-mlflow must be installed) holds the job's metrics.
    mlflow.set_tracking_uri(ml_client.workspaces.get(ml_client.workspace_name).mlflow_tracking_uri)
    metrics = mlflow.get_run(job.name).data.metrics
    model = ml_client.models.create_or_update(
        Model(
            name=MODEL,
            type="custom_model",
            path=f"azureml://jobs/{job.name}/outputs/model",
            tags=_tags(metrics),
            description=f"Trained by job {job.name}",
        )
    )
    print(f"registered {MODEL} version {model.version} from job {job.name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--local", action="store_true", help="register in the local MLflow registry")
    args = parser.parse_args()
    register_local() if args.local else register_azure()


if __name__ == "__main__":
    main()
