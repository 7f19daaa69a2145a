"""Challenge 01 as teams get it wrong and right: the data, the model, the honesty of the metrics."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys

import pytest

from ..checks_helpers import check_module, verify_json


def _run_train(repo):
    done = subprocess.run([sys.executable, "src/train.py"], cwd=repo, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_solution_passes_and_the_error_is_ohchecks_own(cli, team_repo):
    repo = team_repo("solved-01")
    code, results = verify_json(cli, repo, "01")
    assert code == 0
    assert {k: r["status"] for k, r in results.items()} == {
        "01.1": "passed", "01.2": "passed", "01.3": "passed", "01.4": "skipped",
        "01.5": "passed", "01.6": "passed", "01.7": "passed",
    }
    assert results["01.5"]["evidence"]["held_out"] == ["2013-12-16", "2013-12-31"]
    assert len(results["01.5"]["evidence"]["forecast"]) == 16


def test_a_team_with_data_but_an_untrained_starter_fails_not_errors(cli, team_repo):
    repo = team_repo("starting-01")
    assert cli("data", "prepare", "--source", "synthetic", "--out", "data", cwd=repo).exit_code == 0
    done = subprocess.run([sys.executable, "src/train.py"], cwd=repo, capture_output=True, text=True)
    assert done.returncode != 0 and "fit(): build your model here" in done.stderr

    code, results = verify_json(cli, repo, "01")
    assert code == 1
    assert results["01.5"]["status"] == "failed"
    assert results["01.5"]["message"] == "outputs/model is missing: train the model first (python src/train.py)"

    (repo / "outputs" / "model").mkdir(parents=True)
    _, results = verify_json(cli, repo, "01")
    assert results["01.5"]["status"] == "failed"
    assert results["01.5"]["message"].startswith("src/score.py raised in init(): FileNotFoundError: no model.pkl under")
    assert "(score.py, line" in results["01.5"]["message"]

    with open(repo / "outputs" / "model" / "model.pkl", "wb") as handle:
        pickle.dump({"a": "model"}, handle)
    _, results = verify_json(cli, repo, "01")
    assert results["01.5"]["status"] == "failed"
    assert "it answered with an error: \"not implemented yet" in results["01.5"]["message"]
    assert results["01.6"]["status"] == "skipped" and results["01.6"]["message"].startswith("needs 01.5")


ARIMA_FIT = '''
def fit(train: pd.Series):
    from statsmodels.tsa.arima.model import ARIMA

    return ARIMA(train.to_numpy(), order=(2, 0, 2)).fit()


def forecast(model, n: int) -> list[float]:
    return [float(v) for v in model.forecast(n)]
'''


def _make_arima_team(repo):
    """What a team does with the starter: the original hack's ARIMA(2,0,2)."""
    train = (repo / "src" / "train.py").read_text()
    start = train.index("def fit(train: pd.Series):")
    end = train.index("def metrics(")
    (repo / "src" / "train.py").write_text(train[:start] + ARIMA_FIT.lstrip() + "\n\n" + train[end:])
    score = (repo / "src" / "score.py").read_text()
    score = score.replace(
        '    return {"error": "not implemented yet: make run() return the model\'s forecasts"}',
        '    return {"result": [float(v) for v in model.forecast(n)]}',
    )
    (repo / "src" / "score.py").write_text(score)
    _run_train(repo)


def test_a_teams_plain_arima_passes_the_quality_bar(cli, team_repo):
    repo = team_repo("starting-01")
    assert cli("data", "prepare", "--source", "synthetic", "--out", "data", cwd=repo).exit_code == 0
    _make_arima_team(repo)
    code, results = verify_json(cli, repo, "01")
    assert code == 0, results
    evidence = results["01.6"]["evidence"]
    assert evidence["model"]["rmse"] < evidence["seasonal_naive"]["rmse"]
    assert results["01.7"]["status"] == "passed"


def test_on_the_real_data_arima_and_the_reference_score_as_the_coach_guide_says(cli, team_repo, shared_data):
    arima = team_repo("starting-01")
    assert cli("data", "prepare", "--source", shared_data / "TransactionHistory.csv", cwd=arima).exit_code == 0
    _make_arima_team(arima)
    _, results = verify_json(cli, arima, "01")
    assert results["01.6"]["status"] == "passed"
    assert results["01.6"]["evidence"]["model"]["rmse"] == pytest.approx(511.1, abs=1.0)
    assert results["01.6"]["evidence"]["seasonal_naive"]["rmse"] == pytest.approx(711.8, abs=0.1)

    reference = team_repo("solved-01")
    assert cli("data", "prepare", "--source", shared_data / "TransactionHistory.csv", cwd=reference).exit_code == 0
    _run_train(reference)
    _, results = verify_json(cli, reference, "01")
    assert results["01.6"]["evidence"]["model"]["rmse"] == pytest.approx(441.2, abs=0.1)


def test_a_metrics_file_that_flatters_the_model_is_caught(cli, team_repo):
    repo = team_repo("solved-01")
    honest = json.loads((repo / "outputs" / "metrics.json").read_text())
    (repo / "outputs" / "metrics.json").write_text(json.dumps({**honest, "rmse": 100.0, "r2": 0.9}))
    code, results = verify_json(cli, repo, "01")
    assert code == 1
    assert results["01.6"]["status"] == "passed"
    message = results["01.7"]["message"]
    assert results["01.7"]["status"] == "failed"
    assert f"rmse 100.00 (ohcheck measured {honest['rmse']:.2f})" in message
    assert "r2 0.900" in message and "mae" not in message


def test_a_metrics_file_with_mape_as_a_fraction_is_accepted(cli, team_repo):
    repo = team_repo("solved-01")
    honest = json.loads((repo / "outputs" / "metrics.json").read_text())
    (repo / "outputs" / "metrics.json").write_text(json.dumps({**honest, "mape": honest["mape"] / 100}))
    _, results = verify_json(cli, repo, "01")
    assert results["01.7"]["status"] == "passed"


@pytest.mark.parametrize(
    "content, expected",
    [
        (None, "outputs/metrics.json is missing"),
        ("{oops", "outputs/metrics.json is not valid JSON (line 1"),
        ('{"RMSE": 1, "mae": 2}', "outputs/metrics.json lacks mape, r2"),
        ('{"rmse": "low", "mae": 1, "mape": 1, "r2": 0}', "rmse is 'low', not a number"),
    ],
)
def test_a_broken_metrics_file_fails_with_what_is_wrong(cli, team_repo, content, expected):
    repo = team_repo("solved-01")
    metrics = repo / "outputs" / "metrics.json"
    if content is None:
        metrics.unlink()
    else:
        metrics.write_text(content)
    _, results = verify_json(cli, repo, "01")
    assert results["01.7"]["status"] == "failed"
    assert expected in results["01.7"]["message"]


SCORE = '''
import json, math, time

def init():
    pass

def run(raw_data):
    n = json.loads(raw_data)["data"][0]
{body}
'''


@pytest.mark.parametrize(
    "body, expected",
    [
        ('    return "hello"', "expected {\"result\": [16 numbers]}, got 'hello'"),
        ('    return {"result": [1.0, 2.0]}', "asked for 16 forecasts, got 2"),
        ('    return {"result": [math.nan] * n}', "forecast 1 is not finite (nan)"),
        ('    return {"result": ["7"] * n}', "forecast 1 is not a number: '7'"),
        ('    raise ValueError("bad request")', "src/score.py raised in run(): ValueError: bad request (score.py, line 9)"),
        ('    return {"error": "model not loaded"}', "it answered with an error: 'model not loaded'"),
        ("    return (", "src/score.py raised in importing it: SyntaxError"),
    ],
)
def test_a_scoring_script_that_misbehaves_fails_with_what_it_did(cli, team_repo, body, expected):
    repo = team_repo("solved-01")
    (repo / "src" / "score.py").write_text(SCORE.format(body=body))
    code, results = verify_json(cli, repo, "01")
    assert code == 1
    assert results["01.5"]["status"] == "failed"
    assert expected in results["01.5"]["message"]


def test_a_json_string_reply_is_read_as_azure_ml_clients_read_it(cli, team_repo):
    repo = team_repo("solved-01")
    score = (repo / "src" / "score.py").read_text()
    score = score.replace('return {"result": [float(value) for value in model.forecast(n)]}',
                          'return json.dumps({"result": [float(value) for value in model.forecast(n)]})')
    (repo / "src" / "score.py").write_text(score)
    code, results = verify_json(cli, repo, "01")
    assert code == 0 and results["01.5"]["status"] == "passed"


def test_a_scoring_script_that_hangs_fails_after_its_time(cli, team_repo, pack, monkeypatch):
    repo = team_repo("solved-01")
    (repo / "src" / "score.py").write_text(SCORE.format(body="    time.sleep(60)"))
    monkeypatch.setattr(check_module(pack, "01"), "SCORE_TIMEOUT", 1.0)
    _, results = verify_json(cli, repo, "01")
    assert results["01.5"]["status"] == "failed"
    assert results["01.5"]["message"] == "src/score.py did not answer within 1 s"


def test_a_model_worse_than_seasonal_naive_fails_with_both_errors(cli, team_repo):
    repo = team_repo("solved-01")
    (repo / "src" / "score.py").write_text(SCORE.format(body='    return {"result": [0.0] * n}'))
    code, results = verify_json(cli, repo, "01")
    assert code == 1
    assert results["01.5"]["status"] == "passed"
    assert results["01.6"]["status"] == "failed"
    assert "is not better than the seasonal-naive forecast's" in results["01.6"]["message"]


def _edit_csv(path, edit):
    lines = path.read_text().splitlines()
    path.write_text("\n".join(edit(lines)) + "\n")


@pytest.mark.parametrize(
    "file, edit, criterion, expected",
    [
        ("mlops_forecast_data2013.csv", lambda ls: ["Date,Amount"] + ls[1:], "01.1",
         "data/mlops_forecast_data2013.csv has columns ['Date', 'Amount'], expected ['TransactionDate', 'PaidAmount']"),
        ("mlops_forecast_data2013.csv", lambda ls: ls[:10] + ls[11:], "01.2",
         "data/mlops_forecast_data2013.csv: after 2013-08-08 comes 2013-08-10, not the next day"),
        ("mlops_forecast_data2013.csv", lambda ls: ls[:5] + ["2013-08-04,"] + ls[6:], "01.2",
         "data/mlops_forecast_data2013.csv: PaidAmount on 2013-08-04 is not a number (1 such days)"),
        ("mlops_forecast_data2014.csv", lambda ls: ls[:-1], "01.3",
         "data/mlops_forecast_data2014.csv ends on 2014-05-30; expected 2014-05-31"),
        ("mlops_forecast_data.csv", lambda ls: ls[:3] + ["2013-08-02,1.5"] + ls[4:], "01.3",
         "the yearly files disagree with the full file on 2013-08-02"),
        ("mlops_forecast_data.csv", lambda ls: ls[:3] + ["02/08/2013,1.5"] + ls[4:], "01.1",
         "data/mlops_forecast_data.csv, row 4: '02/08/2013' is not a YYYY-MM-DD date"),
    ],
)
def test_data_problems_name_the_file_and_the_day(cli, team_repo, file, edit, criterion, expected):
    repo = team_repo("solved-01")
    _edit_csv(repo / "data" / file, edit)
    code, results = verify_json(cli, repo, "01")
    assert code == 1
    assert results[criterion]["status"] == "failed"
    assert results[criterion]["message"] == expected
