"""The progress model's rules (coach_progress.py, coach/README.md), each on a small record of a team's day.

The records are written into a real coach store and read back as the dashboard reads them; the clock is a
fixed `now`. The six-team day in a browser is tests/coach/test_coach_scenario.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ohcheck.coach.progress import read_records, team_progress
from ohcheck.coach.store import CoachStore, TeamVerify
from ohcheck.criteria import Result, Status

NOW = dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.timezone.utc)
ORDER = ["challenge-00", "challenge-01", "challenge-02", "challenge-03"]
STARTER = {"challenge-01": frozenset({"01.1"})}  # what 01's starter passes already
HOUR = dt.timedelta(hours=1)
CODES = {"p": "passed", "f": "failed", "e": "error", "s": "skipped"}


def at(hours: float) -> str:
    """`hours` before NOW, as stored."""
    return (NOW - dt.timedelta(hours=hours)).isoformat(timespec="seconds")


class Day:
    def __init__(self, path: Path) -> None:
        self.store = CoachStore(path)

    def collect(self, challenge: str, statuses: str, hours_ago: float, problem: str | None = None) -> None:
        number = challenge[-2:]
        results = [Result(challenge, f"{number}.{i + 1}", "t", Status(CODES[c])) for i, c in enumerate(statuses)]
        self.store.record(team="t", challenge=challenge, target="local", trust="coach", source="collected by C",
                          started_at=at(hours_ago), results=results, problem=problem)

    def verify(self, challenge: str, statuses: str, hours_ago: float) -> None:
        """A verify the team ran itself, as its history reaches the coach."""
        number = challenge[-2:]
        marks = {f"{number}.{i + 1}": CODES[c] for i, c in enumerate(statuses)}
        verdict = "failed" if "failed" in marks.values() else "error" if "error" in marks.values() else "passed"
        self.store.record_history([TeamVerify("t", challenge, at(hours_ago), verdict, marks, "test")])

    def progress(self, stuck_after: dt.timedelta = 1.5 * HOUR):
        return team_progress("t", ORDER, read_records(self.store, ["t"])["t"], starter_passes=STARTER, now=NOW,
                             stuck_after=stuck_after)


@pytest.fixture
def day(tmp_path: Path):
    running = Day(tmp_path / "coach.db")
    yield running
    running.store.close()


def test_a_collect_that_finds_only_what_the_starter_passes_is_no_sign_of_work(day):
    day.collect("challenge-00", "pp", 5)
    day.collect("challenge-01", "pff", 5)  # 01.1: the starter passes it
    day.collect("challenge-01", "pff", 3)
    p = day.progress()
    assert p.challenge("challenge-01").state == "not-started"
    assert (p.current, p.status) == ("challenge-01", "not-started")


def test_the_current_challenge_is_the_first_started_and_not_passed(day):
    day.collect("challenge-00", "pp", 5)
    day.verify("challenge-03", "pf", 1)  # the team jumped to 03; 01 never touched
    p = day.progress()
    assert p.challenge("challenge-01").state == "not-started"
    assert p.current == "challenge-03" and p.status == "working"


def test_times_from_the_teams_own_verifies_are_exact_and_from_collects_a_range(day):
    day.verify("challenge-01", "pff", 4)  # 4 h ago: its first verify
    day.verify("challenge-01", "ppp", 3)  # passed, by its own clock
    day.collect("challenge-01", "ppp", 2)  # the coach confirms it
    exact = day.progress().challenge("challenge-01")
    assert exact.state == "passed" and exact.time.exact
    assert (exact.time.low, exact.time.high) == (HOUR, HOUR)

    day.collect("challenge-02", "ff", 6)
    day.collect("challenge-02", "pf", 4)  # work seen between 6 h and 4 h ago
    day.collect("challenge-02", "pp", 1)  # passed between 4 h and 1 h ago
    ranged = day.progress().challenge("challenge-02")
    assert not ranged.time.exact and (ranged.time.low, ranged.time.high) == (0 * HOUR, 5 * HOUR)


def test_stuck_is_timed_from_the_newest_newly_passed_criterion_and_a_fixed_regression_counts(day):
    day.collect("challenge-00", "pp", 6)
    day.verify("challenge-01", "pfp", 5)
    day.verify("challenge-01", "pff", 4)  # 01.3 regressed
    p = day.progress()
    assert p.status == "stuck" and p.stuck_for == 5 * HOUR
    day.verify("challenge-01", "pfp", 1)  # fixed again: progress
    p = day.progress()
    assert p.status == "working" and p.stuck_for is None


def test_an_error_is_a_fault_not_work(day):
    day.collect("challenge-00", "pp", 6)
    day.collect("challenge-01", "fp", 5)
    day.collect("challenge-01", "fe", 4)  # the check could not decide 01.2
    day.collect("challenge-01", "fp", 3)  # decided again: nothing the team did
    p = day.progress()
    assert p.challenge("challenge-01").started.at == NOW - 5 * HOUR  # the first look, not 3 h ago
    assert p.status == "stuck" and p.stuck_for == 5 * HOUR


def test_a_self_reported_pass_never_makes_a_challenge_passed(day):
    day.collect("challenge-00", "pp", 6)
    day.collect("challenge-01", "pff", 3)
    day.verify("challenge-01", "ppp", 1)  # after the coach's last collect
    c = day.progress().challenge("challenge-01")
    assert c.state == "in-progress" and c.claims_pass and c.passed is None
    assert c.reported.started_at == at(1)


def test_a_team_whose_frontier_cannot_be_verified_is_undecided_not_failing(day):
    day.collect("challenge-00", "", 1, problem="team t works on the local target and its repo is a git URL")
    p = day.progress()
    assert p.challenge("challenge-00").state == "undecided"
    assert (p.current, p.status) == ("challenge-00", "undecided")


def test_every_challenge_passed_or_signed_off_is_finished(day):
    for cid in ORDER[:3]:
        day.collect(cid, "pp", 2)
    day.collect("challenge-03", "pf", 2)
    day.store.sign("t", "challenge-03", action="approve", coach="C", forced=True)
    p = day.progress()
    assert p.status == "finished" and p.current is None
    assert p.challenge("challenge-03").state == "signed-off"
    assert p.challenge("challenge-03").result_state == "in-progress"
