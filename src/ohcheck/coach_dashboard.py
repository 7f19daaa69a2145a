"""`ohcheck coach dashboard`: the whole event on one self-contained HTML page.

The figures come from coach_dashboard_data.py (what each state and time means is decided there);
this module renders them with the jinja2 template templates/coach_dashboard.html.j2 (autoescaped: team
names, messages and notes are text, never markup), writes the file atomically, and hands `--serve` to
coach_dashboard_server.py.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ohcheck.coach_dashboard_data import Cell, build_dashboard
from ohcheck.coach_time import duration_text as _duration
from ohcheck.coach_time import parse_time
from ohcheck.errors import UserError
from ohcheck.event import LoadedEvent

if TYPE_CHECKING:
    from jinja2 import Template

POLL_MS = 2000  # how often a served page asks whether the store changed

WORDS = {
    "signed-off": "signed off by a coach",
    "passed": "passed (coach-verified)",
    "in-progress": "in progress: not every criterion passes yet",
    "failing": "failing: it passed before and fails now",
    "undecided": "undecided: could not be verified (no credential, unreachable repo…)",
    "self-only": "self-reported only: not verified by a coach",
    "not-started": "not started",
}


@dataclass(frozen=True)
class Written:
    path: Path
    teams: int
    size_bytes: int


def render_dashboard(loaded: LoadedEvent, store_path: Path, *, live: bool = False, version: str = "",
                     now: dt.datetime | None = None) -> str:
    """The page as text. `live`: served, so it polls `version` and swaps in the new board when it changes."""
    board = build_dashboard(loaded, store_path, _challenge_titles(), now=now)
    from ohcheck import __version__

    return _template().render(
        d=board, live=live, version=version, poll_ms=POLL_MS, words=WORDS,
        legend=[(state, words) for state, words in WORDS.items()], version_of_ohcheck=__version__,
    )


def write_dashboard(loaded: LoadedEvent, store_path: Path, out: Path) -> Written:
    """Write the page to `out` whole or not at all."""
    from ohcheck.atomic import write_atomic

    html = render_dashboard(loaded, store_path)
    try:
        write_atomic(out, html)
    except OSError as exc:
        raise UserError(f"Cannot write the dashboard to {out}: {exc.strerror or exc}.") from None
    return Written(path=out, teams=len(loaded.event.teams), size_bytes=len(html.encode("utf-8")))


def serve_dashboard(loaded: LoadedEvent, store_path: Path, *, port: int, on_ready: Callable[[str], None]) -> None:
    """Serve the page on 127.0.0.1:`port` (0: any free port), fresh as results arrive, until Ctrl-C."""
    from ohcheck.coach_dashboard_server import serve

    serve(loaded, store_path, port=port, on_ready=on_ready)


def _challenge_titles() -> dict[str, str]:
    """The pack's challenges in order; without a pack, the store's challenge ids alone still make a page."""
    from ohcheck.pack import HackPack

    try:
        return {c.id: c.title for c in HackPack().challenges}
    except UserError:
        return {}


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
    env.filters.update(when=_when, when_text=_when_text, duration=_duration, short=_short, label=_label,
                       hover=_hover)
    return env.get_template("coach_dashboard.html.j2")


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%m-%d %H:%M") if value else ""


def _when_text(text: str) -> str:
    value = parse_time(text)
    return f"{_when(value)} UTC" if value else text


def _short(challenge: str) -> str:
    """challenge-03 -> 03, for the grid's narrow columns (the full id and title are its tooltip)."""
    return challenge.removeprefix("challenge-")


def _label(cell: Cell) -> str:
    trusted, reported = cell.trusted, cell.reported
    if cell.state == "signed-off":
        warn = cell.signoff is not None and (cell.signoff.forced or cell.result_state != "passed")
        return "✓ signed off" + (" ⚠" if warn else "")
    if cell.state == "passed":
        return "passed"
    if cell.state in ("in-progress", "failing") and trusted is not None:
        counts = f"{trusted.passed}/{trusted.decided}"
        return f"failing {counts}" if cell.state == "failing" else f"{counts} passed"
    if cell.state == "undecided":
        return "undecided"
    if cell.state == "self-only" and reported is not None:
        return "self: passed" if reported.verdict == "passed" else f"self: {reported.passed}/{reported.decided}"
    return "–"


def _hover(cell: Cell) -> str:
    parts = [WORDS[cell.state]]
    if cell.trusted is not None:
        parts.append(f"coach-verified {cell.trusted.verdict} {cell.trusted.passed}/{cell.trusted.decided}, "
                     f"{_when(cell.trusted.started_at)}")
    if cell.signoff is not None:
        parts.append(("signed off" if cell.signoff.approved else "sign-off revoked") + f" by {cell.signoff.coach}")
    if cell.reported is not None:
        parts.append(f"self-reported {cell.reported.verdict} {cell.reported.passed}/{cell.reported.decided}, "
                     f"{_when(cell.reported.started_at)}")
    parts.append("click for the criteria")
    return " · ".join(parts)
