"""The words and colours of a challenge's progress state (coach_progress.STATES), decided once: the dashboard,
the team report and `coach collect`'s table say a state the same way and paint it the same colour."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ohcheck.i18n import t
from ohcheck.render.console import escape

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


def print_collected(outcomes: list, challenge_ids: list[str], pack: Any, progress: dict) -> None:
    """Where each team stands after the collect, in the words and colours of the dashboard
    (the words and colours above): its current challenge and that challenge's state, what it has passed, and
    what this collect verified."""
    from ohcheck import i18n
    from ohcheck.render.console import stdout
    from ohcheck.render.tables import print_table

    console = stdout()
    rows = []
    short = {cid: cid.removeprefix("challenge-") for cid in challenge_ids}
    for outcome in outcomes:
        team = progress[outcome.team]
        current = team.challenge(team.current) if team.current else None
        if current is None:
            where, state = i18n.t("finished"), "[green]" + escape(i18n.t("every challenge passed")) + "[/]"
        else:
            where = short.get(current.challenge, current.challenge)
            word = state_word(current.state)
            latest = current.latest
            if current.state == "in-progress" and latest is not None and not latest.problem:
                word += f" {latest.passed}/{latest.passed + latest.failed + latest.error}"
            if team.status == "stuck" and team.stuck_for is not None:
                from ohcheck.coach.times import duration_text

                word += " · " + i18n.t("stuck {time}", time=duration_text(team.stuck_for))
            state = f"[{TERMINAL.get(current.state, '')}]{escape(word)}[/]"
        passed = " ".join(short.get(c.challenge, c.challenge) for c in team.challenges if c.done) or "–"
        verified = " ".join(short.get(c.challenge, c.challenge) for c in outcome.challenges) or "–"
        rows.append([escape(outcome.team), escape(where), state, escape(passed), escape(verified)])
    headings = [escape(h) for h in (i18n.t("team"), i18n.t("current"), i18n.t("state"), i18n.t("passed"),
                                  i18n.t("verified now"))]
    print_table(console, headings, rows, title=i18n.t("Where each team stands (coach-verified)"), title_style="")
    console.print(escape(i18n.t("Collect verifies each team up to the first challenge it has not passed and the one "
                              "after it; the challenges it has not reached stay not started.")))
    said = pack.catalogue(i18n.language())  # a problem may hold a check's own message
    for outcome in outcomes:
        problems = sorted({c.problem for c in outcome.challenges if c.problem})
        for problem in problems:
            console.print(escape(i18n.t("{team}: {problem}", team=outcome.team, problem=said.say(problem))))
