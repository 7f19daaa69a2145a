"""Text from users (team, member, criterion text) made safe for a Markdown table cell."""

from __future__ import annotations

from typing import Any


def md_cell(value: Any) -> str:
    """Text made safe for a Markdown table cell: one line, no `|` or raw HTML."""
    text = " ".join(str(value).split())
    for raw, safe in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"), ("`", "'")):
        text = text.replace(raw, safe)
    return text


def md_code(value: Any) -> str:
    """Text for a code span in a Markdown table cell: shown literally, so only `|` and backticks matter."""
    return " ".join(str(value).split()).replace("`", "'").replace("|", "\\|")
