"""`ohcheck event init / validate / setup`, as a facilitator runs them: from an empty folder to team kits.

Real files, real git; the templates' own checks (Bicep parsing, the deploy
script with a stub az) are in test_event_infra.py.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import textwrap
from pathlib import Path

import pytest

from ohcheck.config import load_config

SUB = "11111111-2222-3333-4444-555555555555"


def event_yaml(folder: Path, body: str) -> Path:
    path = folder / "event.yaml"
    path.write_text(textwrap.dedent(body))
    return path


VALID = f"""\
    event: {{name: Contoso MLOps, starts: 2026-12-01, ends: 2026-12-03}}
    azure:
      subscriptions: [{SUB}]
      region: japaneast
      prefix: cso
      cluster_max_nodes: 2
    teams:
      - name: team1
        members: [{{name: Alice, user: alice@contoso.com}}, Bob]
      - name: team2
        members: [{{name: Carlos, user: 6b1f8c3e-0d2a-4b7e-9f3c-2a1d5e6f7a8b}}]
    coaches:
      - {{name: Erin, user: erin@contoso.com, teams: [team1, team2]}}
"""


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and ".git" not in p.relative_to(folder).parts)


# -- init -------------------------------------------------------------------------------------


def test_init_writes_an_event_file_that_validates(cli, tmp_path):
    result = cli("event", "init", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    text = (tmp_path / "event.yaml").read_text()
    assert "subscriptions:" in text and "prefix:" in text and "# " in text  # commented for the facilitator
    result = cli("event", "validate", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "is valid: 2 teams, 1 coach" in result.output


def test_init_never_overwrites_without_force(cli, tmp_path):
    (tmp_path / "event.yaml").write_text("mine\n")
    result = cli("event", "init", cwd=tmp_path)
    assert result.exit_code == 2
    assert "already exists" in result.output and "Traceback" not in result.output
    assert (tmp_path / "event.yaml").read_text() == "mine\n"
    assert cli("event", "init", "--force", "--language", "ja", cwd=tmp_path).exit_code == 0
    assert "language: ja" in (tmp_path / "event.yaml").read_text()
    assert "region: japaneast" in (tmp_path / "event.yaml").read_text()


def test_init_into_a_missing_folder_is_one_sentence(cli, tmp_path):
    result = cli("event", "init", str(tmp_path / "nope" / "event.yaml"))
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert not (tmp_path / "nope").exists()


# -- validate: bad input is one sentence, exit 2, nothing written ----------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda t: t.replace("region: japaneast", "region: japan-east"), "is not an Azure region"),
        (lambda t: t.replace("region: japaneast", "region: westeurop"), "did you mean westeurope?"),
        (lambda t: t.replace("cluster_max_nodes: 2", "cluster_max_nodes: 2\n  vm_size: Standard_DS3_v9"),
         "is not a VM size Azure ML offers"),
        (lambda t: t.replace("name: team2", "name: team1"), "two teams are named team1"),
        (lambda t: t.replace("name: team2", "name: Team1"), "differ only in case"),
        (lambda t: t.replace("subscriptions: [", "subscriptions: [not-a-guid, "), "is not a subscription id"),
        (lambda t: t.replace("prefix: cso", "prefix: CSO"), "lowercase"),
        (lambda t: t.replace("user: alice@contoso.com", "user: alice"), "user principal name"),
        (lambda t: t.replace("teams: [team1, team2]", "teams: [team1, team9]"), "team9, which is not a team"),
        (lambda t: t.replace("starts: 2026-12-01", "starts: 2026-12-05"), "ends (2026-12-03) before it starts"),
        (lambda t: t.replace("teams:\n", "teams:\n  - [\n", 1), "line"),
    ],
)
def test_bad_event_files_are_one_sentence_and_exit_2(cli, tmp_path, change, expected):
    event_yaml(tmp_path, change(textwrap.dedent(VALID)))
    for command in (("event", "validate"), ("event", "setup")):
        result = cli(*command, cwd=tmp_path)
        assert result.exit_code == 2, result.output
        assert expected in result.output
        assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["event.yaml"]  # setup wrote nothing


def test_a_name_too_long_after_prefixing_names_the_resource_and_the_limit(cli, tmp_path):
    event_yaml(tmp_path, VALID.replace("prefix: cso", "prefix: contoso-hack").replace(
        "team2", "the-platform-engineers"))
    result = cli("event", "validate", cwd=tmp_path)
    assert result.exit_code == 2
    out = " ".join(result.output.split())
    assert "Team the-platform-engineers: the Azure ML workspace name 'mlw-contoso-hack-the-platform-engineers' is 39 characters, 6 more than the 33 Azure allows" in out
    assert "compute instance name" in out and "online endpoint name" in out  # every problem, each a sentence
    assert "Team team1: the" not in out  # team1's names fit
    result = cli("event", "setup", cwd=tmp_path)
    assert result.exit_code == 2
    assert "Nothing was written" in result.output and "2 more" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["event.yaml"]


def test_team_names_that_clash_once_made_azure_names_are_caught(cli, tmp_path):
    event_yaml(tmp_path, VALID.replace("team2", "team.1").replace("team1", "team_1"))
    result = cli("event", "validate", "--json", cwd=tmp_path)
    assert result.exit_code == 2
    report = json.loads(result.output)
    assert report["ok"] is False
    assert any("is also team team_1's" in p and "in region japaneast" in p for p in report["problems"])


def test_validate_json_lists_every_derived_name(cli, tmp_path):
    event_yaml(tmp_path, VALID)
    result = cli("event", "validate", "--json", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] is True and report["problems"] == []
    team1 = report["names"][0]
    assert team1["workspace"] == "mlw-cso-team1" and team1["resource_group"] == "rg-cso-team1"
    assert team1["endpoint"] == "cso-team1-forecast" and team1["compute_instance"] == "ci-cso-team1"
    assert len(team1["storage_account"]) <= 24 and team1["storage_account"].isalnum()
    assert team1["storage_account"] != report["names"][1]["storage_account"]
    assert any("Bob without a user" in note for note in report["notes"])


def test_no_event_file_is_one_sentence(cli, tmp_path):
    result = cli("event", "validate", cwd=tmp_path)
    assert result.exit_code == 2
    assert "No event.yaml here" in result.output


# -- setup ----------------------------------------------------------------------------------


def test_setup_from_an_empty_folder(cli, tmp_path):
    event_yaml(tmp_path, VALID)
    result = cli("event", "setup", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    kit = tmp_path / "teams" / "team1"
    assert {"README.md", "requirements.txt", ".gitignore", "ohcheck.yaml", ".github/workflows/ohcheck.yml",
            ".ohcheck/team.key"} <= set(files_under(kit))
    for name in ("infra/main.bicep", "infra/team1.parameters.json", "infra/team2.parameters.json",
                 "deploy.sh", "event-summary.md"):
        assert (tmp_path / name).is_file(), name
    assert os.access(tmp_path / "deploy.sh", os.X_OK)

    # The kit's ohcheck.yaml is one ohcheck accepts, naming the team's workspace and unique names.
    config = load_config(kit / "ohcheck.yaml")
    assert (config.team, config.target) == ("team1", "azure")
    assert (config.azure.subscription_id, config.azure.resource_group, config.azure.workspace) == (
        SUB, "rg-cso-team1", "mlw-cso-team1")
    assert config.endpoint == "cso-team1-forecast" and config.azure.compute_instance == "ci-cso-team1"

    # A git repo with one commit holding the kit, and the event key is not in it.
    tracked = subprocess.run(["git", "ls-files"], cwd=kit, capture_output=True, text=True, check=True).stdout.split()
    assert "ohcheck.yaml" in tracked and ".github/workflows/ohcheck.yml" in tracked
    assert not any(".ohcheck" in t.split("/")[0] for t in tracked)
    log = subprocess.run(["git", "log", "--oneline"], cwd=kit, capture_output=True, text=True, check=True).stdout
    assert len(log.splitlines()) == 1

    # One event key, the coaches' only, beside event.yaml; each kit holds its own team's key (derived from it),
    # never the event key; each readable by its owner only.
    coach_key = tmp_path / ".ohcheck-coach" / "event.key"
    assert not (kit / ".ohcheck" / "event.key").exists()
    team_key = (kit / ".ohcheck" / "team.key").read_text().strip()
    assert team_key != coach_key.read_text().strip()
    assert team_key != (tmp_path / "teams" / "team2" / ".ohcheck" / "team.key").read_text().strip()
    for key in (coach_key, kit / ".ohcheck" / "team.key"):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert coach_key.read_text().strip() not in result.output and team_key not in result.output


def test_the_kit_can_be_verified_and_signs_for_the_coach(cli, tmp_path):
    event_yaml(tmp_path, VALID)
    assert cli("event", "setup", cwd=tmp_path).exit_code == 0
    kit = tmp_path / "teams" / "team2"
    result = cli("list", "--json", cwd=kit)
    assert result.exit_code == 0, result.output
    assert [c["id"] for c in json.loads(result.output)["challenges"]][:2] == ["challenge-00", "challenge-01"]
    result = cli("verify", "challenge-00", "--target", "local", "--export", "bundle.json", cwd=kit)
    assert result.exit_code in (0, 1, 3), result.output
    result = cli("coach", "import", str(kit / "bundle.json"), cwd=tmp_path)
    assert result.exit_code == 0, result.output  # signed with the key setup gave the kit


def test_the_workflow_passes_actionlint(tmp_path, cli):
    actionlint = shutil.which("actionlint") or str(Path(os.sys.executable).parent / "actionlint")
    if not Path(actionlint).exists():
        pytest.skip("actionlint is not installed")
    event_yaml(tmp_path, VALID)
    assert cli("event", "setup", cwd=tmp_path).exit_code == 0
    workflow = tmp_path / "teams" / "team1" / ".github" / "workflows" / "ohcheck.yml"
    done = subprocess.run([actionlint, str(workflow)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    text = workflow.read_text()
    assert "ohcheck verify" in text and "--junit-xml" in text and "on:\n  push:" in text


def test_running_setup_again_keeps_what_a_team_changed(cli, tmp_path):
    event_yaml(tmp_path, VALID)
    assert cli("event", "setup", cwd=tmp_path).exit_code == 0
    kit = tmp_path / "teams" / "team1"
    edited = (kit / "ohcheck.yaml").read_text() + "# our note\n"
    (kit / "ohcheck.yaml").write_text(edited)
    (kit / "README.md").unlink()
    key = (tmp_path / ".ohcheck-coach" / "event.key").read_text()

    result = cli("event", "setup", "--json", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["kept"] == ["teams/team1/ohcheck.yaml"]
    assert report["files"]["teams/team1/README.md"] == "written"  # a missing file is written again
    assert report["files"]["teams/team2/ohcheck.yaml"] == "unchanged"
    assert report["event_key"] == "kept"
    assert (kit / "ohcheck.yaml").read_text() == edited
    assert (tmp_path / ".ohcheck-coach" / "event.key").read_text() == key
    assert [k["git"] for k in report["kits"]] == ["already a repository"] * 2

    result = cli("event", "setup", cwd=tmp_path)
    out = " ".join(result.output.split())
    assert "kept teams/team1/ohcheck.yaml: changed since setup wrote it" in out


def test_setup_updates_a_file_nobody_changed(cli, tmp_path):
    event_yaml(tmp_path, VALID)
    assert cli("event", "setup", cwd=tmp_path).exit_code == 0
    # The facilitator moves the cluster to bigger nodes: the parameter files follow, nothing else changes.
    event_yaml(tmp_path, VALID.replace("cluster_max_nodes: 2", "cluster_max_nodes: 4"))
    report = json.loads(cli("event", "setup", "--json", cwd=tmp_path).output)
    assert report["files"]["infra/team1.parameters.json"] == "updated"
    assert report["files"]["teams/team1/ohcheck.yaml"] == "unchanged"
    assert report["kept"] == []


def test_an_event_without_azure_gets_kits_only(cli, tmp_path):
    event_yaml(tmp_path, """\
        event: {name: Local only, starts: 2026-12-01, ends: 2026-12-02}
        teams:
          - {name: red, target: local}
          - {name: blue, target: local}
    """)
    result = cli("event", "setup", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert load_config(tmp_path / "teams" / "red" / "ohcheck.yaml").target == "local"
    assert not (tmp_path / "infra").exists() and not (tmp_path / "deploy.sh").exists()
    assert (tmp_path / "event-summary.md").is_file()


def test_setup_elsewhere_says_where_the_event_expects_the_repos(cli, tmp_path):
    event_yaml(tmp_path, VALID)
    result = cli("event", "setup", "--out", "kits", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "kits" / "teams" / "team1" / "ohcheck.yaml").is_file()
    assert "the event file says the team's repo is" in " ".join(result.output.split())


def test_setup_refuses_an_out_that_is_a_file(cli, tmp_path):
    event_yaml(tmp_path, VALID)
    (tmp_path / "kits").write_text("")
    result = cli("event", "setup", "--out", "kits", cwd=tmp_path)
    assert result.exit_code == 2
    assert "is a file" in result.output


def test_coach_tools_find_the_derived_workspace(tmp_path):
    from ohcheck.event.model import load_event

    loaded = load_event(event_yaml(tmp_path, VALID))
    team = loaded.event.team("team2")
    assert team.workspace is not None
    assert (team.workspace.resource_group, team.workspace.name) == ("rg-cso-team2", "mlw-cso-team2")
    assert loaded.repo_path(team) == (tmp_path / "teams" / "team2").resolve()


def test_piped_validate_lists_the_names_in_plain_columns(cli, tmp_path):
    assert cli("event", "init", cwd=tmp_path).exit_code == 0
    result = cli("event", "validate", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert not set(result.stdout) & set("┏┓┗┛┃━┡┩│─└┘"), result.stdout  # no box drawing when piped
    lines = result.stdout.splitlines()
    assert lines[lines.index("Azure names, per team") + 1].split()[:3] == ["Team", "Resource", "group"]
