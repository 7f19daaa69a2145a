"""`ohcheck demo`: the whole product in one command, on the local target.

It builds a team repo from the pack's solutions (running their solve steps as
a team would: prepare the data, train, register, serve ...), then verifies
every challenge that has checks, exactly as a team would with `ohcheck
verify`, and finally stops what the solutions left running.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ohcheck.i18n import t
from ohcheck.pack import HackPack
from ohcheck.kit.repo_builder import StepRun, build_team_repo
from ohcheck.verify import VerifyRun, verify


def run_demo(
    pack: HackPack,
    repo: Path,
    *,
    data_source: str = "auto",
    team: str = "demo-team",
    on_stage: Callable[[str], None] | None = None,
) -> tuple[list[VerifyRun], list[StepRun]]:
    solved = [c for c in pack.challenges if c.solution is not None]
    if not solved:
        return [], []
    steps: list[StepRun] = []

    def step_done(step: StepRun) -> None:
        steps.append(step)
        if on_stage:
            on_stage(t("{challenge}: ran {command}", challenge=step.challenge, command=step.command))

    if on_stage:
        on_stage(t("building the demo team repo from the solutions"))
    runs = []
    with build_team_repo(pack, repo, solved[-1], solved=True, data_source=data_source, team=team, on_step=step_done):
        for c in pack.challenges:
            if c.number > solved[-1].number or not pack.criteria(c):
                continue
            if on_stage:
                on_stage(t("verifying {challenge}", challenge=c.id))
            runs.append(verify(pack, c, repo, target="local"))
    return runs, steps
