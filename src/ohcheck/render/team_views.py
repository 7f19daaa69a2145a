"""What a team's commands draw besides verify's results: the challenge list, the verify history, doctor's
findings, a local pipeline run and the prepared data. The commands hand their results here."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from ohcheck.i18n import t
from ohcheck.render.console import escape, line, say
from ohcheck.render.tables import print_table


def print_challenges(console: Any, rows: list[dict], root: Optional[Path]) -> None:
    """`ohcheck list`: each challenge, its criteria, and in a team repo the team's last result."""
    from ohcheck.render.verdicts import last_result

    criteria_column = t("Criteria")
    columns = ["ID", t("Title"), criteria_column] + ([t("Your last result")] if root is not None else [])
    table_rows = []
    for row in rows:
        cells = [row["id"], escape(row["title"]), str(row["criteria"])]
        if root is not None:
            cells.append(last_result(row))
        table_rows.append(cells)
    title = t("OpenHack challenges (team repo {root})", root=str(root)) if root else t("OpenHack challenges")
    print_table(console, columns, table_rows, title=escape(title), right=[criteria_column])


def print_history(console: Any, attempts: list[Any], root: Path) -> None:
    """`ohcheck history`: the verify attempts stored in the team repo."""
    from ohcheck.render.verdicts import verdict_markup

    counts = [t("Passed"), t("Failed"), t("Error"), t("Skipped"), t("Took")]
    columns = ["#", t("When (UTC)"), t("Challenge"), t("Target"), t("Result"), *counts]
    rows = [
        [
            str(a.id), a.started_at.replace("T", " ").removesuffix("+00:00"), a.challenge, a.target,
            verdict_markup(a.verdict), str(a.passed), str(a.failed), str(a.error), str(a.skipped),
            escape(t("{seconds:.1f} s", seconds=a.duration)),
        ]
        for a in attempts
    ]
    print_table(console, columns, rows, title=t("Verify attempts in {root}", root=str(root)), right=["#", *counts])


def print_doctor(console: Any, said: list[Any], problems: int) -> None:
    """`ohcheck doctor`: each finding (already said in the reader's language) with its fix, then the count."""
    from ohcheck.render.verdicts import readiness_markup

    rows = [[escape(f.check), readiness_markup(f.status), escape(f.detail), escape(f.fix)] for f in said]
    print_table(console, [t("Check"), t("Status"), t("What ohcheck saw"), t("Fix")], rows, title=t("ohcheck doctor"))
    if problems:
        say(console, t("{count} problem(s).", count=problems), style="bold red")
    else:
        say(console, t("No problem found."), style="bold green")


def _run_colour(status: str) -> str:
    return "green" if status == "Completed" else "red"  # Azure ML's words (Completed, Failed), as the portal's


def print_step_ended(console: Any, step: Any, reason: str = "") -> None:
    """A local pipeline step as it ends: its status, its time and its log (and why it was stopped)."""
    line(console, f"{step.name}: ", (step.status, _run_colour(step.status)), " ",
         t("in {seconds:.1f} s (log: {log})", seconds=step.seconds, log=step.log))
    if reason:  # stopped at the time limit: its exit code says nothing
        say(console, f"  {reason}")


def print_pipeline_run(console: Any, result: Any, root: Path, lines: int = 15) -> None:
    """The local pipeline's outcome, and the end of each failed step's log."""
    line(console, t("Pipeline {name} (run {run}, experiment {experiment}): ", name=result.name, run=result.run_id,
                    experiment=result.experiment), (result.status, _run_colour(result.status)))
    for step in result.steps:
        if step.status != "Failed":
            continue
        log = root / step.log
        try:
            tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:]
        except OSError:
            continue
        say(console, t("The last lines of {log}:", log=log.name))
        for text in tail:
            say(console, "  " + text)


def print_prepared(console: Any, report: Any, said: Any) -> None:
    """`ohcheck data prepare`: where the data came from and the files written, with their days."""
    from ohcheck.render.console import labelled

    if report.note:
        labelled(console, t("note:"), "bold yellow", said.say(report.note))
    say(console, t("Source: {source} ({count:,} transactions)", source=report.source, count=report.history_rows))
    rows_column = t("Rows")
    rows = [[escape(str(path)), str(report.rows[key]), report.first[key], report.last[key]]
            for key, path in report.files.items()]
    print_table(console, [t("File"), rows_column, t("First day"), t("Last day")], rows, right=[rows_column])
