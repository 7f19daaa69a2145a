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
    assert target.runs("adventureworks-forecast") == []
    assert target.latest_model("adventureworks-forecast") is None
    assert not (tmp_path / ".ohcheck").exists()


def test_relative_sqlite_uris_are_relative_to_the_repo(tmp_path):
    assert resolve_tracking_uri("sqlite:///.ohcheck/mlflow.db", tmp_path) == f"sqlite:///{tmp_path.resolve()}/.ohcheck/mlflow.db"
    assert resolve_tracking_uri("sqlite:////abs/m.db", tmp_path) == "sqlite:////abs/m.db"
    assert resolve_tracking_uri("http://127.0.0.1:5000", tmp_path) == "http://127.0.0.1:5000"


def test_runs_and_models_come_from_the_real_mlflow_store(config, tmp_path):
    from mlflow.tracking import MlflowClient

    (tmp_path / ".ohcheck").mkdir()
    uri = resolve_tracking_uri(config.local.tracking_uri, tmp_path)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.create_experiment("adventureworks-forecast")
    parent = client.create_run(experiment, run_name="pipeline")
    child = client.create_run(experiment, run_name="train", tags={"mlflow.parentRunId": parent.info.run_id})
    client.log_metric(child.info.run_id, "rmse", 441.2)
    client.log_param(child.info.run_id, "level_days", "28")
    client.set_terminated(child.info.run_id, "FINISHED")
    client.create_registered_model("adventureworks-forecast")
    for _ in range(2):
        client.create_model_version(
            "adventureworks-forecast", source=f"runs:/{child.info.run_id}/model", run_id=child.info.run_id,
            tags={"rmse": "441.2"},
        )

    target = LocalTarget(config, tmp_path)
    runs = target.runs("adventureworks-forecast")
    by_name = {r.name: r for r in runs}
    assert set(by_name) == {"pipeline", "train"}
    train = by_name["train"]
    assert (train.status, train.metrics, train.params) == ("FINISHED", {"rmse": 441.2}, {"level_days": "28"})
    assert train.parent_id == parent.info.run_id
    model = target.latest_model("adventureworks-forecast")
    assert (model.version, model.run_id, model.tags) == ("2", child.info.run_id, {"rmse": "441.2"})
    assert target.latest_model("no-such-model") is None
    assert target.runs("no-such-experiment") == []
