"""Copying a challenge's starter files into a team repo, never over the team's own."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ohcheck.errors import UserError, writing
from ohcheck.i18n import msg
from ohcheck.pack import Challenge, pack_files, pack_source


@dataclass
class CopyReport:
    copied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already there: left as the team has it


def copy_files(source: Path, dest: Path, *, overwrite: bool = False, lang: str = "en") -> CopyReport:
    """Copy every pack file of `source` into `dest` (in `lang` where the pack has a translation);
    existing files are kept unless `overwrite`."""
    report = CopyReport()
    for rel in pack_files(source):
        target = dest / rel
        if target.exists() and not overwrite:
            report.skipped.append(rel.as_posix())
            continue
        with writing(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(pack_source(source, rel, lang), target)
        report.copied.append(rel.as_posix())
    return report


def start_challenge(challenge: Challenge, dest: Path, *, lang: str = "en") -> CopyReport:
    """`ohcheck start`: the challenge's starter files, without touching what the team has."""
    if challenge.starter is None:
        raise UserError(msg("{challenge} has no starter files; read it with `ohcheck show {challenge}`.",
                            challenge=challenge.id))
    if not dest.is_dir():
        raise UserError(msg("{dest} is not a directory; create your team repo first (challenge-00).", dest=dest))
    return copy_files(challenge.starter, dest, lang=lang)
