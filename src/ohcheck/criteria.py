"""How a success criterion is declared, what a check may raise, and its Result.

A check is a plain function that reads top to bottom and stops at the first
thing that is wrong, as a pytest test does: outcomes are raised, not returned.

    @criterion("03.3", "Verify that scoring with the key returns n finite forecasts",
               hint="POST {\"data\": [7]} to the scoring URI with the endpoint key")
    def scoring_returns_forecasts(ctx):
        reply = ctx.target.score(ctx.config.endpoint, {"data": [7]})
        if len(reply.get("result", [])) != 7:
            fail("expected 7 forecasts under 'result', got {reply!r:.200}", reply=reply)
        return passed("7 finite forecasts", evidence={"forecasts": reply["result"]})

* `fail(message)` — the criterion is not met (the team has work to do).
* `skip(reason)` — the criterion does not apply here (e.g. no compute on the local target).
* `undecided(reason)` — ohcheck could not decide (never reported as failed).
* returning normally — passed; return `passed(message, evidence)` to say what was seen.
* `warnings=[...]` (any of the four) — sentences worth fixing that are not failures.

A message is an English template with named fields and their values as
keyword arguments, never an f-string: ohcheck says it in the reader's
language from the catalogue beside the check module (ohcheck.i18n).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from ohcheck.errors import EXIT_FAILED, EXIT_OK, EXIT_UNDECIDED
from ohcheck.i18n import Msg, as_msg, msg


class Status(str, enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


# The readiness checks (`ohcheck doctor`, `ohcheck event preflight`) name a row's status their own way:
# the stable `status` of their JSON and the English of its word. Each means one criterion status, and is
# drawn in its colour (render/verdicts.py).
READINESS_NAMES: dict[Status, str] = {Status.PASSED: "ok", Status.FAILED: "problem", Status.ERROR: "error",
                                      Status.SKIPPED: "skipped"}


class Outcome(BaseException):
    """Raised by a check to end it with a status other than passed.

    A BaseException, as pytest's outcomes are: a check's own `except Exception` (around an SDK
    call, say) must not swallow its fail(). The runner catches Outcome by name.
    """

    status: Status

    def __init__(self, message: str, evidence: Mapping[str, Any] | None = None,
                 warnings: Sequence[str] | None = None) -> None:
        super().__init__(message)
        self.message = as_msg(message)
        self.evidence = dict(evidence or {})
        self.warnings = None if warnings is None else list(warnings)


class Failed(Outcome):
    status = Status.FAILED


class Skipped(Outcome):
    status = Status.SKIPPED


class Undecided(Outcome):
    status = Status.ERROR


def fail(message: str, /, evidence: Mapping[str, Any] | None = None, *, warnings: Sequence[str] | None = None,
         **fields: Any) -> NoReturn:
    """End the check: the criterion is not met. Say what was expected and what was found.

    `warnings`: sentences worth fixing that are not failures (shown beside the verdict)."""
    raise Failed(_message(message, fields), evidence, warnings)


def skip(reason: str, /, evidence: Mapping[str, Any] | None = None, *, warnings: Sequence[str] | None = None,
         **fields: Any) -> NoReturn:
    """End the check: the criterion does not apply here, and why."""
    raise Skipped(_message(reason, fields), evidence, warnings)


def undecided(reason: str, /, evidence: Mapping[str, Any] | None = None, *, warnings: Sequence[str] | None = None,
              **fields: Any) -> NoReturn:
    """End the check: ohcheck could not decide (reported as `error`, never as `failed`)."""
    raise Undecided(_message(reason, fields), evidence, warnings)


def _message(template: str, fields: Mapping[str, Any]) -> Msg:
    """A check's message: a Msg as it is; a template with its fields; plain text as it is."""
    if isinstance(template, Msg):
        return template
    return msg(template, **fields) if fields else as_msg(template)


@dataclass(frozen=True)
class Passed:
    """What a passing check saw; returning it is optional."""

    message: str = ""
    evidence: Mapping[str, Any] = field(default_factory=dict)
    warnings: list[str] | None = None


def passed(message: str = "", /, evidence: Mapping[str, Any] | None = None, *,
           warnings: Sequence[str] | None = None, **fields: Any) -> Passed:
    """Build the return value of a passing check: a message (template and fields), what was observed,
    and `warnings` (sentences worth fixing that are not failures)."""
    return Passed(_message(message, fields), dict(evidence or {}), None if warnings is None else list(warnings))


CheckFunction = Callable[[Any], "Passed | str | None"]


@dataclass(frozen=True)
class Criterion:
    """One success criterion of a challenge and the function that checks it."""

    id: str
    title: str
    func: CheckFunction
    hint: str = ""
    needs: tuple[str, ...] = ()
    timeout: float | None = None
    # The self-test expects the starter to fail each criterion the team still has
    # to do. A criterion about the machine rather than the repo (installed
    # packages, say) may pass in the starter: the self-test then does not insist.
    starter_may_pass: bool = False
    challenge: str = ""

    def __call__(self, ctx: Any) -> Passed | str | None:
        # The decorator returns the Criterion; calling it still runs the check,
        # so a pack author can call a check function directly.
        return self.func(ctx)


def criterion(
    id: str,
    title: str,
    *,
    hint: str = "",
    needs: str | tuple[str, ...] | list[str] = (),
    timeout: float | None = None,
    starter_may_pass: bool = False,
) -> Callable[[CheckFunction], Criterion]:
    """Declare a check function as the check of success criterion `id`.

    `needs` names criteria of the same challenge that must pass first; when one
    does not, this criterion is skipped with that reason instead of run.
    """
    if isinstance(needs, str):
        needs = (needs,)

    def decorate(func: CheckFunction) -> Criterion:
        return Criterion(
            id=id,
            title=title,
            func=func,
            hint=hint,
            needs=tuple(needs),
            timeout=timeout,
            starter_may_pass=starter_may_pass,
        )

    return decorate


def utc_now() -> str:
    from ohcheck import clock  # the one clock: a test sets it once for the whole scenario

    return clock.now_text()


@dataclass
class Result:
    """The outcome of one criterion in one verify run."""

    challenge: str
    criterion: str
    title: str
    status: Status
    message: str = ""
    hint: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    duration: float = 0.0
    target: str = ""
    team: str = ""
    time: str = field(default_factory=utc_now)
    # The message's English template and formatted values, so it can be said in
    # another language later (ohcheck.i18n); None for plain, untranslatable text.
    message_source: dict[str, Any] | None = None
    # Sentences worth fixing that are not failures (the check's own and what the target warned of).
    # None: none were given; []: the check said "none". `evidence` shows them under "warnings",
    # where they always were, so JSON, the store's rows and bundles keep their shapes.
    warnings: list[str] | None = None

    _warnings_at = None  # not a field: where "warnings" stood among the evidence's keys when it was set

    def __post_init__(self) -> None:
        if self.warnings is None:  # the warnings evidence["warnings"] held, as it is read back or a check gave it
            self.warnings = self.__dict__.pop("_split_warnings", None)
        self.__dict__.pop("_split_warnings", None)

    def _get_evidence(self) -> dict[str, Any]:
        """What the check observed, with its warnings under "warnings", where they always stood."""
        own = self.__dict__.get("_evidence", {})
        if self.__dict__.get("warnings") is None:
            return own
        items = list(own.items())
        at = len(items) if self._warnings_at is None else min(self._warnings_at, len(items))
        return dict(items[:at] + [("warnings", self.warnings)] + items[at:])

    def _set_evidence(self, value: Mapping[str, Any]) -> None:
        own = dict(value)
        warnings = own.get("warnings")
        if isinstance(warnings, list):  # a list is the warnings; anything else is only evidence
            keys = list(own)
            at = keys.index("warnings")
            self._warnings_at = None if at == len(keys) - 1 else at  # a store row holds the keys sorted
            del own["warnings"]
            warnings = list(warnings)
        else:
            warnings = None
        if "warnings" not in self.__dict__:  # in __init__, which assigns `warnings` next: see __post_init__
            self.__dict__["_split_warnings"] = warnings
        self.__dict__["_evidence"] = own
        self.__dict__["warnings"] = warnings

    def to_dict(self) -> dict[str, Any]:
        return {
            "challenge": self.challenge,
            "criterion": self.criterion,
            "title": self.title,
            "status": self.status.value,
            "message": self.message,
            "hint": self.hint,
            "evidence": self.evidence,
            "duration": round(self.duration, 3),
            "target": self.target,
            "team": self.team,
            "time": self.time,
            "message_source": self.message_source,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Result":
        return cls(
            challenge=data["challenge"],
            criterion=data["criterion"],
            title=data.get("title", ""),
            status=Status(data["status"]),
            message=data.get("message", ""),
            hint=data.get("hint", ""),
            evidence=dict(data.get("evidence") or {}),
            duration=float(data.get("duration") or 0.0),
            target=data.get("target", ""),
            team=data.get("team", ""),
            time=data.get("time", ""),
            message_source=data.get("message_source") or None,
        )

    def in_language(self, catalogue: Any) -> "Result":
        """This result with its title, message and hint said in `catalogue`'s language (an i18n.Catalogue)."""
        from dataclasses import replace

        source = self.message_source or {}
        message = catalogue.say(source) if source.get("template") else catalogue.say(self.message)
        warnings = self.warnings
        if source.get("warnings") and warnings is not None:
            warnings = [catalogue.say(w) for w in source["warnings"]]
        return replace(
            self,
            title=catalogue.title(self.criterion, self.title),
            message=message,
            hint=catalogue.hint(self.criterion, self.hint),
            warnings=warnings,
        )


# `evidence` is the dataclass's field in __init__, repr and comparisons, and a view over the check's own
# evidence and `warnings` (set after the dataclass has made __init__, which assigns through it).
Result.evidence = property(Result._get_evidence, Result._set_evidence)  # type: ignore[assignment,method-assign]


@dataclass(frozen=True)
class Summary:
    """Counts of a run's results and the exit code they mean."""

    passed: int
    failed: int
    error: int
    skipped: int
    duration: float

    @classmethod
    def of(cls, results: list[Result], duration: float = 0.0) -> "Summary":
        count = {s: 0 for s in Status}
        for r in results:
            count[r.status] += 1
        return cls(
            passed=count[Status.PASSED],
            failed=count[Status.FAILED],
            error=count[Status.ERROR],
            skipped=count[Status.SKIPPED],
            duration=duration,
        )

    @property
    def exit_code(self) -> int:
        if self.failed:
            return EXIT_FAILED
        if self.error:
            return EXIT_UNDECIDED
        return EXIT_OK

    @property
    def verdict(self) -> str:
        """One word for a whole run: passed, failed, error (undecided), or skipped."""
        if self.failed:
            return "failed"
        if self.error:
            return "error"
        if self.passed:
            return "passed"
        return "skipped"

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "failed": self.failed,
            "error": self.error,
            "skipped": self.skipped,
            "duration": round(self.duration, 3),
            "verdict": self.verdict,
            "exit_code": self.exit_code,
        }
