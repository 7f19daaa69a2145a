"""Loading a hack pack: its challenges, their order, their criteria.

A pack is five folders: challenges/ (challenge-NN.md), coach/, starter/,
solutions/ (challenge-NN/ folders) and checks/ (challenge_NN.py, each a list
of @criterion functions). The engine knows nothing about what a pack teaches.

The pack ships inside the wheel (ohcheck/pack/); in a source checkout it is
the repository's top level; OHCHECK_PACK points at any other pack.

Languages: a file's translation is its twin with the language before the
suffix (challenge-03.ja.md beside challenge-03.md, README.ja.md in a starter),
and a check module's catalogue is its twin in YAML (checks/challenge_03.ja.yaml).
This module is the one place that knows that layout: everything else asks it
for a page, a starter file or a catalogue in a language, and gets English when
there is no translation.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import importlib.util
import os
import re
import sys
import types
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

from ohcheck.criteria import Criterion
from ohcheck.errors import UnknownChallenge, UserError
from ohcheck.yaml_load import strict_load
from ohcheck.i18n import (
    DEFAULT,
    LANGUAGES,
    Catalogue,
    framework_files,
    load_catalogue,
    msg,
    twin_name,
)

_REF = re.compile(r"^\s*(?:challenge[-_ ]?)?0*(\d{1,3})\s*$", re.IGNORECASE)
_HEADING = re.compile(r"^#\s+(.+?)\s*$", re.MULTILINE)
_TITLE_AFTER_DASH = re.compile(r"^(?:challenge|チャレンジ)\s*\d+\s*[-–—:]\s*(.+)$", re.IGNORECASE)
SOLVE_FILE = "solve.yaml"  # in solutions/challenge-NN/: how to produce that solution's outputs
_NOT_PACK_FILES = {"__pycache__", ".pytest_cache", ".ohcheck", ".DS_Store"}


@dataclass(frozen=True)
class Challenge:
    id: str  # challenge-01
    number: int
    title: str
    markdown: Path
    checks: Path | None
    starter: Path | None
    solution: Path | None
    coach: Path | None

    @property
    def module_name(self) -> str:
        return f"challenge_{self.number:02d}"

    def page(self, lang: str) -> Path:
        """The challenge's page in `lang` (English when it has no translation)."""
        return translated(self.markdown, lang)

    def coach_page(self, lang: str) -> Path | None:
        return translated(self.coach, lang) if self.coach else None

    def title_in(self, lang: str) -> str:
        page = self.page(lang)
        return self.title if page == self.markdown else _title_of(page)


def translated(path: Path, lang: str) -> Path:
    """`path`'s twin in `lang` (challenge-03.ja.md for challenge-03.md) if the pack has one, else `path`."""
    if lang == DEFAULT:
        return path
    twin = path.with_name(twin_name(path.name, lang))
    return twin if twin.is_file() else path


def is_translation(path: Path) -> bool:
    """A language twin (README.ja.md), which stands in for its English file rather than beside it."""
    parts = path.name.split(".")
    return len(parts) >= 3 and parts[-2] in LANGUAGES and parts[-2] != DEFAULT


def default_pack_root() -> Path:
    env = os.environ.get("OHCHECK_PACK")
    if env:
        root = Path(env).expanduser()
        if not (root / "challenges").is_dir():
            raise UserError(msg("OHCHECK_PACK={env} is not a hack pack (it has no challenges/ folder).", env=env))
        return root
    bundled = Path(__file__).parent / "pack"
    if (bundled / "challenges").is_dir():
        return bundled
    source = Path(__file__).resolve().parents[2]
    if (source / "challenges").is_dir() and (source / "checks").is_dir():
        return source
    raise UserError(msg("This ohcheck installation has no hack pack: reinstall it with `pip install ohcheck`."))


class HackPack:
    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or default_pack_root()).resolve()
        self._criteria: dict[str, list[Criterion]] = {}
        self._catalogues: dict[str, Catalogue] = {}

    @cached_property
    def challenges(self) -> list[Challenge]:
        found = []
        for md in sorted((self.root / "challenges").glob("challenge-*.md")):  # challenge-03.ja.md: no match below
            match = re.fullmatch(r"challenge-(\d+)\.md", md.name)
            if not match:
                continue
            number = int(match.group(1))
            cid = f"challenge-{number:02d}"
            checks = self.root / "checks" / f"challenge_{number:02d}.py"
            starter = self.root / "starter" / cid
            solution = self.root / "solutions" / cid
            coach = self.root / "coach" / f"{cid}.md"
            found.append(
                Challenge(
                    id=cid,
                    number=number,
                    title=_title_of(md),
                    markdown=md,
                    checks=checks if checks.is_file() else None,
                    starter=starter if starter.is_dir() else None,
                    solution=solution if solution.is_dir() else None,
                    coach=coach if coach.is_file() else None,
                )
            )
        return sorted(found, key=lambda c: c.number)

    def challenge(self, ref: str) -> Challenge:
        """Find a challenge by `challenge-03`, `challenge_03`, `03` or `3`."""
        match = _REF.match(ref or "")
        if match:
            number = int(match.group(1))
            for c in self.challenges:
                if c.number == number:
                    return c
        valid = [c.id for c in self.challenges] or msg("none")
        raise UnknownChallenge(msg("There is no challenge {ref!r}; the challenges are: {valid}.", ref=ref, valid=valid))

    def criteria(self, challenge: Challenge) -> list[Criterion]:
        """The challenge's criteria in the order its check module declares them."""
        if challenge.id not in self._criteria:
            self._criteria[challenge.id] = self._load_criteria(challenge)
        return self._criteria[challenge.id]

    def _load_criteria(self, challenge: Challenge) -> list[Criterion]:
        if challenge.checks is None:
            return []
        package = self._checks_package()
        try:
            module = importlib.import_module(f"{package}.{challenge.module_name}")
        except Exception as exc:  # noqa: BLE001 - a broken pack is reported, not raised raw
            raise UserError(msg("checks/{file} cannot be loaded: {kind}: {reason}.", file=challenge.checks.name,
                                kind=type(exc).__name__, reason=str(exc))) from None
        seen: dict[str, Criterion] = {}
        ordered = []
        for value in vars(module).values():
            if isinstance(value, Criterion) and value.id not in seen:
                c = dataclasses.replace(value, challenge=challenge.id)
                seen[c.id] = c
                ordered.append(c)
        return ordered

    def _checks_package(self) -> str:
        """Import checks/ as a package of its own, so check modules can share helpers."""
        checks_dir = self.root / "checks"
        name = "_ohcheck_pack_" + hashlib.sha1(str(checks_dir).encode()).hexdigest()[:12]
        if name not in sys.modules:
            init = checks_dir / "__init__.py"
            if init.is_file():
                spec = importlib.util.spec_from_file_location(
                    name, init, submodule_search_locations=[str(checks_dir)]
                )
                assert spec and spec.loader
                module = importlib.util.module_from_spec(spec)
                sys.modules[name] = module
                spec.loader.exec_module(module)
            else:
                module = types.ModuleType(name)
                module.__path__ = [str(checks_dir)]
                sys.modules[name] = module
        return name

    def catalogue(self, lang: str) -> Catalogue:
        """Everything ohcheck and this pack's checks say, in `lang`: ohcheck's own catalogue, then checks/*.<lang>.yaml."""
        if lang not in self._catalogues:
            files = framework_files(lang) + sorted((self.root / "checks").glob(f"*.{lang}.yaml"))
            try:
                catalogue = load_catalogue(lang, files)
            except ValueError as exc:
                raise UserError(str(exc)) from None
            if lang != DEFAULT:  # a criterion's title is also said inside other messages ("needs 03.1 (...)")
                for challenge in self.challenges:
                    for c in self.criteria(challenge):
                        title = catalogue.criteria.get(c.id, {}).get("title")
                        if title:
                            catalogue.messages.setdefault(c.title, title)
            self._catalogues[lang] = catalogue
        return self._catalogues[lang]

    def readme(self, folder: str, lang: str) -> Path:
        """challenges/README.md or coach/README.md in `lang`."""
        return translated(self.root / folder / "README.md", lang)

    def solve_steps(self, challenge: Challenge) -> list[str]:
        """The commands that produce a solution's outputs in a team repo (solve.yaml `steps`)."""
        return self._solve_manifest(challenge, "steps")

    def cleanup_steps(self, challenge: Challenge) -> list[str]:
        """The commands that undo what the steps left running (solve.yaml `cleanup`)."""
        return self._solve_manifest(challenge, "cleanup")

    def _solve_manifest(self, challenge: Challenge, key: str) -> list[str]:
        if challenge.solution is None:
            return []
        path = challenge.solution / SOLVE_FILE
        if not path.is_file():
            return []
        try:
            data = strict_load(path.read_text(encoding="utf-8")) or {}  # `solve:` twice would drop the first
        except yaml.YAMLError as exc:
            from ohcheck.yaml_model import where_in

            mark = getattr(exc, "problem_mark", None)
            raise UserError(msg("{where}: this is not valid YAML ({problem}).",
                                where=where_in(str(path), mark.line + 1 if mark else None),
                                problem=getattr(exc, "problem", None) or msg("malformed YAML"))) from None
        commands = data.get(key) or []
        if not isinstance(commands, list) or not all(isinstance(c, str) for c in commands):
            raise UserError(msg("{path}: `{key}` must be a list of commands.", path=path, key=key))
        return commands

    def validate(self) -> list[str]:
        """Problems with the pack itself: ids, dependencies, criteria missing from the Markdown."""
        problems = []
        for challenge in self.challenges:
            criteria = self.criteria(challenge)
            ids = [c.id for c in criteria]
            pages = [challenge.markdown] + [p for lang in LANGUAGES if (p := challenge.page(lang)) != challenge.markdown]
            prefix = f"{challenge.number:02d}."
            for c in criteria:
                if not c.id.startswith(prefix):
                    problems.append(f"{challenge.id}: criterion {c.id} should start with {prefix}")
                for page in pages:
                    if f"`{c.id}`" not in page.read_text(encoding="utf-8"):
                        problems.append(f"{challenge.id}: criterion {c.id} is not tagged in {page.name}")
                for dep in c.needs:
                    if dep not in ids:
                        problems.append(f"{challenge.id}: {c.id} needs unknown criterion {dep}")
                    elif ids.index(dep) > ids.index(c.id):
                        problems.append(f"{challenge.id}: {c.id} needs {dep}, declared after it")
            if len(set(ids)) != len(ids):
                problems.append(f"{challenge.id}: duplicate criterion ids")
            for page in pages:
                for tagged in re.findall(r"`(\d{2}\.\d+)`", success_criteria_section(page.read_text(encoding="utf-8"))):
                    if tagged not in ids:
                        problems.append(f"{challenge.id}: {tagged} is tagged in {page.name} but has no check")
        return problems


def pack_files(folder: Path) -> list[Path]:
    """Files of a starter or solution folder, relative to it (no caches, no solve.yaml, no language twins).

    Copy each from `pack_source(folder, rel, lang)`: its translation when there is one.
    """
    files = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part in _NOT_PACK_FILES for part in rel.parts) or path.suffix == ".pyc":
            continue
        if path.is_file() and rel.as_posix() != SOLVE_FILE and not is_translation(path):
            files.append(rel)
    return files


def pack_source(folder: Path, rel: Path, lang: str) -> Path:
    """Where to copy the team's `rel` from: the file's `lang` twin if the pack has one."""
    return translated(folder / rel, lang)


def _title_of(md: Path) -> str:
    match = _HEADING.search(md.read_text(encoding="utf-8"))
    if not match:
        return md.stem
    heading = match.group(1)
    after = _TITLE_AFTER_DASH.match(heading)
    return after.group(1) if after else heading


def success_criteria_section(text: str) -> str:
    """The Success Criteria section of a challenge page (成功基準 in a Japanese one)."""
    match = re.search(r"^##\s+(?:Success Criteria|成功基準)\s*$(.*?)(?=^##\s|\Z)", text, re.MULTILINE | re.DOTALL)
    return match.group(1) if match else ""
