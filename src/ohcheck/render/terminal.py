"""Results for people: a rich table on a terminal, plain lines otherwise.

Status, id, criterion and what was observed; a failure or error carries its
hint right under its message, and any criterion its warnings (the sentences
of `Result.warnings`: worth fixing, not failing). Colour and box drawing
only on a terminal, so logs and pipes get clean text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ohcheck.criteria import Result, Status, Summary
from ohcheck.i18n import msg_n, t
from ohcheck.render.verdicts import PLAIN_LABEL, VERIFY_STYLE, verify_label

if TYPE_CHECKING:
    from rich.console import Console



def summary_line(summary: Summary) -> str:
    return t(
        "{passed} passed, {failed} failed, {error} {errors}, {skipped} skipped in {duration:.1f} s",
        passed=summary.passed,
        failed=summary.failed,
        error=summary.error,
        errors=msg_n("error", "errors", summary.error),
        skipped=summary.skipped,
        duration=summary.duration,
    )


def print_results(
    console: "Console",
    heading: str,
    results: Sequence[Result],
    summary: Summary,
) -> None:
    if console.is_terminal:
        _rich(console, heading, results, summary)
    else:
        _plain(console, heading, results, summary)


def _rich(console: "Console", heading: str, results: Sequence[Result], summary: Summary) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(heading, style="bold"), title_justify="left", expand=False, show_lines=False)
    table.add_column(t("Status"), no_wrap=True)
    table.add_column("ID", no_wrap=True, style="bold")
    table.add_column(t("Criterion"), ratio=2)
    table.add_column(t("Result"), ratio=3)
    warning, hint = t("warning:"), t("hint:")
    for r in results:
        observed = Text(r.message or "")
        for text in warnings_of(r):
            observed.append(f"\n{warning} {text}", style="yellow")
        if r.hint and r.status in (Status.FAILED, Status.ERROR):
            observed.append(f"\n{hint} {r.hint}", style="italic cyan")
        table.add_row(Text(verify_label(r.status), style=VERIFY_STYLE[r.status]), r.criterion, r.title, observed)
    console.print(table)
    console.print(Text(summary_line(summary), style=_verdict_style(summary)))


def _plain(console: "Console", heading: str, results: Sequence[Result], summary: Summary) -> None:
    # The status words stay English in plain output: scripts and CI logs grep for FAILED.
    lines = [heading]
    warning, hint = t("warning:"), t("hint:")
    for r in results:
        lines.append(f"{PLAIN_LABEL[r.status]:<8} {r.criterion:<6} {r.title}")
        if r.message:
            lines.append(f"{'':<15} {r.message}")
        lines.extend(f"{'':<15} {warning} {text}" for text in warnings_of(r))
        if r.hint and r.status in (Status.FAILED, Status.ERROR):
            lines.append(f"{'':<15} {hint} {r.hint}")
    lines.append(summary_line(summary))
    console.out("\n".join(lines), highlight=False)


def warnings_of(result: Result) -> list[str]:
    """The warnings a check gave: a list of sentences."""
    return [str(w) for w in result.warnings or [] if str(w).strip()]


def _verdict_style(summary: Summary) -> str:
    if summary.failed:
        return "bold red"
    if summary.error:
        return "bold yellow"
    return "bold green"
