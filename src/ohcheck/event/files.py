"""Writing setup's files so that running setup again is safe.

Setup remembers what it wrote (a SHA-256 per file, in
`OUT/.ohcheck-event/manifest.json`). On a later run a file is rewritten only
if it is still exactly what setup wrote last time; a file someone changed
(a team edited its ohcheck.yaml, a facilitator tuned the Bicep) or a file
setup never wrote is kept as it is, and the run says so. A missing file is
written: deleting a kept file is how to get setup's version back. Each file is written whole
or not at all (atomic.py).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ohcheck.atomic import write_atomic
from ohcheck.errors import UserError, writing
from ohcheck.i18n import msg

MANIFEST = Path(".ohcheck-event") / "manifest.json"
Outcome = Literal["written", "updated", "unchanged", "kept"]
# Files every team kit gets the same (kit path -> ohcheck's template): what a team's own work is not.
KIT_TEMPLATES = {".github/workflows/ohcheck.yml": "team-workflow.yml"}


def kit_template(relative: str) -> str | None:
    """The text setup writes at `relative` in every team kit, None if it writes nothing the same for every team."""
    name = KIT_TEMPLATES.get(relative)
    if name is None:
        return None
    from importlib.resources import files

    return files("ohcheck").joinpath("templates", name).read_text(encoding="utf-8")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class KitWriter:
    """Writes files under `root`, never over a file changed since setup wrote it."""

    root: Path
    outcomes: dict[str, Outcome] = field(default_factory=dict)  # relative posix path -> what happened
    _manifest: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root = self.root.resolve()
        path = self.root / MANIFEST
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                self._manifest = {str(k): str(v) for k, v in data.get("files", {}).items()}
            except (OSError, ValueError, AttributeError):
                # A damaged manifest only makes setup more careful: every existing file counts as changed.
                self._manifest = {}

    def write(self, relative: str | Path, content: str | bytes, *, executable: bool = False) -> Outcome:
        """Write `content` to root/relative unless a changed file is there; returns what happened."""
        rel = Path(relative).as_posix()
        target = self.root / rel
        data = content.encode("utf-8") if isinstance(content, str) else content
        new = _digest(data)
        outcome: Outcome
        if target.is_file():
            try:
                current = _digest(target.read_bytes())
            except OSError as exc:
                raise UserError(msg("Cannot read {path}: {error}.", path=target, error=exc.strerror or exc)) from None
            if current == new:
                outcome = "unchanged"
            elif self._manifest.get(rel) == current:
                outcome = "updated"
            else:
                self.outcomes[rel] = "kept"
                return "kept"
        elif target.exists():
            raise UserError(msg("{path} is in the way: setup wants to write a file there.", path=target))
        else:
            outcome = "written"
        if outcome != "unchanged":
            try:
                write_atomic(target, data)
            except OSError as exc:
                raise UserError(msg("Cannot write {path}: {error}.", path=target, error=exc.strerror or exc)) from None
        if executable:
            with writing(target):
                target.chmod(target.stat().st_mode | 0o111)
        self._manifest[rel] = new
        self.outcomes[rel] = outcome
        return outcome

    def kept(self) -> list[str]:
        return sorted(rel for rel, outcome in self.outcomes.items() if outcome == "kept")

    def count(self, outcome: Outcome) -> int:
        return sum(1 for o in self.outcomes.values() if o == outcome)

    def save(self) -> None:
        """Remember what was written (call once, after the whole setup)."""
        document = {"note": "What `ohcheck event setup` wrote (SHA-256): it rewrites a file only while it still matches.",
                    "files": dict(sorted(self._manifest.items()))}
        with writing(self.root / MANIFEST):
            write_atomic(self.root / MANIFEST, json.dumps(document, indent=2) + "\n")


def relative_to_root(writer: KitWriter, path: Path) -> str:
    """`path` as the writer names it (for messages)."""
    return os.path.relpath(path, writer.root)
