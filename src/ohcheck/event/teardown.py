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

from ohcheck.azure.catalog import vm_size
from ohcheck.errors import EXIT_FAILED, EXIT_OK, EXIT_UNDECIDED
from ohcheck.event.model import LoadedEvent, Team, Workspace
from ohcheck.i18n import Catalogue, Msg, framework, msg, msg_n
from ohcheck.render.event_views import print_teardown_after, print_teardown_list
from ohcheck.render.progress import StepProgress
from ohcheck.event.teardown_azure import (
    NoWorkspace,
    Resource,
    TeardownError,
    az_command,
    client,
    delete,
    list_resources,
)

def _said(exc: Exception) -> str:
    """What a TeardownError says: its message (a Msg stays one, to be said in the reader's language)."""
    first = exc.args[0] if exc.args else ""
    return first if isinstance(first, Msg) else str(exc)


def _say(catalogue: Catalogue | None, text: Any) -> Any:
    if text is None or catalogue is None:
        return None if text is None else str(text)
    return catalogue.say(text)


@dataclass
class Deletion:
    kind: str
    name: str
    result: str  # deleted, disabled or failed
    message: str = ""  # a message, when it failed

    def to_dict(self, catalogue: Catalogue | None = None) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "result": self.result,
                "message": _say(catalogue, self.message) if self.message else ""}


@dataclass
class TeamTeardown:
    team: str
    workspace: Workspace | None
    resources: list[Resource] = field(default_factory=list)
    note: str = ""  # why there is nothing to list: a local team, no workspace (a message)
    error: str | None = None  # a message
    deleted: list[Deletion] | None = None  # None: nothing was asked to be deleted (no --yes)
    client: Any = field(default=None, repr=False)

    @property
    def commands(self) -> list[str]:
        if self.workspace is None:
            return []
        return [c for c in (az_command(self.workspace, r) for r in self.resources) if c]

    def to_dict(self, catalogue: Catalogue | None = None) -> dict[str, Any]:
        """Kinds, names, states and results are stable; note, cost, message and error are in `catalogue`'s language."""
        ws = self.workspace
        return {
            "team": self.team,
            "workspace": None if ws is None else {"subscription_id": ws.subscription_id,
                                                  "resource_group": ws.resource_group, "name": ws.name},
            "note": _say(catalogue, self.note) if self.note else None,
            "resources": [{"kind": r.kind, "name": r.name, "state": r.state, "details": r.details,
                           "cost": _say(catalogue, cost_note(r))} for r in self.resources],
            "commands": self.commands,
            "deleted": None if self.deleted is None else [d.to_dict(catalogue) for d in self.deleted],
            "error": _say(catalogue, self.error),
        }


def main(loaded: LoadedEvent, *, team: str | None, yes: bool, as_json: bool, console: Any) -> int:
    """List (and with --yes delete) what costs money in each team's workspace; the exit code."""
    from ohcheck.i18n import t

    teams = [loaded.event.team(team)] if team else list(loaded.event.teams)  # an unknown team: ConfigError
    with StepProgress(len(teams), t("listing"), enabled=not as_json) as advance:
        outcomes = []
        for each in teams:
            outcomes.append(survey(each))
            advance(each.name)
    if not as_json:
        print_teardown_list(console, outcomes, cost_note)
    to_delete = [(o, r) for o in outcomes for r in o.resources if r.deletable]
    if yes:
        for o in outcomes:
            if o.error is None and o.workspace is not None:
                o.deleted = []
        with StepProgress(len(to_delete), t("deleting"), enabled=not as_json and bool(to_delete)) as advance:
            for outcome, resource in to_delete:
                outcome.deleted.append(_delete_one(outcome, resource))  # type: ignore[union-attr]
                advance(resource.name)
    if as_json:
        import typer

        from ohcheck.render.json_report import dumps

        said = framework()
        typer.echo(dumps({"event": loaded.event.event.name, "lang": said.lang,
                          "teams": [o.to_dict(said) for o in outcomes]}))
    else:
        print_teardown_after(console, outcomes, yes=yes, anything=bool(to_delete))
    if any(d.result == "failed" for o in outcomes for d in (o.deleted or [])):
        return EXIT_FAILED
    if any(o.error for o in outcomes):
        return EXIT_UNDECIDED
    return EXIT_OK


def survey(team: Team) -> TeamTeardown:
    """One team's cost-bearing resources, or why there are none to list (a note or an error)."""
    if team.target == "local":
        return TeamTeardown(team.name, None, note=msg("target local: nothing in Azure"))
    ws = team.workspace
    if ws is None:
        return TeamTeardown(team.name, None, note=msg("no workspace: the event names none and has no azure: section"))
    outcome = TeamTeardown(team.name, ws)
    try:
        outcome.client = client(ws)
        outcome.resources = list_resources(outcome.client, ws)
    except NoWorkspace as exc:
        outcome.note = msg("nothing to tear down: {reason}", reason=_said(exc))
    except TeardownError as exc:
        outcome.error = _said(exc)
    return outcome


def _delete_one(outcome: TeamTeardown, resource: Resource) -> Deletion:
    try:
        done = delete(outcome.client, outcome.workspace, resource)  # type: ignore[arg-type]
    except TeardownError as exc:
        return Deletion(resource.kind, resource.name, "failed", _said(exc))
    return Deletion(resource.kind, resource.name, done)


def cost_note(r: Resource) -> Msg:
    """Why a resource costs money, in a few words (a message)."""
    d = r.details
    if r.kind == "endpoint":
        n = len(d.get("deployments") or [])
        if not n:
            return msg("no deployment: little cost")
        return msg_n("bills through its 1 deployment", "bills through its {count} deployments", n, count=n)
    if r.kind == "deployment":
        count, size = d.get("instance_count") or 0, d.get("instance_type") or "?"
        known = vm_size(size)
        if known:
            return msg("{count} × {size} ({vcpus} vCPUs), billed every hour", count=count, size=size,
                       vcpus=count * known.vcpus)
        return msg("{count} × {size}, billed every hour", count=count, size=size)
    if r.kind == "cluster":
        low, now = d.get("min_nodes") or 0, d.get("current_nodes")
        if low:
            return msg_n("keeps 1 node up even when idle (min nodes 1)",
                         "keeps {count} nodes up even when idle (min nodes {count})", low, count=low)
        if now is None:  # Azure would not list its nodes (see teardown_azure._node_count)
            return msg("scales to 0 when idle; nodes up now not known")
        if now:
            return msg_n("1 node up now; scales to 0 when idle", "{count} nodes up now; scales to 0 when idle", now,
                         count=now)
        return msg("0 nodes now: costs only while a job runs")
    if r.kind == "instance":
        if r.state.lower() == "stopped":
            return msg("stopped: still billed for its disk")
        if not r.state:
            return msg("up: billed every hour it runs")
        return msg("{state}: billed every hour it runs", state=r.state.lower())
    if r.kind == "schedule":
        if d.get("cron"):
            return msg("submits jobs on its own (cron {cron})", cron=d["cron"])
        return msg("submits jobs on its own")
    return msg("")
