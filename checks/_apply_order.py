"""Whether a script's `az ml` commands apply every YAML challenge 07 needs, in an order that works.

What must be applied: the three data assets (by the names in ohcheck.yaml's
`data_assets`), the environment (ohcheck.yaml's `environment`), a command
job, a pipeline job, the online endpoint, its deployment and the schedule.
Components need not be: `az ml job create` registers a pipeline's
components itself (`az ml component create` first is fine too).

What must come first is what each resource uses when it is created:

* a command job, a pipeline job and a schedule (which submits the pipeline)
  read the data assets and run in the environment;
* a deployment is created under its endpoint and runs in the environment;
* a component names its environment.

A deployment does not read the data assets, so they may come after it. But
it serves the model it names (`model: azureml:adventureworks-forecast@latest`):
on a fresh workspace that model must be registered first, by an
`az ml model create` of that name, or by a job whose model output is named
so (`outputs.model.name`), earlier in the script. A model written inline (a
local `path:`) is uploaded with the deployment and needs nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ohcheck import Msg, msg

from ._az_apply import AzCommand, Source
from ._cli_yaml import KINDS, YamlFile, article

# What must be applied before a kind, and why: {kind applied: {kind needed first: why}}.
_NEEDS = {
    "command_job": {"data": msg("the job reads that data asset"),
                    "environment": msg("the job runs in that environment")},
    "pipeline_job": {"data": msg("its steps read that data asset"),
                     "environment": msg("its steps run in that environment")},
    "schedule": {"data": msg("the pipeline it submits reads that data asset"),
                 "environment": msg("the pipeline it submits runs in that environment")},
    "online_deployment": {"online_endpoint": msg("a deployment is created under its endpoint"),
                          "environment": msg("the deployment runs in that environment")},
    "command_component": {"environment": msg("the component names that environment")},
}
_ENDPOINT_NAME = ("--name", "-n")
_DEPLOYMENTS = ("online_deployment", "kubernetes_online_deployment", "model_batch_deployment", "batch_deployment")
_MODEL_TYPES = ("custom_model", "mlflow_model", "triton_model")
# azureml:NAME:VERSION or azureml:NAME@LABEL: a model of the workspace (not azureml://registries/..., not an ARM id).
_MODEL_REFERENCE = re.compile(r"^azureml:(?!/)([A-Za-z0-9][A-Za-z0-9_.-]*)(?:[:@][^:@/]+)?$")
_DEPLOYMENT_ENDPOINT = ("--endpoint-name", "-e")


@dataclass(frozen=True)
class Need:
    """Something the script must apply: a kind, and the YAML files that would do (maybe none yet)."""

    label: Msg  # "data asset transaction_ts2013", "online endpoint"
    kind: str
    paths: tuple[str, ...]


def needs(grouped: dict[str, list[YamlFile]], data_assets: list[str], environment: str) -> list[Need]:
    """What challenge 07 wants applied, given the YAML the repo holds."""
    found = []
    for name in data_assets:
        paths = tuple(f.path for f in grouped["data"] if f.name == name)
        found.append(Need(msg("data asset {name}", name=name), "data", paths))
    envs = [f for f in grouped["environment"] if f.name == environment] or grouped["environment"]
    found.append(Need(msg("environment {name}", name=environment), "environment", tuple(f.path for f in envs)))
    for kind in ("command_job", "pipeline_job", "online_endpoint", "online_deployment", "schedule"):
        found.append(Need(KINDS[kind].label, kind, tuple(f.path for f in grouped[kind])))
    return found


def judge(source: Source, required: list[Need], files: dict[str, YamlFile]) -> list[Msg]:
    """What is wrong with the source's commands: missing or mismatched files, missing YAML, order."""
    problems = list(source.problems)
    applied: list[tuple[AzCommand, YamlFile]] = []
    for command in source.commands:
        if command.resolved is None:
            problems.append(msg("{where}: {command}: {file} does not exist",
                                where=command.where, command=command.shown, file=command.file))
            continue
        item = files.get(command.resolved)
        if item is None or item.kind is None:
            problems.append(msg("{where}: {command}: {file} is not a CLI v2 YAML ohcheck recognises",
                                where=command.where, command=command.shown, file=command.file))
            continue
        kind = KINDS[item.kind]
        if command.group not in kind.groups:
            problems.append(msg("{where}: {command}: that file is {article} {kind}, which `az ml {group} {verb}` "
                                "applies", where=command.where, command=command.shown, article=article(kind.label),
                                kind=kind.label, group=kind.groups[0], verb=command.verb))
            continue
        applied.append((command, item))

    first: dict[Need, int] = {}
    for need in required:
        for index, (_, item) in enumerate(applied):
            if item.path in need.paths:
                first[need] = index
                break
        else:
            if need.paths:
                problems.append(msg("nothing applies the {what} ({paths})", what=need.label, paths=list(need.paths)))
            else:
                problems.append(msg("nothing applies the {what} (there is no YAML for it yet)", what=need.label))

    reported = set()
    for index, (command, item) in enumerate(applied):
        for need in required:
            why = _NEEDS.get(item.kind, {}).get(need.kind)
            if why is None or need not in first or first[need] <= index or (item.path, need) in reported:
                continue
            reported.add((item.path, need))
            later, needed = applied[first[need]]
            problems.append(msg("{where} applies the {kind} ({path}) before the {need} ({needed}, line {line}): {why}",
                                where=command.where, kind=KINDS[item.kind].label, path=item.path, need=need.label,
                                needed=needed.path, line=later.line, why=why))
    problems += _models_first(applied)
    problems += _endpoint_names(applied)
    return list(dict.fromkeys(problems))


def _registers(command: AzCommand, item: YamlFile) -> str | None:
    """The model a command registers: `az ml model create` (its --name, else the file's), or a job's named model output."""
    if item.kind == "model":
        return _option(command, _ENDPOINT_NAME) or item.name
    outputs = item.get("outputs") if item.kind in ("command_job", "pipeline_job") else None
    for output in (outputs.values() if isinstance(outputs, dict) else []):
        if isinstance(output, dict) and output.get("type") in _MODEL_TYPES and output.get("name"):
            return str(output["name"])
    return None


def _models_first(applied: list[tuple[AzCommand, YamlFile]]) -> list[Msg]:
    """A deployment created before anything in the script registers the model it serves."""
    problems = []
    for index, (command, item) in enumerate(applied):
        if item.kind not in _DEPLOYMENTS or not isinstance(item.get("model"), str):
            continue
        match = _MODEL_REFERENCE.match(item.get("model").strip())
        if not match:
            continue  # an inline model, a registry's or an ARM id: nothing of the script's to register
        name = match.group(1)
        registering = [(c, i) for c, i in applied if _registers(c, i) == name]
        if any(applied.index(pair) < index for pair in registering):
            continue
        kind = KINDS[item.kind].label
        if registering:
            later, registered = registering[0]
            problems.append(msg("{where} applies the {kind} ({path}) before the model {name} ({registered}, line "
                                "{line}): the deployment serves that model", where=command.where, kind=kind,
                                path=item.path, name=name, registered=registered.path, line=later.line))
        else:
            problems.append(msg("{where}: the {kind} ({path}) serves model {name}, which nothing before it registers: "
                                "on a fresh workspace it does not exist yet (register it first, e.g. "
                                "`az ml model create --file <model YAML>` from the training job's output)",
                                where=command.where, kind=kind, path=item.path, name=name))
    return problems


def _endpoint_names(applied: list[tuple[AzCommand, YamlFile]]) -> list[Msg]:
    """A deployment created under another endpoint than the one the script creates.

    Only a certain mismatch counts: where either name is known only when the script
    runs (`--name "$1"`), the two may well be the same.
    """
    endpoints = [(c, _option(c, _ENDPOINT_NAME) or item.name) for c, item in applied if item.kind == "online_endpoint"]
    deployments = [(c, _option(c, _DEPLOYMENT_ENDPOINT) or item.get("endpoint_name"))
                   for c, item in applied if item.kind == "online_deployment"]
    names = {str(name) for _, name in endpoints if name}
    problems = []
    if any("$" in name for name in names):
        return []  # a name known only when the script runs (an argument, a command's output)
    for command, target in deployments:
        if names and target and "$" not in str(target) and str(target) not in names:
            created = [f"{name} ({c.where})" for c, name in endpoints if name]
            problems.append(msg("{where}: the deployment goes to endpoint {target}, but the endpoint created is "
                                "{created}: pass the same name (--endpoint-name / --name) to both",
                                where=command.where, target=target, created=created))
    return problems


def _option(command: AzCommand, names: tuple[str, ...]) -> str | None:
    for name in names:
        if command.options.get(name):
            return command.options[name]
    return None


def applied_in_order(source: Source) -> list[str]:
    """The source's commands as evidence: `line: az ml group verb --file X`."""
    return [f"{c.where}: {c.shown}" for c in source.commands]
