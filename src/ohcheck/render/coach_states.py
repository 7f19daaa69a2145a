"""The words and colours of a challenge's progress state (coach_progress.STATES), decided once: the dashboard,
the team report and `coach collect`'s table say a state the same way and paint it the same colour."""

from __future__ import annotations

import datetime as dt

from ohcheck.i18n import t

# (text colour, background) on a page; the terminal's style beside it.
COLOURS = {
    "not-started": ("#57606a", "#ffffff"),
    "in-progress": ("#7d5500", "#fff8c5"),
    "passed": ("#1a7f37", "#dafbe1"),
    "signed-off": ("#ffffff", "#0b5d2a"),
    "failing-again": ("#cf222e", "#ffebe9"),
    "undecided": ("#6e40c9", "#f3e8ff"),
}
TERMINAL = {
    "not-started": "dim",
    "in-progress": "yellow",
    "passed": "green",
    "signed-off": "bold green",
    "failing-again": "bold red",
    "undecided": "magenta",
}


def state_word(state: str) -> str:
    """A state in a word or two, in the chosen language: a grid cell, a table row."""
    return {
        "not-started": t("not started"),
        "in-progress": t("in progress"),
        "passed": t("passed"),
        "signed-off": t("signed off"),
        "failing-again": t("failing again"),
        "undecided": t("undecided"),
    }.get(state, state)


def state_meaning(state: str) -> str:
    """What a state means, in the chosen language: the legend, a cell's tooltip and its card."""
    return {
        "not-started": t("not started: no sign of the team's own work on it yet"),
        "in-progress": t("in progress: the team has worked on it, not every criterion passes yet"),
        "passed": t("passed (coach-verified)"),
        "signed-off": t("signed off by a coach"),
        "failing-again": t("failing again: it passed before and fails now"),
        "undecided": t("undecided: could not be verified (no credential, unreachable repo…)"),
    }.get(state, state)


def state_css() -> str:
    """The page rules for `.s-<state>` (a cell, a legend swatch, a report badge), from COLOURS."""
    rules = []
    for state, (text, background) in COLOURS.items():
        weight = ";font-weight:600" if state in ("signed-off", "failing-again") else ""
        rules.append(f".s-{state}{{color:{text};background:{background}{weight}}}")
    rules.append(".sw.s-not-started{border:1px solid #d0d7de}")  # a white swatch needs an edge to be seen
    return "\n".join(rules)


def counts_text(passed: int, decided: int, skipped: int) -> str:
    """`3/5 passed · 2 skipped`: what was decided, and what was not."""
    if skipped:
        return t("{passed}/{decided} passed · {skipped} skipped", passed=passed, decided=decided, skipped=skipped)
    return t("{passed}/{decided} passed", passed=passed, decided=decided)


def span_text(span: object) -> str:
    """A coach_progress.Span as people say it: `1 h 20 min`, `1 h 20 min – 2 h 05 min`, `at least 40 min`."""
    from ohcheck.coach.times import duration_text

    low, high = span.low, span.high  # type: ignore[attr-defined]
    if high is None:
        return t("at least {time}", time=duration_text(low))
    if span.exact or high - low < dt.timedelta(minutes=1):  # type: ignore[attr-defined]
        return duration_text(low)
    return t("{low} – {high}", low=duration_text(low), high=duration_text(high))
