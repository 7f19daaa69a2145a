"""Challenge 07 — MLOps with CLI v2 + YAML: every resource as YAML, valid, applied in a working order.

07.1–07.4 read the team repo only, and are the same on both targets: the
YAML files (found anywhere in the repo, told apart by `$schema` and content,
see _cli_yaml.py), their `$schema`, azure-ai-ml's own loaders run offline,
and the `az ml` commands of scripts/apply.sh or a workflow. 07.5 looks in
the workspace for what the YAML describes; the local target has no
workspace, so it is skipped there.
"""

from __future__ import annotations

from ohcheck.criteria import criterion, fail, passed, skip, undecided

from ._apply_order import applied_in_order, judge, needs
from ._az_apply import read_script, read_workflow
from ._cli_yaml import KINDS, by_kind, find_yaml_files, label_of, schema_problem

SHOWN = 6  # problems listed in a message; the evidence holds them all
REQUIRED = ("command_job", "pipeline_job", "command_component", "online_endpoint", "online_deployment", "schedule")


def _files(ctx):
    return ctx.memo("cli-yaml", lambda: find_yaml_files(ctx.repo.root, ctx.config.paths.components))


def _data_asset_names(ctx) -> list[str]:
    names = ctx.config.data_assets
    return [names.all, names.year2013, names.year2014]


def _listed(problems: list[str]) -> str:
    shown = "; ".join(problems[:SHOWN])
    return shown + (f"; and {len(problems) - SHOWN} more" if len(problems) > SHOWN else "")


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
    missing = []
    for name in _data_asset_names(ctx):
        if not any(f.name == name for f in grouped["data"]):
            missing.append(f"data asset {name}")
    environment = ctx.config.environment
    if not any(f.name == environment for f in grouped["environment"]):
        others = ", ".join(f"{f.path} names {f.name or 'none'}" for f in grouped["environment"])
        missing.append(f"environment {environment}" + (f" ({others})" if others else ""))
    missing += [KINDS[kind].label for kind in REQUIRED if not grouped[kind]]
    evidence = {KINDS[kind].label: [f.path for f in found] for kind, found in grouped.items()}
    if missing:
        unreadable = [f"{f.path}:{f.syntax.line}" for f in files if f.syntax is not None and f.kind is None]
        note = (f" ({', '.join(unreadable)}: not valid YAML, so ohcheck cannot tell what "
                f"{'it is' if len(unreadable) == 1 else 'they are'})") if unreadable else ""
        fail(f"no YAML for the {', '.join(missing)}{note}", evidence=evidence)
    counted = ", ".join(f"{len(grouped[k])} {KINDS[k].label}{'s' if len(grouped[k]) > 1 else ''}"
                        for k in KINDS if grouped[k])
    return passed(f"found {counted}", evidence=evidence)


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
    evidence = {"schemas": {f.path: f.schema for f in files}, "problems": problems}
    if problems:
        fail(_listed(problems), evidence=evidence)
    return passed(f"all {len(files)} files name the $schema of their kind", evidence=evidence)


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
        undecided(f"azure-ai-ml cannot be imported ({exc}): install ohcheck's dependencies again")
    problems = []
    for item in files:
        problems += validate(item, ctx.repo.root, load.get(item.kind))
    evidence = {"files": [f.path for f in files], "problems": problems, "azure-ai-ml": sdk_version()}
    if problems:
        fail(_listed(problems), evidence=evidence)
    return passed(f"all {len(files)} files load with azure-ai-ml {sdk_version()}'s loaders", evidence=evidence)


@criterion(
    "07.4",
    "Validate that a script or workflow applies them with az ml in a working order",
    hint="In scripts/apply.sh (or a workflow's run steps): `az ml <group> create --file <yaml>` for the data "
    "assets and the environment first, then the endpoint before its deployment, the command job, the pipeline "
    "job and the schedule. Use the group of each file's kind (data, environment, job, online-endpoint, "
    "online-deployment, schedule).",
)
def applied_in_working_order(ctx):
    root = ctx.repo.root
    script = ctx.config.paths.apply_script
    sources = []
    if ctx.repo.path(script).is_file():
        sources.append(read_script(root, script))
    workflows = ctx.repo.path(ctx.config.paths.workflows)
    if workflows.is_dir():
        for path in sorted([*workflows.glob("*.yml"), *workflows.glob("*.yaml")]):
            sources.append(read_workflow(root, ctx.repo.relative(path)))
    applying = [s for s in sources if s.commands]
    if not applying:
        unreadable = [p for s in sources for p in s.problems]
        workflow_dir = ctx.config.paths.workflows
        if ctx.repo.path(script).is_file():
            message = f"{script} runs no `az ml <group> create --file <yaml>`, and no workflow in {workflow_dir} does"
        else:
            message = f"there is no {script}, and no workflow in {workflow_dir} runs `az ml <group> create --file <yaml>`"
        fail(message + (f"; {_listed(unreadable)}" if unreadable else ""))
    files = _files(ctx)
    required = needs(by_kind(files), _data_asset_names(ctx), ctx.config.environment)
    by_path = {f.path: f for f in files}
    judged = sorted(((judge(s, required, by_path), s) for s in applying),
                    key=lambda pair: (len(pair[0]), -len(pair[1].commands)))
    problems, best = judged[0]
    evidence = {"source": best.path, "applies": applied_in_order(best), "problems": problems}
    if problems:
        fail(f"{best.path}: {_listed(problems)}", evidence=evidence)
    applied = len({c.resolved for c in best.commands})
    return passed(f"{best.path} applies {applied} YAML files ({len(best.commands)} az ml commands) in a working order",
                  evidence=evidence)


@criterion(
    "07.5",
    "Verify that the resources they describe exist in the workspace",
    hint="Run your apply script against the workspace (`scripts/apply.sh`), then verify again with "
    "`--target azure`. The endpoint is looked up by ohcheck.yaml's `endpoint`: use that name in "
    "endpoints/endpoint.yml (or pass it with --name and --endpoint-name).",
    needs="07.1",
)
def resources_exist(ctx):
    if ctx.target.name == "local":
        skip("the resources live in an Azure ML workspace, and the local target has none: "
             "verify with --target azure once the YAML is applied")
    grouped = by_kind(_files(ctx))
    problems, found = [], []

    for name in _data_asset_names(ctx):
        asset = ctx.target.data_asset(name)
        if asset is None:
            problems.append(f"data asset {name} is not registered")
        else:
            found.append(f"data asset {name}:{asset.version}")

    environment = ctx.config.environment
    env = ctx.target.environment(environment)
    if env is None:
        problems.append(f"environment {environment} is not registered")
    else:
        found.append(f"environment {environment}:{env.version}")

    endpoint_name = ctx.config.endpoint
    endpoint = ctx.target.endpoint(endpoint_name)
    if endpoint is None:
        named = sorted({f.name for f in grouped["online_endpoint"] if f.name and f.name != endpoint_name})
        problems.append(f"there is no online endpoint {endpoint_name} (ohcheck.yaml's endpoint)"
                        + (f"; the YAML names {', '.join(named)}" if named else ""))
    else:
        found.append(f"online endpoint {endpoint_name}")
        present = {d.name for d in endpoint.deployments}
        for item in grouped["online_deployment"]:
            if item.name and item.name not in present:
                problems.append(f"endpoint {endpoint_name} has no deployment {item.name} ({item.path})")
            elif item.name:
                found.append(f"deployment {item.name}")

    schedules = {s.name for s in ctx.target.schedules()}
    for item in grouped["schedule"]:
        if item.name and item.name not in schedules:
            problems.append(f"there is no schedule {item.name} ({item.path})")
        elif item.name:
            found.append(f"schedule {item.name}")

    for kind, job_type in (("command_job", "command"), ("pipeline_job", "pipeline")):
        experiments = sorted({str(f.get("experiment_name") or ctx.config.experiment) for f in grouped[kind]})
        for experiment in experiments:
            jobs = ctx.memo(f"jobs:{experiment}", lambda e=experiment: ctx.target.jobs(e))
            if not any(j.type == job_type for j in jobs):
                problems.append(f"experiment {experiment} has no {label_of(kind)}")
            else:
                found.append(f"{label_of(kind)}s in {experiment}")

    evidence = {"found": found, "problems": problems}
    if problems:
        fail(_listed(problems), evidence=evidence)
    return passed(f"all {len(found)} exist: {', '.join(found)}", evidence=evidence)
