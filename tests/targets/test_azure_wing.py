"""The azure/ wing holds the SDK helpers the azure target and the event tools share; no module reaches
into another package's private names.

Fast, source-only checks (ast), in the spirit of tests/test_architecture_page.py.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from ..conftest import ROOT
SOURCE = ROOT / "src" / "ohcheck"


def _module_of(path: Path) -> str:
    parts = path.relative_to(SOURCE).with_suffix("").parts
    return ".".join(("ohcheck", *parts[:-1])) if parts[-1] == "__init__" else ".".join(("ohcheck", *parts))


MODULES = {_module_of(p) for p in SOURCE.rglob("*.py")}


def _package(module: str) -> str:
    """The package a module's private names belong to: its own if it is one, else its parent's."""
    is_package = (SOURCE.joinpath(*module.split(".")[1:]) / "__init__.py").is_file()
    return module if is_package else module.rpartition(".")[0]


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _reaches(path: Path) -> list[str]:
    return _reaches_in(path.read_text(encoding="utf-8"), _module_of(path), str(path.relative_to(SOURCE)))


def _reaches_in(text: str, here: str, where: str) -> list[str]:
    """Every private name of an ohcheck module in another package that the module `here` imports or reads."""
    tree = ast.parse(text)
    bound: dict[str, str] = {}  # local name -> the ohcheck module it is
    found = []

    def foreign(module: str) -> bool:
        return module != here and _package(module) != _package(here)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bound.update({a.asname: a.name for a in node.names if a.asname and a.name in MODULES})
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in MODULES:
            for alias in node.names:
                if f"{node.module}.{alias.name}" in MODULES:
                    bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                if _private(alias.name) and foreign(node.module):
                    found.append(f"{where}:{node.lineno}: from {node.module} import {alias.name}")
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and _private(node.attr)):
            continue
        chain, value = [], node.value
        while isinstance(value, ast.Attribute):
            chain.append(value.attr)
            value = value.value
        if not isinstance(value, ast.Name):
            continue
        base = bound.get(value.id) or ("ohcheck" if value.id == "ohcheck" else None)
        module = ".".join([base, *reversed(chain)]) if base else ""
        if module in MODULES and foreign(module):
            found.append(f"{where}:{node.lineno}: {module}.{node.attr}")
    return found


def test_no_module_reaches_a_private_name_of_another_package() -> None:
    # A module's _names are its package's own (cli/'s modules share theirs, as _pytest's do); a helper
    # another wing needs is public, with a docstring, in the wing it belongs to (the event tools took
    # azure_target._who, _either, _text and _log_sdk_print from the target).
    offenders = [line for path in sorted(SOURCE.rglob("*.py")) for line in _reaches(path)]
    assert not offenders, offenders


def test_the_scan_sees_both_ways_of_reaching_in() -> None:
    # The scanner itself: a private name imported or read through a module alias is caught; a public
    # name, one imported under a private alias, and a package's own private names are not.
    text = (
        "from ohcheck.targets import azure as azure_target\n"
        "from ohcheck.i18n import _cache\n"
        "from ohcheck.event.model import _private_of_the_same_package\n"
        "from ohcheck.azure.failures import first_line as _first_line\n"
        "x = azure_target._who('t'), azure_target.AzureTarget, _first_line\n"
    )
    found = [line.split(": ", 1)[1] for line in _reaches_in(text, "ohcheck.event.teardown_azure", "probe")]
    assert found == ["from ohcheck.i18n import _cache", "ohcheck.targets.azure._who"]


def test_the_event_tools_take_their_sdk_helpers_from_the_azure_wing_not_the_target() -> None:
    event = SOURCE / "event"
    users = sorted(str(p.relative_to(SOURCE)) for p in event.rglob("*.py")
                   if "ohcheck.targets.azure" in _ohcheck_imports(p))
    assert users == [], users


def _ohcheck_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name in MODULES}


def test_the_shared_helpers_are_public_and_say_what_they_do() -> None:
    shared = {
        "ohcheck.azure.addresses": ["ARM_SCOPE", "arm_base_url"],
        "ohcheck.azure.identity": ["NO_CREDENTIAL", "default_credential", "token_owner"],
        "ohcheck.azure.sdk_values": ["as_word", "either_field", "squeezed"],
        "ohcheck.azure.sdk_print": ["log_print", "schedule_prints_to_log"],
        "ohcheck.azure.usage": ["REGIONAL_USAGE", "family_usage", "regional_usage"],
        "ohcheck.azure.failures": ["mlflow_failure"],
    }
    undocumented = []
    for name, names in shared.items():
        module = importlib.import_module(name)
        assert module.__doc__, name
        for attr in names:
            value = getattr(module, attr)
            if callable(value) and not value.__doc__:
                undocumented.append(f"{name}.{attr}")
    assert not undocumented, undocumented


def test_the_azure_modules_the_target_uses_import_only_what_it_imports_up_front() -> None:
    """The lazy SDK imports of the azure/ helpers the target calls are in SDK_MODULES too (see
    test_azure_faults.py::test_the_target_imports_nothing_outside_its_import_set): a criterion thread
    importing azure-ai-ml on its own can deadlock on a cold start. A package counts as imported when
    a module inside it is listed (importing azure.core.exceptions imports azure.core first)."""
    import ohcheck.targets.azure as azure_target

    helpers = {m for m in _ohcheck_imports(Path(azure_target.__file__)) if m.startswith("ohcheck.azure.")}
    assert "ohcheck.azure.identity" in helpers
    listed = set(azure_target.SDK_MODULES)
    missing = set()
    for name in sorted(helpers):
        path = SOURCE.joinpath(*name.split(".")[1:]).with_suffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            for sdk in names:
                if sdk.split(".")[0] in ("azure", "mlflow") and not any(
                        m == sdk or m.startswith(sdk + ".") for m in listed):
                    missing.add(f"{name}: {sdk}")
    assert not missing, missing
