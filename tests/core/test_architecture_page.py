"""docs/architecture.md is the map of src/ohcheck/: every module it names exists, every wing is on it."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from ..conftest import ROOT

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


def _imports(path: Path) -> set[str]:
    """Every ohcheck module `path` imports, at module level or inside a function."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "ohcheck" or name.startswith("ohcheck.")}


def test_nothing_outside_the_cli_imports_it() -> None:
    # The CLI draws on the wings, never the other way round: a wing that imports the CLI
    # drags Typer into a library call and makes the order of imports matter.
    offenders = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE)
        if relative.parts[0] == "cli" or relative.name == "__main__.py":
            continue
        wrong = sorted(name for name in _imports(path) if name == "ohcheck.cli" or name.startswith("ohcheck.cli."))
        if wrong:
            offenders.append(f"{relative}: {', '.join(wrong)}")
    assert not offenders, offenders


def _module_of(path: Path) -> str:
    parts = path.relative_to(SOURCE).with_suffix("").parts
    return ".".join(("ohcheck", *parts[:-1])) if parts[-1] == "__init__" else ".".join(("ohcheck", *parts))


def test_no_module_imports_one_that_imports_it_back() -> None:
    # Every import counts (module level, inside a function, under TYPE_CHECKING): a circle hidden in a
    # function still makes the order of imports matter and the two modules one.
    import ast
    import graphlib

    modules = {_module_of(path): path for path in SOURCE.rglob("*.py")}

    def nearest_module(name: str) -> str:
        while name not in modules:
            name = name.rpartition(".")[0]
        return name

    def imported(path: Path) -> set[str]:
        """The ohcheck modules `path` imports: `from ohcheck.x import y` imports ohcheck.x.y when that is a
        module, else ohcheck.x (whose package Python imports first either way: not an edge of its own)."""
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "ohcheck":
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    found.add(full if full in modules else nearest_module(node.module))
            elif isinstance(node, ast.Import):
                found.update(nearest_module(a.name) for a in node.names if a.name.split(".")[0] == "ohcheck")
        return found

    graph = {module: imported(path) - {module} for module, path in modules.items()}
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        raise AssertionError(f"an import circle: {' -> '.join(exc.args[1])}") from None


def test_the_cli_draws_nothing_itself() -> None:
    # A command parses, calls one function and hands the result to render/: tables, bars and pages are
    # drawn there. cli/help.py is the exception: it extends Typer's own help screen.
    import ast

    offenders = []
    for path in sorted((SOURCE / "cli").glob("*.py")):
        if path.name == "help.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            offenders += [f"{path.name}: {name}" for name in names if name == "rich" or name.startswith("rich.")]
        # Nor does it write rich markup or draw a table itself: text goes out through render.console's
        # say / labelled / line (rich Text, never markup to escape), tables through render's views.
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body
                      and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings \
                    and re.search(r"\[/|\[(bold|red|green|yellow|cyan|dim)\b", node.value):
                offenders.append(f"{path.name}:{node.lineno}: markup {node.value!r}")
            if isinstance(node, ast.Name) and node.id in {"print_table", "escape", "_esc"}:
                offenders.append(f"{path.name}:{node.lineno}: {node.id}")
    assert not offenders, offenders


def test_target_names_are_spelled_in_the_registry_only() -> None:
    # "A new target is one module and a line in the registry": the CLI's choices, the YAML models and
    # bundles read targets.registry, so no list of the names may stand anywhere else.
    from ohcheck.cli.options import TargetName
    from ohcheck.targets.registry import NAMES

    assert [t.value for t in TargetName] == list(NAMES)
    spelled = re.compile(r"""["']local["'],\s*["']azure["']""")
    elsewhere = [str(p.relative_to(SOURCE)) for p in SOURCE.rglob("*.py")
                 if p.name != "registry.py" and spelled.search(p.read_text(encoding="utf-8"))]
    assert not elsewhere, elsewhere


def test_only_render_draws() -> None:
    # Domain modules return data; render/ draws it (cli/help.py extends Typer's own help screen): a module
    # elsewhere that imports rich or draws a table is drawing code in the wrong house.
    import ast

    offenders = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE)
        if relative.parts[0] == "render" or relative.as_posix() == "cli/help.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            offenders += [f"{relative}:{node.lineno}: {name}" for name in names
                          if name == "rich" or name.startswith("rich.")]
            if isinstance(node, ast.Name) and node.id == "print_table":
                offenders.append(f"{relative}:{node.lineno}: print_table")
            if isinstance(node, ast.alias) and node.name == "print_table":
                offenders.append(f"{relative}: imports print_table")
    assert not offenders, offenders
