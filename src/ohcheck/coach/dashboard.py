"""`ohcheck coach dashboard`: the whole event on one self-contained HTML page.

The figures come from coach_dashboard_data.py (what each state and time means is decided there);
this module renders them with the jinja2 template templates/coach_dashboard.html.j2 (autoescaped: team
names, messages and notes are text, never markup) and writes the file atomically; `--serve` is
coach/dashboard_server.py, which renders its pages with this module (never the other way round).

Every word of the page is said in the coach's language (ohcheck.i18n: --lang, OHCHECK_LANG, event.yaml's
event.language, the system locale): the template's sentences through t(), the criteria's titles and the
results' messages through the pack's catalogue, whatever language a team verified in.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ohcheck.coach.dashboard_data import Cell, Dashboard, build_dashboard
from ohcheck.coach.times import duration_text as _duration
from ohcheck.coach.times import parse_time
from ohcheck.errors import UserError
from ohcheck.event.model import LoadedEvent
from ohcheck.i18n import Catalogue, language, msg, t

if TYPE_CHECKING:
    from jinja2 import Template

    from ohcheck.pack import HackPack

POLL_MS = 2000  # how often a served page asks whether the store changed


def state_words() -> dict[str, str]:
    """What each cell state means, in the chosen language: the legend, a cell's tooltip and its card
    (render/coach_states.py: the one vocabulary of the dashboard, the report and the CLI)."""
    from ohcheck.coach.progress import STATES
    from ohcheck.render.coach_states import state_meaning

    return {state: state_meaning(state) for state in STATES}


@dataclass(frozen=True)
class Written:
    path: Path
    teams: int
    size_bytes: int
    files: Path | None = None  # the folder of the reports and guides the page links to


@dataclass(frozen=True)
class Links:
    """Where a page's drill-down links go: a team's report and a challenge's coach guide (relative hrefs)."""

    report: Callable[[str], str]
    guide: Callable[[str], str]


# Served: the server's own routes (coach_dashboard_server.py), relative to the page at /.
SERVED_LINKS = Links(report=lambda team: f"report/{quote(team)}", guide=lambda cid: f"guide/{quote(cid)}")


def files_folder(out: Path) -> Path:
    """Beside a written page: dashboard.html -> dashboard-files/ (its reports/ and guides/)."""
    return out.with_name(f"{out.stem}-files")


def written_links(out: Path) -> Links:
    folder = quote(files_folder(out).name)
    return Links(report=lambda team: f"{folder}/reports/{quote(team)}.html",
                 guide=lambda cid: f"{folder}/guides/{quote(cid)}.html")


def choose_coach(loaded: LoadedEvent, name: str | None, from_env: str | None) -> str | None:
    """The coach whose view the page opens on: `--coach NAME` (a coach of the event, else one sentence), or
    $OHCHECK_COACH when it names one of the event's coaches (anyone else sees every team)."""
    coaches = [c.name for c in loaded.event.coaches]
    if name:
        if name not in coaches:
            raise UserError(msg("{coach} is not a coach of this event (its coaches: {coaches}).", coach=name,
                                coaches=", ".join(coaches) or "—"),
                            hint=msg("Name one of the coaches under coaches: in event.yaml, or leave --coach out "
                                     "to open on every team."))
        return name
    return from_env if from_env in coaches else None


def board_of(loaded: LoadedEvent, store_path: Path, now: dt.datetime | None = None) -> Dashboard:
    """The dashboard's figures (also `coach dashboard --json`), its challenges titled in the chosen language."""
    titles, catalogue, starter_passes = _challenge_titles(language())
    return build_dashboard(loaded, store_path, titles, now=now, catalogue=catalogue, starter_passes=starter_passes)


def render_dashboard(loaded: LoadedEvent, store_path: Path, *, live: bool = False, version: str = "",
                     now: dt.datetime | None = None, coach: str | None = None, links: Links = SERVED_LINKS,
                     board: Dashboard | None = None) -> str:
    """The page as text. `live`: served, so it polls `version` and swaps in the new board when it changes.
    `coach`: the page opens on that coach's teams (the page without its script shows every team)."""
    lang = language()
    board = board or board_of(loaded, store_path, now)
    from ohcheck import __version__

    words = state_words()
    csv_text = grid_csv(board)
    return _template().render(
        d=board, live=live, version=version, poll_ms=POLL_MS, words=words, lang=lang,
        legend=list(words.items()), version_of_ohcheck=__version__, script_words=_script_words(),
        coach=coach or "", links=links, team_links=_team_links(loaded, folder_links=not live), guides=_guides(),
        staleness=_staleness(board), csv_href="data:text/csv;charset=utf-8," + quote(csv_text),
        csv_name=f"{_slug(board.name)}.csv", coach_names=[name for name, _ in board.coaches],
    )


def write_dashboard(loaded: LoadedEvent, store_path: Path, out: Path, *, coach: str | None = None) -> Written:
    """Write the page to `out` whole or not at all, and beside it (`<name>-files/`) each team's report and each
    challenge's coach guide, which its cells link to; the page last, so it never links to a file not there yet."""
    from ohcheck.atomic import write_atomic
    from ohcheck.coach.report import render_report

    board = board_of(loaded, store_path)
    html = render_dashboard(loaded, store_path, coach=coach, links=written_links(out), board=board)
    folder = files_folder(out)
    try:
        for team in loaded.event.teams:  # without the forecast plot: writing the page reaches out to no team
            report = render_report(loaded, store_path, team.name, "html", with_plot=False)
            write_atomic(folder / "reports" / f"{team.name}.html", report)
        for challenge, page in guide_pages(back=f"../../{quote(out.name)}", href=lambda cid: f"{quote(cid)}.html"):
            write_atomic(folder / "guides" / f"{challenge}.html", page)
        write_atomic(out, html)
    except OSError as exc:
        raise UserError(msg("Cannot write the dashboard to {out}: {problem}.", out=out,
                            problem=exc.strerror or exc)) from None
    return Written(path=out, teams=len(loaded.event.teams), size_bytes=len(html.encode("utf-8")), files=folder)


def write_csv(loaded: LoadedEvent, store_path: Path, out: Path) -> int:
    """The grid as CSV in `out`, whole or not at all; how many teams."""
    from ohcheck.atomic import write_atomic

    board = board_of(loaded, store_path)
    try:
        write_atomic(out, grid_csv(board))
    except OSError as exc:
        raise UserError(msg("Cannot write the CSV to {out}: {problem}.", out=out,
                            problem=exc.strerror or exc)) from None
    return len(board.teams)


def grid_csv(board: Dashboard) -> str:
    """The grid for a spreadsheet: one row per team, then per challenge its state and "passed/decided (skipped)".

    States are the dashboard's state names (one vocabulary, whatever the language); the header is in the
    coach's language. A BOM first, so a spreadsheet reads the UTF-8 (a Japanese name) as UTF-8. Any field that
    a spreadsheet would take for a formula (= + - @, a tab or CR first) is neutralised with a leading '."""
    import csv
    import io

    head = [t("Team"), t("Coaches"), t("Target"), t("Current challenge"), t("Stuck (minutes)")]
    for c in board.challenges:
        head += [t("{challenge} state", challenge=c.id), t("{challenge} passed/decided (skipped)", challenge=c.id)]
    rows = [head]
    for row in board.teams:
        line = [row.name, ", ".join(row.coaches), row.target, row.current or "",
                str(int(row.stuck_for.total_seconds() // 60)) if row.stuck_for is not None else ""]
        for cell in row.cells:
            seen = cell.trusted or cell.reported
            line += [cell.state, f"{seen.passed}/{seen.decided} ({seen.skipped})" if seen else ""]
        rows.append(line)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180's line ends, as spreadsheets write them
    writer.writerows([[_spreadsheet_safe(value) for value in line] for line in rows])
    return "\ufeff" + buffer.getvalue()


def _spreadsheet_safe(value: str) -> str:
    # OWASP's CSV injection advice: a cell starting with one of these is a formula to Excel and LibreOffice.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def guide_pages(*, back: str, href: Callable[[str], str]) -> list[tuple[str, str]]:
    """(challenge id, its coach guide's page) for every challenge of the pack that has a guide."""
    from ohcheck.coach.guide_html import render_guide

    pack = _pack()
    if pack is None:
        return []
    known = _guides()
    return [(c.id, render_guide(c, back=back, guide_href=href, known=known)) for c in pack.challenges if c.id in known]


def guide_page(challenge: str, *, back: str, href: Callable[[str], str]) -> str | None:
    """One challenge's coach guide page; None when the pack has no such challenge or it has no guide."""
    from ohcheck.coach.guide_html import render_guide

    pack = _pack()
    found = next((c for c in pack.challenges if c.id == challenge), None) if pack is not None else None
    if found is None or found.id not in _guides():
        return None
    return render_guide(found, back=back, guide_href=href, known=_guides())


def _pack() -> HackPack | None:
    from ohcheck.pack import default_pack_root

    try:
        return _pack_at(default_pack_root().resolve())
    except UserError:
        return None


@functools.lru_cache(maxsize=2)
def _pack_at(root: Path) -> HackPack:
    from ohcheck.pack import HackPack

    return HackPack(root)


def _guides() -> set[str]:
    """The challenges that have a coach guide (coach/challenge-NN.md)."""
    pack = _pack()
    return {c.id for c in pack.challenges if c.coach is not None} if pack is not None else set()


@dataclass(frozen=True)
class TeamLinks:
    repo_text: str  # never a URL's user or token (coach_collect.shown)
    repo_href: str | None  # an http(s) URL or the folder's file:// URL; None for an ssh-style git address
    studio: str | None  # the team's Azure ML studio workspace


def _team_links(loaded: LoadedEvent, *, folder_links: bool) -> dict[str, TeamLinks]:
    """`folder_links`: a repo folder as a file:// link (a written page); a served page shows its path instead,
    since a browser refuses to open file:// from an http:// page."""
    from ohcheck.coach.collect import shown
    from ohcheck.event.summary import studio_url

    links = {}
    for team in loaded.event.teams:
        if team.repo_is_url:
            text = shown(team.repo)
            href = text if text.startswith(("https://", "http://")) else None
        else:
            folder = loaded.repo_path(team)
            text, href = (str(folder), folder.as_uri() if folder_links else None) if folder else (team.repo, None)
        ws = team.workspace
        studio = (studio_url(ws.subscription_id, ws.resource_group, ws.name)
                  if team.target == "azure" and ws is not None else None)
        links[team.name] = TeamLinks(repo_text=text, repo_href=href, studio=studio)
    return links


@dataclass(frozen=True)
class Staleness:
    ago: dt.timedelta
    at: str  # HH:MM UTC, with the day when not today
    since: tuple[tuple[str, str], ...]  # (team, when it reported: HH:MM UTC, with the day when not today)


def _staleness(board: Dashboard) -> Staleness | None:
    """How old the coach-verified picture is, and which teams sent results since: None before any collect."""
    if board.last_collect is None:
        return None
    since = sorted(((row.last_reported, row.name) for row in board.teams
                    if row.last_reported is not None and row.last_reported > board.last_collect))
    return Staleness(ago=max(board.generated - board.last_collect, dt.timedelta(0)),
                     at=_clock(board.last_collect, board.generated),
                     since=tuple((name, _clock(when, board.generated)) for when, name in since))


def _clock(value: dt.datetime, now: dt.datetime) -> str:
    """A time of day in UTC, with the day when it is not today's."""
    value, now = value.astimezone(dt.timezone.utc), now.astimezone(dt.timezone.utc)
    return value.strftime("%H:%M") if value.date() == now.date() else value.strftime("%m-%d %H:%M")


def _slug(name: str) -> str:
    """An event's name as a file name for the downloaded CSV."""
    import re

    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.").lower() or "dashboard"


def _challenge_titles(lang: str) -> tuple[dict[str, str], Catalogue, dict[str, frozenset[str]]]:
    """The pack's challenges in order with their titles in `lang`, the pack's catalogue for the criteria's
    titles and the results' messages, and the criteria each starter may pass; without a pack, the store's
    challenge ids alone still make a page."""
    from ohcheck.i18n import framework
    from ohcheck.pack import default_pack_root

    try:
        return _pack_words(default_pack_root().resolve(), lang)
    except UserError:
        return {}, framework(lang), {}


@functools.lru_cache(maxsize=8)
def _pack_words(root: Path, lang: str) -> tuple[dict[str, str], Catalogue, dict[str, frozenset[str]]]:
    # Read once: a served page is made again whenever the store changes, and the catalogues are YAML.
    from ohcheck.coach.progress import starter_passes
    from ohcheck.pack import HackPack

    pack = HackPack(root)
    return {c.id: c.title_in(lang) for c in pack.challenges}, pack.catalogue(lang), starter_passes(pack)


def _script_words() -> dict[str, str]:
    """The sentences the page's script says ({time}, {coach}, {count}, {total} filled in by the script)."""
    return {"updated": t("live: updated {time}", time="{time}"),
            "offline": t("not connected to ohcheck: retrying"),
            "view": t("Showing the teams {coach} looks after: {count} of {total}.", coach="{coach}", count="{count}",
                      total="{total}")}


@functools.lru_cache(maxsize=1)
def _template() -> Template:
    # Imported lazily, like every command's heavy imports, to keep `ohcheck --help` quick.
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("ohcheck", "templates"),
        undefined=StrictUndefined,
        autoescape=True,  # everything from the store or event.yaml is text, never markup
        trim_blocks=True,
        lstrip_blocks=True,
    )
    from ohcheck.coach.report import element, said_status, t_html, t_html_n, trust_label

    from ohcheck.render.coach_states import span_text, state_css

    env.filters.update(when=_when, when_text=_when_text, duration=_duration, short=_short, label=_label,
                       hover=_hover, said=said_status, css_string=_css_string, notes=_notes, span=span_text)
    # The template is compiled once; t() and friends say things in the language chosen when it renders. (A
    # filter on a literal is worked out when the template is compiled: hence said("passed"), not "passed"|said.)
    env.globals.update(t=t_html, t_n=t_html_n, el=element, trust_label=trust_label, said=said_status, state_css=state_css)
    return env.get_template("coach_dashboard.html.j2")


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%m-%d %H:%M") if value else ""


def _when_text(text: str) -> str:
    value = parse_time(text)
    return f"{_when(value)} UTC" if value else text


def _short(challenge: str) -> str:
    """challenge-03 -> 03, for the grid's narrow columns (the full id and title are its tooltip)."""
    return challenge.removeprefix("challenge-")


def _css_string(text: str) -> Any:
    """`text` as a CSS string literal, safe inside the page's <style> (which autoescaping cannot reach)."""
    from markupsafe import Markup

    escaped = "".join(ch if ch.isalnum() or ch in " :-_/()." or ord(ch) > 127 else f"\\{ord(ch):x} "
                      for ch in str(text))
    return Markup(f'"{escaped}"')


def _label(cell: Cell) -> str:
    """The few words a grid cell shows: its state and, where there are any, its coach-verified counts."""
    from ohcheck.render.coach_states import state_word

    trusted = cell.trusted
    if cell.state == "signed-off":
        warn = cell.signoff is not None and (cell.signoff.forced or cell.result_state not in ("passed", "signed-off"))
        return t("✓ signed off") + (" ⚠" if warn else "")
    if cell.state == "in-progress" and trusted is not None and trusted.decided:
        return t("{counts} passed", counts=f"{trusted.passed}/{trusted.decided}")
    if cell.state == "failing-again" and trusted is not None:
        return t("failing again {counts}", counts=f"{trusted.passed}/{trusted.decided}")
    if cell.state == "not-started":
        return "–"
    return state_word(cell.state)


def _notes(cell: Cell) -> list[tuple[str, str]]:
    """The small lines under a cell's label, (css class, text): skipped criteria, the team's own word since
    the newest collect ("self: passed 20:14, not verified yet")."""
    notes = []
    trusted = cell.trusted
    if trusted is not None and trusted.skipped and cell.state != "not-started":
        notes.append(("skips", t("{count} skipped", count=trusted.skipped)))
    reported = cell.progress.reported
    if reported is not None and not cell.passed:
        when = _when_time(parse_time(reported.started_at))
        if reported.verdict == "passed":
            notes.append(("self", t("self: passed {time}, not verified yet", time=when)))
        else:
            decided = sum(1 for s in reported.statuses.values() if s in ("passed", "failed", "error"))
            notes.append(("self", t("self: {counts} {time}", counts=f"{len(reported.passed)}/{decided}", time=when)))
    return notes


def _when_time(value: dt.datetime | None) -> str:
    """A time of day as the grid shows it (UTC, like every time on the page)."""
    return value.strftime("%H:%M") if value else "?"


def _hover(cell: Cell, words: dict[str, str]) -> str:
    """A grid cell's tooltip: its state (`words`: state_words()), the latest attempt of each trust, the sign-off."""
    from ohcheck.coach.report import said_status
    from ohcheck.render.coach_states import counts_text

    parts = [words[cell.state]]
    if cell.trusted is not None:
        parts.append(t("coach-verified {verdict} {counts}, {when}", verdict=said_status(cell.trusted.verdict),
                       counts=counts_text(cell.trusted.passed, cell.trusted.decided, cell.trusted.skipped),
                       when=_when(cell.trusted.started_at)))
    if cell.signoff is not None:
        if cell.signoff.approved:
            parts.append(t("signed off by {coach}", coach=cell.signoff.coach))
        else:
            parts.append(t("sign-off revoked by {coach}", coach=cell.signoff.coach))
    if cell.reported is not None:
        parts.append(t("self-reported {verdict} {counts}, {when}", verdict=said_status(cell.reported.verdict),
                       counts=counts_text(cell.reported.passed, cell.reported.decided, cell.reported.skipped),
                       when=_when(cell.reported.started_at)))
    parts.append(t("click for the criteria"))
    return " · ".join(parts)
