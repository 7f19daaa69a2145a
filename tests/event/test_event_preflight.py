"""`ohcheck event preflight`: run as a facilitator runs it, against the fake Azure ML server.

The fake answers the subscription, its resource providers, its resources, and
the region's VM sizes and vCPU usage (8 of 24 DSv2 vCPUs used, 8 of 100
regional). Endpoint names are looked up in DNS only in the tests that hand
the check a resolver: OHCHECK_ENDPOINT_DNS=off everywhere else, so no test
touches the network.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from azure.identity import CredentialUnavailableError

import ohcheck.azure.identity as azure_identity
from ohcheck.event.model import load_event
from ohcheck.event.names import team_names
from ohcheck.event.preflight.run import check_group, group_teams
from ohcheck.event.preflight.names import endpoint_in_dns, lookup

from ..fake_azureml import WorkspaceState

SUB = "00000000-0000-0000-0000-000000000001"  # the fake's
UNKNOWN_SUB = "99999999-0000-0000-0000-000000000009"


def event_text(*, teams: int = 2, subscription: str = SUB, extra: str = "") -> str:
    names = "".join(f"  - name: team{i}\n" for i in range(1, teams + 1))
    return f"""\
event:
  name: OpenHack for MLOps, Contoso
  starts: 2026-12-01
  ends: 2026-12-03
azure:
  subscriptions: [{subscription}]
  region: eastus
  prefix: ohml
  cluster_max_nodes: 1
{extra}teams:
{names}  - name: locals
    target: local
"""


@pytest.fixture
def write_event(tmp_path):
    def write(text: str):
        path = tmp_path / "event" / "event.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def preflight(cli, path, *args):
    return cli("event", "preflight", str(path), *args, env={"COLUMNS": "250"})


def as_json(cli, path):
    result = preflight(cli, path, "--json")
    return result, json.loads(result.stdout)


def rows(document):
    return {c["check"]: c for g in document["groups"] for c in g["checks"]}


def only_gets(fake):
    assert fake.requests, "preflight asked the fake nothing"
    assert {r.method for r in fake.requests} == {"GET"}


def test_all_green(cli, fake, write_event):
    path = write_event(event_text())
    result = preflight(cli, path)
    assert result.exit_code == 0, result.output
    out = result.output
    for text in ("Credential", "signed in as student@contoso.com", "Resource providers", "all 6 registered",
                 "VM size Standard_DS3_v2", "vCPU quota standardDSv2Family", "need 16", "available 16",
                 "vCPU quota, regional total", "Endpoint names", "2 free in eastus",
                 "OHCHECK_ENDPOINT_DNS=off", "Compute instance names", "Ready:"):
        assert text in out, text
    for status in ("problem", "error", "warning"):
        assert status not in out
    assert "locals" not in out  # a local team needs nothing in Azure
    assert fake.token not in out
    only_gets(fake)


def test_json_shape(cli, fake, write_event):
    result, document = as_json(cli, write_event(event_text()))
    assert result.exit_code == 0, result.output
    assert document["event"] == "OpenHack for MLOps, Contoso"
    assert document["ok"] is True
    [group] = document["groups"]
    assert (group["subscription"], group["region"], group["teams"]) == (SUB, "eastus", ["team1", "team2"])
    assert group["checks"][0]["check"] == "Credential"
    for check in group["checks"]:
        assert set(check) == {"check", "status", "found", "fix"}
        assert check["status"] == "ok"
    assert fake.token not in result.stdout


def test_a_provider_not_registered_is_a_problem_with_the_register_command(cli, fake, write_event):
    fake.providers["Microsoft.Insights"] = "NotRegistered"
    result = preflight(cli, write_event(event_text()))
    assert result.exit_code == 1, result.output
    assert f"az provider register --namespace Microsoft.Insights --subscription {SUB}" in result.output
    _, document = as_json(cli, write_event(event_text()))
    row = rows(document)["Resource provider Microsoft.Insights"]
    assert (row["status"], row["found"]) == ("problem", "NotRegistered")
    assert "Resource providers" not in rows(document)  # the others are fine: no "all registered" row
    assert document["ok"] is False


def test_not_enough_quota_names_the_number_to_request(cli, fake, write_event):
    path = write_event(event_text(teams=5).replace("cluster_max_nodes: 1", "cluster_max_nodes: 2"))
    result, document = as_json(cli, path)
    assert result.exit_code == 1, result.stdout
    row = rows(document)["vCPU quota standardDSv2Family"]
    assert row["status"] == "problem"
    # 5 teams × 2 nodes × 4 vCPUs + 5 instances × 4 vCPUs = 60; 24 - 8 = 16 available.
    assert "need 60" in row["found"] and "available 16 (8 of 24 used)" in row["found"]
    assert "request 44 more vCPUs of standardDSv2Family in eastus (a limit of 68)" in row["fix"]
    assert "smaller vm_size / cluster_max_nodes" in row["fix"]
    assert rows(document)["vCPU quota, regional total"]["status"] == "ok"  # 60 of 92 left
    table = preflight(cli, path)
    assert table.exit_code == 1 and "request 44 more" in table.output and "Not ready" in table.output


def test_a_vm_size_not_offered_in_the_region(cli, fake, write_event):
    path = write_event(event_text(extra="  vm_size: Standard_DS4_v2\n"))  # real, but the fake's eastus lacks it
    result, document = as_json(cli, path)
    assert result.exit_code == 1, result.stdout
    row = rows(document)["VM size Standard_DS4_v2"]
    assert row["status"] == "problem" and "not offered by Azure ML in eastus" in row["found"]
    assert "vm_size" in row["fix"] and "Standard_DS13_v2" not in row["fix"]
    # The quota is still counted, from the offline table (8 vCPUs, standardDSv2Family).
    assert "2 teams × 1 nodes × 8 (Standard_DS4_v2)" in rows(document)["vCPU quota standardDSv2Family"]["found"]
    assert rows(document)["VM size Standard_DS3_v2"]["status"] == "ok"  # the instances' size


def test_an_endpoint_name_in_another_workspace_is_taken_the_teams_own_is_fine(cli, fake, write_event):
    path = write_event(event_text())
    event = load_event(path).event
    team1, team2 = (team_names(event, t) for t in event.teams[:2])
    own = fake.add_workspace(WorkspaceState(subscription_id=SUB, resource_group=team1.resource_group,
                                            name=team1.workspace, location="eastus"))
    own.add_online_endpoint(team1.endpoint)  # left from a rehearsal: still team1's
    other = fake.add_workspace(WorkspaceState(subscription_id=SUB, resource_group="rg-someone-else",
                                              name="mlw-someone-else", location="eastus"))
    other.add_online_endpoint(team2.endpoint)
    other.add_compute_instance(team2.compute_instance)
    result, document = as_json(cli, path)
    assert result.exit_code == 1, result.stdout
    checks = rows(document)
    taken = checks[f"Endpoint name {team2.endpoint}"]
    assert taken["status"] == "problem"
    assert "workspace mlw-someone-else (resource group rg-someone-else)" in taken["found"]
    assert "rename team team2" in taken["fix"]
    fine = checks["Endpoint names"]
    assert fine["status"] == "ok" and f"already the team's own: {team1.endpoint}" in fine["found"]
    assert checks[f"Compute instance name {team2.compute_instance}"]["status"] == "problem"
    assert checks["Compute instance names"]["status"] == "ok"
    only_gets(fake)


def test_the_same_name_in_another_region_is_not_taken(cli, fake, write_event):
    path = write_event(event_text())
    event = load_event(path).event
    other = fake.add_workspace(WorkspaceState(subscription_id=SUB, resource_group="rg-west", name="mlw-west",
                                              location="westus2"))
    other.add_online_endpoint(team_names(event, event.teams[0]).endpoint)
    result = preflight(cli, path)
    assert result.exit_code == 0, result.output


def test_no_credential_is_one_sentence_and_the_rest_not_checked(cli, fake, write_event, monkeypatch):
    class NoCredential:
        def get_token(self, *scopes, **kwargs):
            raise CredentialUnavailableError("DefaultAzureCredential failed to retrieve a token")

    monkeypatch.setattr(azure_identity, "default_credential", NoCredential)
    result, document = as_json(cli, write_event(event_text()))
    assert result.exit_code == 3, result.stdout  # undecided, not failed
    checks = rows(document)
    assert checks["Credential"]["status"] == "error"
    assert checks["Credential"]["found"].startswith("no Azure credential was found: run `az login`")
    for name in ("Resource providers", "VM sizes", "vCPU quota", "Endpoint names", "Compute instance names"):
        assert checks[name]["status"] == "error" and checks[name]["found"].startswith("not checked"), name
    table = preflight(cli, write_event(event_text()))
    assert table.exit_code == 3 and "Traceback" not in table.output and "Not decided" in table.output
    assert fake.requests == []  # nothing was asked of Azure without a token


def test_a_credential_that_cannot_be_made_is_an_error_row(cli, fake, write_event, monkeypatch):
    def broken():
        raise ValueError("AZURE_CLIENT_ID is set but AZURE_TENANT_ID is not")

    monkeypatch.setattr(azure_identity, "default_credential", broken)
    result, document = as_json(cli, write_event(event_text()))
    assert result.exit_code == 3, result.stdout
    assert "AZURE_TENANT_ID is not" in rows(document)["Credential"]["found"]


def test_a_refused_token_is_an_error_not_a_problem(cli, fake, write_event):
    fake.deny(401)
    result, document = as_json(cli, write_event(event_text()))
    assert result.exit_code == 3, result.stdout
    found = rows(document)["Credential"]["found"]
    assert "Azure refused the credential's token (401 InvalidAuthenticationToken)" in found
    assert "az login" in rows(document)["Credential"]["fix"]
    assert fake.token not in result.stdout


def test_no_access_to_the_subscription_is_a_problem(cli, fake, write_event):
    fake.deny(403)
    result, document = as_json(cli, write_event(event_text()))
    assert result.exit_code == 1, result.stdout
    row = rows(document)["Credential"]
    assert row["status"] == "problem" and "403 AuthorizationFailed" in row["found"]
    assert "Reader role" in row["fix"]


def test_a_subscription_azure_does_not_know(cli, fake, write_event):
    path = write_event(event_text(subscription=UNKNOWN_SUB))
    result, document = as_json(cli, path)
    assert result.exit_code == 1, result.stdout
    row = rows(document)["Credential"]
    assert row["status"] == "problem"
    assert f"subscription {UNKNOWN_SUB} was not found, or the credential cannot see it" in row["found"]
    assert "az account list -o table" in row["fix"]
    assert rows(document)["vCPU quota"]["found"].startswith("not checked")
    table = preflight(cli, path)
    assert table.exit_code == 1 and "Traceback" not in table.output
    assert "Not ready: 1 problem, 5 not checked in 1 subscription/region" in table.output


def test_a_disabled_subscription_is_a_problem(cli, fake, write_event):
    fake.subscription_states[SUB] = "Disabled"
    result, document = as_json(cli, write_event(event_text()))
    assert result.exit_code == 1, result.stdout
    row = rows(document)["Credential"]
    assert row["status"] == "problem" and row["found"].endswith("is Disabled") and "re-enable" in row["fix"]


def test_an_event_without_azure_is_a_usage_error(cli, write_event):
    text = "event:\n  name: E\n  starts: 2026-12-01\n  ends: 2026-12-02\nteams:\n  - name: t1\n    target: local\n"
    result = preflight(cli, write_event(text))
    assert result.exit_code == 2
    assert "no `azure:` section" in result.output and "ohcheck event init" in result.output


def test_teams_in_two_subscriptions_are_two_groups(cli, fake, write_event):
    second = "00000000-0000-0000-0000-000000000002"
    fake.empty_subscriptions.add(second)  # no workspace there yet: before setup is deployed
    path = write_event(event_text(teams=3).replace(f"[{SUB}]", f"[{SUB}, {second}]"))
    result, document = as_json(cli, path)
    assert result.exit_code == 0, result.stdout
    assert [(g["subscription"], g["teams"]) for g in document["groups"]] == [
        (SUB, ["team1", "team3"]), (second, ["team2"])]


# -- DNS: the decision alone, with a resolver handed in (no network) --------------------------------
def resolver(answers):
    """A getaddrinfo stand-in: host -> an address, or the gaierror errno to raise."""

    def resolve(host, port, **kwargs):
        answer = answers(host)
        if isinstance(answer, int):
            raise socket.gaierror(answer, "fake resolver")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, port))]

    return resolve


def test_dns_a_name_that_resolves_is_taken():
    taken = resolver(lambda host: "20.1.2.3" if host.startswith("ohml-team1-forecast.") else socket.EAI_NONAME)
    verdict, seen = endpoint_in_dns("ohml-team1-forecast", "eastus", resolver=taken)
    assert verdict == "taken" and "ohml-team1-forecast.eastus.inference.ml.azure.com resolves" in seen


def test_dns_nxdomain_is_free():
    assert endpoint_in_dns("ohml-team1-forecast", "eastus", resolver=resolver(lambda h: socket.EAI_NONAME))[0] == "free"


def test_dns_other_failures_cannot_tell():
    verdict, seen = endpoint_in_dns("x-forecast", "eastus", resolver=resolver(lambda h: socket.EAI_AGAIN))
    assert verdict == "unknown" and "DNS failed" in seen
    wildcard = resolver(lambda h: "10.0.0.1")  # a network whose DNS answers every name
    assert endpoint_in_dns("x-forecast", "eastus", resolver=wildcard) == (
        "unknown", "this network's DNS resolves any name, so it cannot tell")


def test_dns_a_silent_resolver_is_given_up_on():
    answer = threading.Event()

    def silent(host, port, **kwargs):
        answer.wait(60)  # a resolver that answers only when the test ends

    # The lookup returns while the resolver still waits: given up on, not waited for (no wall-clock bound,
    # which a loaded machine would break).
    try:
        assert lookup("x.eastus.inference.ml.azure.com", resolver=silent, timeout=0.2) == "DNS did not answer in 0.2 s"
        assert not answer.is_set()
    finally:
        answer.set()


def test_dns_in_the_checks_a_taken_name_is_a_problem_a_silent_one_a_warning(fake, write_event, monkeypatch):
    monkeypatch.delenv("OHCHECK_ENDPOINT_DNS")  # on: the resolver below is the only one asked
    event = load_event(write_event(event_text())).event
    [group] = group_teams(event)

    def answers(host):
        if host.startswith("ohml-team1-forecast."):
            return "20.1.2.3"
        if host.startswith("ohml-team2-forecast."):
            return socket.EAI_AGAIN
        return socket.EAI_NONAME

    checks = {c.check: c for c in check_group(event, group, fake.credential(), resolver=resolver(answers))}
    taken = checks["Endpoint name ohml-team1-forecast"]
    assert taken.status == "problem" and "outside this subscription" in taken.found
    assert checks["Endpoint names"].status == "warning"
    assert "could not check outside the subscription: ohml-team2-forecast" in checks["Endpoint names"].found


def test_dns_that_does_not_answer_is_waited_for_once(fake, write_event, monkeypatch):
    monkeypatch.delenv("OHCHECK_ENDPOINT_DNS")
    monkeypatch.setattr("ohcheck.event.preflight.names.DNS_TIMEOUT", 0.3)
    event = load_event(write_event(event_text(teams=4))).event
    [group] = group_teams(event)
    asked = []

    def silent(host, port, **kwargs):
        asked.append(host)
        time.sleep(2)

    checks = {c.check: c for c in check_group(event, group, fake.credential(), resolver=silent)}
    assert len(asked) == 1
    row = checks["Endpoint names"]
    assert row.status == "warning" and row.found.count("DNS did not answer") == 4


def test_piped_each_check_is_one_plain_line(cli, fake, write_event):
    result = preflight(cli, write_event(event_text()))
    assert result.exit_code == 0, result.output
    assert not set(result.stdout) & set("┏┓┗┛┃━┡┩│─└┘╇"), result.stdout  # no box drawing when piped
    row = next(line for line in result.stdout.splitlines() if line.startswith("Resource providers"))
    assert row.split()[2:5] == ["ok", "all", "6"], row  # check, status and what was found on one line
