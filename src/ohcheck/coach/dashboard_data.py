"""The dashboard's figures, worked out from the coach store: one cell per team and challenge, the funnel,
the times, the stuck teams. Plain data; coach_dashboard.py turns it into the page, `coach dashboard --json`
prints it.

What a state, a team's current challenge, "stuck" and a time mean is decided in coach_progress.py (and
said in coach/README.md); this module only gathers what each cell shows: the state, the latest attempt of
each trust with its criteria, the sign-off. Self-reported results are never merged into the state; the
cell shows them beside it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ohcheck import clock
from ohcheck.coach.progress import (
    DONE,
    STATES,
    ChallengeProgress,
    Span,
    TeamProgress,
    TeamRecord,
    read_records,
    team_progress,
)
from ohcheck.coach.store import CoachStore, SignOff, StoredAttempt
from ohcheck.coach.times import parse_time
from ohcheck.event.model import LoadedEvent
from ohcheck.i18n import DEFAULT, Catalogue
from ohcheck.redaction import Redactor

MESSAGE_CHARS = 240  # a criterion's message in a cell; the team report has the whole of it


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
    state: str  # one of coach_progress.STATES
    trusted: AttemptView | None  # the latest coach-verified attempt
    reported: AttemptView | None  # the latest self-reported attempt (an imported bundle)
    signoff: SignOff | None  # the latest sign-off, approve or revoke
    progress: ChallengeProgress

    @property
    def result_state(self) -> str:
        """The state without the sign-off: a signed-off cell that fails now says so."""
        return self.progress.result_state

    @property
    def passed(self) -> bool:
        return self.state in DONE

    @property
    def revoked(self) -> bool:
        return self.signoff is not None and not self.signoff.approved

    @property
    def attempts(self) -> int:
        """Collects and the team's own verifies of it."""
        return self.progress.collects + self.progress.verifies

    @property
    def time_spent(self) -> Span | None:
        return self.progress.time

    @property
    def time_done(self) -> bool:
        """The time ends at a pass (else it is "so far")."""
        return self.passed and self.progress.passed is not None

    @property
    def self_passed_unverified(self) -> bool:
        """The team says it passed since the newest collect; the coach-verified record does not (yet)."""
        return self.progress.claims_pass


@dataclass(frozen=True)
class TeamRow:
    name: str
    members: tuple[str, ...]
    target: str
    cells: tuple[Cell, ...]
    last_verified: dt.datetime | None  # the latest coach-verified attempt, any challenge
    last_reported: dt.datetime | None  # the latest self-reported attempt
    current: str | None  # its frontier (coach_progress): None when every challenge is passed
    stuck_for: dt.timedelta | None  # set when stuck: at least this long
    coaches: tuple[str, ...] = ()  # the coaches who look after it (event.yaml's coaches[].teams)
    status: str = "not-started"  # coach_progress.TEAM_STATUSES
    progress: TeamProgress | None = None


@dataclass(frozen=True)
class ChallengeColumn:
    id: str
    title: str
    teams: int
    attempted: int  # started: some sign of the team's work (coach_progress), or passed
    passed: int  # coach-verified passed or signed off
    self_only_passed: int  # the team says passed since the newest collect, not (yet) the coach-verified record
    median_time: dt.timedelta | None  # over the exact times only: both ends a verify of the team's
    timed: int  # how many teams the median is over

    @property
    def started(self) -> int:
        return self.attempted


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
        return [t for t in self.teams if t.status == "stuck"]

    @property
    def not_started(self) -> list[TeamRow]:
        """Teams whose current challenge has no sign of work yet (the idle, and those between challenges)."""
        return [t for t in self.teams if t.status == "not-started"]

    def to_dict(self) -> dict:
        """The page's figures as data (`coach dashboard --json`): what the page shows, for scripts."""
        return {
            "event": self.name, "starts": self.starts.isoformat(), "ends": self.ends.isoformat(),
            "generated": _iso(self.generated), "stuck_after_minutes": int(self.stuck_after.total_seconds() // 60),
            "last_collect": _iso(self.last_collect) if self.last_collect else None,
            "states": list(STATES),
            "coaches": [{"coach": name, "teams": list(teams)} for name, teams in self.coaches],
            "teams": [{
                "team": row.name, "members": list(row.members), "target": row.target, "coaches": list(row.coaches),
                "last_verified": _iso(row.last_verified) if row.last_verified else None,
                "last_reported": _iso(row.last_reported) if row.last_reported else None,
                **(row.progress.to_dict() if row.progress else {}),
            } for row in self.teams],
            "funnel": [{"challenge": c.id, "title": c.title, "teams": c.teams, "started": c.attempted,
                        "passed": c.passed, "self_reported_passed": c.self_only_passed,
                        "median_minutes": int(c.median_time.total_seconds() // 60) if c.median_time else None,
                        "timed_teams": c.timed} for c in self.challenges],
            "unknown_teams": list(self.unknown_teams),
        }


def build_dashboard(loaded: LoadedEvent, store_path: Path, challenge_titles: dict[str, str],
                    now: dt.datetime | None = None, catalogue: Catalogue | None = None,
                    starter_passes: Mapping[str, Iterable[str]] | None = None) -> Dashboard:
    """Read the store once and work out every figure of the page.

    `challenge_titles` is the pack's challenges in order (id -> title); challenges the store has results
    for and the pack does not know are added after them. `starter_passes`: per challenge, the criteria its
    starter may pass (coach_progress.starter_passes). A store that does not exist yet is an event with no
    results: reading it must not create it.
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
                              for key, attempt in store.latest(trust=trust).items() if key[0] in known}
                      for trust in ("coach", "self")}
            signoffs = store.signoffs()
            records = read_records(store, team_names)
    else:
        everything, latest, signoffs, records = [], {"coach": {}, "self": {}}, {}, {}

    titles = dict(challenge_titles)
    for attempt in everything:
        if attempt.team in known:
            titles.setdefault(attempt.challenge, attempt.challenge)
    stuck_after = dt.timedelta(minutes=info.stuck_after_minutes)
    rows = []
    for team in loaded.event.teams:
        progress = team_progress(team.name, titles, records.get(team.name, TeamRecord()),
                                 starter_passes=starter_passes or {}, now=now, stuck_after=stuck_after)
        cells = tuple(
            Cell(team=team.name, challenge=cid, state=p.state,
                 trusted=_view(latest["coach"][(team.name, cid)]) if (team.name, cid) in latest["coach"] else None,
                 reported=_view(latest["self"][(team.name, cid)]) if (team.name, cid) in latest["self"] else None,
                 signoff=_signoff(signoffs.get((team.name, cid))), progress=p)
            for cid, p in zip(titles, progress.challenges)
        )
        mine = [a for a in everything if a.team == team.name]
        rows.append(TeamRow(
            name=team.name, members=tuple(team.member_names), target=team.target, cells=cells,
            last_verified=_latest_time(a for a in mine if a.trust == "coach"),
            last_reported=_latest_time(a for a in mine if a.trust == "self"),
            current=progress.current, stuck_for=progress.stuck_for,
            coaches=tuple(c.name for c in loaded.event.coaches if team.name in c.teams),
            status=progress.status, progress=progress,
        ))

    columns = []
    for index, (cid, title) in enumerate(titles.items()):
        cells = [row.cells[index] for row in rows]
        times = [c.time_spent.low for c in cells
                 if c.time_done and c.time_spent is not None and c.time_spent.exact]
        columns.append(ChallengeColumn(
            id=cid, title=title, teams=len(rows),
            attempted=sum(1 for c in cells if c.progress.started_work or c.passed),
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


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def _latest_time(attempts: Iterable[StoredAttempt]) -> dt.datetime | None:
    times = [t for t in (parse_time(a.started_at) for a in attempts) if t is not None]
    return max(times) if times else None


