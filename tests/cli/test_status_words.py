"""One status vocabulary: every view draws a status's word and colour from render/verdicts.

A criterion's status (criteria.Status: passed, failed, error, skipped) and a readiness row's
(`ohcheck doctor`, `ohcheck event preflight`: ok, problem, error, skipped, warning) mean the same
where they agree (criteria.READINESS_NAMES); their words and colours are written once, in
render/verdicts.py. A challenge's progress states and a team's status (coach/progress.py) mean
something else: theirs are written once too, in render/coach_states.py.
"""

from __future__ import annotations

import ast
import re

from ..conftest import ROOT
SOURCE = ROOT / "src" / "ohcheck"
# The only modules that may hold a table of status words or colours.
HOMES = {"render/verdicts.py", "render/coach_states.py"}
STATUS_NAMES = {"passed", "failed", "error", "skipped", "ok", "problem", "warning"}
STATUS_CONSTANTS = {"OK", "PROBLEM", "ERROR", "WARNING", "PASSED", "FAILED", "SKIPPED"}
STYLE = re.compile(r"^\[?/?(bold |dim |italic )*(green|red|yellow|magenta|blue|cyan|white|dim)\b")


def _is_status_key(key: ast.expr | None) -> bool:
    if isinstance(key, ast.Constant):
        return key.value in STATUS_NAMES
    if isinstance(key, ast.Name):
        return key.id in STATUS_CONSTANTS
    return isinstance(key, ast.Attribute) and key.attr in STATUS_CONSTANTS


def _draws(value: ast.expr) -> bool:
    """A style ("green", "bold red"), markup ("[red]..."), or a word said through t()."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return bool(STYLE.match(value.value))
    if isinstance(value, ast.JoinedStr):
        first = value.values[0] if value.values else None
        return isinstance(first, ast.Constant) and bool(STYLE.match(str(first.value)))
    if isinstance(value, ast.Call):
        func = value.func
        return (isinstance(func, ast.Name) and func.id in {"t", "_"}) or (
            isinstance(func, ast.Attribute) and func.attr == "t")
    return False


def status_tables(text: str) -> list[int]:
    """The lines of dict literals that map two or more status names to a style, markup or a word."""
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Dict):
            pairs = [(k, v) for k, v in zip(node.keys, node.values) if _is_status_key(k)]
            if len(pairs) >= 2 and all(_draws(v) for _, v in pairs):
                found.append(node.lineno)
    return found


def test_no_view_keeps_its_own_table_of_status_words_or_colours() -> None:
    offenders = []
    for path in sorted(SOURCE.rglob("*.py")):
        where = path.relative_to(SOURCE).as_posix()
        if where in HOMES:
            continue
        offenders += [f"{where}:{line}" for line in status_tables(path.read_text(encoding="utf-8"))]
    assert not offenders, f"status words or colours outside render/verdicts.py: {offenders}"


def test_the_scan_finds_the_tables_it_is_meant_to() -> None:
    text = (
        "STYLE = {OK: 'green', PROBLEM: 'red'}\n"
        "words = {'ok': t('ok'), 'problem': t('problem')}\n"
        "style = {'ok': f\"[green]{x}[/]\", 'problem': f\"[red]{y}[/]\"}\n"
        "fine = {'ok': 1, 'problem': 2}\n"
    )
    assert status_tables(text) == [1, 2, 3]
