"""Every criterion and every message has its Japanese form; translations keep the English's fields.

The checks say their messages through templates (ohcheck.i18n): this test reads
the check modules and ohcheck's own code as source, collects every template
passed to fail/skip/undecided/passed/msg/t, and compares them with the
catalogues. It fails naming what is missing, so a new sentence cannot ship
untranslated.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from ohcheck.i18n import fields_of, framework_files
from ohcheck.pack import HackPack, success_criteria_section

from ..conftest import ROOT

CHECKS = ROOT / "checks"
FRAMEWORK = ROOT / "src" / "ohcheck"
PACK_CALLS = {"fail", "skip", "undecided", "passed", "msg", "Msg", "msg_n"}
FRAMEWORK_CALLS = {"msg", "t", "Msg", "msg_n"}
# Calls whose first TWO arguments are templates (the English singular and plural): each is a catalogue key.
PLURAL_CALLS = {"msg_n"}


def _templates(files: list[Path], calls: set[str]) -> tuple[dict[str, str], list[str]]:
    """Templates used (template -> where) and calls whose message was pre-formatted."""
    used: dict[str, str] = {}
    bad: list[str] = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name not in calls or (isinstance(func, ast.Attribute) and name not in {"msg", "t", "msg_n"}):
                continue
            where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{node.lineno}"
            for first in node.args[:2] if name in PLURAL_CALLS else node.args[:1]:
                if isinstance(first, ast.JoinedStr) or (
                    isinstance(first, ast.Call) and isinstance(first.func, ast.Attribute) and first.func.attr == "format"
                ) or (isinstance(first, ast.BinOp) and isinstance(first.op, ast.Mod)):
                    bad.append(where)
                elif isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.strip():
                    used.setdefault(first.value, where)
    return used, bad


_TEMPLATE_CALL = re.compile(r"""\bt\(\s*(["'])((?:(?!\1).)+)\1""")
# t_n("1 team", "{count} teams", n, ...): both English forms are templates (i18n.msg_n).
_PLURAL_CALL = re.compile(r"""\bt_n\(\s*(["'])((?:(?!\1).)+)\1\s*,\s*(["'])((?:(?!\3).)+)\3""")


def _template_sentences() -> dict[str, str]:
    """Sentences the Jinja templates say through `t(...)` (the reports, the dashboard, the summary)."""
    used: dict[str, str] = {}
    for path in sorted(FRAMEWORK.rglob("*.j2")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in _TEMPLATE_CALL.finditer(line):
                used.setdefault(match.group(2), f"{path.relative_to(ROOT)}:{number}")
            for match in _PLURAL_CALL.finditer(line):
                for form in (match.group(2), match.group(4)):
                    used.setdefault(form, f"{path.relative_to(ROOT)}:{number}")
    return used


def _help_texts() -> dict[str, str]:
    """Every --help text of every command, and Typer's words around them (ohcheck.cli.help)."""
    import typer.main

    from ohcheck.cli.app import app
    from ohcheck.cli.help import _TYPER_WORDS, help_texts
    from typer import rich_utils

    texts = help_texts(typer.main.get_command(app)) + [getattr(rich_utils, name) for name in _TYPER_WORDS]
    return {text: "--help" for text in texts}


def _framework_used() -> dict[str, str]:
    used, _ = _templates(_framework_modules(), FRAMEWORK_CALLS)
    return {**_help_texts(), **_template_sentences(), **used}


def _catalogue(files: list[Path]) -> tuple[dict[str, str], dict[str, dict]]:
    messages: dict[str, str] = {}
    criteria: dict[str, dict] = {}
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        messages.update({str(k): str(v) for k, v in (data.get("messages") or {}).items()})
        criteria.update({str(k): v for k, v in (data.get("criteria") or {}).items()})
    return messages, criteria


def _check_modules() -> list[Path]:
    return sorted(p for p in CHECKS.glob("*.py") if p.name != "__init__.py")


def _framework_modules() -> list[Path]:
    return sorted(FRAMEWORK.rglob("*.py"))


@pytest.fixture(scope="module")
def pack() -> HackPack:
    return HackPack(ROOT)


def test_every_criterion_has_a_japanese_title_and_hint(pack: HackPack) -> None:
    _, criteria = _catalogue(sorted(CHECKS.glob("*.ja.yaml")))
    missing = []
    for challenge in pack.challenges:
        for c in pack.criteria(challenge):
            entry = criteria.get(c.id) or {}
            if not str(entry.get("title") or "").strip():
                missing.append(f"{c.id} title")
            if c.hint and not str(entry.get("hint") or "").strip():
                missing.append(f"{c.id} hint")
    assert not missing, "criteria without Japanese: " + ", ".join(missing)


def test_no_check_preformats_its_message() -> None:
    _, bad = _templates(_check_modules(), PACK_CALLS)
    _, bad_framework = _templates(_framework_modules(), FRAMEWORK_CALLS)
    assert not bad + bad_framework, (
        "messages pre-formatted (f-string, .format or %), so they cannot be translated: pass the template "
        "and its fields instead: " + ", ".join(bad + bad_framework)
    )


def test_every_check_message_has_a_japanese_form() -> None:
    used, _ = _templates(_check_modules(), PACK_CALLS)
    messages, _ = _catalogue(sorted(CHECKS.glob("*.ja.yaml")) + framework_files("ja"))
    missing = [f"{where}: {template!r}" for template, where in sorted(used.items(), key=lambda i: i[1])
               if template not in messages]
    assert not missing, f"{len(missing)} check messages have no Japanese:\n" + "\n".join(missing)


def test_every_framework_message_has_a_japanese_form() -> None:
    used = _framework_used()
    messages, _ = _catalogue(framework_files("ja"))
    missing = [f"{where}: {template!r}" for template, where in sorted(used.items(), key=lambda i: i[1])
               if template not in messages]
    assert not missing, f"{len(missing)} ohcheck messages have no Japanese:\n" + "\n".join(missing)


@pytest.mark.parametrize("kind", ["checks", "framework"])
def test_translations_keep_the_fields_and_nothing_is_orphaned(kind: str) -> None:
    if kind == "checks":
        files, used = sorted(CHECKS.glob("*.ja.yaml")), _templates(_check_modules(), PACK_CALLS)[0]
    else:
        files, used = framework_files("ja"), _framework_used()
    messages, _ = _catalogue(files)
    problems = []
    for english, japanese in messages.items():
        if english not in used:
            problems.append(f"orphaned (no code says it any more): {english!r}")
            continue
        # The Japanese may leave a field out (an English plural's word, say), never invent one.
        if not set(fields_of(japanese)) <= set(fields_of(english)):
            problems.append(f"fields the English does not have: {english!r} -> {japanese!r}")
        if re.search(r"\{[^{}]*[:!][^{}]*\}", japanese):
            problems.append(f"format spec in the Japanese (values arrive formatted): {japanese!r}")
    assert not problems, "\n".join(problems)


def test_both_forms_of_a_plural_message_must_have_a_japanese_form(tmp_path: Path) -> None:
    """msg_n's singular and plural are both templates a store may hold: each is collected, so a missing one is found."""
    module = tmp_path / "plural.py"
    module.write_text('from ohcheck.i18n import msg_n\n'
                      'def said(n):\n'
                      '    return msg_n("1 team", "{count} teams", n, count=n), msg_n(f"{n} x", "{n} xs", n)\n',
                      encoding="utf-8")
    used, bad = _templates([module], FRAMEWORK_CALLS)
    assert {"1 team", "{count} teams", "{n} xs"} <= set(used) and len(bad) == 1
    messages, _ = _catalogue(framework_files("ja"))
    catalogue_without_plural = {k: v for k, v in messages.items() if k != "{count} teams"}
    assert [t for t in used if t not in catalogue_without_plural and t != "{n} xs"] == ["{count} teams"]


def test_japanese_pages_list_the_catalogue_titles(pack: HackPack) -> None:
    _, criteria = _catalogue(sorted(CHECKS.glob("*.ja.yaml")))
    problems = []
    for challenge in pack.challenges:
        page = challenge.page("ja")
        if page == challenge.markdown:
            problems.append(f"{challenge.id} has no Japanese page")
            continue
        section = success_criteria_section(page.read_text(encoding="utf-8"))
        listed = dict(re.findall(r"^\s*-\s*`(\d{2}\.\d+)`\s+(.+?)\s*$", section, re.MULTILINE))
        for c in pack.criteria(challenge):
            title = str((criteria.get(c.id) or {}).get("title") or "")
            if listed.get(c.id) != title:
                problems.append(f"{page.name}: {c.id} reads {listed.get(c.id)!r}, the catalogue {title!r}")
    assert not problems, "\n".join(problems)


def test_every_page_has_a_japanese_twin(pack: HackPack) -> None:
    missing = []
    for challenge in pack.challenges:
        if challenge.page("ja") == challenge.markdown:
            missing.append(challenge.markdown.relative_to(ROOT).as_posix())
        if challenge.coach and challenge.coach_page("ja") == challenge.coach:
            missing.append(challenge.coach.relative_to(ROOT).as_posix())
    for folder in ("challenges", "coach"):
        if pack.readme(folder, "ja") == ROOT / folder / "README.md":
            missing.append(f"{folder}/README.md")
    assert not missing, "pages without a Japanese twin: " + ", ".join(missing)


def test_every_help_text_has_a_japanese_form() -> None:
    messages, _ = _catalogue(framework_files("ja"))
    missing = sorted(text for text in _help_texts() if text not in messages)
    assert not missing, f"{len(missing)} --help texts have no Japanese:\n" + "\n".join(map(repr, missing))
