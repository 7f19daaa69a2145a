"""Where a team is, from the team's own work: the progress model every coach view reads.

One place decides it; the dashboard, the report, `coach collect`'s table and `coach dashboard --json`
all say what this module works out, with the same words (STATES). coach/README.md states the same rules.

What the model reads, per team, from the coach store:

* the coach-verified attempts (`coach collect`): the trusted record of *what* passes, at the time of each
  collect — which says nothing about when the team did the work;
* the team's own verifies (its `.ohcheck/results.db` history as collect reads it, the history its bundles
  carry, its imported bundles): self-reported, but timed by the team's own clock;
* the sign-offs;
* the pack: the challenges in order, and which criteria a challenge's starter may pass already
  (`Criterion.starter_may_pass`: the self-test proves every other criterion fails on the starter, so passing
  one is the team's work).

**A sign of the team's work on a challenge** is one of: a verify the team ran of it (exact: its own clock);
a collect that saw the challenge's passed criteria change since the collect before (between those two
collects); the first collect that looked at it finding a criterion passed that its starter does not pass
(some time before that collect); a sign-off.

**The state of a challenge**, one of STATES:

* `signed-off` — the latest sign-off approves it (a cell whose results fail now says so beside);
* `passed` — the latest coach-verified attempt passed: nothing failed or undecided, something passed;
* `failing-again` — the latest coach-verified attempt fails, an earlier one passed;
* `undecided` — the latest coach-verified attempt could not decide (no credential, unreachable repo, a
  timeout; or every criterion was skipped on the team's target): never shown as failing;
* `in-progress` — there is a sign of the team's work and it is none of the above;
* `not-started` — no sign of the team's work: a collect that found nothing the starter does not already
  pass says nothing about the team. A self-reported pass never makes a challenge `passed`: it shows
  beside the state ("self: passed 20:14, not verified yet").

**The current challenge** (the team's frontier) is the first challenge, in the pack's order, that the team
has started and not passed (passed or signed off); when it has started none it has not passed, the first
one it has not passed (which it has not started yet); none when every challenge is passed.

**Time on a challenge** runs from its first sign of work to its first pass (a verify of the team's that
passed, when the trusted record confirms the pass; or the collect that first saw it pass); not passed yet,
to now ("so far"). Each end is only as precise as its evidence, so a time is a `Span`: exact when both ends
are the team's own verifies; a range when a collect saw a change between two collects; "at least" when
a collect's first look found it already so. A challenge's median time counts exact times only: the
collects' rhythm never passes for the team's pace.

A team is `finished` (every challenge passed), `stuck` (below), `working`, `not-started` (on its current
challenge), or `undecided` (its current challenge could not be verified and shows no sign of work: where it
is cannot be said).

**Stuck**: the current challenge is started, not passed, and no criterion of it has newly passed — passed
where it did not pass when last seen: a first pass, or a regression fixed — for `event.stuck_after_minutes`
(timed from the newest such pass, or from its first sign of work when none has passed yet). Times from collects are the latest the progress can have
happened, so "stuck for 2 h" is always true (it may have been longer).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ohcheck.coach.store import CoachStore, SignOff, StoredAttempt, TeamVerify
from ohcheck.coach.times import parse_time

STATES = ("not-started", "in-progress", "passed", "signed-off", "failing-again", "undecided")
DONE = ("passed", "signed-off")
TEAM_STATUSES = ("finished", "working", "stuck", "not-started", "undecided")

EXACT, BETWEEN_COLLECTS, BEFORE_FIRST_LOOK = "team", "collect", "first-look"


@dataclass(frozen=True)
class Moment:
    """When something happened, as precisely as the evidence says: some time in [since, at]."""

    at: dt.datetime  # the latest it can have happened
    since: dt.datetime | None  # the earliest; None: any time before `at`
    how: str  # EXACT (a verify of the team's), BETWEEN_COLLECTS, BEFORE_FIRST_LOOK

    @property
    def exact(self) -> bool:
        return self.how == EXACT

    def to_dict(self) -> dict:
        return {"at": _iso(self.at), "since": _iso(self.since) if self.since else None, "how": self.how}


@dataclass(frozen=True)
class Span:
    """A duration known to lie in [low, high]; high None: at least low."""

    low: dt.timedelta
    high: dt.timedelta | None
    exact: bool

    @classmethod
    def between(cls, start: Moment, end: Moment | dt.datetime) -> Span:
        """From `start` to `end` (a time: exactly then), each end somewhere in its [since, at]."""
        if isinstance(end, dt.datetime):
            end = Moment(end, end, EXACT)
        low = max(dt.timedelta(0), end.since - start.at) if end.since is not None else dt.timedelta(0)
        high = max(low, end.at - start.since) if start.since is not None else None
        return cls(low, high, start.exact and end.exact)

    def to_dict(self) -> dict:
        return {"minutes_at_least": _minutes(self.low),
                "minutes_at_most": _minutes(self.high) if self.high is not None else None, "exact": self.exact}


@dataclass(frozen=True)
class ChallengeProgress:
    challenge: str
    state: str  # one of STATES
    result_state: str  # the state the results alone give, as if there were no sign-off
    started: Moment | None  # the first sign of the team's work on it
    passed: Moment | None  # its first pass, when the trusted record says it passed (now or before)
    time: Span | None  # started -> passed, or started -> now ("so far")
    last_progress: Moment | None  # the newest pass of a criterion that did not pass when last seen, else `started`
    reported: TeamVerify | None  # the team's newest verify of it after the newest collect: its own word
    latest: StoredAttempt | None  # the newest coach-verified attempt
    signoff: SignOff | None  # the latest sign-off, approve or revoke
    verifies: int  # the team's own verifies of it
    collects: int  # coach-verified attempts of it

    @property
    def done(self) -> bool:
        return self.state in DONE

    @property
    def started_work(self) -> bool:
        return self.started is not None

    @property
    def claims_pass(self) -> bool:
        """The team says it passes, the trusted record does not (yet)."""
        return not self.done and self.reported is not None and self.reported.verdict == "passed"

    def to_dict(self) -> dict:
        latest = self.latest
        return {
            "challenge": self.challenge,
            "state": self.state,
            "result_state": self.result_state,
            "started": self.started.to_dict() if self.started else None,
            "passed": self.passed.to_dict() if self.passed else None,
            "time": self.time.to_dict() if self.time else None,
            "time_ends_at_pass": self.passed is not None and self.done,
            "coach_verified": None if latest is None else {
                "time": latest.started_at, "verdict": latest.verdict, "passed": latest.passed,
                "failed": latest.failed, "error": latest.error, "skipped": latest.skipped,
                "decided": latest.passed + latest.failed + latest.error, "problem": latest.problem},
            "self_reported_since_collect": None if self.reported is None else {
                "time": self.reported.started_at, "verdict": self.reported.verdict,
                "passed": len(self.reported.passed)},
            "signoff": None if self.signoff is None else {
                "action": self.signoff.action, "coach": self.signoff.coach, "time": self.signoff.time,
                "forced": self.signoff.forced},
            "team_verifies": self.verifies,
            "collects": self.collects,
        }


@dataclass(frozen=True)
class TeamProgress:
    team: str
    challenges: tuple[ChallengeProgress, ...]  # in the pack's order
    current: str | None  # the frontier; None when every challenge is passed
    status: str  # one of TEAM_STATUSES
    stuck_for: dt.timedelta | None  # set when stuck: at least this long without a newly passed criterion
    waiting_since: Moment | None  # status not-started: when it passed the challenge before its current one
    waiting_after: str | None = None  # that challenge

    def challenge(self, cid: str) -> ChallengeProgress | None:
        return next((c for c in self.challenges if c.challenge == cid), None)

    def to_dict(self) -> dict:
        return {"team": self.team, "current": self.current, "status": self.status,
                "stuck_minutes": _minutes(self.stuck_for) if self.stuck_for is not None else None,
                "waiting_since": self.waiting_since.to_dict() if self.waiting_since else None,
                "waiting_after": self.waiting_after,
                "challenges": [c.to_dict() for c in self.challenges]}


@dataclass(frozen=True)
class _Look:
    """One observation of a challenge: a collect's or a verify of the team's."""

    when: dt.datetime
    statuses: Mapping[str, str]
    verdict: str
    team: bool  # the team's own verify (else a collect)

    @property
    def passed(self) -> frozenset[str]:
        return frozenset(c for c, s in self.statuses.items() if s == "passed")


@dataclass
class TeamRecord:
    """Everything the store holds about one team, as the model reads it."""

    collects: list[StoredAttempt] = field(default_factory=list)  # coach-verified, oldest first, with statuses
    statuses: dict[int, dict[str, str]] = field(default_factory=dict)  # attempt id -> criterion -> status
    verifies: list[TeamVerify] = field(default_factory=list)  # the team's own, with its self attempts
    signoffs: dict[str, SignOff] = field(default_factory=dict)  # challenge -> the latest


def team_progress(team: str, order: Iterable[str], record: TeamRecord, *, starter_passes: Mapping[str, Iterable[str]],
                  now: dt.datetime, stuck_after: dt.timedelta) -> TeamProgress:
    """The team's state on every challenge of `order`, its current challenge, and whether it is stuck."""
    challenges = tuple(_challenge(cid, record, frozenset(starter_passes.get(cid, ())), now) for cid in order)
    started_open = [c for c in challenges if c.started_work and not c.done]
    open_ = [c for c in challenges if not c.done]
    current = (started_open or open_ or [None])[0]
    if current is None:
        return TeamProgress(team, challenges, None, "finished", None, None)
    if not current.started_work and current.state == "undecided":
        return TeamProgress(team, challenges, current.challenge, "undecided", None, None)  # it cannot be placed
    if not current.started_work:
        before = [c for c in challenges[: challenges.index(current)] if c.passed is not None]
        return TeamProgress(team, challenges, current.challenge, "not-started", None,
                            before[-1].passed if before else None, before[-1].challenge if before else None)
    progress = current.last_progress or current.started
    idle = now - progress.at if progress is not None else None
    if idle is not None and idle >= stuck_after:
        return TeamProgress(team, challenges, current.challenge, "stuck", idle, None)
    return TeamProgress(team, challenges, current.challenge, "working", None, None)


def _challenge(cid: str, record: TeamRecord, starter_passes: frozenset[str], now: dt.datetime) -> ChallengeProgress:
    collects = [a for a in record.collects if a.challenge == cid]
    signoff = record.signoffs.get(cid)
    looks = _collect_looks(collects, record.statuses)
    verifies = _timed(v for v in record.verifies if v.challenge == cid)
    own = [_Look(parse_time(v.started_at), v.statuses, v.verdict, team=True) for v in verifies]

    signs: list[Moment] = [Moment(look.when, look.when, EXACT) for look in own]
    previous: _Look | None = None
    for look in looks:
        if previous is None:
            if look.passed - starter_passes:
                signs.append(Moment(look.when, None, BEFORE_FIRST_LOOK))
        elif look.passed != previous.passed:
            signs.append(Moment(look.when, previous.when, BETWEEN_COLLECTS))
        previous = look
    if signoff is not None and signoff.approved and (when := parse_time(signoff.time)) is not None:
        signs.append(Moment(when, None, BEFORE_FIRST_LOOK))
    started = min(signs, key=lambda m: m.at) if signs else None

    latest = collects[-1] if collects else None
    state = _state(latest, collects, signoff, started)
    result_state = _state(latest, collects, None, started)
    passed = _first_pass(looks, own) if state in (*DONE, "failing-again") or result_state in DONE else None
    if passed is None and state == "signed-off" and (when := parse_time(signoff.time)) is not None:
        passed = Moment(when, None, BEFORE_FIRST_LOOK)  # approved without a pass on record: done by then
    if started is not None and passed is not None and state in DONE:
        time = Span.between(started, passed)
    elif started is not None:
        time = Span.between(started, now)
    else:
        time = None
    if time is not None and time.high is None and not time.low:
        time = None  # "at least 0 min" says nothing: the time is unknown

    newest_collect = max((parse_time(a.started_at) for a in collects if parse_time(a.started_at)), default=None)
    reported = None
    for verify, look in zip(verifies, own):
        if newest_collect is None or look.when > newest_collect:
            reported = verify
    return ChallengeProgress(
        challenge=cid, state=state, result_state=result_state, started=started, passed=passed, time=time,
        last_progress=_last_progress(looks, own, started, starter_passes), reported=reported, latest=latest, signoff=signoff,
        verifies=len(own), collects=len(collects),
    )


def _state(latest: StoredAttempt | None, collects: list[StoredAttempt], signoff: SignOff | None,
           started: Moment | None) -> str:
    if signoff is not None and signoff.approved:
        return "signed-off"
    if latest is not None:
        if latest.problem or latest.verdict in ("error", "skipped"):
            return "undecided"
        if latest.verdict == "passed":
            return "passed"
        if any(a.verdict == "passed" and not a.problem for a in collects[:-1]):
            return "failing-again"
    return "in-progress" if started is not None else "not-started"


def _first_pass(looks: list[_Look], own: list[_Look]) -> Moment | None:
    """The first pass, as precisely as known: a verify of the team's that passed (the trusted record confirms
    the challenge passes), or the collect that first saw it pass."""
    found: list[Moment] = [Moment(look.when, look.when, EXACT) for look in own if look.verdict == "passed"][:1]
    previous: _Look | None = None
    for look in looks:
        if look.verdict == "passed":
            found.append(Moment(look.when, previous.when if previous else None,
                                BETWEEN_COLLECTS if previous else BEFORE_FIRST_LOOK))
            break
        previous = look
    return min(found, key=lambda m: m.at) if found else None


def _last_progress(looks: list[_Look], own: list[_Look], started: Moment | None,
                   starter_passes: frozenset[str]) -> Moment | None:
    """The newest moment a criterion passed that did not pass when last seen (collects and the team's verifies
    together, in time order): a first pass, or a regression fixed. A criterion seen only as an error keeps its
    last known status: a fault that clears is no progress."""
    known: dict[str, str] = {}
    newest: Moment | None = None
    previous_collect: _Look | None = None
    for look in sorted([*looks, *own], key=lambda x: (x.when, x.team)):
        if any(known.get(c) != "passed" for c in look.passed - starter_passes):
            if look.team:
                newest = Moment(look.when, look.when, EXACT)
            else:
                newest = Moment(look.when, previous_collect.when if previous_collect else None,
                                BETWEEN_COLLECTS if previous_collect else BEFORE_FIRST_LOOK)
        known.update({c: s for c, s in look.statuses.items() if s != "error"})
        if not look.team:
            previous_collect = look
    return newest or started


def _collect_looks(collects: list[StoredAttempt], statuses: Mapping[int, Mapping[str, str]]) -> list[_Look]:
    """The collects that saw something: an attempt that could not verify (a problem) or decided nothing says
    nothing about the team's work. Errors are left out of what a look saw: a fault, not work."""
    looks = []
    for attempt in collects:
        when = parse_time(attempt.started_at)
        seen = {c: s for c, s in statuses.get(attempt.id, {}).items() if s != "error"}
        if when is None or attempt.problem or not any(s in ("passed", "failed") for s in seen.values()):
            continue
        looks.append(_Look(when, seen, attempt.verdict, team=False))
    return sorted(looks, key=lambda look: look.when)


def _timed(verifies: Iterable[TeamVerify]) -> list[TeamVerify]:
    """The team's verifies with a readable time, oldest first, each once (a bundle's run is also in its history)."""
    seen: dict[dt.datetime, TeamVerify] = {}
    for verify in verifies:
        when = parse_time(verify.started_at)
        if when is not None:
            seen.setdefault(when, verify)
    return [seen[when] for when in sorted(seen)]


def self_attempts_as_verifies(attempts: Iterable[StoredAttempt],
                              statuses: Mapping[int, Mapping[str, str]]) -> list[TeamVerify]:
    """Imported bundles are verifies of the team's too (a store from before team_history has only these)."""
    return [TeamVerify(a.team, a.challenge, a.started_at, a.verdict, dict(statuses.get(a.id, {})), a.source)
            for a in attempts if a.trust == "self"]


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)


def read_records(store: CoachStore, teams: Iterable[str]) -> dict[str, TeamRecord]:
    """Every team's record from the store, in four queries whatever the number of teams and attempts."""
    wanted = set(teams)
    records = {team: TeamRecord() for team in wanted}
    attempts = [a for a in store.attempts() if a.team in wanted]
    statuses = store.statuses()
    for attempt in attempts:
        if attempt.trust == "coach":
            records[attempt.team].collects.append(attempt)
    for team, record in records.items():
        record.statuses = statuses
        record.verifies = [*store.history(team=team),
                           *self_attempts_as_verifies((a for a in attempts if a.team == team), statuses)]
    for (team, challenge), signoff in store.signoffs().items():
        if team in records:
            records[team].signoffs[challenge] = signoff
    return records


def starter_passes(pack: Any) -> dict[str, frozenset[str]]:
    """Per challenge of the pack, the criteria its starter may pass already: passing them is no sign of work."""
    return {c.id: frozenset(cr.id for cr in pack.criteria(c) if cr.starter_may_pass) for c in pack.challenges}


def event_progress(loaded: Any, store_path: Any, order: Iterable[str], passes: Mapping[str, Iterable[str]],
                   now: dt.datetime | None = None) -> dict[str, TeamProgress]:
    """Every team's progress (a LoadedEvent's teams), read from the store at `store_path` (none yet: nothing
    started; reading never creates it)."""
    from ohcheck import clock

    now = now or clock.now()
    names = [t.name for t in loaded.event.teams]
    records: dict[str, TeamRecord] = {}
    if store_path.is_file():
        with CoachStore(store_path) as store:
            records = read_records(store, names)
    stuck_after = dt.timedelta(minutes=loaded.event.event.stuck_after_minutes)
    order = list(order)
    return {name: team_progress(name, order, records.get(name, TeamRecord()), starter_passes=passes, now=now,
                                stuck_after=stuck_after) for name in names}
