"""The dashboard's figures, worked out from the coach store: one cell per team and challenge, the funnel,
the times, the stuck teams. Plain data; coach_dashboard.py turns it into the page.

The words the page uses, decided here once:

* A cell's **state** comes from the coach-verified record (what the coach's own ohcheck found):
  `signed-off` (the latest sign-off approves it), `passed` (the latest coach-verified attempt passed
  every criterion it could decide), `in-progress` (it has failed criteria and never passed before),
  `failing` (it passed in an earlier coach-verified attempt and fails now: a regression), `undecided`
  (the latest attempt could not decide: an unreachable repo, no credential — never shown as failing),
  `self-only` (only the team's self-reported results: shown, marked, less trusted) and `not-started`.
  Self-reported results are never merged into the state; the cell shows them beside it.
* **Time on a challenge**: from the team's first attempt at it (coach-verified or self-reported) to its
  first attempt that passed (either); it counts in the challenge's median only when the coach-verified
  record says passed (or the challenge is signed off), so a self-reported pass alone never does.
  A challenge not passed yet shows the time since the first attempt ("so far").
* **Stuck**: a team's current challenge is the one of its most recent attempt (either trust). It is
  stuck when that challenge is not passed and no attempt at it has passed a criterion that no earlier
  attempt had passed for `event.stuck_after_minutes` (counted from the first attempt when nothing passed).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ohcheck import clock
from ohcheck.coach_store import CoachStore, SignOff, StoredAttempt
from ohcheck.coach_time import parse_time
from ohcheck.event import LoadedEvent
from ohcheck.i18n import DEFAULT, Catalogue
from ohcheck.redaction import Redactor

MESSAGE_CHARS = 240  # a criterion's message in a cell; the team report has the whole of it
STATES = ("signed-off", "passed", "in-progress", "failing", "undecided", "self-only", "not-started")


@dataclass(frozen=True)
class CriterionLine:
    id: str
    title: str
    status: str
    message: str
    hint: str = ""  # the pack's hint for it, in the coach's language


@dataclass(frozen=True)
class AttemptView:
    """One attempt as a cell shows it: the latest of one trust."""

    trust: str  # coach | self
    verdict: str
    passed: int
    decided: int  # passed + failed + error: what "3/5" counts against
    skipped: int
    started_at: dt.datetime | None
    source: str
    problem: str | None
    criteria: tuple[CriterionLine, ...]


@dataclass(frozen=True)
class Cell:
    team: str
    challenge: str
    state: str
    trusted: AttemptView | None  # the latest coach-verified attempt
    reported: AttemptView | None  # the latest self-reported attempt
    signoff: SignOff | None  # the latest sign-off, approve or revoke
    attempts: int  # both trusts
    first_attempt: dt.datetime | None
    time_spent: dt.timedelta | None
    time_done: bool  # time_spent ends at a pass (else it is "so far")
    result_state: str  # the state without the sign-off: a signed-off cell that fails now says so

    @property
    def passed(self) -> bool:
        return self.state in ("passed", "signed-off")

    @property
    def self_passed_unverified(self) -> bool:
        """The team says it passed; the coach-verified record does not (yet)."""
        return not self.passed and self.reported is not None and self.reported.verdict == "passed"


@dataclass(frozen=True)
class TeamRow:
    name: str
    members: tuple[str, ...]
    target: str
    cells: tuple[Cell, ...]
    last_verified: dt.datetime | None  # the latest coach-verified attempt, any challenge
    last_reported: dt.datetime | None  # the latest self-reported attempt
    current: str | None  # the challenge of its most recent attempt
    stuck_for: dt.timedelta | None  # set when stuck
    coaches: tuple[str, ...] = ()  # the coaches who look after it (event.yaml's coaches[].teams)


@dataclass(frozen=True)
class ChallengeColumn:
    id: str
    title: str
    teams: int
    attempted: int
    passed: int  # coach-verified passed or signed off
    self_only_passed: int  # the team says passed, not (yet) the coach-verified record
    median_time: dt.timedelta | None
    timed: int  # how many teams the median is over


@dataclass(frozen=True)
class Dashboard:
    name: str
    starts: dt.date
    ends: dt.date
    stuck_after: dt.timedelta
    generated: dt.datetime
    challenges: tuple[ChallengeColumn, ...]
    teams: tuple[TeamRow, ...]
    unknown_teams: tuple[str, ...]  # in the store, not in event.yaml: not shown
    coaches: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (coach, the teams they look after), as event.yaml lists them
    last_collect: dt.datetime | None = None  # the newest coach-verified attempt of any team

    @property
    def stuck(self) -> list[TeamRow]:
        return [t for t in self.teams if t.stuck_for is not None]


def build_dashboard(loaded: LoadedEvent, store_path: Path, challenge_titles: dict[str, str],
                    now: dt.datetime | None = None, catalogue: Catalogue | None = None) -> Dashboard:
    """Read the store once and work out every figure of the page.

    `challenge_titles` is the pack's challenges in order (id -> title); challenges the store has results
    for and the pack does not know are added after them. A store that does not exist yet is an event
    with no results: reading it must not create it.
    """
    now = now or clock.now()
    catalogue = catalogue or Catalogue()  # the criteria's titles and messages in the coach's language
    info = loaded.event.event
    team_names = [t.name for t in loaded.event.teams]
    known = set(team_names)
    if store_path.is_file():
        with CoachStore(store_path) as store:
            everything = store.attempts()
            latest = {trust: {key: _in_language(attempt, catalogue)
                              for key, attempt in store.latest(trust=trust).items()}
                      for trust in ("coach", "self")}
            signoffs = store.signoffs()
            history = _current_histories(store, everything, known)
    else:
        everything, latest, signoffs, history = [], {"coach": {}, "self": {}}, {}, {}

    titles = dict(challenge_titles)
    for attempt in everything:
        if attempt.team in known:
            titles.setdefault(attempt.challenge, attempt.challenge)
    by_cell: dict[tuple[str, str], list[StoredAttempt]] = defaultdict(list)
    by_team: dict[str, list[StoredAttempt]] = defaultdict(list)
    for attempt in everything:
        by_cell[(attempt.team, attempt.challenge)].append(attempt)
        by_team[attempt.team].append(attempt)

    stuck_after = dt.timedelta(minutes=info.stuck_after_minutes)
    rows = []
    for team in loaded.event.teams:
        cells = tuple(
            _cell(team.name, cid, by_cell.get((team.name, cid), []), latest["coach"].get((team.name, cid)),
                  latest["self"].get((team.name, cid)), signoffs.get((team.name, cid)), now)
            for cid in titles
        )
        mine = by_team.get(team.name, [])
        current, stuck_for = _stuck(history.get(team.name), cells, now, stuck_after)
        rows.append(TeamRow(
            name=team.name, members=tuple(team.member_names), target=team.target, cells=cells,
            last_verified=_latest_time(a for a in mine if a.trust == "coach"),
            last_reported=_latest_time(a for a in mine if a.trust == "self"),
            current=current, stuck_for=stuck_for,
            coaches=tuple(c.name for c in loaded.event.coaches if team.name in c.teams),
        ))

    columns = []
    for index, (cid, title) in enumerate(titles.items()):
        cells = [row.cells[index] for row in rows]
        times = [c.time_spent for c in cells if c.passed and c.time_done and c.time_spent is not None]
        columns.append(ChallengeColumn(
            id=cid, title=title, teams=len(rows),
            attempted=sum(1 for c in cells if c.attempts),
            passed=sum(1 for c in cells if c.passed),
            self_only_passed=sum(1 for c in cells if c.self_passed_unverified),
            median_time=dt.timedelta(seconds=statistics.median(t.total_seconds() for t in times)) if times else None,
            timed=len(times),
        ))
    unknown = tuple(sorted({a.team for a in everything} - known))
    return Dashboard(name=info.name, starts=info.starts, ends=info.ends, stuck_after=stuck_after, generated=now,
                     challenges=tuple(columns), teams=tuple(rows), unknown_teams=unknown,
                     coaches=tuple((c.name, tuple(c.teams)) for c in loaded.event.coaches),
                     last_collect=max((r.last_verified for r in rows if r.last_verified), default=None))


def _cell(team: str, challenge: str, attempts: list[StoredAttempt], coach: StoredAttempt | None,
          reported: StoredAttempt | None, signoff: SignOff | None, now: dt.datetime) -> Cell:
    trusted_view = _view(coach) if coach else None
    if coach is None:
        result_state = "self-only" if reported is not None else "not-started"
    elif coach.verdict == "passed":
        result_state = "passed"
    elif coach.verdict == "failed":
        passed_before = any(a.trust == "coach" and a.verdict == "passed" and a.id < coach.id for a in attempts)
        result_state = "failing" if passed_before else "in-progress"
    else:  # error, or nothing decidable here (all skipped): not a failure
        result_state = "undecided"
    state = "signed-off" if signoff is not None and signoff.approved else result_state

    times = sorted(t for t in (parse_time(a.started_at) for a in attempts) if t is not None)
    first = times[0] if times else None
    passes = sorted(t for t in (parse_time(a.started_at) for a in attempts if a.verdict == "passed") if t is not None)
    if first is None:
        spent, done = None, False
    elif passes:
        spent, done = max(passes[0] - first, dt.timedelta(0)), True
    else:
        spent, done = max(now - first, dt.timedelta(0)), False
    return Cell(team=team, challenge=challenge, state=state, trusted=trusted_view,
                reported=_view(reported) if reported else None, signoff=_signoff(signoff), attempts=len(attempts),
                first_attempt=first, time_spent=spent, time_done=done, result_state=result_state)


def _in_language(attempt: StoredAttempt, catalogue: Catalogue) -> StoredAttempt:
    """The attempt with its results' titles and messages said in `catalogue`'s language (stored in English)."""
    if catalogue.lang == DEFAULT:
        return attempt
    return attempt.in_language(catalogue)


def _view(attempt: StoredAttempt) -> AttemptView:
    return AttemptView(
        trust=attempt.trust, verdict=attempt.verdict, passed=attempt.passed,
        decided=attempt.passed + attempt.failed + attempt.error, skipped=attempt.skipped,
        started_at=parse_time(attempt.started_at),
        source=_REDACTOR.text(attempt.source), problem=_REDACTOR.text(attempt.problem) if attempt.problem else None,
        criteria=tuple(CriterionLine(r.criterion, r.title, r.status.value, _clip(r.message), _clip(r.hint))
                      for r in attempt.results),
    )


_REDACTOR = Redactor()  # registers no secret of its own: only credential-shaped text is masked


def _signoff(signoff: SignOff | None) -> SignOff | None:
    # A coach's note is typed by hand and stored as typed: masked here, like every other free text.
    return dataclasses.replace(signoff, note=_REDACTOR.text(signoff.note)) if signoff else None


def _clip(text: str) -> str:
    """A message as a cell shows it: on one line, short, and credential-shaped text masked once more."""
    text = " ".join(_REDACTOR.text(text).split())
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1] + "…"


def _latest_time(attempts: Iterable[StoredAttempt]) -> dt.datetime | None:
    times = [t for t in (parse_time(a.started_at) for a in attempts) if t is not None]
    return max(times) if times else None


def _current_histories(store: CoachStore, everything: list[StoredAttempt],
                       known: set[str]) -> dict[str, list[StoredAttempt]]:
    """Each team's attempts (both trusts, with results) at the challenge of its most recent attempt.

    Only that challenge's results are read: the stuck flag needs no more, and at 100 teams x 8
    challenges x 20 attempts reading every attempt's results would be most of the page's time.
    """
    newest: dict[str, StoredAttempt] = {}
    for attempt in everything:
        if attempt.team not in known:
            continue
        when = parse_time(attempt.started_at)
        best = newest.get(attempt.team)
        if when is not None and (best is None or when >= parse_time(best.started_at)):
            newest[attempt.team] = attempt
    return {team: store.attempts(team=team, challenge=attempt.challenge, with_results=True)
            for team, attempt in newest.items()}


def _stuck(history: list[StoredAttempt] | None, cells: tuple[Cell, ...], now: dt.datetime,
           stuck_after: dt.timedelta) -> tuple[str | None, dt.timedelta | None]:
    """(the team's current challenge, how long it has made no progress on it if that is too long)."""
    if not history:
        return None, None
    current = history[0].challenge
    cell = next((c for c in cells if c.challenge == current), None)
    timed = sorted(((parse_time(a.started_at), a) for a in history if parse_time(a.started_at) is not None),
                   key=lambda pair: pair[0])
    if (cell is not None and cell.passed) or not timed or timed[-1][1].verdict == "passed":
        return current, None
    progress = timed[0][0]  # nothing passed yet: the clock runs from the first attempt
    seen: set[str] = set()
    for when, attempt in timed:
        passed_now = {r.criterion for r in attempt.results if r.status.value == "passed"}
        if passed_now - seen:
            progress = when
        seen |= passed_now
    idle = now - progress
    return current, idle if idle >= stuck_after else None
