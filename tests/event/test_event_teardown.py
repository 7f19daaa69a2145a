"""`ohcheck event teardown`: run as a facilitator runs it, against the fake Azure ML server.

Two teams' workspaces (named as `ohcheck event setup` names them) hold an
endpoint with a deployment, a cluster, a running and a stopped compute
instance, and an enabled and a disabled schedule. The fake records every
request: listing must not write, --yes must delete exactly what was listed.
"""

from __future__ import annotations

import json

import pytest

from ohcheck.event.model import load_event
from ohcheck.event.names import team_names
from ohcheck.targets.azure import ENV_NAMES

from ..fake_azureml import Fault, WorkspaceState
from ..fake_session import pointed_fake

SUB = "00000000-0000-0000-0000-000000000001"
EVENT = f"""\
event:
  name: OpenHack for MLOps, Contoso
  starts: 2026-12-01
  ends: 2026-12-03
azure:
  subscriptions: [{SUB}]
  region: eastus
  prefix: ohml
teams:
  - name: team1
  - name: team2
  - name: locals
    target: local
"""


def _seed(ws: WorkspaceState, names) -> None:
    ws.add_online_endpoint(names.endpoint, traffic={"blue": 100})
    ws.add_online_deployment(names.endpoint, "blue", instance_type="Standard_DS3_v2", instance_count=2)
    ws.add_compute_cluster(names.compute_cluster, min_instances=1, max_instances=2)
    ws.add_compute_instance(names.compute_instance, state="Running")
    ws.add_compute_instance(f"{names.compute_instance}-2", state="Stopped")
    ws.add_schedule("nightly-retrain", cron="0 2 * * *", enabled=True)
    ws.add_schedule("old-schedule", cron="0 3 * * *", enabled=False)


@pytest.fixture
def event_file(tmp_path):
    path = tmp_path / "event" / "event.yaml"
    path.parent.mkdir()
    path.write_text(EVENT, encoding="utf-8")
    return path


@pytest.fixture
def fake(tmp_path, monkeypatch, event_file):
    """The fake serving team1's and team2's workspaces, each seeded, under the names setup derives."""
    event = load_event(event_file).event
    with pointed_fake(tmp_path, monkeypatch) as server:
        for i, team in enumerate(event.teams[:2]):
            names = team_names(event, team)
            ws = WorkspaceState(subscription_id=names.subscription_id, resource_group=names.resource_group,
                                name=names.workspace, location="eastus")
            if i == 0:
                server.workspace = ws
            else:
                server.add_workspace(ws)
            _seed(ws, names)
        yield server


def teardown(cli, event_file, *args):
    return cli("event", "teardown", str(event_file), *args, env={"COLUMNS": "250"})


def writes(fake):
    return sorted((r.method, r.path.rsplit("/workspaces/", 1)[-1]) for r in fake.requests if r.method not in ("GET", "POST"))


def test_without_yes_it_lists_prints_az_commands_and_writes_nothing(cli, fake, event_file):
    result = teardown(cli, event_file)
    assert result.exit_code == 0, result.output
    out = result.output
    for text in ("ohml-team1-forecast", "ohml-team1-forecast/blue", "2 × Standard_DS3_v2 (8 vCPUs)", "cpu-cluster",
                 "keeps 1 node up", "ci-ohml-team1", "ci-ohml-team1-2", "Stopped", "still billed for its disk",
                 "nightly-retrain", "ohml-team2-forecast", "target local"):
        assert text in out, text
    assert "old-schedule" not in out  # disabled: it submits nothing
    assert ("az ml online-endpoint delete --name ohml-team1-forecast --resource-group rg-ohml-team1 "
            f"--workspace-name mlw-ohml-team1 --subscription {SUB} --yes") in out
    assert f"az ml compute delete --name ci-ohml-team2-2 --resource-group rg-ohml-team2 --workspace-name mlw-ohml-team2 --subscription {SUB} --yes" in out
    assert "az ml schedule disable --name nightly-retrain" in out
    assert "Nothing was deleted: run again with --yes to delete these." in out
    assert writes(fake) == []
    assert fake.token not in out


def test_yes_deletes_exactly_what_was_listed(cli, fake, event_file):
    result = teardown(cli, event_file, "--yes")
    assert result.exit_code == 0, result.output
    for ws, team in zip(fake.workspaces, ("team1", "team2")):
        ep, rg = f"ohml-{team}-forecast", f"rg-ohml-{team}"
        assert ws.endpoints == {} and ws.deployments.get(ep) is None
        assert ws.computes == {}
        assert ws.schedules["nightly-retrain"].enabled is False  # disabled, kept for the coaches
        assert ws.schedules["old-schedule"].enabled is False
        assert rg
    expected = []
    for team in ("team1", "team2"):
        ws = f"mlw-ohml-{team}"
        expected += [("DELETE", f"{ws}/onlineEndpoints/ohml-{team}-forecast"), ("DELETE", f"{ws}/computes/cpu-cluster"),
                     ("DELETE", f"{ws}/computes/ci-ohml-{team}"), ("DELETE", f"{ws}/computes/ci-ohml-{team}-2"),
                     ("PUT", f"{ws}/schedules/nightly-retrain")]
    assert writes(fake) == sorted(expected)  # the disabled schedule and the deployment (with its endpoint) untouched
    assert "deleted" in result.output and "disabled" in result.output and "10 done, 0 failed." in result.output
    assert fake.token not in result.output


def test_team_restricts_to_one_team(cli, fake, event_file):
    result = teardown(cli, event_file, "--team", "team2", "--yes")
    assert result.exit_code == 0, result.output
    team1, team2 = fake.workspaces
    assert team2.endpoints == {} and team2.computes == {}
    assert len(team1.computes) == 3 and team1.endpoints  # untouched
    assert all("mlw-ohml-team2" in path for _, path in writes(fake))
    assert "team1" not in result.output


def test_an_unknown_team_is_one_sentence_and_exit_2(cli, fake, event_file):
    result = teardown(cli, event_file, "--team", "nobody")
    assert result.exit_code == 2
    assert "There is no team 'nobody'" in result.output and "Traceback" not in result.output
    assert fake.requests == []


def test_a_team_whose_workspace_does_not_exist_has_nothing_to_tear_down(cli, fake, event_file):
    fake.workspaces[1].exists = False
    result = teardown(cli, event_file, "--json")
    assert result.exit_code == 0, result.output
    teams = {t["team"]: t for t in json.loads(result.output)["teams"]}
    assert teams["team2"]["error"] is None and teams["team2"]["resources"] == []
    assert "nothing to tear down: no workspace" in teams["team2"]["note"]
    assert teams["team1"]["resources"]


def test_a_team_that_cannot_be_listed_is_an_error_and_the_others_go_on(cli, fake, event_file):
    fake.inject(r"mlw-ohml-team1/computes$", Fault.server_error(500), times=None)
    result = teardown(cli, event_file)
    assert result.exit_code == 3, result.output
    assert "answered 500" in result.output and "ohml-team2-forecast" in result.output
    assert "Traceback" not in result.output


def test_a_failing_delete_is_one_sentence_exit_1_and_the_rest_is_deleted(cli, fake, event_file):
    fake.inject(r"mlw-ohml-team1/computes/cpu-cluster$", Fault.server_error(500), times=None)
    result = teardown(cli, event_file, "--yes")
    assert result.exit_code == 1, result.output
    team1, team2 = fake.workspaces
    assert list(team1.computes) == ["cpu-cluster"] and team1.endpoints == {}
    assert team2.computes == {}
    line = next(line for line in result.output.splitlines() if line.startswith("failed"))
    assert "cpu-cluster" in line and "answered 500" in line and "try again later" in line
    assert "9 done, 1 failed." in result.output
    assert "Traceback" not in result.output


def test_json_shape(cli, fake, event_file):
    result = teardown(cli, event_file, "--json", "--yes")
    assert result.exit_code == 0, result.output
    assert fake.token not in result.output
    doc = json.loads(result.output)  # nothing but the document on stdout (no poller dots)
    teams = {t["team"]: t for t in doc["teams"]}
    assert set(teams) == {"team1", "team2", "locals"}
    t1 = teams["team1"]
    assert t1["workspace"] == {"subscription_id": SUB, "resource_group": "rg-ohml-team1", "name": "mlw-ohml-team1"}
    assert [(r["kind"], r["name"], r["state"]) for r in t1["resources"]] == [
        ("endpoint", "ohml-team1-forecast", "Succeeded"),
        ("deployment", "ohml-team1-forecast/blue", "Succeeded"),
        ("cluster", "cpu-cluster", "Succeeded"),
        ("instance", "ci-ohml-team1", "Running"),
        ("instance", "ci-ohml-team1-2", "Stopped"),
        ("schedule", "nightly-retrain", "Enabled"),
    ]
    cluster = t1["resources"][2]["details"]
    assert (cluster["min_nodes"], cluster["max_nodes"], cluster["current_nodes"]) == (1, 2, 1)
    assert t1["resources"][1]["details"]["instance_count"] == 2
    assert len(t1["commands"]) == 5 and t1["error"] is None
    assert [(d["kind"], d["name"], d["result"]) for d in t1["deleted"]] == [
        ("endpoint", "ohml-team1-forecast", "deleted"), ("cluster", "cpu-cluster", "deleted"),
        ("instance", "ci-ohml-team1", "deleted"), ("instance", "ci-ohml-team1-2", "deleted"),
        ("schedule", "nightly-retrain", "disabled")]
    assert teams["locals"]["workspace"] is None and teams["locals"]["deleted"] is None
    assert teams["locals"]["resources"] == [] and teams["locals"]["error"] is None


def test_nothing_to_delete_says_so(cli, fake, event_file):
    for ws in fake.workspaces:
        ws.endpoints.clear()
        ws.deployments.clear()
        ws.computes.clear()
        ws.schedules.clear()
    result = teardown(cli, event_file, "--yes")
    assert result.exit_code == 0, result.output
    assert "Nothing to delete." in result.output and "is clean" in result.output
    assert writes(fake) == []


def test_a_team_without_a_workspace_is_a_row_saying_so(cli, fake, tmp_path):
    # No azure: section, so nothing to derive a workspace from; one team names its own (team1's).
    ws = fake.workspaces[0]
    path = tmp_path / "named.yaml"
    path.write_text(EVENT.split("azure:")[0] + f"""\
teams:
  - name: team1
    workspace: {{subscription_id: {ws.subscription_id}, resource_group: {ws.resource_group}, name: {ws.name}}}
  - name: nameless
""", encoding="utf-8")
    result = teardown(cli, path)
    assert result.exit_code == 0, result.output
    assert "nameless" in result.output and "no workspace: the event names none" in result.output
    assert "ohml-team1-forecast" in result.output and "ohml-team2-forecast" not in result.output


def test_a_cluster_whose_nodes_cannot_be_listed_is_still_listed_and_deleted(cli, fake, event_file):
    # listNodes is an action the Reader role lacks: the count is unknown, the team is not an error.
    for ws in fake.workspaces:
        ws.computes["cpu-cluster"].min_instances = 0
    fake.inject(r"/computes/cpu-cluster/listNodes$", Fault.server_error(500), times=None)
    result = teardown(cli, event_file, "--json", "--yes")
    assert result.exit_code == 0, result.output
    t1 = next(t for t in json.loads(result.output)["teams"] if t["team"] == "team1")
    cluster = next(r for r in t1["resources"] if r["kind"] == "cluster")
    assert cluster["details"]["current_nodes"] is None and "not known" in cluster["cost"]
    assert t1["error"] is None and ("cluster", "cpu-cluster", "deleted") in [
        (d["kind"], d["name"], d["result"]) for d in t1["deleted"]]


def test_az_commands_are_quoted_for_the_shell(cli, fake, tmp_path):
    # Azure allows '(' and ')' in a resource group name; the printed command must paste into bash as is.
    ws = fake.add_workspace(WorkspaceState(subscription_id=SUB, resource_group="rg-ohml(team3)", name="mlw-team3"))
    ws.add_compute_cluster("cpu-cluster")
    path = tmp_path / "own.yaml"
    path.write_text(EVENT.split("teams:")[0] + f"""\
teams:
  - name: team3
    workspace: {{subscription_id: {SUB}, resource_group: "rg-ohml(team3)", name: mlw-team3}}
""", encoding="utf-8")
    result = teardown(cli, path)
    assert result.exit_code == 0, result.output
    assert (f"az ml compute delete --name cpu-cluster --resource-group 'rg-ohml(team3)' --workspace-name mlw-team3 "
            f"--subscription {SUB} --yes") in result.output
    assert writes(fake) == []


def test_azure_variables_in_the_shell_do_not_move_a_teardown(cli, fake, event_file, monkeypatch):
    # `ohcheck verify` honours AZURE_SUBSCRIPTION_ID/AZURE_RESOURCE_GROUP/AZUREML_WORKSPACE_NAME; teardown
    # deletes, so it must act on the workspace the event file names for the team, whatever the shell says.
    team1 = fake.workspaces[0]
    for name, value in zip(ENV_NAMES, (team1.subscription_id, team1.resource_group, team1.name)):
        monkeypatch.setenv(name, value)
    result = teardown(cli, event_file, "--team", "team2", "--yes")
    assert result.exit_code == 0, result.output
    assert team1.endpoints and len(team1.computes) == 3
    assert fake.workspaces[1].computes == {}


def test_piped_the_list_is_plain_columns_a_row_per_line(cli, fake, event_file):
    result = teardown(cli, event_file)
    assert result.exit_code == 0, result.output
    assert not set(result.stdout) & set("┏┓┗┛┃━┡┩│─└┘"), result.stdout  # no box drawing when piped
    lines = result.stdout.splitlines()
    assert lines[lines.index("What still costs money") + 1].split() == ["Team", "Kind", "Name", "State", "Cost",
                                                                         "note"]
    assert any(line.split()[:3] == ["team1", "compute", "instance"] and "ci-ohml-team1" in line for line in lines)
