"""What the pack's own tools draw: the self-test's verdict per criterion, and the demo's steps and results."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from ohcheck.i18n import t
from ohcheck.render.console import escape, labelled, line, say
from ohcheck.render.tables import print_table


def print_selftest(console: Any, reports: list, problems: list[str], kept: Optional[Path], said: Any) -> None:
    """Each criterion: the starter's status, the solution's, and whether that is as it should be."""
    as_it_should = escape(t("as it should"))
    rows = [
        # The statuses stay as the JSON and the plain verify output say them (passed, failed ...).
        [v.criterion.id, v.starter.status.value, v.solution.status.value,
         f"[green]{as_it_should}[/]" if v.ok else f"[red]{escape(said.say(v.problem))}[/]"]
        for r in reports
        for v in r.verdicts
    ]
    print_table(console, [t("Criterion"), t("Starter"), t("Solution"), t("Verdict")], rows,
                title=t("Self-test of the hack pack (local target)"))
    for p in problems:
        labelled(console, t("pack problem:"), "red", said.say(p))
    bad = sum(not v.ok for r in reports for v in r.verdicts) + len(problems)
    total = sum(len(r.verdicts) for r in reports)
    if bad:
        say(console, t("{count} problem(s) in {total} criteria of {challenges} challenge(s).", count=bad,
                       total=total, challenges=len(reports)), style="bold red")
    else:
        say(console, t("All {total} criteria of {challenges} challenge(s) behave as they should.", total=total,
                       challenges=len(reports)), style="bold green")
    if kept:
        say(console, t("Team repos kept in {folder}", folder=str(kept)))


def print_demo_steps(console: Any, steps: list[Any]) -> None:
    """The commands the demo ran, each with the few lines worth reading of what it printed."""
    say(console, t("Built a demo team repo from the solutions of {challenges}:",
                   challenges=sorted({s.challenge for s in steps})))
    for step in steps:
        line(console, "  ", (step.challenge, "dim"), " $ ", step.command)
        for printed in _interesting(step.output):  # what the step's command printed, as it printed it
            say(console, f"      {printed}", style="yellow" if "note" in printed.lower() else "dim")
    console.print()


def _interesting(output: str) -> list[str]:
    return [text for text in output.splitlines() if text.lower().startswith(("note", "source"))][:3]
