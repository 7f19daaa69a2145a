"""The runner: concurrency, timeouts, retries of transient errors, crash isolation, dependencies."""

from __future__ import annotations

import threading

import pytest
import requests

from ohcheck.criteria import Status, criterion, fail, passed, skip, undecided
from ohcheck.redaction import Redactor
from ohcheck.runner import RunnerSettings, run_criteria
from ohcheck.targets.base import NotOnThisTarget, TargetError

from ..scripted_server import Reply, scripted_server


def _run(*criteria, **settings):
    waits: list[float] = []
    chosen = RunnerSettings(**{"sleep": waits.append, **settings})
    results = run_criteria(list(criteria), ctx=None, settings=chosen, target="local", team="t")
    return {r.criterion: r for r in results}, waits


def test_criteria_run_concurrently():
    barrier = threading.Barrier(2, timeout=10)

    @criterion("01.1", "first")
    def first(ctx):
        barrier.wait()  # only returns once the other criterion is running too

    @criterion("01.2", "second")
    def second(ctx):
        barrier.wait()

    results, _ = _run(first, second)
    assert [r.status for r in results.values()] == [Status.PASSED, Status.PASSED]


def test_outcomes_map_to_statuses_and_results_keep_declaration_order():
    @criterion("01.1", "passes", hint="never shown")
    def ok(ctx):
        return passed("all good", evidence={"n": 3})

    @criterion("01.2", "fails", hint="do the thing")
    def bad(ctx):
        fail("expected 7, got 6", evidence={"got": 6})

    @criterion("01.3", "skips")
    def nope(ctx):
        skip("not here")

    @criterion("01.4", "cannot decide", hint="try later")
    def unsure(ctx):
        undecided("the service said 503")

    results, _ = _run(ok, bad, nope, unsure)
    assert list(results) == ["01.1", "01.2", "01.3", "01.4"]
    assert (results["01.1"].status, results["01.1"].message, results["01.1"].evidence) == (Status.PASSED, "all good", {"n": 3})
    assert results["01.1"].hint == ""
    assert (results["01.2"].status, results["01.2"].hint, results["01.2"].evidence) == (Status.FAILED, "do the thing", {"got": 6})
    assert (results["01.3"].status, results["01.3"].message) == (Status.SKIPPED, "not here")
    assert (results["01.4"].status, results["01.4"].hint) == (Status.ERROR, "try later")
    assert all(r.target == "local" and r.team == "t" for r in results.values())


def test_a_crashing_check_is_an_error_with_one_line_and_the_others_still_run():
    @criterion("01.1", "crashes")
    def crash(ctx):
        {}["missing"]

    @criterion("01.2", "fine")
    def fine(ctx):
        pass

    results, _ = _run(crash, fine)
    assert results["01.1"].status is Status.ERROR
    assert results["01.1"].message == "the check crashed: KeyError: 'missing'"
    assert results["01.2"].status is Status.PASSED


def test_a_checks_own_except_exception_does_not_swallow_its_outcome():
    # Outcomes derive from BaseException, as pytest's do: a broad `except Exception` in a check
    # (around an SDK call, say) must not turn fail()/skip()/undecided() into a pass.
    @criterion("01.1", "fails inside a broad except")
    def bad(ctx):
        try:
            fail("x")
        except Exception:  # noqa: BLE001 - what a check author may well write
            pass

    @criterion("01.2", "skips inside a broad except")
    def nope(ctx):
        try:
            skip("not here")
        except Exception:  # noqa: BLE001
            pass

    @criterion("01.3", "undecided inside a broad except")
    def unsure(ctx):
        try:
            undecided("the service said 503")
        except Exception:  # noqa: BLE001
            pass

    results, _ = _run(bad, nope, unsure)
    assert (results["01.1"].status, results["01.1"].message) == (Status.FAILED, "x")
    assert (results["01.2"].status, results["01.2"].message) == (Status.SKIPPED, "not here")
    assert (results["01.3"].status, results["01.3"].message) == (Status.ERROR, "the service said 503")


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit])
def test_keyboard_interrupt_and_system_exit_are_not_taken_for_a_verdict(stop):
    import time

    from ohcheck.runner import _run_one

    @criterion("01.1", "is stopped")
    def stopped(ctx):
        raise stop()

    with pytest.raises(stop):
        _run_one(stopped, None, RunnerSettings(), time.monotonic() + 10, Redactor())


def test_a_check_past_its_timeout_is_an_error_not_a_failure():
    release = threading.Event()

    @criterion("01.1", "hangs", timeout=0.5)
    def hangs(ctx):
        release.wait(30)

    @criterion("01.2", "fine")
    def fine(ctx):
        pass

    try:
        results, _ = _run(hangs, fine)
    finally:
        release.set()
    assert results["01.1"].status is Status.ERROR
    assert "timed out after 0.5 s" in results["01.1"].message
    assert results["01.2"].status is Status.PASSED


def test_target_exceptions_become_skipped_and_error():
    @criterion("01.1", "no compute locally")
    def local_only(ctx):
        raise NotOnThisTarget("compute exists only in Azure ML")

    @criterion("01.2", "no credential")
    def denied(ctx):
        raise TargetError("no credential: run az login")

    results, _ = _run(local_only, denied)
    assert (results["01.1"].status, results["01.1"].message) == (Status.SKIPPED, "compute exists only in Azure ML")
    assert (results["01.2"].status, results["01.2"].message) == (Status.ERROR, "no credential: run az login")


def test_dependencies_run_first_and_a_failed_dependency_skips_with_the_reason():
    order: list[str] = []

    @criterion("01.1", "base fails")
    def base(ctx):
        order.append("01.1")
        fail("no data")

    @criterion("01.2", "on top", needs="01.1")
    def on_top(ctx):
        order.append("01.2")

    @criterion("01.3", "independent")
    def other(ctx):
        order.append("01.3")

    @criterion("01.4", "needs a passing one", needs="01.3")
    def after(ctx):
        order.append("01.4")

    results, _ = _run(on_top, base, after, other)
    assert results["01.2"].status is Status.SKIPPED
    assert results["01.2"].message == "needs 01.1 (base fails), which failed"
    assert results["01.4"].status is Status.PASSED
    assert "01.2" not in order and order.index("01.3") < order.index("01.4")


def test_a_dependency_cycle_is_reported_not_hung():
    @criterion("01.1", "a", needs="01.2")
    def a(ctx):
        pass

    @criterion("01.2", "b", needs="01.1")
    def b(ctx):
        pass

    results, _ = _run(a, b)
    assert {r.status for r in results.values()} == {Status.ERROR}
    assert "cycle" in results["01.1"].message


def _http_check(url: str):
    @criterion("01.1", "talks to a service")
    def check(ctx):
        requests.get(url, timeout=5).raise_for_status()

    return check


def test_429_is_retried_honouring_retry_after():
    with scripted_server(Reply(429, b"slow down", {"Retry-After": "2"}), Reply(200)) as server:
        results, waits = _run(_http_check(server.url + "/thing"))
    assert results["01.1"].status is Status.PASSED
    assert waits == [2.0]
    assert len(server.requests) == 2


def test_a_dropped_connection_is_retried():
    with scripted_server(Reply(drop=True), Reply(200)) as server:
        results, waits = _run(_http_check(server.url))
    assert results["01.1"].status is Status.PASSED
    assert len(waits) == 1 and len(server.requests) == 2


def test_persistent_5xx_ends_as_error_after_a_bounded_number_of_attempts():
    with scripted_server(Reply(503, b"unavailable")) as server:
        results, waits = _run(_http_check(server.url), attempts=3)
    result = results["01.1"]
    assert result.status is Status.ERROR
    assert "still failing after 3 attempts (HTTP 503" in result.message
    assert len(server.requests) == 3 and len(waits) == 2


def test_retry_after_is_capped():
    with scripted_server(Reply(429, headers={"Retry-After": "3600"}), Reply(200)) as server:
        results, waits = _run(_http_check(server.url), max_wait=5.0)
    assert results["01.1"].status is Status.PASSED
    assert waits == [5.0]


def test_a_plain_4xx_is_not_retried_and_is_an_error():
    with scripted_server(Reply(404, b"nope")) as server:
        results, waits = _run(_http_check(server.url))
    assert results["01.1"].status is Status.ERROR
    assert waits == [] and len(server.requests) == 1


def test_registered_secrets_and_credential_shapes_never_reach_a_result():
    redactor = Redactor()
    key = "k3y-" + "x" * 40

    @criterion("01.1", "leaky")
    def leaky(ctx):
        redactor.register(key)
        fail(
            f"scoring with {key} failed; header Authorization: Bearer abc.def.ghi",
            evidence={"key": "whatever", "url": f"https://x/score?sig={key}", "nested": [key]},
        )

    results = run_criteria([leaky], None, settings=RunnerSettings(), redactor=redactor)
    text = repr(results[0].to_dict())
    assert key not in text and "abc.def.ghi" not in text
    assert results[0].evidence["key"] == "***"
    assert results[0].message.startswith("scoring with *** failed")


@pytest.mark.parametrize("raw, expected", [("120", 120.0), ("0", 0.0), ("soon", None)])
def test_retry_after_parsing(raw, expected):
    from ohcheck.transient import parse_retry_after

    assert parse_retry_after(raw) == expected


def test_retry_after_as_an_http_date():
    from ohcheck.transient import parse_retry_after

    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == pytest.approx(10.0)


def test_warnings_are_a_field_of_the_result_and_written_where_evidence_warnings_always_was():
    @criterion("01.1", "passes with a warning")
    def ok(ctx):
        return passed("all good", evidence={"n": 3}, warnings=["fires every 5 minutes"])

    @criterion("01.2", "fails with a warning")
    def bad(ctx):
        fail("expected 7, got 6", evidence={"got": 6}, warnings=["a key is given twice"])

    @criterion("01.3", "puts them in its evidence, as checks did")
    def old(ctx):
        return passed("fine", evidence={"a": 1, "warnings": ["old style"]})

    results, _ = _run(ok, bad, old)
    assert results["01.1"].warnings == ["fires every 5 minutes"]
    assert results["01.1"].to_dict()["evidence"] == {"n": 3, "warnings": ["fires every 5 minutes"]}
    assert (results["01.2"].status, results["01.2"].warnings) == (Status.FAILED, ["a key is given twice"])
    assert results["01.3"].warnings == ["old style"]
    assert results["01.3"].to_dict()["evidence"] == {"a": 1, "warnings": ["old style"]}
    assert list(results["01.3"].to_dict()["evidence"]) == ["a", "warnings"]
