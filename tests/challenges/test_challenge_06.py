"""Challenge 06 on the local target: retraining, and an evaluation whose decision ohcheck recomputes."""

from __future__ import annotations

import pytest

from ..checks_helpers import check_module, verify_json
from ..conftest import own_port

MODEL = "adventureworks-forecast"


def _registry(repo):
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{repo / '.ohcheck' / 'mlflow.db'}"
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def _decided_version(results) -> str:
    return results["06.3"]["evidence"]["version"]


def test_the_solution_passes_every_criterion(cli, team_repo):
    repo = team_repo("solved-06")
    code, results = verify_json(cli, repo, "06")
    assert code == 0, [(k, v["status"], v["message"]) for k, v in results.items() if v["status"] != "passed"]
    assert results["06.1"]["message"].endswith("trains on transaction_ts (2013 + 2014)")
    assert "train → evaluate → register → deploy; both models forecast 2014-05-01..2014-05-31" in results["06.2"]["message"]
    recomputed = results["06.4"]["evidence"]["recomputed"]
    right = "promote" if recomputed["challenger"] < recomputed["champion"] else "reject"
    assert results["06.4"]["message"].startswith(f"{right} is right: challenger RMSE ")
    assert results["06.5"]["evidence"]["forecasts_checked"] is True
    assert results["06.5"]["evidence"]["forecasts_from_day"] > 100  # the champion of 04 trained up to 2013-12
    assert results["06.5"]["message"].startswith("aw-forecast-testers serves the champion adventureworks-forecast:")


def test_the_starter_fails_what_the_team_must_do(cli, team_repo):
    repo = team_repo("starting-06")
    code, results = verify_json(cli, repo, "06")
    assert code == 1
    assert results["06.1"]["status"] == "failed"
    assert results["06.1"]["message"].endswith("trains on transaction_ts2013 only; it needs transaction_ts (2013 + 2014)")
    assert results["06.2"]["status"] == "failed"
    assert "has train, evaluate, register and deploy steps; the newest, train-register-deploy" in results["06.2"]["message"]
    assert [results[c]["status"] for c in ("06.3", "06.4", "06.5")] == ["skipped"] * 3


def test_a_wrong_decision_is_caught_by_recomputing_both_errors(cli, team_repo):
    repo = team_repo("solved-06")
    _, before = verify_json(cli, repo, "06")
    version = _decided_version(before)
    recorded = before["06.4"]["evidence"]["right"]
    wrong = "reject" if recorded == "promote" else "promote"
    _registry(repo).set_model_version_tag(MODEL, version, "decision", wrong)
    _, results = verify_json(cli, repo, "06")
    assert results["06.4"]["status"] == "failed"
    assert results["06.4"]["message"].startswith(f"the evaluation decided {wrong}, but challenger RMSE ")
    assert results["06.4"]["message"].endswith(f"(recomputed from its forecasts) means {recorded}")


def test_flattering_recorded_errors_are_caught(cli, team_repo):
    repo = team_repo("solved-06")
    _, before = verify_json(cli, repo, "06")
    _registry(repo).set_model_version_tag(MODEL, _decided_version(before), "champion_rmse", "100.0")
    _, results = verify_json(cli, repo, "06")
    assert results["06.4"]["status"] == "failed"
    assert results["06.4"]["message"].startswith("the version records champion_rmse 100.0, but its logged forecasts give ")


def test_a_decision_not_recorded_on_a_version_fails_06_3(cli, team_repo):
    repo = team_repo("solved-06")
    _, before = verify_json(cli, repo, "06")
    _registry(repo).delete_model_version_tag(MODEL, _decided_version(before), "evaluated_by")
    _, results = verify_json(cli, repo, "06")
    assert results["06.3"]["status"] == "failed"
    assert results["06.3"]["message"].startswith(f"no version of {MODEL} records the evaluation of job ")


def test_an_endpoint_not_serving_the_champion_fails_06_5(cli, team_repo):
    repo = team_repo("solved-06")
    own_port(repo)
    started = cli("serve", "--detach", "--model-version", "1", cwd=repo)
    try:
        assert started.exit_code == 0, started.output
        _, results = verify_json(cli, repo, "06")
    finally:
        cli("serve", "--stop", cwd=repo)
    assert results["06.5"]["status"] == "failed"
    assert "does not serve the champion adventureworks-forecast:" in results["06.5"]["message"]
    assert results["06.5"]["message"].endswith("local serves adventureworks-forecast:1")


def test_a_rejected_challenger_registered_anyway_fails_06_5(cli, team_repo):
    repo = team_repo("solved-06")
    _, before = verify_json(cli, repo, "06")
    if before["06.4"]["evidence"]["right"] != "reject":
        pytest.skip("on this data the challenger wins: nothing was rejected")
    client = _registry(repo)
    experiment = client.get_experiment_by_name(MODEL)
    train = client.search_runs([experiment.experiment_id], "tags.`ohcheck.step` = 'train'",
                               order_by=["attributes.start_time DESC"], max_results=1)[0]
    added = client.create_model_version(MODEL, source=f"{train.info.artifact_uri}/model", run_id=train.info.run_id)
    _, results = verify_json(cli, repo, "06")
    assert results["06.5"]["status"] == "failed"
    assert results["06.5"]["message"] == (
        f"the evaluation rejected the challenger, yet version {added.version} was registered from its train step"
    )


def test_the_endpoint_window_check_finds_the_judged_forecasts_anywhere_ahead(pack):
    module = check_module(pack, "06")
    assert module._window_matches([1.0, 2.0, 3.0, 4.0, 5.0], [3.0, 4.0])
    assert not module._window_matches([1.0, 2.0, 3.0, 4.0, 5.0], [4.0, 3.0])
    assert not module._window_matches([1.0], [1.0, 2.0])
    assert module._window_matches([1.0, 2.0, 3.0, 4.0, 5.0], [3.0, 4.0], at=2)
    assert not module._window_matches([1.0, 2.0, 3.0, 4.0, 5.0], [3.0, 4.0], at=1)
    assert not module._window_matches([1.0, 2.0, 3.0], [3.0, 4.0], at=2)


def test_with_an_empty_registry_the_first_model_becomes_the_champion_and_a_reject_is_wrong(cli, team_repo):
    """The original hack: no model yet → the challenger is registered as the first champion, and ohcheck says so."""
    repo = team_repo("solved-06")
    own_port(repo)
    _registry(repo).delete_registered_model(MODEL)
    try:
        run = cli("pipeline", "run", cwd=repo)
        assert run.exit_code == 0, run.output
        code, results = verify_json(cli, repo, "06")
        assert code == 0, [(k, v["status"], v["message"]) for k, v in results.items() if v["status"] != "passed"]
        assert results["06.2"]["message"].endswith(
            "train → evaluate → register → deploy; there was no champion yet: the challenger forecast "
            "2014-05-01..2014-05-31 and becomes the first champion"
        )
        assert results["06.2"]["evidence"]["registered_before"] == []
        assert results["06.3"]["message"] == f"{MODEL} version 1: promote — there is no champion yet"
        assert results["06.4"]["message"].startswith("promote is right: there was no champion yet, so the challenger (RMSE ")
        assert results["06.5"]["message"] == (
            f"aw-forecast-testers serves the champion {MODEL}:1 (the first one: there was none before)"
        )
        # A wrong decision still fails: with no champion, rejecting the first model registers nothing.
        _registry(repo).set_model_version_tag(MODEL, "1", "decision", "reject")
        _, results = verify_json(cli, repo, "06")
    finally:
        cli("serve", "--stop", cwd=repo)
    assert results["06.4"]["status"] == "failed"
    assert results["06.4"]["message"] == (
        "the evaluation decided reject, but there was no champion yet: "
        "the first model must be registered as the champion (promote)"
    )
