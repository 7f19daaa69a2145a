"""event-summary.md: the coaches' page of the event (teams, members, workspaces, links, what to run).

Python gathers the facts (names from event_names.py, links); every word of
the page is in the template (event/templates/event-summary.md.j2), and the
Japanese edition is its twin (event-summary.md.ja.j2), chosen by the event's
`language:` (the page is part of what setup writes, like the kits). Text from event.yaml goes through
the Markdown cell escaping the coach report uses: a `|` in a member's name
stays in its cell.
"""

from __future__ import annotations

from typing import Any

from ohcheck.event.model import KITS, Event, LoadedEvent, Team
from ohcheck.event.files import KitWriter
from ohcheck.i18n import template_in

SUMMARY = "event-summary.md"


def studio_url(subscription_id: str, resource_group: str, workspace: str) -> str:
    return (f"https://ml.azure.com/?wsid=/subscriptions/{subscription_id}/resourcegroups/{resource_group}"
            f"/providers/Microsoft.MachineLearningServices/workspaces/{workspace}")


def portal_url(subscription_id: str, resource_group: str) -> str:
    return f"https://portal.azure.com/#resource/subscriptions/{subscription_id}/resourceGroups/{resource_group}/overview"


def team_row(event: Event, team: Team) -> dict[str, Any]:
    """What the page shows of a team; `local` teams have no workspace and no links."""
    from ohcheck.event.infra import provisioned

    row: dict[str, Any] = {"name": team.name, "members": team.member_names, "kit": f"{KITS}/{team.name}",
                           "target": team.target, "workspace": None, "resource_group": None,
                           "subscription": None, "endpoint": None, "studio": None, "portal": None,
                           "provisioned": provisioned(event, team)}
    if team.target == "azure" and event.azure is not None:
        from ohcheck.event.names import team_names

        row["endpoint"] = team_names(event, team).endpoint
    ws = team.workspace
    if team.target == "azure" and ws is not None:
        row.update(workspace=ws.name, resource_group=ws.resource_group, subscription=ws.subscription_id,
                   studio=studio_url(ws.subscription_id, ws.resource_group, ws.name),
                   portal=portal_url(ws.subscription_id, ws.resource_group))
    return row


def render_summary(event: Event) -> str:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    from ohcheck.markdown_cells import md_cell, md_code

    env = Environment(loader=PackageLoader("ohcheck.event", "templates"), undefined=StrictUndefined,
                      autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["md"] = md_cell  # one line, no `|`, no raw HTML: text from event.yaml in a table cell
    env.filters["mdcode"] = md_code  # the same inside a `code span`
    teams = [team_row(event, team) for team in event.teams]
    return template_in(env, "event-summary.md.j2", event.event.kit_language).render(
        event=event.event,
        azure=event.azure,
        teams=teams,
        coaches=event.coaches,
        provisioned=[t for t in teams if t["provisioned"]],
    )



def write_summary(loaded: LoadedEvent, writer: KitWriter) -> None:
    """Write event-summary.md under the writer's root (kept if someone edited it)."""
    writer.write(SUMMARY, render_summary(loaded.event))
