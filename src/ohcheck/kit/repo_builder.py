"""Building a team repo from the pack, as a team would have it at some challenge.

The self-test and `ohcheck demo` need team repos they can verify: "starting
challenge N" is every earlier challenge solved plus N's starter files copied
as `ohcheck start` copies them; "solved challenge N" is that plus N's
solution. Solving a challenge copies its solution folder (the files the team
changes, solved) over its starter files, then runs the commands of its
solve.yaml (prepare the data, run the training script...) in the repo, as a
team would.
"""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ohcheck import children
from ohcheck.config import CONFIG_NAME
from ohcheck.errors import UserError
from ohcheck.pack import Challenge, HackPack
from ohcheck.kit.starter import copy_files
from ohcheck.kit.team_init import init_repo


class SolveError(UserError):
    """A solution's own step failed: the pack, not the team, is broken."""


@dataclass(frozen=True)
class StepRun:
    challenge: str
    command: str
    output: str  # what it printed


@dataclass
class BuiltRepo:
    """A built team repo, and what to run to undo what its solutions left running."""

    root: Path
    pack: HackPack
    values: dict[str, str]
    through: int = -1  # the last challenge this repo has solved
    cleanups: list[tuple[Challenge, str]] = field(default_factory=list)

    def cleanup(self) -> list[str]:
        """Run the cleanup commands (newest challenge first); return the problems, if any."""
        problems = []
        for challenge, command in reversed(self.cleanups):
            try:
                run_step(command, self.root, self.values, pack=self.pack, challenge=challenge, timeout=120)
            except SolveError as exc:
                problems.append(exc.message)
        self.cleanups.clear()
        return problems

    def __enter__(self) -> "BuiltRepo":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cleanup()


def build_team_repo(
    pack: HackPack,
    dest: Path,
    challenge: Challenge,
    *,
    solved: bool,
    base: BuiltRepo | None = None,
    data_source: str = "synthetic",
    team: str = "selftest",
    on_step: Callable[[StepRun], None] | None = None,
    timeout: float = 900.0,
) -> BuiltRepo:
    """A repo at `dest` where `challenge` is just started (`solved=False`) or done.

    `base`, a repo that has solved the challenges before this one (and whose
    cleanup has run), is copied instead of solving them all again. Use the
    result as a context manager (or call `cleanup()`): a solution may leave a
    server running (challenge 03's local endpoint).
    """
    if base is not None:
        if base.cleanups:
            raise ValueError("clean up the base repo before building on it")
        shutil.copytree(base.root, dest, symlinks=True)
        built = BuiltRepo(dest, pack, dict(base.values), base.through)
    else:
        dest.mkdir(parents=True, exist_ok=True)
        built = BuiltRepo(dest, pack, {"data_source": data_source, "team": team, "port": str(free_port())})
    try:
        for c in pack.challenges:
            if c.number <= built.through:
                continue
            if c.number > challenge.number:
                break
            if c.starter is not None:
                copy_files(c.starter, dest)  # as `ohcheck start` does: never over the team's files
            if c.number < challenge.number or solved:
                # A solution folder holds only the files the team changes, solved.
                if c.solution is not None:
                    copy_files(c.solution, dest, overwrite=True)
                built.cleanups += [(c, command) for command in pack.cleanup_steps(c)]
                for step in pack.solve_steps(c):
                    run = run_step(step, dest, built.values, pack=pack, challenge=c, timeout=timeout)
                    if on_step:
                        on_step(run)
                built.through = c.number
        if not (dest / CONFIG_NAME).exists():
            # A repo without ohcheck.yaml cannot be verified at all (the team's first
            # step in challenge 00 is `ohcheck init`); give the starter one.
            init_repo(dest, team=team, scoring_url=f"http://127.0.0.1:{built.values['port']}/score")
    except BaseException:
        built.cleanup()
        raise
    return built


def free_port() -> int:
    """A TCP port nothing listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_step(
    step: str, repo: Path, values: dict[str, str], *, pack: HackPack, challenge: Challenge, timeout: float
) -> StepRun:
    """Run one solve.yaml command in `repo`; `ohcheck` and `python` mean this interpreter."""
    command = step.format(**{k: shlex.quote(v) for k, v in values.items()})
    argv = shlex.split(command)
    if argv[0] == "ohcheck":
        argv = [sys.executable, "-m", "ohcheck", *argv[1:]]
    elif argv[0] == "python":
        argv = [sys.executable, *argv[1:]]
    env = {**os.environ, "OHCHECK_PACK": str(pack.root), "PYTHONUNBUFFERED": "1"}
    try:
        # Its own process group, ended whole on the timeout or at exit (ohcheck.children).
        done = children.run(argv, cwd=repo, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise SolveError(f"{challenge.id}'s solution step `{command}` took longer than {timeout:g} s.") from None
    except OSError as exc:
        raise SolveError(f"{challenge.id}'s solution step `{command}` could not start: {exc}.") from None
    output = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        raise SolveError(
            f"{challenge.id}'s solution step `{command}` exited with code {done.returncode}: "
            f"{output.splitlines()[-1] if output else 'no output'}"
        )
    return StepRun(challenge.id, command, output)
