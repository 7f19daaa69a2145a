"""A read-only view of a team repo, as checks see it.

Paths are always relative to the repo root and may not climb out of it.
Nothing here writes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ohcheck.criteria import fail
from ohcheck.i18n import msg


class TeamRepo:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path(self, relative: str | Path) -> Path:
        """The absolute path of `relative`, refusing anything outside the repo."""
        full = (self.root / relative).resolve()
        if full != self.root and self.root not in full.parents:
            fail(msg("{path} points outside the team repo ({root})", path=relative, root=self.root))
        return full

    def exists(self, relative: str | Path) -> bool:
        return self.path(relative).exists()

    def is_git_repo(self) -> bool:
        """True if the repo root or a parent holds `.git` (a folder, or a file for worktrees)."""
        return any((folder / ".git").exists() for folder in (self.root, *self.root.parents))

    def read_text(self, relative: str | Path) -> str:
        from ohcheck import user_files

        path = self.path(relative)
        if not path.exists():
            fail(msg("{path} is missing", path=relative))
        try:
            return user_files.read_text(path)  # a FIFO or a device named like the file is refused, not waited on
        except user_files.NotRegularFile as exc:
            fail(user_files.NotRegularFile(relative, exc.what).message)
        except UnicodeDecodeError:
            fail(msg("{path} is not UTF-8 text", path=relative))

    def read_json(self, relative: str | Path) -> Any:
        text = self.read_text(relative)
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            fail(msg("{path} is not valid JSON (line {line}: {error})", path=relative, line=exc.lineno, error=exc.msg))

    def from_kit(self, relative: str | Path) -> bool:
        """True if the file is one `ohcheck event setup` writes into every team kit, still exactly as written:
        it is there, but it is not the team's work (its CI workflow, say)."""
        from ohcheck.event.files import kit_template

        expected = kit_template(Path(relative).as_posix())
        path = self.path(relative)
        if expected is None or not path.is_file():
            return False
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return False
        # A Windows checkout may have turned the line ends into CRLF: still the file setup wrote.
        return text.replace("\r\n", "\n") == expected.replace("\r\n", "\n")

    def relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)
