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
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from ohcheck.coach_store import COACH_DIR, CoachStore
from ohcheck.config import CONFIG_NAME
from ohcheck.criteria import Summary, utc_now
from ohcheck.errors import UserError
from ohcheck.event import LoadedEvent, Team
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
    challenges: list[ChallengeCollected] = field(default_factory=list)

    @property
    def problem(self) -> str | None:
        problems = {c.problem for c in self.challenges if c.problem}
        return problems.pop() if len(problems) == 1 and all(c.problem for c in self.challenges) else None

    def to_dict(self) -> dict:
        return {
            "team": self.team,
            "target": self.target,
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
) -> list[TeamCollected]:
    """Verify `challenges` for `teams`, `jobs` teams at a time; record each attempt as it ends."""
    outcomes: list[TeamCollected] = []
    with CoachStore(store_path) as store, ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(_collect_team, loaded, pack, team, challenges): team for team in teams}
        for future in as_completed(futures):
            team = futures[future]
            try:
                outcome, runs = future.result()
            except Exception as exc:  # noqa: BLE001 - one team's bug in ohcheck must not end the collect
                outcome = TeamCollected(team.name, team.target, [
                    ChallengeCollected(c.id, "error", problem=msg("ohcheck failed: {kind}: {reason}",
                                                                  kind=type(exc).__name__, reason=str(exc)))
                    for c in challenges
                ])
                runs = {}
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
            outcomes.append(outcome)
            if on_team_done:
                on_team_done(outcome)
    order = {t.name: i for i, t in enumerate(teams)}
    return sorted(outcomes, key=lambda o: order[o.team])


def _collect_team(loaded: LoadedEvent, pack: HackPack, team: Team, challenges: list[Challenge]):
    outcome = TeamCollected(team.name, team.target)
    runs = {}
    try:
        root = team_repo(loaded, team)
    except UserError as exc:
        outcome.challenges = [ChallengeCollected(c.id, "error", problem=exc.message) for c in challenges]
        return outcome, runs
    workspace = None
    if team.workspace is not None:
        workspace = {"subscription_id": team.workspace.subscription_id,
                     "resource_group": team.workspace.resource_group, "workspace": team.workspace.name}
    for challenge in challenges:
        try:
            # The coach's Python is not the team's: checks about the team's environment read what its repo declares.
            run = verify(pack, challenge, root, target=team.target, workspace=workspace, store=False,
                         own_environment=False)
        except UserError as exc:
            outcome.challenges.append(ChallengeCollected(challenge.id, "error", problem=exc.message))
            continue
        runs[challenge.id] = run
        outcome.challenges.append(ChallengeCollected(challenge.id, run.summary.verdict, summary=run.summary))
    return outcome, runs


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
        done = subprocess.run(command, capture_output=True, text=True, timeout=GIT_TIMEOUT, env=env, check=False)
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
