"""A status's word and colour, written once: every view (verify, list, history, doctor, event preflight,
event teardown, the coach's report) draws a status from here.

Two vocabularies of one meaning: a criterion's status (criteria.Status: passed, failed, error,
skipped) and a readiness row's (`ohcheck doctor`, `ohcheck event preflight`: ok, problem, error,
skipped — criteria.READINESS_NAMES says which criterion status each means — plus preflight's
warning, which no criterion status says). A readiness row is drawn in the colour of the status it
means, in its own word. A challenge's progress states and a team's status mean something else:
render/coach_states.py.
"""

from __future__ import annotations

from ohcheck.criteria import READINESS_NAMES, Status
from ohcheck.render.console import escape

VERDICT_STYLE = {"passed": "green", "failed": "red", "error": "yellow", "skipped": "dim"}
# verify's own table: its statuses stand out from the sentences beside them.
VERIFY_STYLE = {
    Status.PASSED: "bold green",
    Status.FAILED: "bold red",
    Status.ERROR: "bold yellow",
    Status.SKIPPED: "dim",
}
# verify's output when it is not a terminal (logs, pipes, CI): the same word in every language.
PLAIN_LABEL = {Status.PASSED: "PASSED", Status.FAILED: "FAILED", Status.ERROR: "ERROR", Status.SKIPPED: "SKIPPED"}
WARNING = "warning"  # a readiness row that is fine, with something to look at (event preflight)
READINESS_STYLE = {**{name: VERDICT_STYLE[status.value] for status, name in READINESS_NAMES.items()},
                   WARNING: "magenta"}


def verdict_word(verdict: str) -> str:
    """A verdict (passed, failed, error, skipped) in the chosen language."""
    from ohcheck.i18n import t

    words = {"passed": t("passed"), "failed": t("failed"), "error": t("error"), "skipped": t("skipped")}
    return words.get(verdict, verdict)


def verdict_markup(verdict: str) -> str:
    """A verdict as rich markup, in the chosen language."""
    return f"[{VERDICT_STYLE.get(verdict, 'white')}]{escape(verdict_word(verdict))}[/]"


def verify_label(status: Status) -> str:
    """A criterion's status as verify's table says it, with its sign, in the chosen language."""
    from ohcheck.i18n import t

    return {
        Status.PASSED: t("✔ passed"),
        Status.FAILED: t("✘ failed"),
        Status.ERROR: t("! error"),
        Status.SKIPPED: t("- skipped"),
    }[status]


def readiness_word(status: str) -> str:
    """A readiness row's status (ok, problem, error, skipped, warning) in the chosen language."""
    from ohcheck.i18n import t

    words = {"ok": t("ok"), "problem": t("problem"), "error": t("error"), "skipped": t("skipped"),
             WARNING: t("warning")}
    return words.get(status, status)


def readiness_markup(status: str) -> str:
    """A readiness row's status as rich markup: its word, in the colour of the criterion status it means."""
    return f"[{READINESS_STYLE.get(status, 'white')}]{escape(readiness_word(status))}[/]"


def last_result(row: dict) -> str:
    """A challenge's last verify as `list` shows it: its verdict and how many criteria passed, when."""
    from ohcheck.i18n import t

    counts = row["last_counts"]
    if not counts:
        return t("not verified yet")
    total = sum(counts.values())
    said = t("{passed}/{total} passed, {time}", passed=counts["passed"], total=total, time=row["last_time"])
    return f"[{VERDICT_STYLE[row['last_status']]}]{verdict_word(row['last_status'])}[/] ({escape(said)})"
