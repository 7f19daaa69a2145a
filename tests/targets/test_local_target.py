"""The local target on a real MLflow SQLite store: runs, metrics, registered models; read-only."""

from __future__ import annotations

import pytest

from ohcheck.config import parse_config
from ohcheck.targets import open_target
from ohcheck.targets.base import NotOnThisTarget, Target
from ohcheck.targets.local import LocalTarget, resolve_tracking_uri


@pytest.fixture
def config():
    return parse_config("team: t\n")


def test_it_is_a_target(config, tmp_path):
    target = open_target(config, tmp_path)
    assert isinstance(target, Target) and target.name == "local"


@pytest.mark.parametrize("question", ["workspace", "identity", "computes"])
def test_azure_only_questions_are_not_on_this_target(config, tmp_path, question):
    with pytest.raises(NotOnThisTarget):
        getattr(LocalTarget(config, tmp_path), question)()


def test_data_assets_are_not_on_this_target_and_say_what_stands_in(config, tmp_path):
    with pytest.raises(NotOnThisTarget) as caught:
        LocalTarget(config, tmp_path).data_asset("transaction_ts")
    assert "CSV files in data/" in str(caught.value)


def test_a_store_that_does_not_exist_is_empty_and_is_not_created(config, tmp_path):
    target = LocalTarget(config, tmp_path)
    assert target.jobs("adventureworks-forecast") == []
    assert target.models("adventureworks-forecast") == []
    assert target.run("0123") is None
    assert not (tmp_path / ".ohcheck").exists()


def test_relative_sqlite_uris_are_relative_to_the_repo(tmp_path):
    assert resolve_tracking_uri("sqlite:///.ohcheck/mlflow.db", tmp_path) == f"sqlite:///{tmp_path.resolve()}/.ohcheck/mlflow.db"
    assert resolve_tracking_uri("sqlite:////abs/m.db", tmp_path) == "sqlite:////abs/m.db"
    assert resolve_tracking_uri("http://127.0.0.1:5000", tmp_path) == "http://127.0.0.1:5000"


def test_jobs_runs_and_models_come_from_the_real_mlflow_store(config, tmp_path):
    from mlflow.tracking import MlflowClient

    (tmp_path / ".ohcheck").mkdir()
    uri = resolve_tracking_uri(config.local.tracking_uri, tmp_path)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.create_experiment("adventureworks-forecast", artifact_location=(tmp_path / "mlruns").as_uri())
    job = client.create_run(experiment, run_name="train", tags={"mlflow.source.name": "src/train.py"})
    step = client.create_run(experiment, run_name="a step", tags={"mlflow.parentRunId": job.info.run_id})
    client.log_metric(job.info.run_id, "rmse", 441.2)
    client.log_param(job.info.run_id, "data", "data/mlops_forecast_data2013.csv")
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (model_dir / "model.pkl").write_bytes(b"x")
    client.log_artifacts(job.info.run_id, str(model_dir), "model")
    client.set_terminated(job.info.run_id, "FINISHED")
    client.create_registered_model("adventureworks-forecast")
    for _ in range(2):
        client.create_model_version(
            "adventureworks-forecast", source=f"{job.info.artifact_uri}/model", run_id=job.info.run_id,
            tags={"rmse": "441.2"},
        )

    target = LocalTarget(config, tmp_path)
    jobs = target.jobs("adventureworks-forecast")
    assert [j.name for j in jobs] == [job.info.run_id], "a child run is a step, not a job"
    found = jobs[0]
    assert (found.status, found.command, found.compute, found.display_name) == ("Completed", "src/train.py", None, "train")
    assert found.inputs["data"].path == "data/mlops_forecast_data2013.csv"
    assert target.data_asset_of(found.inputs["data"]) == "transaction_ts2013"
    assert found.outputs["model"].type == "uri_folder"
    run = target.run(job.info.run_id)
    assert (run.status, run.metrics, run.params, run.source) == (
        "FINISHED", {"rmse": 441.2}, {"data": "data/mlops_forecast_data2013.csv"}, "src/train.py"
    )
    assert target.run(step.info.run_id).parent_id == job.info.run_id
    versions = target.models("adventureworks-forecast")
    assert [(v.version, v.job_name, v.tags) for v in versions] == [
        ("2", job.info.run_id, {"rmse": "441.2"}), ("1", job.info.run_id, {"rmse": "441.2"})
    ]
    assert target.models("no-such-model") == []
    assert target.jobs("no-such-experiment") == []


def test_the_environment_is_the_repos_yaml_read_by_azure_ai_mls_loader(config, tmp_path):
    folder = tmp_path / "environment"
    folder.mkdir()
    (folder / "conda.yml").write_text("name: e\ndependencies:\n  - python=3.11\n  - pip:\n      - pandas==2.2.3\n")
    (folder / "adventureworks-env.yml").write_text(
        "name: adventureworks-env\nimage: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest\nconda_file: conda.yml\n"
    )
    env = LocalTarget(config, tmp_path).environment("adventureworks-env")
    assert env.conda_file["dependencies"][1] == {"pip": ["pandas==2.2.3"]}
    assert env.source == "environment/adventureworks-env.yml"
    (folder / "adventureworks-env.yml").write_text("name: x\nimage: i\nunknown_field: 1\n")
    from ohcheck.targets.base import TargetError

    with pytest.raises(TargetError) as caught:
        LocalTarget(config, tmp_path).environment("adventureworks-env")
    assert "is not a valid CLI v2 environment YAML" in str(caught.value)


def test_what_a_model_versions_source_holds_in_every_form_mlflow_accepts(config, tmp_path):
    from mlflow.tracking import MlflowClient

    (tmp_path / ".ohcheck").mkdir()
    uri = resolve_tracking_uri(config.local.tracking_uri, tmp_path)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.create_experiment("adventureworks-forecast", artifact_location=(tmp_path / "mlruns").as_uri())
    run = client.create_run(experiment).info
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "model.pkl").write_bytes(b"x")
    client.log_artifact(run.run_id, str(tmp_path / "m" / "model.pkl"), "outputs")
    client.create_registered_model("m")
    sources = {
        f"{run.artifact_uri}/outputs": (True, ["model.pkl"]),
        f"{run.artifact_uri}/outputs/model.pkl": (True, ["model.pkl"]),  # one file: MLflow lists nothing under it
        f"runs:/{run.run_id}": (True, ["outputs/model.pkl"]),
        f"runs:/{run.run_id}/outputs": (True, ["model.pkl"]),
        str(tmp_path / "m"): (True, ["model.pkl"]),
        f"runs:/{run.run_id}/model": (False, f"runs:/{run.run_id}/model holds no file; run {run.run_id} has the artifacts outputs/"),
        f"{run.artifact_uri}/model": (False, f"{run.artifact_uri}/model holds no file; run {run.run_id} has the artifacts outputs/"),
    }
    for source in sources:
        client.create_model_version("m", source=source, run_id=run.run_id)
    target = LocalTarget(config, tmp_path)
    seen = {v.source: target.model_contents(v) for v in target.models("m")}
    assert {source: (c.holds_model, c.found) for source, c in seen.items()} == sources
