"""tests/ is grouped like the code (tests/README.md): every test in a folder the README describes, and the
slow marker still finds the modules conftest names."""

from __future__ import annotations

import re
from pathlib import Path

from .. import conftest
from ..conftest import TESTS


def _test_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("test_*.py") if "fake_azureml" not in p.parts)


def test_every_test_is_in_a_folder_the_readme_describes() -> None:
    flat = [p.name for p in _test_files() if p.parent == TESTS]
    assert not flat, f"tests/ holds folders, not tests: move {flat} to the folder of what they cover"
    described = set(re.findall(r"^\| `([a-z0-9_]+)/` \|", (TESTS / "README.md").read_text(encoding="utf-8"), re.M))
    folders = {p.parent.relative_to(TESTS).parts[0] for p in _test_files()}
    assert not folders - described, f"folders tests/README.md does not describe: {sorted(folders - described)}"
    assert not described - folders, f"tests/README.md describes folders that hold no test: {sorted(described - folders)}"


def test_every_folder_is_a_package_and_no_two_tests_share_a_name() -> None:
    # Without __init__.py pytest imports a folder's tests as top-level modules: `from ..conftest` breaks,
    # and two test_x.py in two folders collide.
    missing = sorted({str(p.parent.relative_to(TESTS)) for p in _test_files() if not (p.parent / "__init__.py").is_file()})
    assert not missing, f"folders without __init__.py: {missing}"
    names = [p.stem for p in _test_files()]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})


def test_the_slow_modules_conftest_names_exist() -> None:
    # conftest marks these slow by file name: a renamed or moved-away module would silently stop being slow.
    stems = {p.stem for p in _test_files()}
    assert conftest._SLOW_MODULES <= stems, sorted(conftest._SLOW_MODULES - stems)
