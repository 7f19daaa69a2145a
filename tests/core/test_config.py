"""ohcheck.yaml: what `ohcheck init` writes, and one clear sentence for every way it can be wrong."""

from __future__ import annotations

import json

import pytest

from ohcheck.config import load_config, parse_config
from ohcheck.errors import ConfigError


def test_init_writes_a_commented_config_that_loads(cli, tmp_path):
    result = cli("init", "--team", "Contoso 1", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    text = (tmp_path / "ohcheck.yaml").read_text()
    assert text.count("#") > 10, "the file explains itself"
    config = load_config(tmp_path / "ohcheck.yaml")
    assert (config.team, config.target) == ("Contoso 1", "local")
    assert config.endpoint == "aw-forecast-contoso-1"
    assert config.local.tracking_uri == "sqlite:///.ohcheck/mlflow.db"
    assert config.azure.subscription_id is None


def test_init_reads_the_portals_config_json(cli, tmp_path):
    portal = {"subscription_id": "1111-2222", "resource_group": "rg-hack", "workspace_name": "mlw-team1"}
    (tmp_path / "config.json").write_text(json.dumps(portal))
    result = cli("init", "--target", "azure", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "mlw-team1 in rg-hack" in result.stdout
    config = load_config(tmp_path / "ohcheck.yaml")
    assert (config.azure.subscription_id, config.azure.resource_group, config.azure.workspace) == (
        "1111-2222",
        "rg-hack",
        "mlw-team1",
    )
    assert config.team == tmp_path.name and config.target == "azure"


def test_init_takes_the_workspace_names(cli, tmp_path):
    result = cli("init", "--subscription", "s", "--resource-group", "rg", "--workspace", "ws", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert load_config(tmp_path / "ohcheck.yaml").azure.workspace == "ws"


def test_init_never_overwrites_without_force(cli, tmp_path):
    (tmp_path / "ohcheck.yaml").write_text("team: mine\n")
    result = cli("init", cwd=tmp_path)
    assert result.exit_code == 2
    assert "already exists; it was left as it is" in result.stderr
    assert (tmp_path / "ohcheck.yaml").read_text() == "team: mine\n"
    assert cli("init", "--force", "--team", "new", cwd=tmp_path).exit_code == 0
    assert load_config(tmp_path / "ohcheck.yaml").team == "new"


def test_init_with_a_broken_config_json_says_so(cli, tmp_path):
    (tmp_path / "portal.json").write_text("{not json")
    result = cli("init", "--config-json", "portal.json", cwd=tmp_path)
    assert result.exit_code == 2
    assert "portal.json is not a workspace config.json" in result.stderr
    assert not (tmp_path / "ohcheck.yaml").exists()


def test_init_wants_all_three_workspace_names(cli, tmp_path):
    result = cli("init", "--workspace", "ws", cwd=tmp_path)
    assert result.exit_code == 2
    assert "all three of --subscription, --resource-group and --workspace" in result.stderr


@pytest.mark.parametrize(
    "text, message",
    [
        ("team: a\ntarget: [local\n", "line 3: this is not valid YAML"),
        ("team: a\ntarget: lcoal\n", "line 2: `target` must be one of local, azure, not 'lcoal'"),
        ("team: a\npaths:\n  dta: data\n", "line 3: unknown key `paths.dta`"),
        ("target: local\n", "the key `team` is required"),
        ("team: a\nendpoint: 9lives\n", "line 2: `endpoint` must be 3-32 characters"),
        ("team: '   '\n", "line 1: `team` must not be blank"),
        ("- team\n", "expected keys such as `team:`"),
        ("", "is empty"),
    ],
)
def test_every_malformed_config_gets_one_sentence_with_key_and_line(text, message):
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="ohcheck.yaml")
    assert message in caught.value.message, caught.value.message
    assert "\n" not in caught.value.message


def test_a_malformed_config_stops_verify_with_exit_2_and_no_traceback(cli, tmp_path):
    (tmp_path / "ohcheck.yaml").write_text("team: a\ntarget: lcoal\n")
    result = cli("verify", "challenge-01", cwd=tmp_path)
    assert result.exit_code == 2
    assert "ohcheck.yaml, line 2" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / ".ohcheck").exists(), "nothing was written"


def test_verify_outside_a_team_repo_says_how_to_make_one(cli, tmp_path):
    result = cli("verify", "1", cwd=tmp_path)
    assert result.exit_code == 2
    assert "No ohcheck.yaml here or in any parent folder" in result.stderr
    assert "ohcheck init" in result.stderr


def test_secrets_have_no_place_in_the_config(tmp_path):
    with pytest.raises(ConfigError) as caught:
        parse_config("team: a\nazure:\n  workspace: w\n  key: abc123\n")
    assert "line 4: unknown key `azure.key`" in caught.value.message
