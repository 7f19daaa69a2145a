"""The CLI as a team uses it: help, the first steps of a team, verify's outputs and exit codes."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET

import pytest

from ohcheck.config import load_config

from ..conftest import write_pack

COMMANDS = [[], ["list"], ["show"], ["start"], ["init"], ["verify"], ["history"], ["data"], ["data", "prepare"],
            ["selftest"], ["demo"], ["serve"], ["doctor"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "ohcheck")
def test_every_command_has_help(cli, command):
    result = cli(*command, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage" in result.stdout


def test_version(cli):
    from ohcheck import __version__

    result = cli("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"ohcheck {__version__}"


def _git_init(path):
    subprocess.run(["git", "init", "--quiet"], cwd=path, check=True)


def test_a_new_team_from_challenge_00_to_a_first_verify_of_01(cli, tmp_path):
    repo = tmp_path / "team-repo"
    repo.mkdir()
    _git_init(repo)
    assert cli("start", "challenge-00", cwd=repo).exit_code == 0
    result = cli("init", "--team", "Contoso", cwd=repo)
    assert result.exit_code == 0, result.output

    result = cli("verify", "challenge-00", cwd=repo)
    assert result.exit_code == 0, result.output  # passed or skipped: the Azure rows are skipped locally
    assert "PASSED   00.5" in result.stdout and "SKIPPED  00.1" in result.stdout

    assert cli("start", "1", cwd=repo).exit_code == 0
    result = cli("verify", "1", cwd=repo)
    assert result.exit_code == 1
    assert "FAILED   01.1" in result.stdout
    assert "missing: data/mlops_forecast_data.csv" in result.stdout
    assert "hint: Run `ohcheck data prepare --out data`" in result.stdout
    assert "needs 01.1" in result.stdout

    assert cli("data", "prepare", "--source", "synthetic", cwd=repo).exit_code == 0
    result = cli("verify", "1", cwd=repo)
    assert result.exit_code == 1
    assert "PASSED   01.3" in result.stdout
    assert "FAILED   01.5" in result.stdout and "outputs/model is missing" in result.stdout

    listing = json.loads(cli("list", "--json", cwd=repo).stdout)
    by_id = {c["id"]: c for c in listing["challenges"]}
    assert by_id["challenge-00"]["last_status"] == "passed"
    assert by_id["challenge-01"]["last_status"] == "failed"
    assert by_id["challenge-01"]["last_counts"]["passed"] == 3

    history = json.loads(cli("history", "--json", cwd=repo).stdout)
    assert [a["challenge"] for a in history["attempts"]] == ["challenge-01", "challenge-01", "challenge-00"]
    assert len(history["attempts"][0]["results"]) == 7
    table = cli("history", "1", cwd=repo)
    assert table.exit_code == 0 and "challenge-01" in table.stdout and "challenge-00" not in table.stdout


def test_start_never_overwrites_the_teams_files(cli, tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text("# our own work\n")
    result = cli("start", "01", "--dir", tmp_path)
    assert result.exit_code == 0
    assert "kept    src/train.py" in result.stdout
    assert "copied  src/score.py" in result.stdout
    assert (tmp_path / "src" / "train.py").read_text() == "# our own work\n"


def test_show_prints_the_challenge(cli):
    result = cli("show", "challenge-01")
    assert result.exit_code == 0
    assert "# Challenge 01 – Build a forecasting model locally" in result.stdout
    assert "`01.6`" in result.stdout


@pytest.mark.parametrize("command", [["show", "x"], ["start", "9"], ["verify", "challenge-99"], ["history", "12"], ["selftest", "8"]])
def test_an_unknown_challenge_is_exit_2_everywhere(cli, tmp_path, command):
    (tmp_path / "ohcheck.yaml").write_text("team: t\n")
    result = cli(*command, cwd=tmp_path)
    assert result.exit_code == 2
    assert "the challenges are: challenge-00, challenge-01" in result.stderr
    assert "Traceback" not in result.output


def test_verify_json_and_junit_of_a_solved_challenge(cli, team_repo, tmp_path):
    repo = team_repo("solved-01")
    junit = tmp_path / "reports" / "ohcheck.xml"
    result = cli("verify", "01", "--json", "--junit-xml", junit, cwd=repo)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["challenge"] == "challenge-01" and document["target"] == "local"
    assert document["summary"] == {**document["summary"], "passed": 6, "failed": 0, "error": 0, "skipped": 1, "exit_code": 0}
    statuses = {r["criterion"]: r["status"] for r in document["results"]}
    assert statuses["01.4"] == "skipped" and statuses["01.6"] == "passed"
    evidence = next(r for r in document["results"] if r["criterion"] == "01.6")["evidence"]
    assert evidence["model"]["rmse"] < evidence["seasonal_naive"]["rmse"]

    suite = ET.parse(junit).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("7", "0", "0", "1")
    assert [case.get("name")[:4] for case in suite.iter("testcase")] == [f"01.{i}" for i in range(1, 8)]


def test_junit_marks_failures(cli, team_repo, tmp_path):
    repo = team_repo("starting-01")
    junit = tmp_path / "junit.xml"
    result = cli("verify", "01", "--junit-xml", junit, cwd=repo)
    assert result.exit_code == 1
    suite = ET.parse(junit).getroot().find("testsuite")
    failed = [case.get("name") for case in suite.iter("testcase") if case.find("failure") is not None]
    assert failed == ["01.1 Validate that the three data files exist with the columns TransactionDate,PaidAmount"]


def test_verify_takes_another_repo_and_a_target_override(cli, team_repo, tmp_path):
    repo = team_repo("solved-01")
    result = cli("verify", "00", "--repo", repo, "--target", "local", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "team testers, target local" in result.stdout
    assert load_config(repo / "ohcheck.yaml").team == "testers"


@pytest.mark.parametrize("how", ["--target", "OHCHECK_TARGET"])
def test_an_unknown_target_is_one_sentence_however_it_was_given(cli, team_repo, how):
    repo = team_repo("solved-01")
    if how == "--target":
        result = cli("verify", "00", "--no-store", "--target", "cloud", cwd=repo)
    else:
        result = cli("verify", "00", "--no-store", cwd=repo, env={"OHCHECK_TARGET": "cloud"})
    assert result.exit_code == 2, result.output
    assert result.output.strip() == "error: Unknown target 'cloud': choose one of local, azure.", result.output
    assert "local|azure" in cli("verify", "--help").output  # the choices, in --help


def test_the_azure_target_without_a_workspace_says_how_to_name_one(cli, team_repo, monkeypatch):
    for name in ("AZURE_SUBSCRIPTION_ID", "AZURE_RESOURCE_GROUP", "AZUREML_WORKSPACE_NAME"):
        monkeypatch.delenv(name, raising=False)
    result = cli("verify", "00", "--target", "azure", cwd=team_repo("solved-01"))
    assert result.exit_code == 2
    assert "No Azure ML workspace is named for the azure target." in result.stderr
    assert "ohcheck init --config-json config.json" in result.stderr


CRASHY = '''
from ohcheck.criteria import criterion, fail
from ohcheck.targets.base import TargetError

@criterion("01.1", "Verify that something works")
def works(ctx):
    pass

@criterion("01.2", "Verify that the service answers", hint="ask again later")
def unreachable(ctx):
    raise TargetError("the workspace did not answer: could not decide")

@criterion("01.3", "Verify that nothing crashes")
def crashes(ctx):
    return 1 / 0
'''


def test_errors_without_failures_exit_3_and_crashes_stay_one_line(cli, tmp_path):
    pack = write_pack(tmp_path / "pack", {"01": CRASHY})
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "ohcheck.yaml").write_text("team: t\n")
    result = cli("verify", "01", cwd=repo, env={"OHCHECK_PACK": str(pack)})
    assert result.exit_code == 3, result.output
    assert "PASSED   01.1" in result.stdout
    assert "ERROR    01.2" in result.stdout and "hint: ask again later" in result.stdout
    assert "the check crashed: ZeroDivisionError: division by zero" in result.stdout
    assert "Traceback" not in result.output
    log = (repo / ".ohcheck" / "ohcheck.log").read_text()
    assert "criterion 01.3 crashed" in log and "Traceback" in log


def test_a_failure_wins_over_an_error_for_the_exit_code(cli, tmp_path):
    source = CRASHY + '''
@criterion("01.4", "Verify that it fails")
def failing(ctx):
    fail("it does")
'''
    pack = write_pack(tmp_path / "pack", {"01": source})
    (tmp_path / "ohcheck.yaml").write_text("team: t\n")
    assert cli("verify", "01", cwd=tmp_path, env={"OHCHECK_PACK": str(pack)}).exit_code == 1


def test_on_a_terminal_tables_are_rich_and_odd_names_do_not_break_them(cli, tmp_path):
    """FORCE_COLOR makes rich treat the output as a terminal: the table path, not the plain one."""
    subprocess.run(["git", "init", "--quiet"], cwd=tmp_path, check=True)
    assert cli("start", "00", "--dir", tmp_path).exit_code == 0
    assert cli("init", "--team", "[bold]Team [x][/]", cwd=tmp_path).exit_code == 0
    env = {"FORCE_COLOR": "1", "COLUMNS": "160"}
    result = cli("verify", "00", cwd=tmp_path, env=env)
    assert result.exit_code == 0, result.output
    assert "┏" in result.stdout and "✔ passed" in result.stdout
    assert "[bold]Team [x][/]" in result.stdout
    for command in (["list"], ["history"], ["data", "prepare", "--source", "synthetic"]):
        result = cli(*command, cwd=tmp_path, env=env)
        assert result.exit_code == 0, (command, result.output)
        assert "┏" in result.stdout


def test_a_target_that_cannot_be_opened_writes_nothing(cli, tmp_path):
    (tmp_path / "ohcheck.yaml").write_text("team: t\n")
    result = cli("verify", "00", "--target", "azure", cwd=tmp_path)
    assert result.exit_code == 2
    assert not (tmp_path / ".ohcheck").exists()
