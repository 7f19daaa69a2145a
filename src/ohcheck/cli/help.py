"""`--help` in the reader's language: Typer's command and group classes, saying their help through the catalogue.

Help is printed while the command line is still being parsed, before any
command runs, so the language is worked out here from what is known by then:
`--lang` on the command line, OHCHECK_LANG, `language:` in the ohcheck.yaml of
this folder or one above, the system locale. The help texts themselves stay
English in the code; their Japanese is in locale/ja/help.yaml, keyed by the
exact English text (tests/i18n/test_i18n_catalogue.py lists any that are missing).

Only Typer and the standard library at import time: `ohcheck --help`
must stay fast (benchmarks/cli_startup.py). English help costs nothing more.
Click's own parser errors ("No such option") are click's, and stay English.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from typer.core import TyperCommand, TyperGroup

# Typer's words around the help texts (panel titles, the markers after an option), said too.
_TYPER_WORDS = ("OPTIONS_PANEL_TITLE", "ARGUMENTS_PANEL_TITLE", "COMMANDS_PANEL_TITLE", "DEFAULT_STRING",
                "REQUIRED_LONG_STRING", "ENVVAR_STRING")
_LANGUAGE_LINE = re.compile(r"^language:\s*[\"']?([A-Za-z_-]+)", re.MULTILINE)


def help_language(ctx: Any = None) -> str:
    """The language to print help in, from what is known before a command runs."""
    from ohcheck import i18n

    for value in (_flag(ctx), os.environ.get(i18n.ENV), _repo_language()):
        try:
            chosen = i18n.normalise(value)
        except i18n.LanguageError:
            chosen = None  # help is no place to fail: a bad value is reported when the command runs
        if chosen:
            return chosen
    return i18n.system_language() or i18n.DEFAULT


def _flag(ctx: Any) -> str | None:
    while ctx is not None:
        if ctx.params.get("ohcheck_lang"):
            return str(ctx.params["ohcheck_lang"])
        ctx = ctx.parent
    argv = sys.argv[1:]
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def _repo_language() -> str | None:
    """`language:` of the nearest ohcheck.yaml, read as a line: importing YAML would slow every --help."""
    here = Path.cwd()
    for folder in (here, *here.parents):
        config = folder / "ohcheck.yaml"
        if config.is_file():
            try:
                match = _LANGUAGE_LINE.search(config.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                return None
            return match.group(1) if match else None
    return None


@contextlib.contextmanager
def _said(command: Any, ctx: Any) -> Iterator[None]:
    """For the time help is printed: the command's, its parameters' and its subcommands' help in the language."""
    lang = help_language(ctx)
    if lang == "en":
        yield
        return
    from typer import rich_utils

    from ohcheck import i18n

    catalogue = i18n.framework(lang)
    saved: list[tuple[Any, str, Any]] = []

    def say(obj: Any, attribute: str) -> None:
        text = getattr(obj, attribute, None)
        if isinstance(text, str) and text:
            saved.append((obj, attribute, text))
            setattr(obj, attribute, catalogue.say(text))

    commands = [command]
    if hasattr(command, "list_commands"):  # a group (Typer carries its own click: no isinstance)
        commands += [c for name in command.list_commands(ctx) if (c := command.get_command(ctx, name))]
    for c in commands:
        say(c, "help")
        say(c, "short_help")
    for param in command.get_params(ctx):
        say(param, "help")
    for name in _TYPER_WORDS:
        say(rich_utils, name)
    # Typer's tables cut a cell's text with "…" when a word is wider than its column; Japanese has no
    # spaces, so a whole sentence is one word. Its tables fold such text onto the next line instead.
    saved.append((rich_utils, "Table", rich_utils.Table))
    rich_utils.Table = _folding_table(rich_utils.Table)
    saved.append((rich_utils, "_make_rich_text", rich_utils._make_rich_text))
    rich_utils._make_rich_text = _folding_text(rich_utils._make_rich_text)
    try:
        yield
    finally:
        for obj, attribute, text in reversed(saved):
            setattr(obj, attribute, text)


def _folding_text(make: Any) -> Any:
    def folding(*args: Any, **kwargs: Any) -> Any:
        text = make(*args, **kwargs)
        if hasattr(text, "overflow"):  # a rich Text (Markdown folds already)
            text.overflow = "fold"
        return text

    return folding


def _folding_table(table: type) -> type:
    class FoldingTable(table):  # type: ignore[misc, valid-type]
        def add_column(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("overflow", "fold")
            super().add_column(*args, **kwargs)

        def add_row(self, *renderables: Any, **kwargs: Any) -> None:
            while len(self.columns) < len(renderables):  # the columns rich would add, folding
                self.add_column()
            super().add_row(*renderables, **kwargs)

    return FoldingTable


class LocalisedCommand(TyperCommand):
    def format_help(self, ctx: Any, formatter: Any) -> None:
        with _said(self, ctx):
            super().format_help(ctx, formatter)


class LocalisedGroup(TyperGroup):
    def format_help(self, ctx: Any, formatter: Any) -> None:
        with _said(self, ctx):
            super().format_help(ctx, formatter)


def help_texts(command: Any, ctx: Any = None) -> list[str]:
    """Every help text of `command` and below, as --help shows them (for the catalogue test)."""
    ctx = ctx or command.context_class(command, info_name=command.name)
    texts = [t for t in (command.help, command.short_help) if t]
    texts += [p.help for p in command.get_params(ctx) if getattr(p, "help", None)]
    if hasattr(command, "list_commands"):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                texts += help_texts(sub, sub.context_class(sub, info_name=name, parent=ctx))
    return texts
