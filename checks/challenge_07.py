"""Challenge 07 — MLOps with CLI v2 + YAML: every resource as YAML, valid, applied in a working order.

07.1–07.4 read the team repo only, and are the same on both targets: the
YAML files (found anywhere in the repo, told apart by `$schema` and content,
see _cli_yaml.py), their `$schema`, azure-ai-ml's own loaders run offline,
and the `az ml` commands of scripts/apply.sh or a workflow. 07.5 looks in
the workspace for what the YAML describes; the local target has no
workspace, so it is skipped there.
"""

from __future__ import annotations

from ohcheck import Msg, comma_list, criterion, fail, msg, msg_n, passed, skip, undecided

from ._apply_order import applied_in_order, judge, needs
from ._az_apply import read_script, read_workflow
from ._cli_yaml import KINDS, by_kind, find_yaml_files, label_of, schema_problem

SHOWN = 6  # problems listed in a message; the evidence holds them all
# Job statuses of a job that has not finished (Azure ML's words); Completed is done, the rest (Failed,
# Canceled, NotResponding, Paused) ended without doing it.
RUNNING = ("NotStarted", "Queued", "Preparing", "Provisioning", "Starting", "Running", "Finalizing", "CancelRequested")
# Provisioning states of an endpoint or deployment on its way (Succeeded is done; Failed and Canceled are not).
PROVISIONING = ("Creating", "Updating", "Provisioning")
REQUIRED = ("command_job", "pipeline_job", "command_component", "online_endpoint", "online_deployment", "schedule")


def _files(ctx):
    return ctx.memo("cli-yaml", lambda: find_yaml_files(ctx.repo.root, ctx.config.paths.components))


def _sources(ctx) -> list:
    """scripts/apply.sh and the workflows, read for their `az ml` commands (07.3 and 07.4 both use them)."""
    def read():
        root, script = ctx.repo.root, ctx.config.paths.apply_script
        sources = []
        if ctx.repo.path(script).is_file():
            sources.append(read_script(root, script))
        workflows = ctx.repo.path(ctx.config.paths.workflows)
        if workflows.is_dir():
            for path in sorted([*workflows.glob("*.yml"), *workflows.glob("*.yaml")]):
                sources.append(read_workflow(root, ctx.repo.relative(path)))
        return sources

    return ctx.memo("apply-sources", read)


def _unread(files: list) -> list[Msg]:
    """Why each file ohcheck did not read (too big) was not read: a verdict that depends on them cannot be given."""
    return [f.unread for f in files if f.unread is not None]


def _data_asset_names(ctx) -> list[str]:
    names = ctx.config.data_assets
    return [names.all, names.year2013, names.year2014]


def _listed(problems: list[str]) -> Msg:
    """The first SHOWN problems, joined with "; " (a list field), and how many more there are."""
    if len(problems) > SHOWN:
        return msg("{problems}; and {more} more", problems=problems[:SHOWN], more=len(problems) - SHOWN)
    return msg("{problems}", problems=list(problems))


def _not_ready(what: Msg, state: str) -> Msg | None:
    """Why an endpoint or deployment in this provisioning state is not there yet, or None when it Succeeded."""
    if state == "Succeeded":
        return None
    if state in PROVISIONING:
        return msg("{what} is still {state}: verify again when it has finished", what=what, state=state)
    return msg("{what} is {state}, not Succeeded: fix what its logs say and apply it again", what=what,
               state=state or "?")


def _plain(messages: list) -> list[str]:
    """Messages as evidence: the English text."""
    return [str(m) for m in messages]


def _inline_components(pipelines: list) -> dict[str, int]:
    """How many steps of each pipeline job are command components written inline (`command:`, no `component:`)."""
    found = {}
    for item in pipelines:
        jobs = item.get("jobs")
        steps = [s for s in (jobs.values() if isinstance(jobs, dict) else [])
                 if isinstance(s, dict) and "command" in s and "component" not in s]
        if steps:
            found[item.path] = len(steps)
    return found


@criterion(
    "07.1",
    "Validate that YAML exists for every kind: the three data assets, environment, command job, "
    "pipeline job, components, online endpoint, online deployment and schedule",
    hint="Write what is missing as CLI v2 YAML: data-assets/transaction_ts*.yml (type uri_file, path "
    "../data/mlops_forecast_data*.csv), and keep the YAML of challenges 02-05 (environment/, jobs/, "
    "components/, pipelines/, endpoints/, schedules/).",
)
def yaml_for_every_kind(ctx):
    files = _files(ctx)
    grouped = by_kind(files)
    missing: list[Msg] = []
    for name in _data_asset_names(ctx):
        if not any(f.name == name for f in grouped["data"]):
            missing.append(msg("data asset {name}", name=name))
    environment = ctx.config.environment
    if not any(f.name == environment for f in grouped["environment"]):
        others = [msg("{path} names {name}", path=f.path, name=f.name) if f.name
                  else msg("{path} names none", path=f.path) for f in grouped["environment"]]
        if others:
            missing.append(msg("environment {name} ({others})", name=environment, others=comma_list(others)))
        else:
            missing.append(msg("environment {name}", name=environment))
    inline = _inline_components(grouped["pipeline_job"])
    # A pipeline step written inline with `command:` is an anonymous command component (Azure ML
    # registers it as one, and 04.1 takes it as a step): the components need no files of their own.
    missing += [KINDS[kind].label for kind in REQUIRED
                if not grouped[kind] and not (kind == "command_component" and inline)]
    evidence = {str(KINDS[kind].label): [f.path for f in found] for kind, found in grouped.items()
                if found or kind in REQUIRED or kind == "data"}
    if missing:
        unread = _unread(files)
        if unread:  # the missing kind may be in a file ohcheck did not read: not the team's failure to say
            undecided("no YAML for the {missing} among the files ohcheck read; {unread}", evidence=evidence,
                      missing=comma_list(missing), unread=unread)
        unreadable = [f"{f.path}:{f.syntax.line}" for f in files if f.syntax is not None and f.kind is None]
        if unreadable:
            fail(msg_n("no YAML for the {missing} ({files}: not valid YAML, so ohcheck cannot tell what it is)",
                       "no YAML for the {missing} ({files}: not valid YAML, so ohcheck cannot tell what they are)",
                       len(unreadable), missing=comma_list(missing), files=unreadable), evidence=evidence)
        fail("no YAML for the {missing}", evidence=evidence, missing=comma_list(missing))
    counted = [msg_n("{n} {kind}", "{n} {kind}s", len(grouped[k]), n=len(grouped[k]), kind=KINDS[k].label)
               for k in KINDS if grouped[k]]
    for path, steps in inline.items():
        counted.append(msg_n("{n} command component inline in {path}", "{n} command components inline in {path}", steps,
                             n=steps, path=path))
    return passed("found {counted}", evidence=evidence, counted=comma_list(counted))


@criterion(
    "07.2",
    "Validate that each YAML names the right $schema",
    hint="Start every file with the `$schema` of its kind, e.g. "
    "`$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json` for a command job "
    "(data, environment, commandJob, pipelineJob, commandComponent, managedOnlineEndpoint, "
    "managedOnlineDeployment, schedule). The loaders ignore it; the VS Code extension completes keys by it.",
)
def right_schema(ctx):
    files = [f for f in _files(ctx) if f.syntax is None and (f.kind or f.content_kinds)]
    if not files:
        fail("there is no CLI v2 YAML in the repo")
    problems = [p for p in (schema_problem(f) for f in files) if p]
    evidence = {"schemas": {f.path: f.schema for f in files}, "problems": _plain(problems)}
    if problems:
        fail(_listed(problems), evidence=evidence)
    if _unread(_files(ctx)):
        undecided("{unread}; the {n} files ohcheck read name the $schema of their kind", evidence=evidence,
                  unread=_unread(_files(ctx)), n=len(files))
    return passed("all {n} files name the $schema of their kind", evidence=evidence, n=len(files))


@criterion(
    "07.3",
    "Validate that each YAML is valid by azure-ai-ml's own loader, offline",
    hint="Each problem reads file:line: field: message. The loaders are the ones `az ml` uses: "
    "`python -c \"from azure.ai.ml import load_job; load_job('jobs/train-job.yml')\"` shows the same "
    "error. Relative paths (code, conda_file, component, create_job, a data asset's path) are relative "
    "to the YAML file.",
)
def valid_by_loaders(ctx):
    # azure-ai-ml takes 1-2 s to import: _yaml_validation imports it only in loaders(), here.
    from ._yaml_validation import loaders, sdk_version, validate

    files = [f for f in _files(ctx) if f.kind or f.syntax is not None]
    if not files:
        fail("there is no CLI v2 YAML in the repo to load")
    try:
        load = loaders()
    except ImportError as exc:
        undecided("azure-ai-ml cannot be imported ({error}): install ohcheck's dependencies again", error=exc)
    # Each file as `az` loads it: with what each command that applies it lays over it (--endpoint-name, --set ...).
    applied: dict[str, list] = {}
    for command in (c for s in _sources(ctx) for c in s.commands):
        if command.resolved:
            applied.setdefault(command.resolved, []).append(command.overrides())
    problems = []
    for item in files:
        for overrides in list({repr(o): o for o in applied.get(item.path, [[]])}.values()):
            problems += validate(item, ctx.repo.root, load.get(item.kind), overrides)
    problems = list(dict.fromkeys(problems))
    evidence = {"files": [f.path for f in files], "problems": _plain(problems), "azure-ai-ml": sdk_version()}
    # A key given twice loads (azure-ai-ml's safe_load keeps the last), so `az ml` takes the file: worth a
    # warning, not a failure.
    warnings = [msg("{path}:{line}: `{key}` is given twice (first on line {first}): azure-ai-ml keeps the last "
                    "and drops the first without a word", path=f.path, line=r.line, key=r.key, first=r.first_line)
                for f in files for r in f.duplicates]
    warnings = warnings or None  # none: no "warnings" in the evidence
    if problems:
        fail(_listed(problems), evidence=evidence, warnings=warnings)
    if _unread(_files(ctx)):
        undecided("{unread}; the {n} files ohcheck read load with azure-ai-ml {version}'s loaders",
                  evidence=evidence, warnings=warnings, unread=_unread(_files(ctx)), n=len(files),
                  version=sdk_version())
    return passed("all {n} files load with azure-ai-ml {version}'s loaders", evidence=evidence, warnings=warnings,
                  n=len(files), version=sdk_version())


@criterion(
    "07.4",
    "Validate that a script or workflow applies them with az ml in a working order",
    hint="In scripts/apply.sh (or a workflow's run steps): `az ml <group> create --file <yaml>` for the data "
    "assets and the environment first, then the model the deployment serves (`az ml model create`, from the "
    "training job's output), the endpoint before its deployment, the pipeline job and the schedule. Use the "
    "group of each file's kind (data, environment, job, model, online-endpoint, online-deployment, schedule).",
)
def applied_in_working_order(ctx):
    script = ctx.config.paths.apply_script
    sources = _sources(ctx)
    applying = [s for s in sources if s.commands]
    if not applying:
        unreadable = [p for s in sources for p in s.problems]
        workflow_dir = ctx.config.paths.workflows
        if ctx.repo.path(script).is_file():
            message = msg("{script} runs no `az ml <group> create --file <yaml>`, and no workflow in {workflows} does",
                          script=script, workflows=workflow_dir)
        else:
            message = msg("there is no {script}, and no workflow in {workflows} runs "
                          "`az ml <group> create --file <yaml>`", script=script, workflows=workflow_dir)
        if unreadable:
            fail("{sentence}; {problems}", sentence=message, problems=_listed(unreadable))
        fail(message)
    files = _files(ctx)
    required = needs(by_kind(files), _data_asset_names(ctx), ctx.config.environment)
    by_path = {f.path: f for f in files}
    judged = sorted(((judge(s, required, by_path), s) for s in applying),
                    key=lambda pair: (len(pair[0]), -len(pair[1].commands)))
    problems, best = judged[0]
    evidence = {"source": best.path, "applies": applied_in_order(best), "problems": _plain(problems)}
    applied_unread = {c.resolved for c in best.commands} & {f.path for f in files if f.unread}
    if problems and applied_unread:  # what such a file is, and so whether its place is right, is unknown
        undecided("{unread}; so whether {path} applies it in a working order cannot be told", evidence=evidence,
                  unread=[f.unread for f in files if f.path in applied_unread], path=best.path)
    if problems:
        fail("{path}: {problems}", evidence=evidence, path=best.path, problems=_listed(problems))
    applied = len({c.resolved for c in best.commands})
    return passed("{path} applies {files} YAML files ({commands} az ml commands) in a working order",
                  evidence=evidence, path=best.path, files=applied, commands=len(best.commands))


@criterion(
    "07.5",
    "Verify that the resources they describe exist in the workspace",
    hint="Run your apply script against the workspace (`scripts/apply.sh`), then verify again with "
    "`--target azure`. The endpoint is looked up by ohcheck.yaml's `endpoint`: use that name in "
    "endpoints/endpoint.yml (or pass it with --name and --endpoint-name).",
    needs="07.1",
)
def resources_exist(ctx):
    if not ctx.target.can.workspace:
        skip("the resources live in an Azure ML workspace, and the local target has none: "
             "verify with --target azure once the YAML is applied")
    grouped = by_kind(_files(ctx))
    problems: list[Msg] = []
    found: list[Msg] = []

    for name in _data_asset_names(ctx):
        asset = ctx.target.data_asset(name)
        if asset is None:
            problems.append(msg("data asset {name} is not registered", name=name))
        else:
            found.append(msg("data asset {name}:{version}", name=name, version=asset.version))

    environment = ctx.config.environment
    env = ctx.target.environment(environment)
    if env is None:
        problems.append(msg("environment {name} is not registered", name=environment))
    else:
        found.append(msg("environment {name}:{version}", name=environment, version=env.version))

    endpoint_name = ctx.config.endpoint
    endpoint = ctx.target.endpoint(endpoint_name)
    if endpoint is None:
        named = sorted({f.name for f in grouped["online_endpoint"] if f.name and f.name != endpoint_name})
        if named:
            problems.append(msg("there is no online endpoint {name} (ohcheck.yaml's endpoint); the YAML names {named}",
                                name=endpoint_name, named=named))
        else:
            problems.append(msg("there is no online endpoint {name} (ohcheck.yaml's endpoint)", name=endpoint_name))
    else:
        problem = _not_ready(msg("online endpoint {name}", name=endpoint_name), endpoint.state)
        if problem:
            problems.append(problem)
        else:
            found.append(msg("online endpoint {name}", name=endpoint_name))
        present = {d.name: d for d in endpoint.deployments}
        for item in grouped["online_deployment"]:
            if item.name and item.name not in present:
                problems.append(msg("endpoint {endpoint} has no deployment {name} ({path})",
                                    endpoint=endpoint_name, name=item.name, path=item.path))
            elif item.name:
                problem = _not_ready(msg("deployment {name}", name=item.name), present[item.name].state)
                if problem:
                    problems.append(problem)
                else:
                    found.append(msg("deployment {name}", name=item.name))

    schedules = {s.name for s in ctx.target.schedules()}
    for item in grouped["schedule"]:
        if item.name and item.name not in schedules:
            problems.append(msg("there is no schedule {name} ({path})", name=item.name, path=item.path))
        elif item.name:
            found.append(msg("schedule {name}", name=item.name))

    for kind, job_type in (("command_job", "command"), ("pipeline_job", "pipeline")):
        experiments = sorted({str(f.get("experiment_name") or ctx.config.experiment) for f in grouped[kind]})
        for experiment in experiments:
            jobs = ctx.memo(f"jobs:{experiment}", lambda e=experiment: ctx.target.jobs(e))
            of_type = sorted((j for j in jobs if j.type == job_type), key=lambda j: j.created or 0, reverse=True)
            if not of_type:
                problems.append(msg("experiment {experiment} has no {kind}", experiment=experiment,
                                    kind=label_of(kind)))
            elif any(j.status == "Completed" for j in of_type):
                found.append(msg("{kind}s in {experiment}", kind=label_of(kind), experiment=experiment))
            elif of_type[0].status in RUNNING:
                # Applied, not done yet: a team that verifies right after apply.sh hears to wait, not that it failed.
                problems.append(msg("the {kind} {job} in {experiment} is still {status}, and none has completed yet: "
                                    "verify again when it has finished", kind=label_of(kind), job=of_type[0].name,
                                    experiment=experiment, status=of_type[0].status))
            else:
                problems.append(msg("no {kind} in {experiment} completed (the latest, {job}, is {status})",
                                    kind=label_of(kind), experiment=experiment, job=of_type[0].name,
                                    status=of_type[0].status))

    evidence = {"found": _plain(found), "problems": _plain(problems)}
    if problems:
        fail(_listed(problems), evidence=evidence)
    return passed("all {n} exist: {found}", evidence=evidence, n=len(found), found=comma_list(found))
