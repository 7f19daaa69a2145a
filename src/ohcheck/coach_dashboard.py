"""`ohcheck coach dashboard`: being built (issue 5)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ohcheck.errors import UserError
from ohcheck.event import LoadedEvent


@dataclass(frozen=True)
class Written:
    path: Path
    teams: int
    size_bytes: int


def write_dashboard(loaded: LoadedEvent, store_path: Path, out: Path) -> Written:
    raise UserError("ohcheck coach dashboard is not built yet.")


def serve_dashboard(loaded: LoadedEvent, store_path: Path, *, port: int, on_ready: Callable[[str], None]) -> None:
    raise UserError("ohcheck coach dashboard is not built yet.")
