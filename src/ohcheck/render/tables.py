"""Tables for people: rich on a terminal, plain aligned columns otherwise.

Cells may carry rich markup ("[green]passed[/]"); plain output drops it, and
never wraps a cell, so piped output stays greppable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


def print_table(
    console: "Console",
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    title: str = "",
    title_style: str = "bold",
    right: Sequence[str] = (),
    column_options: Mapping[str, Mapping[str, Any]] | None = None,
    show_edge: bool = True,
) -> None:
    """`rows` (cells of rich markup) under `columns`: a rich table on a terminal, aligned plain text when piped.

    `title` is text, not markup. `column_options` are rich's add_column options by column name
    (no_wrap, overflow, ratio): they shape the terminal's table only; plain text never wraps.
    """
    if console.is_terminal:
        from rich.table import Table
        from rich.text import Text

        table = Table(title=Text(title, style=title_style) if title else None, title_justify="left",
                      show_edge=show_edge)
        for name in columns:
            options = dict((column_options or {}).get(name, {}))
            table.add_column(name, justify="right" if name in right else "left", **options)
        for row in rows:
            table.add_row(*row)
        console.print(table)
        return
    from rich.cells import cell_len
    from rich.text import Text

    # Widths in terminal cells, not characters: a Japanese character takes two.
    plain = [[Text.from_markup(cell).plain for cell in row] for row in rows]
    headings = [Text.from_markup(name).plain for name in columns]
    widths = [max([cell_len(name)] + [cell_len(row[i]) for row in plain]) for i, name in enumerate(headings)]

    def pad(cell: str, width: int, right_aligned: bool) -> str:
        gap = " " * (width - cell_len(cell))
        return gap + cell if right_aligned else cell + gap

    def line(cells: Sequence[str]) -> str:
        return "  ".join(pad(cell, w, name in right) for cell, w, name in zip(cells, widths, columns)).rstrip()

    lines = ([title] if title else []) + [line(headings)] + [line(row) for row in plain]
    console.out("\n".join(lines), highlight=False)
