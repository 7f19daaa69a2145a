"""What challenges 04 and 06 share: telling a pipeline's steps apart, their data wiring, the pipeline job."""

from __future__ import annotations

from ohcheck import Msg, comma_list, fail, msg


def _plays(step, role: str) -> bool:
    return role in step.component.lower() or f"{role}.py" in step.command


def roles(steps, wanted) -> dict:
    """The step playing each role (train, register...): by node name first, then component, then script."""
    found = {}
    for role in wanted:
        by_name = [s for s in steps if role in s.name.lower()]
        matches = by_name or [s for s in steps if _plays(s, role)]
        if matches:
            found[role] = matches[0]
    return found


def consumes(steps, step, upstream: str) -> bool:
    """Whether `step` takes `upstream`'s output, directly or through steps in between."""
    by_name = {s.name: s for s in steps}
    seen, todo = set(), set(step.upstream)
    while todo:
        name = todo.pop()
        if name == upstream:
            return True
        if name in seen or name not in by_name:
            continue
        seen.add(name)
        todo |= by_name[name].upstream
    return False


def wiring_problems(steps, wanted, needs: dict) -> list[Msg]:
    """What keeps these steps from having every wanted role, each taking the output it needs."""
    found = roles(steps, wanted)
    names = [s.name for s in steps]
    problems = [
        msg("no {role} step (the steps: {steps})", role=role, steps=names) if names
        else msg("no {role} step (the steps: none)", role=role)
        for role in wanted if role not in found
    ]
    for role, upstream in needs.items():
        if role in found and upstream in found and not consumes(steps, found[role], found[upstream].name):
            problems.append(msg(
                "step {step} takes no output of {upstream} "
                "(bind an input to ${{{{parent.jobs.{upstream}.outputs.<output>}}}})",
                step=found[role].name, upstream=found[upstream].name,
            ))
    return problems


def what_serves(served: dict) -> Msg:
    """"blue serves name:1, green serves name:2": what the deployments with the most traffic serve."""
    return comma_list([
        msg("{deployment} serves {model}", deployment=name, model=model or msg("an unknown model"))
        for name, model in served.items()
    ])


def chain(steps, wanted) -> str:
    found = roles(steps, wanted)
    return " → ".join(found[r].name for r in wanted if r in found)


def label(job) -> str:
    return f"{job.display_name} ({job.name})" if job.display_name and job.display_name != job.name else job.name


def pipelines_with(ctx, wanted) -> list:
    """(job, steps) of the experiment's newest pipeline jobs whose steps play every wanted role, newest first."""

    def find():
        found = []
        for job in _pipeline_jobs(ctx)[:20]:  # older runs are history
            steps = ctx.target.pipeline_steps(job.name)
            if len(roles(steps, wanted)) == len(wanted):
                found.append((job, steps))
        return found

    return ctx.memo(f"pipelines-with-{'-'.join(wanted)}", find)


def _pipeline_jobs(ctx) -> list:
    return ctx.memo("pipeline-jobs", lambda: [j for j in ctx.target.jobs(ctx.config.experiment) if j.type == "pipeline"])


# A job that has not finished: azure-ai-ml's RunHistoryConstants IN_PROGRESS_STATUSES and POST_PROCESSING_STATUSES
# (azure/ai/ml/operations/_run_history_constants.py; spelt out, as importing the SDK costs a second and a half).
# Every other status is final: Completed, Failed, Canceled, NotResponding, Paused (its TERMINAL_STATUSES).
UNFINISHED = frozenset({"NotStarted", "Queued", "Preparing", "Provisioning", "Starting", "Running", "CancelRequested",
                        "Finalizing"})


def newest_pipeline(ctx, wanted, *, key: str, prefer_completed: bool = True):
    """The newest pipeline job whose steps play every wanted role.

    prefer_completed: the newest completed one, else the newest. Otherwise the
    newest that has finished, whatever its status (else the newest): what the
    team's pipeline does now, not what it once did; a job still running has no
    verdict yet (`newer_unfinished` names it).
    """

    def find():
        experiment = ctx.config.experiment
        pipelines = _pipeline_jobs(ctx)
        if not pipelines:
            fail("experiment {experiment} has no pipeline job yet", experiment=experiment)
        candidates = pipelines_with(ctx, wanted)
        if not candidates:
            newest = pipelines[0]
            steps = ctx.target.pipeline_steps(newest.name)
            names = [s.name for s in steps] or msg("no steps")
            if len(wanted) > 1:
                fail("no pipeline job of experiment {experiment} has {roles} and {last} steps; "
                     "the newest, {job}, has: {steps}",
                     experiment=experiment, roles=list(wanted[:-1]), last=wanted[-1], job=label(newest), steps=names)
            fail("no pipeline job of experiment {experiment} has a {role} step; the newest, {job}, has: {steps}",
                 experiment=experiment, role=wanted[0], job=label(newest), steps=names)
        if prefer_completed:
            chosen = [c for c in candidates if c[0].status == "Completed"]
        else:
            chosen = [c for c in candidates if c[0].status not in UNFINISHED]
        return (chosen or candidates)[0]

    return ctx.memo(key, find)


def newer_unfinished(ctx, wanted, job) -> list:
    """The pipeline jobs with every wanted role newer than `job` that have not finished, newest first."""
    newer = []
    for candidate, _ in pipelines_with(ctx, wanted):
        if candidate.name == job.name:
            break
        if candidate.status in UNFINISHED:
            newer.append(candidate)
    return newer


def older_completed(ctx, wanted, job):
    """The newest completed pipeline job with every wanted role older than `job`, or None."""
    names = [c.name for c, _ in pipelines_with(ctx, wanted)]
    if job.name not in names:
        return None
    for candidate, _ in pipelines_with(ctx, wanted)[names.index(job.name) + 1:]:
        if candidate.status == "Completed":
            return candidate
    return None


def reference(model: str) -> str:
    """`azureml:name:3`, `name:3` → `name:3`."""
    return model.removeprefix("azureml:").strip()


def serving(ctx):
    """The endpoint and what its deployments with the most traffic serve: {deployment: "name:version"}."""
    endpoint = ctx.target.endpoint(ctx.config.endpoint)
    if endpoint is None:
        if ctx.target.can.serves_at:
            fail("nothing answers at {url}: the deploy step should start `ohcheck serve`",
                 url=ctx.target.can.serves_at)
        fail("no online endpoint named {endpoint}", endpoint=ctx.config.endpoint)
    if endpoint.traffic:
        top = max(endpoint.traffic.values())
        live = [d for d in endpoint.deployments if endpoint.traffic.get(d.name, 0) == top and top > 0]
    else:
        live = list(endpoint.deployments)  # the local server: one deployment, no traffic split
    served = {d.name: reference(d.model) for d in live}
    if not served:
        fail("no deployment of {endpoint} takes traffic", evidence={"traffic": endpoint.traffic},
             endpoint=endpoint.name)
    return endpoint, served
