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
    """What each cell state means, in the chosen language: the legend, a cell's tooltip and its card."""
    return {
        "signed-off": t("signed off by a coach"),
        "passed": t("passed (coach-verified)"),
        "in-progress": t("in progress: not every criterion passes yet"),
        "failing": t("failing: it passed before and fails now"),
        "undecided": t("undecided: could not be verified (no credential, unreachable repo…)"),
        "self-only": t("self-reported only: not verified by a coach"),
        "not-started": t("not started"),
    }


@dataclass(frozen=True)
class Written:
    path: Path
    teams: int
    size_bytes: int


def render_dashboard(loaded: LoadedEvent, store_path: Path, *, live: bool = False, version: str = "",
                     now: dt.datetime | None = None) -> str:
    """The page as text. `live`: served, so it polls `version` and swaps in the new board when it changes."""
    lang = language()
    titles, catalogue = _challenge_titles(lang)
    board = build_dashboard(loaded, store_path, titles, now=now, catalogue=catalogue)
    from ohcheck import __version__

    words = state_words()
    return _template().render(
        d=board, live=live, version=version, poll_ms=POLL_MS, words=words, lang=lang,
        legend=list(words.items()), version_of_ohcheck=__version__, script_words=_script_words(),
    )


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


def _challenge_titles(lang: str) -> tuple[dict[str, str], Catalogue]:
    """The pack's challenges in order with their titles in `lang`, and the pack's catalogue for the criteria's
    titles and the results' messages; without a pack, the store's challenge ids alone still make a page."""
    from ohcheck.i18n import framework
    from ohcheck.pack import default_pack_root

    try:
        return _pack_words(default_pack_root().resolve(), lang)
    except UserError:
        return {}, framework(lang)


@functools.lru_cache(maxsize=8)
def _pack_words(root: Path, lang: str) -> tuple[dict[str, str], Catalogue]:
    # Read once: a served page is made again whenever the store changes, and the catalogues are YAML.
    from ohcheck.pack import HackPack

    pack = HackPack(root)
    return {c.id: c.title_in(lang) for c in pack.challenges}, pack.catalogue(lang)


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

    env.filters.update(when=_when, when_text=_when_text, duration=_duration, short=_short, label=_label,
                       hover=_hover, said=said_status, css_string=_css_string)
    # The template is compiled once; t() and friends say things in the language chosen when it renders. (A
    # filter on a literal is worked out when the template is compiled: hence said("passed"), not "passed"|said.)
    env.globals.update(t=t_html, el=element, trust_label=trust_label, said=said_status)
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
    """The few words a grid cell shows."""
    trusted, reported = cell.trusted, cell.reported
    if cell.state == "signed-off":
        warn = cell.signoff is not None and (cell.signoff.forced or cell.result_state != "passed")
        return t("✓ signed off") + (" ⚠" if warn else "")
    if cell.state == "passed":
        return t("passed")
    if cell.state in ("in-progress", "failing") and trusted is not None:
        counts = f"{trusted.passed}/{trusted.decided}"
        return t("failing {counts}", counts=counts) if cell.state == "failing" else t("{counts} passed", counts=counts)
    if cell.state == "undecided":
        return t("undecided")
    if cell.state == "self-only" and reported is not None:
        if reported.verdict == "passed":
            return t("self: passed")
        return t("self: {counts}", counts=f"{reported.passed}/{reported.decided}")
    return "–"


def _hover(cell: Cell, words: dict[str, str]) -> str:
    """A grid cell's tooltip: its state (`words`: state_words()), the latest attempt of each trust, the sign-off."""
    from ohcheck.coach_report import said_status

    parts = [words[cell.state]]
    if cell.trusted is not None:
        parts.append(t("coach-verified {verdict} {counts}, {when}", verdict=said_status(cell.trusted.verdict),
                       counts=f"{cell.trusted.passed}/{cell.trusted.decided}", when=_when(cell.trusted.started_at)))
    if cell.signoff is not None:
        if cell.signoff.approved:
            parts.append(t("signed off by {coach}", coach=cell.signoff.coach))
        else:
            parts.append(t("sign-off revoked by {coach}", coach=cell.signoff.coach))
    if cell.reported is not None:
        parts.append(t("self-reported {verdict} {counts}, {when}", verdict=said_status(cell.reported.verdict),
                       counts=f"{cell.reported.passed}/{cell.reported.decided}", when=_when(cell.reported.started_at)))
    parts.append(t("click for the criteria"))
    return " · ".join(parts)
