"""`ohcheck event teardown`: after the event, what still costs money per team, and deleting it.

For every azure team (or the one --team names): its online endpoints and
deployments, compute clusters and instances, and enabled schedules, with their
state and why each costs. Without --yes nothing is touched: the list, then the
`az` commands that would delete it. With --yes the same list, then each is
deleted (a schedule disabled) with the SDK, each result reported.

Exit codes: 0 listed (or all deleted); 1 a deletion failed; 3 a team could
not be listed (and nothing failed). A team whose workspace does not exist has
nothing to tear down; that is not an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ohcheck.azure_catalog import vm_size
from ohcheck.errors import EXIT_FAILED, EXIT_OK, EXIT_UNDECIDED
from ohcheck.event import LoadedEvent, Team, Workspace
from ohcheck.step_progress import StepProgress
from ohcheck.teardown_azure import (
    NoWorkspace,
    Resource,
    TeardownError,
    az_command,
    client,
    delete,
    list_resources,
)

NOTHING_DELETED = "Nothing was deleted: run again with --yes to delete these."


@dataclass
class Deletion:
    kind: str
    name: str
    result: str  # deleted, disabled or failed
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "result": self.result, "message": self.message}


@dataclass
class TeamTeardown:
    team: str
    workspace: Workspace | None
    resources: list[Resource] = field(default_factory=list)
    note: str = ""  # why there is nothing to list: a local team, no workspace
    error: str | None = None
    deleted: list[Deletion] | None = None  # None: nothing was asked to be deleted (no --yes)
    client: Any = field(default=None, repr=False)

    @property
    def commands(self) -> list[str]:
        if self.workspace is None:
            return []
        return [c for c in (az_command(self.workspace, r) for r in self.resources) if c]

    def to_dict(self) -> dict[str, Any]:
        ws = self.workspace
        return {
            "team": self.team,
            "workspace": None if ws is None else {"subscription_id": ws.subscription_id,
                                                  "resource_group": ws.resource_group, "name": ws.name},
            "note": self.note or None,
            "resources": [{"kind": r.kind, "name": r.name, "state": r.state, "details": r.details,
                           "cost": cost_note(r)} for r in self.resources],
            "commands": self.commands,
            "deleted": None if self.deleted is None else [d.to_dict() for d in self.deleted],
            "error": self.error,
        }


def main(loaded: LoadedEvent, *, team: str | None, yes: bool, as_json: bool, console: Any) -> int:
    """List (and with --yes delete) what costs money in each team's workspace; the exit code."""
    teams = [loaded.event.team(team)] if team else list(loaded.event.teams)  # an unknown team: ConfigError
    with StepProgress(len(teams), "listing", enabled=not as_json) as advance:
        outcomes = []
        for t in teams:
            outcomes.append(survey(t))
            advance(t.name)
    if not as_json:
        _print_list(console, outcomes)
    to_delete = [(o, r) for o in outcomes for r in o.resources if r.deletable]
    if yes:
        for o in outcomes:
            if o.error is None and o.workspace is not None:
                o.deleted = []
        with StepProgress(len(to_delete), "deleting", enabled=not as_json and bool(to_delete)) as advance:
            for outcome, resource in to_delete:
                outcome.deleted.append(_delete_one(outcome, resource))  # type: ignore[union-attr]
                advance(resource.name)
    if as_json:
        import typer

        from ohcheck.render.json_report import dumps

        typer.echo(dumps({"event": loaded.event.event.name, "teams": [o.to_dict() for o in outcomes]}))
    else:
        _print_after(console, outcomes, yes=yes, anything=bool(to_delete))
    if any(d.result == "failed" for o in outcomes for d in (o.deleted or [])):
        return EXIT_FAILED
    if any(o.error for o in outcomes):
        return EXIT_UNDECIDED
    return EXIT_OK


def survey(team: Team) -> TeamTeardown:
    """One team's cost-bearing resources, or why there are none to list (a note or an error)."""
    if team.target == "local":
        return TeamTeardown(team.name, None, note="target local: nothing in Azure")
    ws = team.workspace
    if ws is None:
        return TeamTeardown(team.name, None, note="no workspace: the event names none and has no azure: section")
    outcome = TeamTeardown(team.name, ws)
    try:
        outcome.client = client(ws)
        outcome.resources = list_resources(outcome.client, ws)
    except NoWorkspace as exc:
        outcome.note = f"nothing to tear down: {exc}"
    except TeardownError as exc:
        outcome.error = str(exc)
    return outcome


def _delete_one(outcome: TeamTeardown, resource: Resource) -> Deletion:
    try:
        done = delete(outcome.client, outcome.workspace, resource)  # type: ignore[arg-type]
    except TeardownError as exc:
        return Deletion(resource.kind, resource.name, "failed", str(exc))
    return Deletion(resource.kind, resource.name, done)


def cost_note(r: Resource) -> str:
    """Why a resource costs money, in a few words."""
    d = r.details
    if r.kind == "endpoint":
        n = len(d.get("deployments") or [])
        return f"bills through its {n} deployment{'s' if n != 1 else ''}" if n else "no deployment: little cost"
    if r.kind == "deployment":
        count, size = d.get("instance_count") or 0, d.get("instance_type") or "?"
        known = vm_size(size)
        cores = f" ({count * known.vcpus} vCPUs)" if known else ""
        return f"{count} × {size}{cores}, billed every hour"
    if r.kind == "cluster":
        low, now = d.get("min_nodes") or 0, d.get("current_nodes")
        if low:
            return f"keeps {low} node{'s' if low != 1 else ''} up even when idle (min nodes {low})"
        if now is None:  # Azure would not list its nodes (see teardown_azure._node_count)
            return "scales to 0 when idle; nodes up now not known"
        if now:
            return f"{now} node{'s' if now != 1 else ''} up now; scales to 0 when idle"
        return "0 nodes now: costs only while a job runs"
    if r.kind == "instance":
        if r.state.lower() == "stopped":
            return "stopped: still billed for its disk"
        return f"{r.state.lower() or 'up'}: billed every hour it runs"
    if r.kind == "schedule":
        return "submits jobs on its own" + (f" (cron {d['cron']})" if d.get("cron") else "")
    return ""


# -- rendering --------------------------------------------------------------------------------
_KIND = {"endpoint": "online endpoint", "deployment": "  deployment", "cluster": "compute cluster",
         "instance": "compute instance", "schedule": "schedule"}


def _print_list(console: Any, outcomes: list[TeamTeardown]) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="What still costs money", title_justify="left")
    for column in ("Team", "Kind", "Name", "State", "Cost note"):
        table.add_column(column)
    for o in outcomes:
        team = escape(o.team)
        if o.error:
            table.add_row(team, "[yellow]error[/]", "", "", escape(o.error))
        elif o.note:
            table.add_row(team, "", "", "", f"[dim]{escape(o.note)}[/]")
        elif not o.resources:
            table.add_row(team, "", "", "", f"[dim]nothing that costs: workspace {escape(o.workspace.name)} is clean[/]")  # type: ignore[union-attr]
        for r in o.resources:
            stopped = r.kind == "instance" and r.state.lower() == "stopped"
            state = f"[dim]{escape(r.state)}[/]" if stopped else escape(r.state)
            table.add_row(team, _KIND.get(r.kind, r.kind), escape(r.name), state, escape(cost_note(r)))
    console.print(table)


def _print_after(console: Any, outcomes: list[TeamTeardown], *, yes: bool, anything: bool) -> None:
    from rich.markup import escape

    if not anything:
        console.print("Nothing to delete.")
        return
    if not yes:
        console.print("\nThe az commands that would delete these (an endpoint's deployments go with it; "
                      "a schedule is disabled, which stops it submitting jobs):")
        for o in outcomes:
            for command in o.commands:
                console.print(escape(command))
        console.print(f"\n{NOTHING_DELETED}")
        return
    for o in outcomes:
        for d in o.deleted or []:
            if d.result == "failed":
                console.print(f"[red]failed[/]    {escape(o.team)}  {escape(d.kind)} {escape(d.name)}: {escape(d.message)}")
            else:
                console.print(f"[green]{d.result:<9}[/] {escape(o.team)}  {escape(d.kind)} {escape(d.name)}")
    done = sum(1 for o in outcomes for d in o.deleted or [] if d.result != "failed")
    failed = sum(1 for o in outcomes for d in o.deleted or [] if d.result == "failed")
    console.print(f"{done} done, {failed} failed.")
