"""A verdict's word and colour in the tables of `list` and `history` (verify's own output: render.terminal)."""

from __future__ import annotations

from ohcheck.render.console import escape

VERDICT_STYLE = {"passed": "green", "failed": "red", "error": "yellow", "skipped": "dim"}


def verdict_word(verdict: str) -> str:
    """A verdict (passed, failed, error, skipped) in the chosen language."""
    from ohcheck.i18n import t

    words = {"passed": t("passed"), "failed": t("failed"), "error": t("error"), "skipped": t("skipped")}
    return words.get(verdict, verdict)


def verdict_markup(verdict: str) -> str:
    """A verdict as rich markup, in the chosen language."""
    return f"[{VERDICT_STYLE.get(verdict, 'white')}]{escape(verdict_word(verdict))}[/]"


def last_result(row: dict) -> str:
    """A challenge's last verify as `list` shows it: its verdict and how many criteria passed, when."""
    from ohcheck.i18n import t

    counts = row["last_counts"]
    if not counts:
        return t("not verified yet")
    total = sum(counts.values())
    said = t("{passed}/{total} passed, {time}", passed=counts["passed"], total=total, time=row["last_time"])
    return f"[{VERDICT_STYLE[row['last_status']]}]{verdict_word(row['last_status'])}[/] ({escape(said)})"
