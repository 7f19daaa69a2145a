"""Register a trained model, with its metrics as tags and its lineage to the job that trained it.

    python src/register.py --local     # the newest training run's model, into the local MLflow registry
    python src/register.py             # the newest training job's model, into the Azure ML workspace
    python register.py --model DIR [--decision DEC] --model-info OUT    # as the register step of the pipeline

As a pipeline step it registers the model the train step wrote to DIR: DIR/run.json
names the train step's MLflow run (in Azure ML, the step's job), so the version's
lineage leads to that step. It runs against the Azure ML workspace inside an Azure
ML job (MLflow's tracking URI is then azureml://...), else against the local store
`ohcheck pipeline run` points MLflow at. OUT/model.json gets the name and version
to serve, and whether it is a new one, for the deploy step.

With --decision (the evaluate step's output), the model is registered only if the
evaluate step promoted it; either way the decision (decision, reason, both RMSEs,
the held-out days, the evaluate step's run) is recorded as tags on a model version:
the new one when promoted, the champion when not.
"""

import argparse
import json
import os
from pathlib import Path

MODEL = "adventureworks-forecast"
EXPERIMENT = "adventureworks-forecast"
LOCAL_TRACKING_URI = "sqlite:///.ohcheck/mlflow.db"
TAGGED = ("rmse", "mae", "mape", "r2")
DECISION_TAGS = ("decision", "reason", "champion_version", "champion_rmse", "challenger_rmse", "holdout", "evaluated_by")


def _tags(metrics: dict) -> dict:
    return {key: f"{metrics[key]:.4f}" for key in TAGGED if key in metrics}


def in_azure_ml() -> bool:
    """Inside an Azure ML job, Azure points MLflow at the workspace."""
    return os.environ.get("MLFLOW_TRACKING_URI", "").startswith("azureml:")


def workspace_client():
    """An MLClient on the workspace: inside a job from its environment, else from config.json."""
    from azure.ai.ml import MLClient
    from azure.identity import DefaultAzureCredential

    credential = DefaultAzureCredential()  # inside a job: the compute's managed identity
    if "AZUREML_ARM_SUBSCRIPTION" in os.environ:
        return MLClient(
            credential,
            os.environ["AZUREML_ARM_SUBSCRIPTION"],
            os.environ["AZUREML_ARM_RESOURCEGROUP"],
            os.environ["AZUREML_ARM_WORKSPACE_NAME"],
        )
    return MLClient.from_config(credential)


def _decision_tags(decision: dict | None) -> dict:
    if not decision:
        return {}
    return {key: "none" if decision.get(key) is None else str(decision[key]) for key in DECISION_TAGS}


def register_local_run(client, run, name: str, extra_tags: dict | None = None) -> str:
    from mlflow.exceptions import MlflowException

    try:
        client.create_registered_model(name)
    except MlflowException as exc:
        if exc.error_code != "RESOURCE_ALREADY_EXISTS":  # a second version of the same model is fine
            raise
    version = client.create_model_version(
        name, source=f"{run.info.artifact_uri}/model", run_id=run.info.run_id,
        tags={**_tags(run.data.metrics), **(extra_tags or {})},
    )
    return str(version.version)


def register_azure_job(ml_client, job_name: str, metrics: dict, name: str, extra_tags: dict | None = None) -> str:
    from azure.ai.ml.entities import Model

    model = ml_client.models.create_or_update(
        Model(
            name=name,
            type="custom_model",
            path=f"azureml://jobs/{job_name}/outputs/model",
            tags={**_tags(metrics), **(extra_tags or {})},
            description=f"Trained by job {job_name}",
        )
    )
    return str(model.version)


def register_newest_local() -> None:
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
    version = register_local_run(client, runs[0], MODEL)
    print(f"registered {MODEL} version {version} from run {runs[0].info.run_id}")


def register_newest_azure() -> None:
    import mlflow

    ml_client = workspace_client()
    jobs = [
        j for j in ml_client.jobs.list()
        if j.experiment_name == EXPERIMENT and j.type == "command" and j.status == "Completed"
    ]
    if not jobs:
        raise SystemExit(f"no completed command job in experiment {EXPERIMENT}: run the training job first")
    job = max(jobs, key=lambda j: j.creation_context.created_at)
    # The workspace's MLflow (azureml-mlflow must be installed) holds the job's metrics.
    mlflow.set_tracking_uri(ml_client.workspaces.get(ml_client.workspace_name).mlflow_tracking_uri)
    version = register_azure_job(ml_client, job.name, mlflow.get_run(job.name).data.metrics, MODEL)
    print(f"registered {MODEL} version {version} from job {job.name}")


def record_on_champion(name: str, version: str, tags: dict) -> None:
    """A rejected challenger is not registered: its evaluation goes on the champion it lost to."""
    if in_azure_ml():
        ml_client = workspace_client()
        model = ml_client.models.get(name, version=version)
        model.tags = {**(model.tags or {}), **tags}
        ml_client.models.create_or_update(model)
        return
    import mlflow
    from mlflow.tracking import MlflowClient

    uri = mlflow.get_tracking_uri()
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    for key, value in tags.items():
        client.set_model_version_tag(name, version, key, value)


def register_step(model_dir: Path, name: str, model_info: Path, decision_dir: Path | None = None) -> None:
    """The pipeline's register step: the train step's model, named by DIR/run.json."""
    import mlflow
    from mlflow.tracking import MlflowClient

    trained = json.loads((model_dir / "run.json").read_text())
    run_id = trained["run_id"]
    decision = json.loads((decision_dir / "decision.json").read_text()) if decision_dir else None
    model_info.mkdir(parents=True, exist_ok=True)
    if decision and decision["decision"] != "promote":
        champion = str(decision["champion_version"])
        record_on_champion(name, champion, _decision_tags(decision))
        (model_info / "model.json").write_text(json.dumps({"name": name, "version": champion, "promoted": False}))
        print(f"kept {name} version {champion}: {decision['reason']}")
        return
    run = mlflow.get_run(run_id)
    if in_azure_ml():
        version = register_azure_job(workspace_client(), run_id, run.data.metrics, name, _decision_tags(decision))
    else:
        uri = mlflow.get_tracking_uri()
        client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        version = register_local_run(client, run, name, _decision_tags(decision))
    (model_info / "model.json").write_text(json.dumps({"name": name, "version": version, "promoted": True}))
    print(f"registered {name} version {version} from the train step's run {run_id}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--local", action="store_true", help="register in the local MLflow registry")
    parser.add_argument("--model", type=Path, help="as a pipeline step: the train step's model folder")
    parser.add_argument("--decision", type=Path, help="as a pipeline step: the evaluate step's decision folder")
    parser.add_argument("--model-name", default=MODEL)
    parser.add_argument("--model-info", type=Path, help="as a pipeline step: where to write model.json")
    args = parser.parse_args()
    if args.model is not None:
        if args.model_info is None:
            parser.error("--model needs --model-info")
        register_step(args.model, args.model_name, args.model_info, args.decision)
    elif args.local:
        register_newest_local()
    else:
        register_newest_azure()


if __name__ == "__main__":
    main()
