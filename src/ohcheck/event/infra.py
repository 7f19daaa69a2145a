"""The event's infrastructure as code: one Bicep template, a parameters file per team, deploy.sh.

    infra/main.bicep               the same for every team (event/templates/main.bicep, copied)
    infra/<team>.parameters.json   the team's names and sizes (ARM deploymentParameters format)
    deploy.sh                      `az group create` + `az deployment group create` per team

Every name comes from `team_names` (event_names.py), so the template makes
exactly what ohcheck.yaml, preflight and teardown expect. People are not in
the parameters files: event.yaml names them by sign-in name or object id,
and deploy.sh looks up their object ids when it runs (the facilitator may
write event.yaml before the accounts exist). Every value from event.yaml
that reaches deploy.sh is shell-quoted: a member's `user` is free text as
far as the shell is concerned.

Only azure teams whose workspace is the derived one get resources; a team
that names its own workspace in event.yaml brings it.
"""

from __future__ import annotations

import json
import shlex
from importlib.resources import files
from typing import Any

from ohcheck.event.model import Event, LoadedEvent, Team
from ohcheck.event.files import KitWriter
from ohcheck.event.names import TeamNames, team_names

INFRA = "infra"
TEMPLATE = f"{INFRA}/main.bicep"
DEPLOY = "deploy.sh"
_PARAMETERS_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"
_DEPLOYMENT_MAX = 64  # Azure's limit on a deployment name


def parameters_path(team: Team) -> str:
    return f"{INFRA}/{team.name}.parameters.json"


def deployment_name(team: Team) -> str:
    return f"ohcheck-{team.name}"[:_DEPLOYMENT_MAX]


def provisioned(event: Event, team: Team) -> bool:
    """Whether setup makes `team`'s resources: an azure team on the workspace derived for it."""
    if event.azure is None or team.target != "azure":
        return False
    names = team_names(event, team)
    ws = team.workspace
    return ws is None or (ws.subscription_id.lower(), ws.resource_group.lower(), ws.name.lower()) == (
        names.subscription_id.lower(), names.resource_group.lower(), names.workspace.lower())


def template_text() -> str:
    """The Bicep template as shipped in the package."""
    return files("ohcheck").joinpath("event", "templates", "main.bicep").read_text(encoding="utf-8")


def team_parameters(event: Event, team: Team, names: TeamNames) -> dict[str, Any]:
    """The template's parameters for one team (everything but the people: deploy.sh adds those)."""
    assert event.azure is not None
    azure = event.azure
    values: dict[str, Any] = {
        "location": names.region,
        "tags": {"event": event.event.name, "team": team.name},
        "workspaceName": names.workspace,
        "storageAccountName": names.storage_account,
        "keyVaultName": names.key_vault,
        "containerRegistryName": names.container_registry,
        "appInsightsName": names.app_insights,
        "logAnalyticsName": names.log_analytics,
        "computeClusterName": names.compute_cluster,
        "clusterVmSize": azure.vm_size,
        "clusterMaxNodes": azure.cluster_max_nodes,
        "computeInstanceName": names.compute_instance,
        "instanceVmSize": azure.instance_vm_size,
        "instanceIdleMinutes": azure.instance_idle_minutes,
    }
    return {
        "$schema": _PARAMETERS_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {key: {"value": value} for key, value in values.items()},
    }


def write_infra(loaded: LoadedEvent, writer: KitWriter) -> None:
    """Write infra/main.bicep, a parameters file per provisioned team and deploy.sh under the writer's root."""
    event = loaded.event
    if event.azure is None:
        return  # nothing to provision: the teams bring their own workspaces or work locally
    writer.write(TEMPLATE, template_text())
    teams = [team for team in event.teams if provisioned(event, team)]
    for team in teams:
        document = team_parameters(event, team, team_names(event, team))
        writer.write(parameters_path(team), json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    writer.write(DEPLOY, render_deploy(event, teams), executable=True)


def render_deploy(event: Event, teams: list[Team]) -> str:
    """deploy.sh for `teams`; every value from event.yaml goes through shlex.quote (the `q` filter)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("ohcheck.event", "templates"), undefined=StrictUndefined,
                      autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["q"] = lambda value: shlex.quote(str(value))
    rows = []
    for team in teams:
        names = team_names(event, team)
        rows.append({
            "name": team.name,
            "subscription": names.subscription_id,
            "resource_group": names.resource_group,
            "region": names.region,
            "deployment": deployment_name(team),
            "parameters_file": parameters_path(team),
            "tags": [f"event={event.event.name}", f"team={team.name}"],
            "members": team.members,
        })
    own = [t for t in event.teams if t.target == "azure" and not provisioned(event, t)]
    return env.get_template("deploy.sh.j2").render(
        teams=rows,
        team_list=" ".join(t.name for t in teams),
        coaches=[c for c in event.coaches if c.user],
        coaches_without_user=[c for c in event.coaches if not c.user],
        own_workspace=own,
    )
