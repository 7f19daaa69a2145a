"""Running a challenge's criteria: concurrently, each with a timeout, crashes isolated.

* Criteria run on worker threads, at most `workers` at a time. A criterion
  that `needs` others starts when they are done; if one of them did not pass,
  it is skipped with that reason instead of run.
* Each criterion has a deadline. A check still running at its deadline is
  reported as `error` (timed out) and left behind on its daemon thread: Python
  cannot kill a thread, and waiting for it would hang the whole verify.
* Transient errors (connection errors, timeouts, 429 and 5xx) are retried a
  bounded number of times, waiting what Retry-After asks (capped); if they
  persist the criterion is `error` — could not decide, never `failed`.
* Any other exception makes that criterion `error` with a one-line reason; the
  traceback goes to the log, the other criteria still run.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from ohcheck.criteria import Criterion, Outcome, Passed, Result, Status
from ohcheck.i18n import Msg, as_msg, msg
from ohcheck.redaction import Redactor
from ohcheck.targets.base import NotOnThisTarget, TargetError, hearing_warnings
from ohcheck.transient import is_transient, retry_after, retry_scale, status_of

log = logging.getLogger("ohcheck.runner")


@dataclass(frozen=True)
class RunnerSettings:
    timeout: float = 120.0  # per criterion, unless the criterion sets its own
    workers: int = 4
    attempts: int = 3  # tries of a check that keeps hitting transient errors
    backoff: float = 1.0  # first wait when the server gave no Retry-After
    max_wait: float = 30.0  # longest single wait, whatever Retry-After says
    # How to wait between attempts; tests pass a recorder to see the waits without sleeping.
    sleep: Callable[[float], None] = time.sleep


def run_criteria(
    criteria: Sequence[Criterion],
    ctx: Any,
    *,
    settings: RunnerSettings = RunnerSettings(),
    target: str = "",
    team: str = "",
    redactor: Redactor | None = None,
    on_start: Callable[[Criterion], None] | None = None,
    on_result: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Run every criterion and return one Result each, in the criteria's order."""
    redactor = redactor or Redactor()
    by_id = {c.id: c for c in criteria}
    results: dict[str, Result] = {}
    pending = list(criteria)
    running: dict[str, tuple[float, Criterion]] = {}  # id -> (deadline, criterion)
    finished: queue.Queue[Result] = queue.Queue()
    # A target that imports heavy SDKs lazily does so here, once, before any criterion thread can
    # import them at the same moment as another (see AzureTarget.prepare).
    prepare = getattr(getattr(ctx, "target", None), "prepare", None)
    if callable(prepare):
        prepare()

    def record(result: Result) -> None:
        result.target, result.team = target, team
        result.message = redactor.text(result.message)
        if result.message_source is not None:
            result.message_source = redactor.strings(result.message_source)
        result.evidence = redactor.value(_jsonable(result.evidence))  # its warnings with it: they are in the view
        results[result.criterion] = result
        if on_result:
            on_result(result)

    while pending or running:
        progressed = True
        while progressed and len(running) < settings.workers:
            progressed = False
            for c in list(pending):
                if any(dep in by_id and dep not in results for dep in c.needs):
                    continue  # a dependency has not finished yet
                pending.remove(c)
                progressed = True
                blocker = _blocking_dependency(c, results, by_id)
                if blocker:
                    record(_result(c, Status.SKIPPED, blocker))
                    break  # a new result may unblock others: rescan
                timeout = c.timeout or settings.timeout
                running[c.id] = (time.monotonic() + timeout, c)
                if on_start:
                    on_start(c)
                thread = threading.Thread(
                    target=_execute,
                    args=(c, ctx, settings, time.monotonic() + timeout, finished, redactor),
                    name=f"ohcheck-{c.id}",
                    daemon=True,
                )
                thread.start()
                break
        if not running:
            if pending and not progressed:  # only a dependency cycle gets here
                for c in pending:
                    record(_result(c, Status.ERROR, msg("its needs ({needs}) form a cycle", needs=list(c.needs))))
                pending.clear()
            continue
        nearest = min(deadline for deadline, _ in running.values())
        try:
            result = finished.get(timeout=max(0.0, nearest - time.monotonic()))
        except queue.Empty:
            now = time.monotonic()
            for cid, (deadline, c) in list(running.items()):
                if deadline <= now:
                    del running[cid]
                    limit = c.timeout or settings.timeout
                    record(_result(c, Status.ERROR, msg("timed out after {limit:g} s: could not decide", limit=limit)))
            continue
        if result.criterion in running:  # not already given up on as timed out
            del running[result.criterion]
            record(result)

    return [results[c.id] for c in criteria]


def _blocking_dependency(c: Criterion, results: dict[str, Result], by_id: dict[str, Criterion]) -> Msg | None:
    for dep in c.needs:
        if dep not in by_id:
            return msg("needs {dep}, which is not a criterion of this run", dep=dep)
        status = results[dep].status
        if status is not Status.PASSED:
            # The title is a message too: each catalogue holds its criteria's titles.
            title = Msg(by_id[dep].title)
            if status is Status.FAILED:
                return msg("needs {dep} ({title}), which failed", dep=dep, title=title)
            if status is Status.ERROR:
                return msg("needs {dep} ({title}), which could not be decided", dep=dep, title=title)
            return msg("needs {dep} ({title}), which was skipped", dep=dep, title=title)
    return None


def _result(c: Criterion, status: Status, message: Any, evidence: dict | None = None, duration: float = 0.0,
            warnings: list | None = None) -> Result:
    message = as_msg(message)
    source = message.source() if message.template else None
    result = Result(
        challenge=c.challenge,
        criterion=c.id,
        title=c.title,
        status=status,
        message=str(message),
        hint=c.hint if status in (Status.FAILED, Status.ERROR) else "",
        evidence=evidence or {},
        duration=duration,
        message_source=source,
        warnings=warnings,  # None: taken from evidence["warnings"] if a check still puts them there
    )
    if result.warnings and any(isinstance(w, Msg) for w in result.warnings):
        # Warnings are sentences too: kept with the message's source, so they are said in any language.
        result.message_source = {**(source or {"template": "", "values": {}}),
                                 "warnings": [as_msg(w).source() for w in result.warnings]}
    return result


def _execute(
    c: Criterion,
    ctx: Any,
    settings: RunnerSettings,
    deadline: float,
    finished: "queue.Queue[Result]",
    redactor: Redactor,
) -> None:
    start = time.monotonic()
    with hearing_warnings() as heard:
        result = _run_one(c, ctx, settings, deadline, redactor)
    if heard:  # what the target warned of while it answered this criterion (a job it left out)
        said = list(result.warnings or [])
        warnings = said + [w for w in heard if w not in said]
        result.warnings = warnings
        # Kept with the message's source, as _result keeps a check's own warnings: said in any language.
        source = result.message_source or {"template": "", "values": {}}
        result.message_source = {**source, "warnings": [as_msg(w).source() for w in warnings]}
    result.duration = time.monotonic() - start
    finished.put(result)


def _run_one(c: Criterion, ctx: Any, settings: RunnerSettings, deadline: float, redactor: Redactor) -> Result:
    try:
        value = _call_with_retries(c, ctx, settings, deadline)
    except Outcome as outcome:  # a BaseException: caught by name, before anything broad
        result = _result(c, outcome.status, outcome.message, outcome.evidence, warnings=outcome.warnings)
    except NotOnThisTarget as exc:
        result = _result(c, Status.SKIPPED, _said(exc))
    except TargetError as exc:
        result = _result(c, Status.ERROR, _said(exc))
    except Exception as exc:  # noqa: BLE001 - one crashing check must not stop the others
        result = _result(c, Status.ERROR, _crash_reason(exc))
        trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        log.error("criterion %s crashed:\n%s", c.id, redactor.text(trace))
    else:
        if isinstance(value, Passed):
            result = _result(c, Status.PASSED, value.message, dict(value.evidence), warnings=value.warnings)
        else:
            result = _result(c, Status.PASSED, as_msg(value))
    return result


def _call_with_retries(c: Criterion, ctx: Any, settings: RunnerSettings, deadline: float) -> Any:
    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = retry_after(exc) if exc else None
        delay = asked if asked is not None else settings.backoff * 2 ** (state.attempt_number - 1) * retry_scale()
        return max(0.0, min(delay, settings.max_wait, deadline - time.monotonic() - 0.1))

    def out_of_time(state: RetryCallState) -> bool:
        return time.monotonic() >= deadline - 0.2

    retrying = Retrying(
        retry=retry_if_exception(is_transient),
        stop=stop_after_attempt(settings.attempts) | out_of_time,
        wait=wait,
        sleep=settings.sleep,
        reraise=True,
        before_sleep=lambda state: log.info(
            "criterion %s: transient error (%s), attempt %d of %d",
            c.id,
            type(state.outcome.exception()).__name__ if state.outcome else "?",
            state.attempt_number,
            settings.attempts,
        ),
    )
    try:
        return retrying(c.func, ctx)
    except Exception as exc:
        if is_transient(exc):
            raise _GaveUp(exc, settings.attempts) from exc
        raise


class _GaveUp(Exception):
    def __init__(self, exc: BaseException, attempts: int) -> None:
        status = status_of(exc)
        what = f"HTTP {status}" if status else type(exc).__name__
        self.message = msg(
            "still failing after {attempts} attempts ({what}: {first}): could not decide",
            attempts=attempts, what=what, first=_first_line(exc),
        )
        super().__init__(str(self.message))


def _crash_reason(exc: BaseException) -> Msg:
    if isinstance(exc, _GaveUp):
        return exc.message
    return msg("the check crashed: {kind}: {first}", kind=type(exc).__name__, first=_first_line(exc))


def _said(exc: BaseException) -> Msg:
    """A target's exception as a message: targets raise with a Msg when the sentence is theirs."""
    first = exc.args[0] if exc.args else ""
    return first if isinstance(first, Msg) else as_msg(str(exc))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else "(no message)"
    return line if len(line) <= 300 else line[:297] + "..."


def _jsonable(value: Any) -> Any:
    """Evidence must survive JSON: numpy scalars become numbers, the rest strings."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    item = getattr(value, "item", None)  # numpy scalar
    if callable(item):
        try:
            return _jsonable(item())
        except (TypeError, ValueError):
            pass
    return str(value)
