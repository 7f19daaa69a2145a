"""Challenge 00 on the local target: the repo and the environment are checked, Azure is skipped."""

from __future__ import annotations

from ..checks_helpers import check_module, verify_json


def test_a_ready_team_repo_passes_and_azure_rows_are_skipped_with_reasons(cli, team_repo):
    code, results = verify_json(cli, team_repo("solved-01"), "00")
    assert code == 0
    assert {k: r["status"] for k, r in results.items()} == {
        "00.1": "skipped", "00.2": "skipped", "00.3": "skipped", "00.4": "skipped",
        "00.5": "passed", "00.6": "passed", "00.7": "skipped",
    }
    assert "no Azure ML workspace on the local target" in results["00.1"]["message"]
    assert results["00.4"]["message"] == "needs 00.3 (Verify that the compute cluster exists), which was skipped"
    assert results["00.6"]["evidence"]["found"]["azure-ai-ml"]


def test_a_repo_that_is_not_under_git_fails(cli, tmp_path):
    assert cli("start", "00", "--dir", tmp_path).exit_code == 0
    assert cli("init", "--team", "t", cwd=tmp_path).exit_code == 0
    code, results = verify_json(cli, tmp_path, "00")
    assert code == 1
    assert results["00.5"]["status"] == "failed"
    assert "is not a git repository: run `git init`" in results["00.5"]["message"]


def test_missing_starter_files_and_an_incomplete_gitignore_fail(cli, team_repo):
    repo = team_repo("solved-01")
    (repo / "requirements.txt").unlink()
    _, results = verify_json(cli, repo, "00")
    assert results["00.5"]["message"] == "the starter's requirements.txt is missing from the repo"
    (repo / "requirements.txt").write_text("pandas\n")
    (repo / ".gitignore").write_text("__pycache__/\n")
    _, results = verify_json(cli, repo, "00")
    assert results["00.5"]["status"] == "failed"
    assert ".gitignore does not ignore .ohcheck/" in results["00.5"]["message"]


def test_a_missing_package_fails_with_its_name(cli, team_repo, pack, monkeypatch):
    module = check_module(pack, "00")
    monkeypatch.setattr(module, "PACKAGES", {**module.PACKAGES, "surely-not-installed-pkg": "1.0", "pandas": "999"})
    code, results = verify_json(cli, team_repo("solved-01"), "00")
    assert code == 1
    message = results["00.6"]["message"]
    assert "surely-not-installed-pkg is not installed" in message
    assert "pandas" in message and "is older than 999" in message
