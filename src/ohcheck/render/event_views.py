"""What the facilitator's commands draw: validate's names and findings, what setup wrote, preflight's tables
and verdict, teardown's list and what it deleted. The event modules hand their results here; text goes out
as rich Text (render.console's say / labelled / line), tables through render.tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ohcheck import i18n
from ohcheck.criteria import READINESS_NAMES, Status
from ohcheck.errors import EXIT_FAILED, EXIT_UNDECIDED
from ohcheck.i18n import Msg, framework, msg, msg_n, t
from ohcheck.render.console import escape, labelled, line, say
from ohcheck.render.tables import print_table
from ohcheck.render.verdicts import READINESS_STYLE, VERDICT_STYLE, WARNING, readiness_markup, verdict_markup

# A readiness row's statuses, as event/preflight/checks.py names them.
_OK, _PROBLEM, _ERROR = READINESS_NAMES[Status.PASSED], READINESS_NAMES[Status.FAILED], READINESS_NAMES[Status.ERROR]


def _separator() -> str:
    """How the chosen language joins a list of counts ("1 error, 5 not checked")."""
    said = framework()
    return i18n.SEPARATORS.get(said.lang, i18n.SEPARATORS[i18n.DEFAULT])[1]


# -- event validate ---------------------------------------------------------------------------


def print_validation(console: Any, report: Any) -> None:
    """`ohcheck event validate`: the Azure names per team, the notes and problems, and whether setup may run."""
    event = report.loaded.event
    said = framework()
    if report.names:
        # The names people type; all of them (storage, key vault, ...) are in --json.
        columns = [t("Team"), t("Resource group"), t("Workspace"), t("Endpoint"), t("Compute instance")]
        several = len({n.subscription_id for n in report.names}) > 1
        if several:
            columns.insert(1, t("Subscription"))
        rows = []
        for n in report.names:
            row = [n.team, n.resource_group, n.workspace, n.endpoint, n.compute_instance]
            if several:
                row.insert(1, n.subscription_id[:8] + "…")
            rows.append([escape(v) for v in row])
        headings = [escape(column) for column in columns]
        print_table(console, headings, rows, title=t("Azure names, per team"), title_style="",
                    column_options={heading: {"overflow": "fold"} for heading in headings})
    for note in report.notes:
        labelled(console, t("note:"), "cyan", said.say(note))
    for problem in report.problems:
        labelled(console, t("error:"), "bold red", said.say(problem))
    if report.ok:
        teams, coaches = len(event.teams), len(event.coaches)
        say(console, t("{path} is valid: {teams}, {coaches}. Next: `ohcheck event setup`.",
                       path=str(report.loaded.path),
                       teams=msg_n("1 team", "{count} teams", teams, count=teams),
                       coaches=msg_n("1 coach", "{count} coaches", coaches, count=coaches)))
    else:
        say(console, t("{path}: {count} problem(s) to fix before setup.", path=str(report.loaded.path),
                       count=len(report.problems)))


# -- event setup ------------------------------------------------------------------------------


@contextmanager
def kit_progress(total: int, *, enabled: bool) -> Iterator[Callable[[str], None]]:
    """The bar over the team kits setup writes (stderr, on a terminal only: piped, nothing at all — rich's
    `track` used to leave one empty line there, which said nothing)."""
    from ohcheck.render.progress import StepProgress

    with StepProgress(total, t("Writing team kits"), enabled=enabled) as advance:
        yield advance


def print_setup(console: Any, result: Any, loaded: Any) -> None:
    """`ohcheck event setup`: each kit, the templates and summary, the event key, what was written and kept."""
    said = framework()
    counts = {o: sum(1 for v in result.files.values() if v == o) for o in ("written", "updated", "unchanged", "kept")}
    say(console, t("Setup for {event} in {out}:", event=loaded.event.event.name, out=str(result.out)))
    for kit in result.kits:
        say(console, t("  team kit  {folder}  (git: {git})", folder=str(kit.folder.relative_to(result.out)),
                       git=kit.git))
        if kit.note:
            labelled(console, t("note:"), "cyan", said.say(kit.note), indent="    ")
        if kit.removed_event_key:
            say(console, "    " + t("removed .ohcheck/event.key, the copy of the event key an older setup "
                                   "wrote: with it, this team could sign results as any team"))
    if loaded.event.azure is not None:
        say(console, t("  templates infra/main.bicep and one parameters file per team; deploy.sh"))
    say(console, t("  summary   event-summary.md"))
    key_at = str(result.key_path)
    if result.key == "made":
        say(console, t("Event key: made at {path}, for the coaches only; each kit has its team's own key in "
                       ".ohcheck/team.key (git ignores it).", path=key_at))
    else:
        say(console, t("Event key: kept at {path}, for the coaches only; each kit has its team's own key in "
                       ".ohcheck/team.key (git ignores it).", path=key_at))
    said_counts = {"written": msg("{count} written", count=counts["written"]),
                   "updated": msg("{count} updated", count=counts["updated"]),
                   "unchanged": msg("{count} unchanged", count=counts["unchanged"]),
                   "kept": msg("{count} kept", count=counts["kept"])}
    say(console, t("{counts}.", counts=_separator().join(said.say(said_counts[o]) for o, n in counts.items() if n)))
    kept = t("kept")
    for rel in result.kept():
        line(console, "  ", (kept, "yellow"), " ", rel + t(": changed since setup wrote it; "
                                                          "delete it to have setup write it again"))
    if loaded.event.azure is not None:
        say(console, t("Next: `ohcheck event preflight`, then `./deploy.sh` (needs `az login`)."))


# -- event preflight --------------------------------------------------------------------------


def print_preflight(console: Any, groups: list[Any], elsewhere: list[str], code: int) -> None:
    """`ohcheck event preflight`: one table per subscription and region, the fixing commands, the verdict."""
    if not groups:
        say(console, t("No team gets its workspace from setup (every team is local or brings its own): "
                       "nothing to check."))
        return
    said = framework()
    # One table per subscription and region, named above it: a GUID column would take a third of
    # an 80-column terminal from the sentences that say what to fix.
    for group in groups:
        teams = [team.name for team, _ in group.teams]
        heading = t("Subscription {subscription}, region {region}", subscription=group.subscription,
                    region=group.region)
        line(console, (heading, "bold"), *([" ", (t("(teams: {teams})", teams=teams), "dim")] if teams else []))
        columns = [escape(t("Check")), escape(t("Status")), escape(t("Found")), escape(t("Fix"))]
        rows = []
        for check in group.checks:
            row = check.said(said)
            rows.append([escape(row.check), readiness_markup(check.status),
                         escape(row.found), escape(row.fix)])
        print_table(console, columns, rows, show_edge=False, column_options={
            columns[0]: {"no_wrap": True}, columns[1]: {"no_wrap": True},
            columns[2]: {"overflow": "fold", "ratio": 3}, columns[3]: {"overflow": "fold", "ratio": 2}})
    # A table cell wraps a long command; printed again whole, it can be copied and pasted.
    commands = [c.fix for g in groups for c in g.checks if c.status == _PROBLEM and c.fix.startswith("az ")]
    if commands:
        say(console, "\n" + t("Commands that fix problems above:"))
        for command in dict.fromkeys(commands):
            say(console, f"  {command}")
    if elsewhere:
        say(console, t("Not checked (they bring their own workspace): {teams}", teams=elsewhere), style="dim")
    line(console, *preflight_verdict(groups, code))


def preflight_verdict(groups: list[Any], code: int) -> tuple[tuple[str, str], str]:
    """The last line, in the chosen language: the verdict word in its status's colour, then the sentence."""
    rows = [c for g in groups for c in g.checks]
    skipped = sum(1 for c in rows if c.status == _ERROR and c.found.startswith("not checked"))
    counts = {s: sum(1 for c in rows if c.status == s) for s in (_PROBLEM, _ERROR, WARNING)}
    counts[_ERROR] -= skipped  # rows a failed credential check left undone are counted apart
    where = msg_n("1 subscription/region", "{count} subscription/regions", len(groups), count=len(groups))
    tallied = [msg_n("1 problem", "{count} problems", n, count=n) if s == _PROBLEM else
               msg_n("1 error", "{count} errors", n, count=n) if s == _ERROR else
               msg_n("1 warning", "{count} warnings", n, count=n)
               for s, n in counts.items() if n]
    if skipped:
        tallied.append(msg("{count} not checked", count=skipped))
    said = framework()
    tally = _separator().join(said.say(m) for m in tallied)
    if code == EXIT_FAILED:
        return ((t("Not ready:"), READINESS_STYLE[_PROBLEM]),
                " " + t("{tally} in {where}. Fix the problems, then run preflight again.", tally=tally, where=where))
    if code == EXIT_UNDECIDED:
        return ((t("Not decided:"), READINESS_STYLE[_ERROR]),
                " " + t("{tally} in {where}: some checks could not run; fix what the errors say and run again.",
                        tally=tally, where=where))
    if counts[WARNING]:
        return ((t("Ready"), READINESS_STYLE[_OK]),
                " " + t("({tally}): every check of {where} passed.", tally=tally, where=where))
    return (t("Ready:"), READINESS_STYLE[_OK]), " " + t("every check of {where} passed.", where=where)


# -- event teardown ---------------------------------------------------------------------------
_KIND = {"endpoint": msg("online endpoint"), "deployment": msg("deployment"), "cluster": msg("compute cluster"),
         "instance": msg("compute instance"), "schedule": msg("schedule")}
NOTHING_DELETED = msg("Nothing was deleted: run again with --yes to delete these.")


def print_teardown_list(console: Any, outcomes: list[Any], cost_note: Callable[[Any], Msg]) -> None:
    """`ohcheck event teardown`: what still costs money, per team (`cost_note` says why, for each resource)."""
    said = framework()
    rows: list[list[str]] = []
    for o in outcomes:
        team = escape(o.team)
        if o.error:
            rows.append([team, verdict_markup("error"), "", "", escape(said.say(o.error))])
        elif o.note:
            rows.append([team, "", "", "", f"[dim]{escape(said.say(o.note))}[/]"])
        elif not o.resources:
            clean = t("nothing that costs: workspace {workspace} is clean", workspace=o.workspace.name)
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


def print_teardown_after(console: Any, outcomes: list[Any], *, yes: bool, anything: bool) -> None:
    """After the list: nothing to delete, the az commands that would (no --yes), or what was deleted."""
    said = framework()
    if not anything:
        say(console, t("Nothing to delete."))
        return
    if not yes:
        say(console, "\n" + t("The az commands that would delete these (an endpoint's deployments go with it; "
                              "a schedule is disabled, which stops it submitting jobs):"))
        for o in outcomes:
            for command in o.commands:
                say(console, command)
        say(console, "\n" + said.say(NOTHING_DELETED))
        return
    from rich.cells import cell_len

    words = {"deleted": t("deleted"), "disabled": t("disabled")}
    width = max(9, *(cell_len(w) for w in words.values()))  # terminal cells: a Japanese character takes two
    for o in outcomes:
        for d in o.deleted or []:
            if d.result == "failed":  # one sentence, the status word in it ("failed" alone is a verdict's word)
                say(console, t("failed    {team}  {kind} {name}: {message}", team=o.team, kind=d.kind,
                               name=d.name, message=d.message or ""), style=VERDICT_STYLE["failed"])
            else:  # done: in the colour of a passed verdict
                word = words.get(d.result, d.result)
                line(console, (word + " " * (width - cell_len(word)), VERDICT_STYLE["passed"]),
                     f" {o.team}  {d.kind} {d.name}")
    done = sum(1 for o in outcomes for d in o.deleted or [] if d.result != "failed")
    failed = sum(1 for o in outcomes for d in o.deleted or [] if d.result == "failed")
    say(console, t("{done} done, {failed} failed.", done=done, failed=failed))
