"""The consoles ohcheck draws on, and the two ways text reaches them safely.

Every command and every wing that prints goes through here, so `cli/` is imported
by nothing: stdout for results, stderr for progress, errors and warnings.
"""

from __future__ import annotations

from typing import Any


def stderr() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def stdout() -> Any:
    from rich.console import Console

    # soft_wrap: paths and messages stay on one line (greppable); tables still fit the width.
    return Console(highlight=False, soft_wrap=True)


def say(console: Any, text: str, *, style: str | None = None) -> None:
    """A line of text as it is (a rich Text: never read as markup, whatever a team or a file put in it)."""
    from rich.text import Text

    console.print(Text(text, style=style or ""))


def line(console: Any, *parts: str | tuple[str, str]) -> None:
    """One line of pieces, each text as it is or (text, style): `("error:", "bold red"), " ", sentence`."""
    from rich.text import Text

    console.print(Text.assemble(*parts))


def labelled(console: Any, label: str, style: str, text: str = "", *, indent: str = "") -> None:
    """`label text`, the label in its style: `error: ...`, `hint: ...`, `copied  src/train.py`."""
    line(console, indent, (label, style), " " if text else "", text)


def escape(text: str) -> str:
    """Text from users, files or services, made safe to print as rich markup."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def echo_json(document: Any) -> None:
    """A JSON document on stdout, as every --json prints it."""
    import typer

    from ohcheck.render.json_report import dumps

    typer.echo(dumps(document))


def print_markdown(console: Any, text: str, *, raw: bool = False) -> None:
    """A Markdown page: drawn on a terminal, its source as it is when piped or asked for (`--raw`)."""
    if raw or not console.is_terminal:
        import typer

        typer.echo(text)
        return
    from rich.markdown import Markdown

    console.print(Markdown(text, hyperlinks=True))
