"""Tables for people: rich on a terminal, plain aligned columns otherwise.

Cells may carry rich markup ("[green]passed[/]"); plain output drops it, and
never wraps a cell, so piped output stays greppable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


def print_table(
    console: "Console",
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    title: str = "",
    right: Sequence[str] = (),
) -> None:
    if console.is_terminal:
        from rich.table import Table
        from rich.text import Text

        table = Table(title=Text(title, style="bold") if title else None, title_justify="left")
        for name in columns:
            table.add_column(name, justify="right" if name in right else "left")
        for row in rows:
            table.add_row(*row)
        console.print(table)
        return
    from rich.cells import cell_len
    from rich.text import Text

    # Widths in terminal cells, not characters: a Japanese character takes two.
    plain = [[Text.from_markup(cell).plain for cell in row] for row in rows]
    widths = [max([cell_len(name)] + [cell_len(row[i]) for row in plain]) for i, name in enumerate(columns)]

    def pad(cell: str, width: int, right_aligned: bool) -> str:
        gap = " " * (width - cell_len(cell))
        return gap + cell if right_aligned else cell + gap

    def line(cells: Sequence[str]) -> str:
        return "  ".join(pad(cell, w, name in right) for cell, w, name in zip(cells, widths, columns)).rstrip()

    lines = ([title] if title else []) + [line(columns)] + [line(row) for row in plain]
    console.out("\n".join(lines), highlight=False)
