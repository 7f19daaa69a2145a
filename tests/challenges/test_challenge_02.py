"""Challenge 02 on the local target: the repo's environment YAML and the MLflow run of train.py, as a team sees them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ..checks_helpers import verify_json


def _train(repo: Path, *args: str) -> None:
    """`python src/train.py ...` in the repo, as the team runs it: a new MLflow run in .ohcheck/mlflow.db."""
    done = subprocess.run([sys.executable, "src/train.py", *args], cwd=repo, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _set_pip(repo: Path, old: str, new: str) -> None:
    conda = repo / "environment" / "conda.yml"
    text = conda.read_text()
    assert old in text
    conda.write_text(text.replace(old, new))


def test_the_solution_passes_every_criterion_but_the_cluster(cli, team_repo):
    code, results = verify_json(cli, team_repo("solved-02"), "02")
    assert code == 0, results
    assert {k: r["status"] for k, r in results.items()} == {
        **{f"02.{i}": "passed" for i in range(1, 8)}, "02.3": "skipped"
    }
    assert results["02.4"]["message"] == (
        "input data: data/mlops_forecast_data2013.csv (transaction_ts2013)"
    )


def test_a_run_trained_on_the_whole_series_fails_02_4_as_it_would_in_azure(cli, team_repo):
    repo = team_repo("solved-02")
    _train(repo, "--data", "data/mlops_forecast_data.csv")
    _, results = verify_json(cli, repo, "02")
    result = results["02.4"]
    assert result["status"] == "failed", result
    assert result["message"].endswith(
        "took the data asset transaction_ts as its input data (data/mlops_forecast_data.csv); "
        "this challenge trains on transaction_ts2013, the 2013 series"
    ), result["message"]


def test_a_run_with_no_data_asset_as_input_says_what_it_read(cli, team_repo):
    repo = team_repo("solved-02")
    (repo / "elsewhere.csv").write_text((repo / "data" / "mlops_forecast_data2013.csv").read_text())
    _train(repo, "--data", "elsewhere.csv")
    _, results = verify_json(cli, repo, "02")
    assert results["02.4"]["status"] == "failed"
    assert results["02.4"]["message"].endswith(
        "does not take the data asset transaction_ts2013 as input (its inputs: data=elsewhere.csv)"
    ), results["02.4"]["message"]


@pytest.mark.parametrize("spelling", ["azureml-mlflow==1.57.0", "AzureML_MLflow==1.57.0", "azureml.mlflow[all]==1.57.0"])
def test_azureml_mlflow_counts_in_any_spelling_pip_accepts(cli, team_repo, spelling):
    repo = team_repo("solved-02")
    _set_pip(repo, "azureml-mlflow==1.57.0", spelling)
    _, results = verify_json(cli, repo, "02")
    assert results["02.1"]["status"] == "passed", results["02.1"]


def test_an_environment_without_azureml_mlflow_fails_02_1_even_if_pinned(cli, team_repo):
    repo = team_repo("solved-02")
    _set_pip(repo, "      - azureml-mlflow==1.57.0\n", "      - azureml-mlflow-extras==1.0.0\n")
    _, results = verify_json(cli, repo, "02")
    result = results["02.1"]
    assert result["status"] == "failed", result
    assert result["message"] == (
        "environment/adventureworks-env.yml does not include azureml-mlflow, which lets MLflow log to the "
        "workspace from a job (its pip packages: pandas, numpy, statsmodels, mlflow, azureml-mlflow-extras, "
        "azureml-inference-server-http)"
    )


def test_azureml_mlflow_in_a_comment_or_an_option_does_not_count(cli, team_repo):
    repo = team_repo("solved-02")
    _set_pip(repo, "      - azureml-mlflow==1.57.0\n",
             "      # - azureml-mlflow==1.57.0\n      - --extra-index-url=https://example.org/azureml-mlflow\n")
    _, results = verify_json(cli, repo, "02")
    assert results["02.1"]["status"] == "failed"
    assert "does not include azureml-mlflow" in results["02.1"]["message"]
