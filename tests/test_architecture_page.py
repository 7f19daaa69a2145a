"""docs/architecture.md is the map of src/ohcheck/: every module it names exists, every wing is on it."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "architecture.md"
SOURCE = ROOT / "src" / "ohcheck"


def _named() -> list[str]:
    return sorted(set(re.findall(r"`(ohcheck(?:\.[a-z0-9_]+)+)`", PAGE.read_text(encoding="utf-8"))))


def test_every_module_the_page_names_imports() -> None:
    named = _named()
    assert len(named) > 40, named
    missing = []
    for name in named:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            missing.append(f"{name}: {exc}")
    assert not missing, missing


def test_every_wing_and_core_module_is_on_the_page() -> None:
    named = set(_named())
    wings = {"ohcheck." + ".".join(p.parent.relative_to(SOURCE).parts)
             for p in SOURCE.rglob("__init__.py") if p.parent != SOURCE}
    core = {f"ohcheck.{p.stem}" for p in SOURCE.glob("*.py") if p.stem not in {"__init__", "__main__"}}
    modules = {"ohcheck." + ".".join(p.relative_to(SOURCE).with_suffix("").parts)
               for p in SOURCE.rglob("*.py") if p.name != "__init__.py" and p.parent != SOURCE}
    assert not wings - named, f"wings not on docs/architecture.md: {sorted(wings - named)}"
    assert not core - named, f"core modules not on docs/architecture.md: {sorted(core - named)}"
    assert not modules - named, f"wing modules not on docs/architecture.md: {sorted(modules - named)}"
