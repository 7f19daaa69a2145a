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

NOTHING_DELETED = msg("Nothing was deleted: run again with --yes to delete these.")


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
        _print_list(console, outcomes)
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
        _print_after(console, outcomes, yes=yes, anything=bool(to_delete))
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


# -- rendering --------------------------------------------------------------------------------
_KIND = {"endpoint": msg("online endpoint"), "deployment": msg("deployment"), "cluster": msg("compute cluster"),
         "instance": msg("compute instance"), "schedule": msg("schedule")}


def _print_list(console: Any, outcomes: list[TeamTeardown]) -> None:
    from rich.markup import escape

    from ohcheck.i18n import t
    from ohcheck.render.tables import print_table
    from ohcheck.render.verdicts import verdict_markup

    said = framework()
    rows: list[list[str]] = []
    for o in outcomes:
        team = escape(o.team)
        if o.error:
            rows.append([team, verdict_markup("error"), "", "", escape(said.say(o.error))])
        elif o.note:
            rows.append([team, "", "", "", f"[dim]{escape(said.say(o.note))}[/]"])
        elif not o.resources:
            clean = t("nothing that costs: workspace {workspace} is clean", workspace=o.workspace.name)  # type: ignore[union-attr]
            rows.append([team, "", "", "", f"[dim]{escape(clean)}[/]"])
        for r in o.resources:
            stopped = r.kind == "instance" and r.state.lower() == "stopped"
            state = f"[dim]{escape(r.state)}[/]" if stopped else escape(r.state)
            kind = said.say(_KIND[r.kind]) if r.kind in _KIND else r.kind
            if r.kind == "deployment":  # under its endpoint
                kind = "  " + kind
            rows.append([team, escape(kind), escape(r.name), state, escape(said.say(cost_note(r)))])
    print_table(console, [escape(c) for c in (t("Team"), t("Kind"), t("Name"), t("State"), t("Cost note"))], rows,
                title=t("What still costs money"), title_style="")


def _print_after(console: Any, outcomes: list[TeamTeardown], *, yes: bool, anything: bool) -> None:
    from rich.markup import escape

    from ohcheck.i18n import t

    said = framework()
    if not anything:
        console.print(escape(t("Nothing to delete.")))
        return
    if not yes:
        console.print("\n" + escape(t("The az commands that would delete these (an endpoint's deployments go with it; "
                                       "a schedule is disabled, which stops it submitting jobs):")))
        for o in outcomes:
            for command in o.commands:
                console.print(escape(command))
        console.print("\n" + escape(said.say(NOTHING_DELETED)))
        return
    from rich.cells import cell_len

    words = {"deleted": t("deleted"), "disabled": t("disabled")}
    width = max(9, *(cell_len(w) for w in words.values()))  # terminal cells: a Japanese character takes two
    for o in outcomes:
        for d in o.deleted or []:
            if d.result == "failed":  # one sentence, the status word in it ("failed" alone is a verdict's word)
                console.print("[red]" + escape(t("failed    {team}  {kind} {name}: {message}", team=o.team, kind=d.kind,
                                                 name=d.name, message=d.message or "")) + "[/]")
            else:
                word = words.get(d.result, d.result)
                console.print(f"[green]{escape(word)}{' ' * (width - cell_len(word))}[/] {escape(o.team)}  "
                              f"{escape(d.kind)} {escape(d.name)}")
    done = sum(1 for o in outcomes for d in o.deleted or [] if d.result != "failed")
    failed = sum(1 for o in outcomes for d in o.deleted or [] if d.result == "failed")
    console.print(escape(t("{done} done, {failed} failed.", done=done, failed=failed)))
