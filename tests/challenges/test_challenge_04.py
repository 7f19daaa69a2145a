"""Challenge 04 on the local target: a pipeline run by `ohcheck pipeline run`, checked as a team sees it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ohcheck.pack import HackPack

from ..checks_helpers import verify_json
from ..conftest import own_port

SOLUTION = HackPack().root / "solutions" / "challenge-04"


def _with_solution_files(repo: Path) -> Path:
    """A starting-04 repo with the solution's files, but no pipeline run yet."""
    shutil.copytree(SOLUTION, repo, dirs_exist_ok=True)
    return repo


@pytest.fixture
def stop_server(cli):
    """Stop what a test's pipeline run left serving, whatever happens."""
    repos = []
    yield repos.append
    for repo in repos:
        cli("serve", "--stop", cwd=repo)


def test_the_solution_passes_every_criterion(cli, team_repo):
    repo = team_repo("solved-04")
    code, results = verify_json(cli, repo, "04")
    assert code == 0, [(k, v["status"], v["message"]) for k, v in results.items() if v["status"] != "passed"]
    assert results["04.1"]["message"] == "pipelines/train-deploy.yml: train → register → deploy, wired by data"
    assert results["04.1"]["evidence"]["steps"] == {"train": [], "register": ["train"], "deploy": ["register"]}
    assert "train → register → deploy" in results["04.2"]["message"]
    assert "and its 3 steps Completed" in results["04.3"]["message"]
    assert results["04.4"]["message"].startswith("adventureworks-forecast version 2 comes from the train step's job ")
    assert results["04.5"]["message"] == "aw-forecast-testers serves adventureworks-forecast:2"


def test_the_starter_fails_what_the_team_must_do(cli, team_repo):
    repo = team_repo("starting-04")
    code, results = verify_json(cli, repo, "04")
    assert code == 1
    assert results["04.1"]["status"] == "failed"
    assert results["04.1"]["message"] == (
        "pipelines/train-deploy.yml: no register step (the steps: train); no deploy step (the steps: train)"
    )
    assert results["04.2"]["message"] == "experiment adventureworks-forecast has no pipeline job yet"
    assert [results[c]["status"] for c in ("04.3", "04.4", "04.5")] == ["skipped"] * 3


def test_the_sdk_route_runs_locally_and_passes(cli, team_repo, stop_server):
    repo = _with_solution_files(team_repo("starting-04"))
    (repo / "pipelines" / "train-deploy.yml").unlink()  # the team chose the SDK v2 @pipeline
    port = own_port(repo)
    stop_server(repo)
    run = cli("pipeline", "run", "--json", cwd=repo)
    assert run.exit_code == 0, run.output
    document = json.loads(run.stdout)
    assert document["status"] == "Completed"
    assert [(s["name"], s["status"]) for s in document["steps"]] == [
        ("train", "Completed"), ("register", "Completed"), ("deploy", "Completed")
    ]
    code, results = verify_json(cli, repo, "04")
    assert code == 0, [(k, v["status"], v["message"]) for k, v in results.items() if v["status"] != "passed"]
    assert results["04.1"]["message"].startswith("pipelines/train_deploy.py: train → register → deploy")
    assert f"127.0.0.1:{port}" in cli("serve", "--status", cwd=repo).stdout


def test_a_failing_step_stops_the_pipeline_and_fails_04_3(cli, team_repo):
    repo = _with_solution_files(team_repo("starting-04"))
    register = repo / "src" / "register.py"
    register.write_text(register.read_text().replace("def main() -> None:", "def main() -> None:\n    raise SystemExit('broken on purpose')\n\n\ndef _unused() -> None:", 1))
    run = cli("pipeline", "run", cwd=repo)
    assert run.exit_code == 1
    assert "register: Failed" in run.stderr and "broken on purpose" in run.stdout
    code, results = verify_json(cli, repo, "04")
    assert results["04.2"]["status"] == "passed"
    assert results["04.3"]["status"] == "failed"
    assert results["04.3"]["message"].endswith("is Failed: register is Failed; deploy is NotStarted")
    assert results["04.4"]["status"] == "skipped"


def test_a_newest_run_that_failed_after_a_completed_one_is_judged_and_said(cli, team_repo):
    """The older completed run does not hide the newest failure: 04.3 fails, names both, and 04.4-04.5 wait."""
    repo = team_repo("solved-04")
    _, before = verify_json(cli, repo, "04")
    completed = before["04.3"]["evidence"]["job"]
    register = repo / "src" / "register.py"
    register.write_text(register.read_text().replace("def main() -> None:", "def main() -> None:\n    raise SystemExit('broken on purpose')\n\n\ndef _unused() -> None:", 1))
    run = cli("pipeline", "run", cwd=repo)
    assert run.exit_code == 1, run.output
    code, results = verify_json(cli, repo, "04")
    assert code == 1
    newest = results["04.3"]["evidence"]["job"]
    assert newest != completed
    assert results["04.2"]["status"] == "passed"
    assert results["04.2"]["message"] == f"pipeline job train-register-deploy ({newest}) (Failed): train → register → deploy"
    assert results["04.3"]["status"] == "failed"
    assert results["04.3"]["message"] == (
        f"the newest finished pipeline job train-register-deploy ({newest}) is Failed: register is Failed; "
        f"deploy is NotStarted; an older one, train-register-deploy ({completed}), completed, "
        "but the newest is the one that counts"
    )
    assert results["04.3"]["evidence"]["older_completed"] == completed
    assert "register" in results["04.3"]["evidence"]["step_jobs"]
    assert [results[c]["status"] for c in ("04.4", "04.5")] == ["skipped"] * 2


def test_steps_not_wired_by_data_fail_04_1_saying_which_binding_is_missing(cli, team_repo):
    repo = team_repo("solved-04")
    pipeline = repo / "pipelines" / "train-deploy.yml"
    pipeline.write_text(pipeline.read_text().replace(
        "model_info: ${{parent.jobs.register.outputs.model_info}}", "model_info: ${{parent.jobs.train.outputs.model}}"
    ))
    _, results = verify_json(cli, repo, "04")
    assert results["04.1"]["status"] == "failed"
    assert results["04.1"]["message"] == (
        "pipelines/train-deploy.yml: step deploy takes no output of register "
        "(bind an input to ${{parent.jobs.register.outputs.<output>}})"
    )


def test_a_definition_the_loader_refuses_fails_04_1_with_the_loaders_words(cli, team_repo):
    repo = team_repo("solved-04")
    (repo / "pipelines" / "train-deploy.yml").write_text("type: pipeline\njobs:\n  train:\n    type: command\n    component: ../components/nope.yml\n")
    _, results = verify_json(cli, repo, "04")
    assert results["04.1"]["status"] == "failed"
    assert results["04.1"]["message"].startswith("pipelines/train-deploy.yml does not load with azure-ai-ml: ")
    assert "Traceback" not in results["04.1"]["message"]


def test_a_version_not_from_the_train_step_fails_04_4(cli, team_repo):
    from mlflow.tracking import MlflowClient

    repo = team_repo("solved-04")
    uri = f"sqlite:///{repo / '.ohcheck' / 'mlflow.db'}"
    MlflowClient(tracking_uri=uri, registry_uri=uri).delete_model_version("adventureworks-forecast", "2")
    _, results = verify_json(cli, repo, "04")
    assert results["04.4"]["status"] == "failed"
    assert "no version of adventureworks-forecast comes from the train step of pipeline job" in results["04.4"]["message"]
    assert results["04.4"]["message"].endswith("the newest, version 1, comes from " + results["04.4"]["evidence"]["newest_job"])


def test_an_endpoint_serving_another_version_fails_04_5(cli, team_repo, stop_server):
    repo = team_repo("solved-04")
    own_port(repo)
    stop_server(repo)
    started = cli("serve", "--detach", "--model-version", "1", cwd=repo)
    assert started.exit_code == 0, started.output
    _, results = verify_json(cli, repo, "04")
    assert results["04.5"]["status"] == "failed"
    assert results["04.5"]["message"] == (
        "aw-forecast-testers does not serve adventureworks-forecast:2: local serves adventureworks-forecast:1"
    )


@pytest.mark.parametrize(
    ("file", "content", "expected"),
    [
        ("nothing.yml", None, "nothing.yml does not exist."),
        ("jobs/train-job.yml", None, "train-job.yml is a command job, not a pipeline job (`type: pipeline`)."),
        ("broken.yml", "type: pipeline\njobs: [\n", "broken.yml is not a valid pipeline job: "),
        ("notes.txt", "hello", "is neither a CLI v2 pipeline YAML (.yml) nor an SDK v2 pipeline (.py)."),
        # Issue 15: the SDK's own reading of it ended in a bare "maximum recursion depth exceeded".
        ("deep.yml", "type: pipeline\njobs: " + "[" * 3000 + "]" * 3000 + "\n",
         "deep.yml, line 2: this is not valid YAML (nested deeper than 100 levels)."),
    ],
)
def test_pipeline_run_refuses_what_is_not_a_pipeline_in_one_sentence(cli, team_repo, file, content, expected):
    repo = team_repo("starting-04")
    if content is not None:
        (repo / file).write_text(content)
    run = cli("pipeline", "run", repo / file, cwd=repo)
    assert run.exit_code == 2, run.output
    assert expected in run.stderr and "Traceback" not in run.output
    assert run.stderr.count("error:") == 1


def test_the_sdk_starter_fails_04_1_the_same_way(cli, team_repo):
    repo = team_repo("starting-04")
    (repo / "pipelines" / "train-deploy.yml").unlink()  # the team took the SDK route
    _, results = verify_json(cli, repo, "04")
    assert results["04.1"]["status"] == "failed"
    assert results["04.1"]["message"] == (
        "pipelines/train_deploy.py: no register step (the steps: train); no deploy step (the steps: train)"
    )


def test_a_missing_data_file_stops_the_pipeline_before_any_run_exists(cli, team_repo):
    repo = _with_solution_files(team_repo("starting-04"))
    (repo / "data" / "mlops_forecast_data2013.csv").unlink()
    run = cli("pipeline", "run", cwd=repo)
    assert run.exit_code == 2, run.output
    assert ("pipeline input data: azureml:transaction_ts2013@latest stands for data/mlops_forecast_data2013.csv, "
            "which does not exist.") in run.stderr
    assert "ohcheck data prepare --out data" in run.stderr
    _, results = verify_json(cli, repo, "04")
    assert results["04.2"]["message"] == "experiment adventureworks-forecast has no pipeline job yet"
