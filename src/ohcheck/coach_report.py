"""`ohcheck coach report TEAM`: being built (issue 5)."""

from __future__ import annotations

from pathlib import Path

from ohcheck.errors import UserError
from ohcheck.event import LoadedEvent


def render_report(loaded: LoadedEvent, store_path: Path, team: str, fmt: str) -> str:
    raise UserError("ohcheck coach report is not built yet.")
