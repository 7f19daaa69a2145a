"""Challenge 04 — Training and deployment pipeline: train → register → deploy, wired by data.

The definition is read from the repo with azure-ai-ml's own loaders (the CLI v2
YAML, or the SDK v2 `@pipeline` in a .py), in a subprocess: a .py definition is
the team's code. The run is read from the target: on azure, the pipeline job and
its step jobs; locally, the parent MLflow run `ohcheck pipeline run` records and
its child runs. Steps are told apart by their names, components or scripts
(train, register, deploy); their order is the one their data bindings impose.

Which run is judged: the newest pipeline job with the three steps that has
finished, whatever its status — what the team's pipeline does now, not what it
once did. If it failed, 04.3 fails and names the steps that did not complete
(and an older job that completed, if there is one); 04.4 and 04.5 are then
skipped. 04.2 judges its order all the same, and says its status when it did
not complete. A job still running has no verdict yet: the finished one before
it is judged, and 04.2 and 04.3 say the newest is still running.
"""

from __future__ import annotations

from ohcheck import criterion, fail, msg, passed

from ._pipelines import (
    chain,
    label,
    newer_unfinished,
    newest_pipeline,
    older_completed,
    pipelines_with,
    roles,
    serving,
    what_serves,
    wiring_problems,
)

ROLES = ("train", "register", "deploy")
# What each step must consume (directly or through other steps): the data dependencies.
NEEDS = {"register": "train", "deploy": "register"}


# -- the definition in the repo ---------------------------------------------------------
def _definition(ctx):
    def read():
        from ohcheck.errors import UserError
        from ohcheck.pipeline_definition import describe

        paths = ctx.config.paths
        present = [p for p in (paths.pipeline, paths.pipeline_sdk) if ctx.repo.path(p).is_file()]
        if not present:
            fail("there is no pipeline definition: neither {yaml} nor {sdk} exists",
                 yaml=paths.pipeline, sdk=paths.pipeline_sdk)
        relative = present[0]
        try:
            return relative, describe(ctx.repo.path(relative), cwd=ctx.repo.root)
        except UserError as exc:
            fail("{file} does not load with azure-ai-ml: {error}", file=relative, error=exc.message)

    return ctx.memo("definition", read)


@criterion(
    "04.1",
    "Validate that the pipeline definition has train, register and deploy steps wired by data",
    hint="In pipelines/train-deploy.yml (or the @pipeline of pipelines/train_deploy.py), give register an input "
    "bound to ${{parent.jobs.train.outputs.model}} and deploy an input bound to register's output: data "
    "bindings are what order the steps in Azure ML.",
)
def definition_wired(ctx):
    relative, definition = _definition(ctx)
    steps = [s.as_step() for s in definition.steps.values()]
    evidence = {"file": relative, "steps": {s.name: sorted(s.upstream) for s in steps}}
    problems = wiring_problems(steps, ROLES, NEEDS)
    if problems:
        fail("{file}: {problems}", evidence=evidence, file=relative, problems=problems)
    return passed("{file}: {chain}, wired by data", evidence=evidence, file=relative, chain=chain(steps, ROLES))


# -- the run on the target -----------------------------------------------------------------
def _pipeline(ctx):
    return newest_pipeline(ctx, ROLES, key="pipeline", prefer_completed=False)


def _still_running(ctx, job):
    """'the newest, X, is still Running...' when a newer pipeline job than the judged one has not finished."""
    newer = newer_unfinished(ctx, ROLES, job)
    if not newer:
        return None
    return msg("the newest, {job}, is still {status}: this verdict is on the one before it",
               job=label(newer[0]), status=newer[0].status)


def _with_note(text, note):
    return msg("{result}; {note}", result=text, note=note) if note is not None else text


@criterion(
    "04.2",
    "Verify that a pipeline job ran train, register and deploy in the order of their data dependencies",
    hint="Submit the pipeline: `az ml job create --file pipelines/train-deploy.yml` (or "
    "`python pipelines/train_deploy.py`); locally `ohcheck pipeline run`.",
)
def pipeline_ran(ctx):
    job, steps = _pipeline(ctx)
    evidence = {"job": job.name, "steps": {s.name: {"after": sorted(s.upstream), "status": s.status} for s in steps}}
    problems = wiring_problems(steps, ROLES, NEEDS)
    if problems:
        fail("pipeline job {job}: {problems}", evidence=evidence, job=label(job), problems=problems)
    by_name = {s.name: s for s in steps}
    for step in steps:
        for name in step.upstream:
            before = by_name.get(name)
            if before and before.job and step.job and before.job.created and step.job.created \
                    and step.job.created < before.job.created:
                fail("pipeline job {job}: step {step} started before {upstream}, whose output it takes",
                     evidence=evidence, job=label(job), step=step.name, upstream=name)
    if job.status == "Completed":
        result = msg("pipeline job {job}: {chain}", job=label(job), chain=chain(steps, ROLES))
    else:
        result = msg("pipeline job {job} ({status}): {chain}", job=label(job), status=job.status,
                     chain=chain(steps, ROLES))
    return passed(_with_note(result, _still_running(ctx, job)), evidence=evidence)


@criterion(
    "04.3",
    "Verify that the pipeline job and each of its steps completed",
    hint="Open the failed step's logs (user_logs/std_log.txt in the studio; locally the log "
    "`ohcheck pipeline run` names), fix it and submit the pipeline again.",
    needs="04.2",
)
def pipeline_completed(ctx):
    job, steps = _pipeline(ctx)
    evidence = {"job": job.name, "status": job.status, "steps": {s.name: s.status for s in steps},
                "step_jobs": {s.name: s.job.name for s in steps if s.job is not None}}
    unfinished = [msg("{step} is {status}", step=s.name, status=s.status) for s in steps if s.status != "Completed"]
    if job.status != "Completed" or unfinished:
        older = older_completed(ctx, ROLES, job)
        if older is not None:
            evidence["older_completed"] = older.name
            fail("the newest finished pipeline job {job} is {status}: {detail}; an older one, {older}, completed, "
                 "but the newest is the one that counts", evidence=evidence, job=label(job), status=job.status,
                 detail=unfinished or msg("its steps completed"), older=label(older))
        fail("pipeline job {job} is {status}: {detail}", evidence=evidence,
             job=label(job), status=job.status, detail=unfinished or msg("its steps completed"))
    result = msg("pipeline job {job} and its {n} steps Completed", job=label(job), n=len(steps))
    return passed(_with_note(result, _still_running(ctx, job)), evidence=evidence)


def _registered(ctx):
    """The model version a pipeline's train step produced: the newest such pipeline's.

    Not always the newest pipeline's: from challenge 06 on, a pipeline whose
    evaluation keeps the champion registers nothing.
    """

    def find():
        job, steps = _pipeline(ctx)
        versions = ctx.target.models(ctx.config.model)
        if not versions:
            fail("no registered model named {model}", model=ctx.config.model)
        for candidate, candidate_steps in [(job, steps), *pipelines_with(ctx, ROLES)]:
            if candidate.status != "Completed":
                continue
            train = roles(candidate_steps, ROLES)["train"].job
            ours = [v for v in versions if train is not None and v.job_name == train.name]
            if ours:
                return ours[0], train
        train = roles(steps, ROLES)["train"].job
        newest = versions[0]
        fail("no version of {model} comes from the train step of pipeline job {job} "
             "(job {train_job}); the newest, version {version}, comes from {source}",
             evidence={"train_step_job": train.name if train else None, "newest": newest.version,
                       "newest_job": newest.job_name},
             model=ctx.config.model, job=label(job), train_job=train.name if train else msg("never started"),
             version=newest.version, source=newest.job_name or newest.source or msg("no job"))

    return ctx.memo("registered", find)


@criterion(
    "04.4",
    "Verify that the model version the pipeline registered has lineage to its train step",
    hint="Register the train step's output, not a local file: path azureml://jobs/<train step job>/outputs/model "
    "(locally: the train step's run, e.g. create_model_version(..., run_id=<its run id>)).",
    needs="04.3",
)
def registered_from_train_step(ctx):
    version, train_job = _registered(ctx)
    return passed(
        "{model} version {version} comes from the train step's job {job}",
        evidence={"model": version.name, "version": version.version, "job": train_job.name, "source": version.source},
        model=version.name, version=version.version, job=train_job.name,
    )


@criterion(
    "04.5",
    "Verify that the endpoint serves the version the pipeline registered",
    hint="The deploy step must point the deployment at the registered version (azureml:<model>:<version>) and "
    "give it the traffic; locally it restarts `ohcheck serve --replace --model-version <version>`.",
    needs="04.4",
)
def endpoint_serves_it(ctx):
    version, _ = _registered(ctx)
    endpoint, served = serving(ctx)
    wanted = f"{version.name}:{version.version}"
    evidence = {"endpoint": endpoint.name, "wanted": wanted, "serving": served, "traffic": endpoint.traffic}
    if wanted not in served.values():
        fail("{endpoint} does not serve {wanted}: {serving}", evidence=evidence,
             endpoint=endpoint.name, wanted=wanted, serving=what_serves(served))
    return passed("{endpoint} serves {wanted}", evidence=evidence, endpoint=endpoint.name, wanted=wanted)
