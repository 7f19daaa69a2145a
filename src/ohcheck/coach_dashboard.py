"""`ohcheck coach dashboard`: the whole event on one self-contained HTML page.

The figures come from coach_dashboard_data.py (what each state and time means is decided there);
this module renders them with the jinja2 template templates/coach_dashboard.html.j2 (autoescaped: team
names, messages and notes are text, never markup), writes the file atomically, and hands `--serve` to
coach_dashboard_server.py.

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

from ohcheck.coach_dashboard_data import Cell, build_dashboard
from ohcheck.coach_time import duration_text as _duration
from ohcheck.coach_time import parse_time
from ohcheck.errors import UserError
from ohcheck.event import LoadedEvent
from ohcheck.i18n import Catalogue, language, msg, t

if TYPE_CHECKING:
    from jinja2 import Template

POLL_MS = 2000  # how often a served page asks whether the store changed


def state_words() -> dict[str, str]:
    """What each cell state means, in the chosen language: the legend, a cell's tooltip and its card
    (render/coach_states.py: the one vocabulary of the dashboard, the report and the CLI)."""
    from ohcheck.coach_progress import STATES
    from ohcheck.render.coach_states import state_meaning

    return {state: state_meaning(state) for state in STATES}


@dataclass(frozen=True)
class Written:
    path: Path
    teams: int
    size_bytes: int


def render_dashboard(loaded: LoadedEvent, store_path: Path, *, live: bool = False, version: str = "",
                     now: dt.datetime | None = None) -> str:
    """The page as text. `live`: served, so it polls `version` and swaps in the new board when it changes."""
    lang = language()
    titles, catalogue, starter_passes = _challenge_titles(lang)
    board = build_dashboard(loaded, store_path, titles, now=now, catalogue=catalogue, starter_passes=starter_passes)
    from ohcheck import __version__

    words = state_words()
    return _template().render(
        d=board, live=live, version=version, poll_ms=POLL_MS, words=words, lang=lang,
        legend=list(words.items()), version_of_ohcheck=__version__, script_words=_script_words(),
    )


def dashboard_data(loaded: LoadedEvent, store_path: Path, *, now: dt.datetime | None = None) -> Any:
    """The page's figures (coach_dashboard_data.Dashboard), in the chosen language, for `--json`."""
    titles, catalogue, starter_passes = _challenge_titles(language())
    return build_dashboard(loaded, store_path, titles, now=now, catalogue=catalogue, starter_passes=starter_passes)


def write_dashboard(loaded: LoadedEvent, store_path: Path, out: Path) -> Written:
    """Write the page to `out` whole or not at all."""
    from ohcheck.atomic import write_atomic

    html = render_dashboard(loaded, store_path)
    try:
        write_atomic(out, html)
    except OSError as exc:
        raise UserError(msg("Cannot write the dashboard to {out}: {problem}.", out=out,
                            problem=exc.strerror or exc)) from None
    return Written(path=out, teams=len(loaded.event.teams), size_bytes=len(html.encode("utf-8")))


def serve_dashboard(loaded: LoadedEvent, store_path: Path, *, port: int, on_ready: Callable[[str], None]) -> None:
    """Serve the page on 127.0.0.1:`port` (0: any free port), fresh as results arrive, until Ctrl-C."""
    from ohcheck.coach_dashboard_server import serve

    serve(loaded, store_path, port=port, on_ready=on_ready)


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
    from ohcheck.coach_progress import starter_passes
    from ohcheck.pack import HackPack

    pack = HackPack(root)
    return {c.id: c.title_in(lang) for c in pack.challenges}, pack.catalogue(lang), starter_passes(pack)


def _script_words() -> dict[str, str]:
    """The sentences the page's script says when served ({time} filled in by the script)."""
    return {"updated": t("live: updated {time}", time="{time}"),
            "offline": t("not connected to ohcheck: retrying")}


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
    from ohcheck.coach_report import element, said_status, t_html, trust_label

    from ohcheck.render.coach_states import span_text, state_css

    env.filters.update(when=_when, when_text=_when_text, duration=_duration, short=_short, label=_label,
                       hover=_hover, said=said_status, css_string=_css_string, notes=_notes, span=span_text)
    # The template is compiled once; t() and friends say things in the language chosen when it renders. (A
    # filter on a literal is worked out when the template is compiled: hence said("passed"), not "passed"|said.)
    env.globals.update(t=t_html, el=element, trust_label=trust_label, said=said_status, state_css=state_css)
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
    the newest collect ("self: passed 20:14, not verified yet"), a revoked sign-off."""
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
    if cell.revoked and cell.signoff is not None:
        notes.append(("revoked", t("sign-off revoked")))
    return notes


def _when_time(value: dt.datetime | None) -> str:
    """A time of day as the grid shows it (UTC, like every time on the page)."""
    return value.strftime("%H:%M") if value else "?"


def _hover(cell: Cell, words: dict[str, str]) -> str:
    """A grid cell's tooltip: its state (`words`: state_words()), the latest attempt of each trust, the sign-off."""
    from ohcheck.coach_report import said_status
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
