"""The facilitator's whole journey, as issue 6 puts it: from an empty folder to per-team kits, templates
and a green preflight, then clean-up after the event.

Every step is the CLI a facilitator types; Azure is the fake Azure ML server
driven by the real azure-ai-ml SDK. The one step in between that only real
Azure can do — `./deploy.sh` — is stood in for by giving the fake the
workspaces the templates make, under the names setup derived
(test_event_infra.py runs deploy.sh itself against a stub az).
"""

from __future__ import annotations

import json


from ohcheck.event.model import load_event
from ohcheck.event.names import team_names

from ..fake_azureml import WorkspaceState

SUB = "00000000-0000-0000-0000-000000000001"  # the fake's subscription
WIDE = {"COLUMNS": "250"}


def test_from_an_empty_folder_to_a_green_preflight_and_back(cli, fake, tmp_path):
    folder = tmp_path / "contoso-event"
    folder.mkdir()

    # 1. The facilitator writes the event file and fills in the subscription.
    assert cli("event", "init", cwd=folder).exit_code == 0
    event = folder / "event.yaml"
    text = event.read_text()
    text = text.replace("00000000-0000-0000-0000-000000000000", SUB)
    text = text.replace("instance_vm_size: Standard_DS3_v2", "instance_vm_size: Standard_DS1_v2")
    event.write_text(text)

    # 2. validate, 3. setup
    result = cli("event", "validate", cwd=folder, env=WIDE)
    assert result.exit_code == 0, result.output
    result = cli("event", "setup", cwd=folder, env=WIDE)
    assert result.exit_code == 0, result.output
    for name in ("teams/team1/ohcheck.yaml", "teams/team2/ohcheck.yaml", "infra/main.bicep", "deploy.sh",
                 "event-summary.md"):
        assert (folder / name).is_file(), name

    # 4. preflight: the fake region has 16 DSv2 vCPUs free; 2 teams x 2 nodes x 4 + 2 x 1 need 18.
    result = cli("event", "preflight", cwd=folder, env=WIDE)
    assert result.exit_code == 1, result.output
    assert "request 2 more vCPUs of standardDSv2Family in eastus" in result.output
    # The facilitator takes the other fix it offers, a smaller cluster, and runs setup again.
    event.write_text(event.read_text().replace("cluster_max_nodes: 2", "cluster_max_nodes: 1"))
    result = cli("event", "setup", "--json", cwd=folder)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["files"]["infra/team1.parameters.json"] == "updated"
    result = cli("event", "preflight", cwd=folder, env=WIDE)
    assert result.exit_code == 0, result.output
    assert "Ready" in result.output
    assert fake.token not in result.output

    # 5. deploy.sh runs (stood in for), and the teams work through the hack.
    loaded = load_event(event)
    spaces = []
    for i, team in enumerate(loaded.event.teams):
        names = team_names(loaded.event, team)
        ws = WorkspaceState(subscription_id=names.subscription_id, resource_group=names.resource_group,
                            name=names.workspace, location=names.region)
        if i == 0:
            fake.workspace = ws
        else:
            fake.add_workspace(ws)
        ws.add_compute_cluster(names.compute_cluster, max_instances=2)
        ws.add_compute_instance(names.compute_instance, state="Running")
        ws.add_online_endpoint(names.endpoint, traffic={"blue": 100})
        ws.add_online_deployment(names.endpoint, "blue")
        ws.add_schedule("retrain", cron="0 3 * * 1", enabled=True)
        spaces.append(ws)
    # Running preflight again during the event: the endpoints found are the teams' own, not a clash.
    result = cli("event", "preflight", "--json", cwd=folder)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] is True
    assert not [r for r in fake.requests if r.method not in ("GET",)]  # preflight only reads

    # 6. After the event: teardown lists what costs money and deletes nothing without --yes.
    result = cli("event", "teardown", cwd=folder, env=WIDE)
    assert result.exit_code == 0, result.output
    for ws in spaces:
        assert next(iter(ws.endpoints)) in result.output
    assert "az ml online-endpoint delete" in result.output
    assert not [r for r in fake.requests if r.method == "DELETE"]

    # 7. --yes deletes it all; a second teardown finds nothing left.
    result = cli("event", "teardown", "--yes", cwd=folder, env=WIDE)
    assert result.exit_code == 0, result.output
    for ws in spaces:
        assert not ws.endpoints
        assert not ws.computes
        assert not any(s.enabled for s in ws.schedules.values())
    result = cli("event", "teardown", "--json", cwd=folder)
    assert result.exit_code == 0, result.output
    assert all(t["resources"] == [] for t in json.loads(result.stdout)["teams"])
    assert fake.token not in result.output
