"""One verify run, start to end: config, target, criteria, results, store.

The CLI, the self-test and the demo all verify through here, so what a team
sees is what the pack's own tests prove.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ohcheck.config import CONFIG_NAME, Config, load_config, with_overrides
from ohcheck.context import Context
from ohcheck.criteria import Criterion, Result, Summary, utc_now
from ohcheck.errors import StoreError
from ohcheck.pack import Challenge, HackPack
from ohcheck.redaction import Redactor
from ohcheck.repo import TeamRepo
from ohcheck.runner import RunnerSettings, run_criteria
from ohcheck.store import STORE_DIR, ResultsStore, store_path
from ohcheck.targets import open_target

log = logging.getLogger("ohcheck")
LOG_NAME = "ohcheck.log"


@dataclass
class VerifyRun:
    challenge: Challenge
    config: Config
    results: list[Result]
    summary: Summary
    started_at: str
    attempt_id: int | None = None
    # Why the finished run could not be recorded (a lock held too long, a full disk): it is still shown.
    not_stored: StoreError | None = None


def verify(
    pack: HackPack,
    challenge: Challenge,
    repo_root: Path,
    *,
    target: str | None = None,
    config: Config | None = None,
    workspace: dict[str, str] | None = None,
    store: bool = True,
    own_environment: bool = True,
    settings: RunnerSettings = RunnerSettings(),
    on_start: Callable[[Criterion], None] | None = None,
    on_result: Callable[[Result], None] | None = None,
) -> VerifyRun:
    """Check every criterion of `challenge` against the team repo at `repo_root`.

    `workspace` (subscription_id, resource_group, workspace) names the Azure ML
    workspace instead of ohcheck.yaml: what the event file says for the team.
    `config` is ohcheck.yaml when the caller has read it already (the CLI reads it once per command).
    `own_environment` is False when this Python is not the team's (a coach's collect): see Context.
    """
    config = with_overrides(config if config is not None else load_config(repo_root / CONFIG_NAME), target=target)
    pinned = None
    if workspace:
        from ohcheck.azure.workspace_config import WorkspaceRef

        config = config.model_copy(update={"azure": config.azure.model_copy(update=workspace)})
        pinned = WorkspaceRef(workspace["subscription_id"], workspace["resource_group"], workspace["workspace"],
                              source="the event file")
    criteria = pack.criteria(challenge)
    with contextlib.ExitStack() as stack:
        # The target first (a bad target writes nothing), then the store: opened
        # before the (possibly long) run, so a broken store stops us early.
        redactor = Redactor()
        target_impl = open_target(config, repo_root, redactor, workspace=pinned)
        stack.callback(target_impl.close)
        results_store = None
        if store:
            results_store = stack.enter_context(ResultsStore(store_path(repo_root)))
            stack.enter_context(_logging_into(repo_root / STORE_DIR / LOG_NAME))
        started_at = utc_now()
        began = time.monotonic()
        ctx = Context(repo=TeamRepo(repo_root), config=config, target=target_impl, redactor=redactor,
                      own_environment=own_environment)
        results = run_criteria(
            criteria,
            ctx,
            settings=settings,
            target=config.target,
            team=config.team,
            redactor=ctx.redactor,
            on_start=on_start,
            on_result=on_result,
        )
        summary = Summary.of(results, time.monotonic() - began)
        attempt_id = None
        not_stored = None
        if results_store is not None:
            try:
                attempt_id = results_store.record(
                    challenge.id, results, summary, started_at=started_at, target=config.target, team=config.team
                )
            except StoreError as exc:  # the run is done: its results are said all the same, with this beside them
                log.warning("the results were not stored: %s", exc)
                not_stored = exc
        return VerifyRun(challenge, config, results, summary, started_at, attempt_id, not_stored)


@contextlib.contextmanager
def _logging_into(path: Path) -> Iterator[None]:
    """Send ohcheck's log (check crashes with their tracebacks, retries) to the repo's .ohcheck/."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        handler.close()
