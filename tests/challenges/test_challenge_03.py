"""Challenge 03 on the local target: the registered version and what its source holds, as a team sees them."""

from __future__ import annotations

import json
from pathlib import Path

from ..checks_helpers import verify_json
from ..conftest import own_port

MODEL = "adventureworks-forecast"
EXPERIMENT = "adventureworks-forecast"


def _register_from_a_run_without_a_model(repo: Path) -> tuple[str, str]:
    """What a deploy step's register call does by mistake: a new version from a run that logged no `model` artifact."""
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{repo / '.ohcheck' / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    run = client.create_run(experiment.experiment_id, run_name="deploy", tags={"mlflow.source.name": "src/deploy.py"})
    client.log_text(run.info.run_id, '{"endpoint": "aw-forecast-testers"}', "deployment.json")
    client.set_terminated(run.info.run_id, "FINISHED")
    client.create_model_version(MODEL, source=f"{run.info.artifact_uri}/model", run_id=run.info.run_id)
    return run.info.run_id, f"{run.info.artifact_uri}/model"


def test_the_solutions_version_holds_the_training_runs_model(cli, team_repo):
    _, results = verify_json(cli, team_repo("solved-03"), "03")
    result = results["03.1"]
    assert result["status"] == "passed", result
    assert result["message"].startswith(f"{MODEL} version 1 from job ")
    assert result["evidence"]["contents"] == ["model.pkl"]


def test_a_version_from_a_run_without_a_model_artifact_fails_03_1_and_is_not_served(cli, team_repo):
    repo = team_repo("solved-03")
    run_id, source = _register_from_a_run_without_a_model(repo)
    _, results = verify_json(cli, repo, "03")
    result = results["03.1"]
    assert result["status"] == "failed", result
    assert result["message"] == (
        f"{MODEL} version 2 comes from job deploy but holds no model: {source} holds no file; "
        f"run {run_id} has the artifacts deployment.json"
    )
    # ohcheck serve refuses the same version for the same reason.
    own_port(repo)
    served = cli("serve", "--detach", cwd=repo)
    assert served.exit_code == 2, served.output
    assert f"{MODEL} version 2 holds no model: {source} holds no file" in served.stderr
    assert "Traceback" not in served.output


def test_the_failure_is_said_in_japanese_too(cli, team_repo):
    repo = team_repo("solved-03")
    _register_from_a_run_without_a_model(repo)
    document = json.loads(cli("verify", "03", "--json", "--no-store", "--lang", "ja", cwd=repo).stdout)
    message = {r["criterion"]: r for r in document["results"]}["03.1"]["message"]
    assert "モデルが入っていません" in message and "にはファイルが 1 つもありません" in message, message
