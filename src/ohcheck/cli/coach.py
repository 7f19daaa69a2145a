"""A coach's commands: `ohcheck coach collect / approve / revoke / key / import / report / dashboard`."""

import enum
import os
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ohcheck.cli.common import _command, _echo_json, _labelled, _say, _say_warning, _stderr, _stdout
from ohcheck.cli.help import LocalisedGroup
from ohcheck.errors import EXIT_UNDECIDED, EXIT_USAGE, UserError
from ohcheck.cli.options import JsonOption, _pack


coach_app = typer.Typer(
    cls=LocalisedGroup,
    help="For coaches: verify every team yourself, and sign challenges off.", no_args_is_help=True
)


EventOption = Annotated[
    Optional[Path],
    typer.Option("--event", help="The event file. Default: the nearest event.yaml, here or above.", dir_okay=False),
]

StoreOption = Annotated[
    Optional[Path],
    typer.Option("--store", help="The coach store. Default: .ohcheck-coach/coach.db beside the event file.",
                 dir_okay=False),
]

CoachOption = Annotated[
    Optional[str],
    typer.Option("--coach", envvar="OHCHECK_COACH", show_envvar=False,
                 help="Your name, recorded with what you do. Default: $OHCHECK_COACH, else your login."),
]

def _coach_name(coach: Optional[str]) -> str:
    import getpass

    return coach or os.environ.get("OHCHECK_COACH") or getpass.getuser()

def _coach_store(loaded: Any, store: Optional[Path]) -> Path:
    from ohcheck.coach.store import coach_store_path

    return store if store is not None else coach_store_path(loaded.folder)

@_command(coach_app, "collect")
def coach_collect(
    event: EventOption = None,
    team: Annotated[Optional[list[str]], typer.Option("--team", help="Only this team (repeat for more).")] = None,
    challenge: Annotated[
        Optional[list[str]], typer.Option("--challenge", help="Verify this challenge (repeat for more). Default: each "
                                          "team's challenges up to the first it has not passed, and the next.")
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", min=1, max=32, help="How many teams to verify at once.")] = 4,
    store: StoreOption = None,
    coach: CoachOption = None,
    as_json: JsonOption = False,
) -> None:
    """Verify every team's repo and target yourself: the trusted, coach-verified record.

    Each team is verified on its own target (the event's `target`), read-only,
    in order up to the first challenge it has not passed and the one after it
    (what it has not reached stays not started). One team that cannot be
    verified (no repo, no credential) is that team's error; the others go on.
    Exit code 3 when some team could not be verified.
    """
    from ohcheck.coach.collect import collect
    from ohcheck.cli.options import _read_event as load_event

    loaded = load_event(event)
    pack = _pack()
    teams = [loaded.event.team(name) for name in team] if team else list(loaded.event.teams)
    challenges = [pack.challenge(c) for c in challenge] if challenge else [c for c in pack.challenges if pack.criteria(c)]
    from ohcheck.render.progress import TeamsProgress

    err = _stderr()
    with TeamsProgress(err, len(teams), enabled=err.is_terminal and not as_json) as done:
        outcomes = collect(loaded, pack, _coach_store(loaded, store), teams=teams, challenges=challenges,
                           coach=_coach_name(coach), jobs=jobs, on_team_done=done, explicit=bool(challenge))
    from ohcheck.coach.progress import event_progress, starter_passes

    progress = event_progress(loaded, _coach_store(loaded, store), [c.id for c in pack.challenges],
                              starter_passes(pack))
    # What the store could not take is still shown, its exit code kept, and said not stored (as verify does).
    from ohcheck import i18n

    unstored = [o.team for o in outcomes if o.not_stored is not None]
    warnings = []
    if unstored:
        warnings = [next(o.not_stored for o in outcomes if o.not_stored is not None), i18n.msg(
            "The results of {teams} were not stored: collect again once the coach store can be written, or keep "
            "this collect's results with --json > FILE.", teams=", ".join(unstored))]
    if as_json:
        document = {"event": loaded.event.event.name,
                    "teams": [{**o.to_dict(), "progress": progress[o.team].to_dict()} for o in outcomes]}
        if warnings:
            document["warnings"] = [i18n.framework().say(sentence) for sentence in warnings]
        _echo_json(document)
    else:
        from ohcheck.render.coach_states import print_collected

        print_collected(outcomes, [c.id for c in pack.challenges], pack, progress)
    if warnings:
        _say_warning(*warnings)
    if any(c.verdict == "error" for o in outcomes for c in o.challenges):
        raise typer.Exit(EXIT_UNDECIDED)

CoverOption = Annotated[
    bool,
    typer.Option("--cover", help="You cover for the coach who looks after the team (recorded in the note)."),
]

def _confirm(question: str) -> bool:
    """Ask the coach yes or no, in a terminal; elsewhere nobody can answer: no."""
    return sys.stdin.isatty() and typer.confirm(question)

@_command(coach_app, "approve")
def coach_approve(
    team: Annotated[str, typer.Argument(help="The team, as the event file names it.")],
    challenge: Annotated[str, typer.Argument(help="The challenge: challenge-03, 03 or 3.")],
    note: Annotated[str, typer.Option("--note", help="What you checked, for the record.")] = "",
    force: Annotated[bool, typer.Option("--force", help="Approve although your own verification did not pass "
                                        "every criterion (recorded as forced).")] = False,
    cover: CoverOption = False,
    event: EventOption = None,
    store: StoreOption = None,
    coach: CoachOption = None,
) -> None:
    """Sign a challenge off for a team, on the strength of your own (coach-verified) results.

    Only a coach of the event (`coaches:` in event.yaml) signs off, for a team
    they look after; for another team they are asked (or give --cover).
    """
    from ohcheck.coach.signoff import approve
    from ohcheck.cli.options import _read_event as load_event
    from ohcheck.i18n import t

    loaded = load_event(event)
    name = loaded.event.team(team).name  # an unknown team is said before an unknown challenge
    cid = _pack().challenge(challenge).id
    signed = approve(loaded, _coach_store(loaded, store), name, cid, _coach_name(coach), note=note, force=force,
                     cover=cover, confirm=_confirm)
    forced, latest = signed.forced, signed.latest
    said = {"challenge": cid, "team": signed.team, "coach": signed.coach, "time": signed.time}
    console = _stdout()
    _say(console, t("Approved {challenge} for {team} ({coach}, {time}) — forced.", **said) if forced
                  else t("Approved {challenge} for {team} ({coach}, {time}).", **said))
    if latest is not None and not latest.problem:
        skipped, decided = latest.skipped, latest.passed + latest.failed + latest.error
        if skipped > decided:  # typically the local target: the sign-off rests on the few criteria it decides
            _say(console, t("{skipped} of {total} criteria of {challenge} were skipped on the {target} target: "
                            "this sign-off rests on {decided}.", skipped=skipped, total=skipped + decided,
                            challenge=cid, target=latest.target, decided=decided))

@_command(coach_app, "revoke")
def coach_revoke(
    team: Annotated[str, typer.Argument(help="The team, as the event file names it.")],
    challenge: Annotated[str, typer.Argument(help="The challenge: challenge-03, 03 or 3.")],
    note: Annotated[str, typer.Option("--note", help="Why, for the record.")] = "",
    cover: CoverOption = False,
    event: EventOption = None,
    store: StoreOption = None,
    coach: CoachOption = None,
) -> None:
    """Take a sign-off back (the approval stays in the record, with this revocation after it).

    Only a coach of the event revokes, for a team they look after (or with --cover).
    """
    from ohcheck.coach.signoff import revoke
    from ohcheck.cli.options import _read_event as load_event
    from ohcheck.i18n import t

    loaded = load_event(event)
    name = loaded.event.team(team).name  # an unknown team is said before an unknown challenge
    cid = _pack().challenge(challenge).id
    signed = revoke(loaded, _coach_store(loaded, store), name, cid, _coach_name(coach), note=note, cover=cover,
                    confirm=_confirm)
    _say(_stdout(), t("Revoked the sign-off of {challenge} for {team} ({coach}, {time}).", challenge=cid,
                      team=signed.team, coach=signed.coach, time=signed.time))

@_command(coach_app, "key")
def coach_key(
    event: EventOption = None,
    team: Annotated[Optional[str], typer.Option("--team", help="Write this team's own key (with --out), for a "
                                                "team without a kit from `ohcheck event setup`.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="The file for --team's key (give it to the team as "
                                                "its repo's .ohcheck/team.key).", dir_okay=False)] = None,
) -> None:
    """Make the event's key (once): each team's key is derived from it, and you check bundles with it on import.

    The event key stays with the coaches. `ohcheck event setup` puts each
    team's own key in its kit (.ohcheck/team.key, git-ignored); for a team
    without a kit, write its key with --team and --out. No key is ever printed.
    """
    from ohcheck.bundle import EVENT_KEY_NAME, new_key, read_key, team_key, write_secret
    from ohcheck.coach.store import COACH_DIR
    from ohcheck.cli.options import _read_event as load_event
    from ohcheck.i18n import msg, t

    loaded = load_event(event)
    if (team is None) != (out is None):
        raise UserError(msg("--team and --out go together: `ohcheck coach key --team TEAM --out FILE` writes "
                            "that team's key to FILE."))
    path = loaded.folder / COACH_DIR / EVENT_KEY_NAME
    name = loaded.event.team(team).name if team is not None else None
    if new_key(path):
        said = t("Made the event key: {path}. It stays with the coaches; each team gets its own key "
                 "(`ohcheck event setup` puts it in the kit).", path=str(path))
    elif name is None:
        said = t("The event already has the event key: {path}. It stays with the coaches; each team gets its own "
                 "key (`ohcheck event setup` puts it in the kit).", path=str(path))
    else:
        said = ""
    if said:
        _say(_stdout(), said)
    if name is None or out is None:
        return
    text = team_key(read_key(path, who="ohcheck coach key"), name).hex()
    if out.exists():
        try:
            same = out.read_text(encoding="ascii", errors="replace").strip() == text
        except OSError:
            same = False
        if not same:
            raise UserError(msg("{file} already exists and holds something else than team {team}'s key: it was left "
                                "as it is; choose another --out.", file=out, team=name))
        _say(_stdout(), t("{file} already holds team {team}'s key: give it to the team as .ohcheck/team.key "
                          "in its repo.", file=str(out), team=name))
        return
    try:
        write_secret(out, text)
    except OSError as exc:
        raise UserError(msg("Cannot write {file}: {error}.", file=out, error=exc.strerror or exc)) from None
    _say(_stdout(), t("Wrote team {team}'s key to {file} (readable by you only): give it to the team as "
                      ".ohcheck/team.key in its repo.", team=name, file=str(out)))

@_command(coach_app, "import")
def coach_import(
    files: Annotated[list[Path], typer.Argument(help="Result bundles teams exported (`ohcheck verify --export`).",
                                                dir_okay=False)],
    event: EventOption = None,
    store: StoreOption = None,
) -> None:
    """Load teams' own results, marked self-reported (never mixed with what you verified).

    Each bundle is checked with the key of the team it names, then every
    field; a bundle changed after it was signed, signed with another team's
    key, from a team not in the event or with a field that is wrong is refused
    with the reason, and nothing of it is stored; the others are imported.
    Importing a bundle twice stores it once. Exit code 2 when any bundle was
    refused.
    """
    from ohcheck import bundle, i18n
    from ohcheck.coach.store import COACH_DIR, CoachStore, TeamVerify
    from ohcheck.cli.options import _read_event as load_event

    t = i18n.t
    loaded = load_event(event)
    key = bundle.read_key(loaded.folder / COACH_DIR / bundle.EVENT_KEY_NAME, who="ohcheck coach import")
    names = [team.name for team in loaded.event.teams]
    pack = _pack()
    console, err = _stdout(), _stderr()
    refused = 0
    with CoachStore(_coach_store(loaded, store)) as coach_store:
        for path in files:
            try:
                found = bundle.load(path, key, teams=names, pack=pack)
            except UserError as exc:
                refused += 1
                _labelled(err, t("refused:"), "bold red", i18n.framework().say(exc.message))
                continue
            source = i18n.msg("bundle {name}", name=path.name)
            stored = coach_store.record(
                team=found.team, challenge=found.challenge, target=found.target, trust="self",
                source=source, started_at=found.started_at, results=found.results,
                summary=found.summary, digest=found.signature,
            )
            if stored is not None:  # the run and the team's earlier verifies: what its progress is timed from
                runs = [TeamVerify(found.team, found.challenge, bundle.utc_text(found.started_at),
                                   found.summary.verdict, {r.criterion: r.status.value for r in found.results}, source)]
                runs += [TeamVerify(found.team, found.challenge, h.started_at, h.verdict, h.statuses, source)
                         for h in found.history]
                coach_store.record_history(runs)
            said = {"file": path.name, "team": found.team, "challenge": found.challenge,
                    "verdict": i18n.msg(found.summary.verdict), "time": found.started_at}
            _say(console, t("{file}: imported — {team}, {challenge}, {verdict} (self-reported, {time})", **said) if stored is not None
           else t("{file}: already imported — {team}, {challenge}, {verdict} (self-reported, {time})", **said))
    if refused:
        raise typer.Exit(EXIT_USAGE)

class ReportFormat(str, enum.Enum):
    md = "md"
    html = "html"

@_command(coach_app, "report")
def coach_report(
    team: Annotated[str, typer.Argument(help="The team, as the event file names it.")],
    fmt: Annotated[ReportFormat, typer.Option("--format", help="Markdown or a self-contained HTML page.")] = ReportFormat.md,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write it to this file (default: stdout).",
                                                 dir_okay=False)] = None,
    event: EventOption = None,
    store: StoreOption = None,
) -> None:
    """A team's review: per challenge and criterion, what you verified, what the team reported, sign-offs."""
    from ohcheck.coach.report import render_report
    from ohcheck.cli.options import _read_event as load_event

    loaded = load_event(event)
    text = render_report(loaded, _coach_store(loaded, store), loaded.event.team(team).name, fmt.value)
    if out is None:
        typer.echo(text, nl=False)
        return
    from ohcheck.atomic import write_atomic
    from ohcheck.errors import writing

    with writing(out):
        write_atomic(out, text)
    from ohcheck.i18n import t

    _say(_stdout(), t("Wrote the report of {team} to {file}.", team=team, file=str(out)))

@_command(coach_app, "dashboard")
def coach_dashboard(
    out: Annotated[Optional[Path], typer.Option("--out", help="The HTML file to write (default: dashboard.html).",
                                                 dir_okay=False)] = None,
    serve: Annotated[bool, typer.Option("--serve", help="Serve it on 127.0.0.1, refreshed as results arrive.")] = False,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="The port for --serve (0: any free one).")] = 8765,
    coach: Annotated[Optional[str], typer.Option(
        "--coach", help="Open on this coach's teams (event.yaml's coaches[].teams). Default: $OHCHECK_COACH when "
        "it names a coach of the event, else every team.")] = None,
    csv_out: Annotated[Optional[Path], typer.Option(
        "--csv", help="Write the grid as CSV to this file (instead of the page, unless --out is given too).",
        dir_okay=False)] = None,
    event: EventOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """The whole event on one self-contained page: teams × challenges, funnel, times, stuck teams.

    With --json, the page's figures as data instead (every team's state per challenge, its current
    challenge, whether and since when it is stuck, the funnel); no page is written.
    """
    from ohcheck.coach import dashboard
    from ohcheck.cli.options import _read_event as load_event

    from ohcheck.i18n import msg, t

    loaded = load_event(event)
    store_path = _coach_store(loaded, store)
    console = _stdout()
    if as_json:
        _echo_json(dashboard.board_of(loaded, store_path).to_dict())
        return
    chosen = dashboard.choose_coach(loaded, coach, os.environ.get("OHCHECK_COACH"))
    if csv_out is not None:
        if serve:
            raise UserError(msg("--csv writes a file and --serve serves the page: run them one at a time."))
        teams = dashboard.write_csv(loaded, store_path, csv_out)
        _say(console, t("Wrote the grid of {teams} teams to {file}.", teams=teams, file=str(csv_out)))
        if out is None:
            return
    if not serve:
        out = out or Path("dashboard.html")
        written = dashboard.write_dashboard(loaded, store_path, out, coach=chosen)
        _say(console, t("Wrote {file} ({teams} teams, {size:.0f} KiB).", file=str(out), teams=written.teams,
                        size=written.size_bytes / 1024))
        _say(console, t("Its team reports and coach guides: {folder}", folder=str(written.files)))
        return

    def ready(url: str) -> None:
        _say(console, t("Serving the dashboard at {url} (refreshed as results arrive). Press Ctrl-C to stop.",
                        url=url))

    from ohcheck.coach.dashboard_server import serve

    serve(loaded, store_path, port=port, on_ready=ready, coach=chosen)
    _say(console, t("Stopped."))
