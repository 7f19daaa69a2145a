"""`ohcheck coach collect`: the coach's ohcheck verifies every team itself.

For each team of the event: its repo (the folder the event names, or a clone
of its git URL, pulled again on every collect) and its target, every challenge
asked for — teams side by side in a bounded pool. Nothing is written into a
team's repo or workspace: verify runs read-only, without the team's store.
Whatever goes wrong with one team (no repo, a bad ohcheck.yaml, no credential)
becomes that team's `error` attempt with the reason, and the others go on.

Results go into the coach store as `coach`-verified: the trusted record.
A problem is a message (ohcheck.i18n): English in the store, said in the
coach's language on the console.

Collect verifies a team's challenges in the pack's order up to its frontier —
the first one it has not passed (nor had signed off) — and the one after it,
plus any later challenge the team has verified itself; the rest are not
verified and stay *not started* (coach_progress.py): a challenge the team has
not reached must not become an attempt. `--challenge` verifies exactly what it
names. From a team folder, collect also reads the team's own verify history
(`.ohcheck/results.db`, read-only) into the store: what times the team's work.
A local-target team given by a git URL is not verified from a clone (what git
ignores — its MLflow runs, its models — is not in it): its frontier is
*undecided*, with what to do instead.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from ohcheck import children
from ohcheck.coach.store import COACH_DIR, CoachStore, TeamVerify
from ohcheck.config import CONFIG_NAME
from ohcheck.criteria import Summary, utc_now
from ohcheck.errors import StoreError, UserError
from ohcheck.event.model import LoadedEvent, Team
from ohcheck.i18n import msg
from ohcheck.pack import Challenge, HackPack
from ohcheck.verify import verify

GIT_TIMEOUT = 120.0
REPOS_DIR = "repos"  # under .ohcheck-coach/: the clones of teams' repo URLs
_USERINFO = re.compile(r"(\w+://)[^/@\s]+@")


@dataclass
class ChallengeCollected:
    challenge: str
    verdict: str  # passed, failed, error, skipped
    summary: Summary | None = None
    problem: str | None = None  # a message (i18n.Msg): why nothing could be verified


@dataclass
class TeamCollected:
    team: str
    target: str
    challenges: list[ChallengeCollected] = field(default_factory=list)  # the ones verified (or tried)
    history: list[TeamVerify] = field(default_factory=list)  # the team's own verifies, read from its repo
    not_stored: str | None = None  # a message: why the store could not take this team's results

    @property
    def problem(self) -> str | None:
        problems = {c.problem for c in self.challenges if c.problem}
        return problems.pop() if len(problems) == 1 and all(c.problem for c in self.challenges) else None

    def to_dict(self) -> dict:
        return {
            "team": self.team,
            "target": self.target,
            "stored": self.not_stored is None,
            "challenges": [
                {"challenge": c.challenge, "verdict": c.verdict, "problem": c.problem,
                 "summary": c.summary.to_dict() if c.summary else None}
                for c in self.challenges
            ],
        }


def collect(
    loaded: LoadedEvent,
    pack: HackPack,
    store_path: Path,
    *,
    teams: list[Team],
    challenges: list[Challenge],
    coach: str,
    jobs: int = 4,
    on_team_done: Callable[[TeamCollected], None] | None = None,
    explicit: bool = False,
) -> list[TeamCollected]:
    """Verify `challenges` for `teams`, `jobs` teams at a time; record each attempt as it ends.

    `explicit`: the coach named the challenges: verify each of them. Otherwise `challenges` (in the pack's
    order) are verified up to each team's frontier and the one after it (see the module's docstring)."""
    outcomes: list[TeamCollected] = []
    store_problem: str | None = None
    with CoachStore(store_path) as store, ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        plans = {team.name: _Plan.of(store, team.name, challenges, explicit) for team in teams}
        futures = {pool.submit(_collect_team, loaded, pack, team, plans[team.name]): team for team in teams}
        for future in as_completed(futures):
            team = futures[future]
            try:
                outcome, runs = future.result()
            except Exception as exc:  # noqa: BLE001 - one team's bug in ohcheck must not end the collect
                outcome = TeamCollected(team.name, team.target, [
                    ChallengeCollected(c.id, "error", problem=msg("ohcheck failed: {kind}: {reason}",
                                                                  kind=type(exc).__name__, reason=str(exc)))
                    for c in plans[team.name].first()
                ])
                runs = {}
            if store_problem is None:
                try:
                    _record(store, team, outcome, runs, coach)
                except StoreError as exc:
                    # The verifies are done and shown; a store that cannot take them (a lock held past the
                    # wait, a full disk) loses no more time on the teams after: they are said not stored.
                    store_problem = exc.message
            outcome.not_stored = store_problem
            outcomes.append(outcome)
            if on_team_done:
                on_team_done(outcome)
    order = {t.name: i for i, t in enumerate(teams)}
    return sorted(outcomes, key=lambda o: order[o.team])


def _record(store: CoachStore, team: Team, outcome: TeamCollected, runs: dict, coach: str) -> None:
    """One team's collect into the coach store: its own verifies read from its repo, and each attempt."""
    if outcome.history:
        store.record_history(outcome.history)
    for item in outcome.challenges:
        run = runs.get(item.challenge)
        store.record(
            team=team.name,
            challenge=item.challenge,
            target=team.target,
            trust="coach",
            source=msg("collected by {coach}", coach=coach),
            started_at=run.started_at if run else utc_now(),
            results=run.results if run else (),
            summary=run.summary if run else None,
            problem=item.problem,
        )


@dataclass(frozen=True)
class _Plan:
    """Which of a team's challenges to verify: in order, up to its frontier and the one after it."""

    challenges: tuple[Challenge, ...]
    explicit: bool  # the coach named them: all of them
    signed_off: frozenset[str]  # count as passed: the frontier is past them
    own: frozenset[str]  # the team verified them itself: always verified
    passed_before: frozenset[str] = frozenset()  # the latest collect passed them: where the frontier was

    @classmethod
    def of(cls, store: CoachStore, team: str, challenges: list[Challenge], explicit: bool) -> _Plan:
        signed = frozenset(c for (t, c), s in store.signoffs(team=team).items() if s.approved)
        own = frozenset({v.challenge for v in store.history(team=team)}
                        | {a.challenge for a in store.attempts(team=team, trust="self")})
        latest = {a.challenge: a for a in store.attempts(team=team, trust="coach")}  # oldest first: the newest wins
        passed = frozenset(c for c, a in latest.items() if a.verdict in ("passed", "skipped") and not a.problem)
        return cls(tuple(challenges), explicit, signed, own, passed)

    def with_own(self, verified: set[str]) -> _Plan:
        return _Plan(self.challenges, self.explicit, self.signed_off, self.own | verified, self.passed_before)

    def first(self) -> list[Challenge]:
        """What an error that stops everything is recorded against: the frontier as the store knows it (the
        first challenge neither passed when last collected nor signed off). Never challenge 00 of a team that
        is past it: a repo out of reach for one collect must not send the team back to the start."""
        if self.explicit:
            return list(self.challenges)
        rest = [c for c in self.challenges if c.id not in self.signed_off | self.passed_before]
        return rest[:1]

    def walk(self, verify_one: Callable[[Challenge], ChallengeCollected]) -> list[ChallengeCollected]:
        done: list[ChallengeCollected] = []
        beyond = 0  # challenges verified past the frontier
        for challenge in self.challenges:
            if self.explicit or beyond < 2 or challenge.id in self.own:
                item = verify_one(challenge)
                done.append(item)
                passed = item.verdict in ("passed", "skipped") or challenge.id in self.signed_off
                if beyond or not passed:
                    beyond += 1
        return done


def _collect_team(loaded: LoadedEvent, pack: HackPack, team: Team, plan: _Plan):
    outcome = TeamCollected(team.name, team.target)
    runs = {}
    if team.target == "local" and team.repo_is_url:
        # A clone holds what git tracks; the local target's work (MLflow runs, registered models, the scoring
        # server) lives in what git ignores. Verified from a clone, every team would fail: undecided instead.
        problem = msg("team {team} works on the local target and its repo is a git URL: a clone lacks what git "
                      "ignores (its MLflow runs and models), so ohcheck cannot verify it from here; import the "
                      "team's export (`ohcheck verify challenge-NN --export`), or give the event its folder",
                      team=team.name)
        outcome.challenges = [ChallengeCollected(c.id, "error", problem=problem) for c in plan.first()]
        return outcome, runs
    try:
        root = team_repo(loaded, team)
    except UserError as exc:
        outcome.challenges = [ChallengeCollected(c.id, "error", problem=exc.message) for c in plan.first()]
        return outcome, runs
    if loaded.repo_path(team) is not None:  # a folder: the team's own history is there (a clone has none)
        outcome.history = own_history(root, team.name)
        plan = plan.with_own({v.challenge for v in outcome.history})
    workspace = None
    if team.workspace is not None:
        workspace = {"subscription_id": team.workspace.subscription_id,
                     "resource_group": team.workspace.resource_group, "workspace": team.workspace.name}

    def verify_one(challenge: Challenge) -> ChallengeCollected:
        try:
            # The coach's Python is not the team's: checks about the team's environment read what its repo declares.
            run = verify(pack, challenge, root, target=team.target, workspace=workspace, store=False,
                         own_environment=False)
        except UserError as exc:
            return ChallengeCollected(challenge.id, "error", problem=exc.message)
        runs[challenge.id] = run
        return ChallengeCollected(challenge.id, run.summary.verdict, summary=run.summary)

    outcome.challenges = plan.walk(verify_one)
    return outcome, runs


def own_history(root: Path, team: str) -> list[TeamVerify]:
    """The team's own verifies, from its repo's `.ohcheck/results.db`, read-only; none when there is no store
    or it cannot be read (a team's broken store is its business, not a reason to stop the collect)."""
    from ohcheck.store import read_history, store_path

    try:
        return [TeamVerify(team, challenge, started_at, verdict, statuses,
                           source=msg("the team's own verify, read from its repo by collect"))
                for challenge, started_at, verdict, statuses in read_history(store_path(root))]
    except StoreError:
        return []


def team_repo(loaded: LoadedEvent, team: Team) -> Path:
    """The team's repo on this machine: the folder the event names, or a fresh pull of its git URL."""
    folder = loaded.repo_path(team)
    if folder is None:
        folder = _pull(team.repo, loaded.folder / COACH_DIR / REPOS_DIR / team.name)
    elif not folder.is_dir():
        raise UserError(msg("team {team}'s repo {folder} does not exist", team=team.name, folder=folder))
    if not (folder / CONFIG_NAME).is_file():
        raise UserError(msg("team {team}'s repo has no {file} (challenge 00: `ohcheck init`)", team=team.name,
                            file=CONFIG_NAME))
    return folder


def _pull(url: str, dest: Path) -> Path:
    """Clone the URL into dest, or bring an earlier clone up to date; never asks for a password."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true"}
    if (dest / ".git").is_dir():
        command = ["git", "-C", str(dest), "pull", "--ff-only", "--quiet"]
    else:
        dest.parent.mkdir(parents=True, exist_ok=True)
        command = ["git", "clone", "--quiet", "--depth", "1", url, str(dest)]
    try:
        # git and its helpers (git-remote-https) in a process group ended whole on the timeout (ohcheck.children).
        done = children.run(command, capture_output=True, text=True, timeout=GIT_TIMEOUT, env=env)
    except FileNotFoundError:
        raise UserError(msg("git is not installed here, so team repos given as URLs cannot be fetched")) from None
    except subprocess.TimeoutExpired:
        raise UserError(msg("fetching {url} took over {limit:.0f} s", url=shown(url), limit=GIT_TIMEOUT)) from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        reason = shown(lines[-1].removeprefix("fatal: ")) if lines else msg("git exited with {code}",
                                                                          code=done.returncode)
        raise UserError(msg("cannot fetch {url}: {reason}", url=shown(url), reason=reason))
    return dest


def shown(text: str) -> str:
    """A URL (or git's message about one) without the user and password or token it may carry."""
    return _USERINFO.sub(r"\1", text)
