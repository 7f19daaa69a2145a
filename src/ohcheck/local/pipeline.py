"""`ohcheck pipeline run`: a team's Azure ML pipeline, run on this machine.

The local target has no Azure ML to run a pipeline job, so this runs the same
definition (CLI v2 YAML or SDK v2 `@pipeline`) the way Azure ML would, step by
step, in an order that respects the data dependencies:

* each step runs its component's command in the component's code folder, with
  `${{inputs.x}}` and `${{outputs.y}}` replaced by local paths: a data asset
  (`azureml:transaction_ts2013@latest`) by its CSV in the repo, another step's
  output by the folder that step wrote, a literal by its value;
  `$[[ ... ]]` (an optional input's part of the command) is kept only when the
  input is given;
* the pipeline is a parent MLflow run (tagged `ohcheck.job_type=pipeline`, with
  its definition as the artifact `ohcheck-pipeline.json`); each step is a child
  run, which the step's own MLflow calls log to (MLFLOW_RUN_ID is set, as Azure
  ML sets it), so a model registered from the train step has lineage to it;
* a failing step stops the pipeline: later steps do not start, as in Azure ML;
* a step that runs longer than the step time limit (STEP_TIMEOUT, 30 minutes,
  or `--step-timeout`) is stopped, with everything it started (its own process
  group, ohcheck.children), and fails saying so: a `train.py` that never ends
  must not hang `ohcheck pipeline run`.

Steps find `python` and `ohcheck` on PATH as the interpreter ohcheck runs on.
This writes only to the team's own local store and `.ohcheck/pipelines/`.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ohcheck.config import Config
from ohcheck.errors import UserError
from ohcheck.i18n import msg
from ohcheck.pipeline_definition import (
    PipelineDefinition,
    StepDefinition,
    binding_text,
    load,
)
from ohcheck.store import STORE_DIR
from ohcheck.targets.local import (
    COMMAND_TAG,
    JOB_TYPE_TAG,
    PIPELINE_ARTIFACT,
    STEP_TAG,
    local_data_file,
    resolve_tracking_uri,
)

RUNS_DIR = "pipelines"  # under .ohcheck/: each pipeline run's step outputs and logs
# Seconds a step may run: the hack's train step takes seconds to a few minutes on a laptop, so 30 minutes
# is far past any honest step and short of a lost afternoon.
STEP_TIMEOUT = 30 * 60.0
_PARENT_INPUT = re.compile(r"^\$\{\{\s*parent\.inputs\.([A-Za-z0-9_-]+)\s*\}\}$")
_STEP_OUTPUT = re.compile(r"^\$\{\{\s*parent\.jobs\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)\s*\}\}$")
_PLACEHOLDER = re.compile(r"\$\{\{\s*(inputs|outputs)\.([A-Za-z0-9_-]+)\s*\}\}")
_OPTIONAL = re.compile(r"\$\[\[(.*?)\]\]", re.DOTALL)


@dataclass
class StepResult:
    name: str
    status: str  # Completed, Failed, Canceled, NotStarted (Azure ML's words)
    run_id: str = ""
    seconds: float = 0.0
    log: str = ""  # the step's output, as a file under .ohcheck/pipelines/
    exit_code: int | None = None
    reason: str = ""  # why it failed when its exit code does not say (a message: stopped at the time limit)


@dataclass
class PipelineRun:
    run_id: str
    name: str
    experiment: str
    status: str
    steps: list[StepResult] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "name": self.name,
            "experiment": self.experiment,
            "status": self.status,
            "steps": [vars(s) for s in self.steps],
        }


def default_pipeline_file(config: Config, repo_root: Path) -> Path:
    """The YAML definition if the repo has one, else the SDK one."""
    for relative in (config.paths.pipeline, config.paths.pipeline_sdk):
        if (repo_root / relative).is_file():
            return repo_root / relative
    raise UserError(
        msg("There is no pipeline definition: neither {yaml} nor {sdk} exists.", yaml=config.paths.pipeline,
            sdk=config.paths.pipeline_sdk),
        hint=msg("Write one (challenge 04), or name the file: `ohcheck pipeline run path/to/pipeline.yml`."),
    )


def run_pipeline(
    config: Config,
    repo_root: Path,
    path: Path,
    *,
    on_step_start: Callable[[StepDefinition], None] | None = None,
    on_step_end: Callable[[StepResult], None] | None = None,
    step_timeout: float = STEP_TIMEOUT,
) -> PipelineRun:
    """Run every step of the pipeline at `path`; the result says how each step ended.

    A step still running after `step_timeout` seconds is stopped and Failed (later steps NotStarted)."""
    definition = load(path)
    if not definition.steps:
        raise UserError(msg("{path} has no steps (`jobs:`).", path=path))
    order = definition.order()
    inputs = _resolved_inputs(definition, config, repo_root, path)  # a missing CSV stops us before any run exists
    client, experiment_id, experiment = _mlflow(config, repo_root, definition)
    parent = client.create_run(
        experiment_id,
        run_name=definition.display_name or path.stem,
        tags={JOB_TYPE_TAG: "pipeline", "mlflow.source.name": _relative(path, repo_root)},
    )
    parent_id = parent.info.run_id
    workdir = repo_root / STORE_DIR / RUNS_DIR / parent_id
    workdir.mkdir(parents=True, exist_ok=True)
    result = PipelineRun(parent_id, definition.display_name or path.stem, experiment, "Running")
    outputs: dict[tuple[str, str], str] = {}
    failed = False
    try:
        _log_definition(client, parent_id, definition)
        for name, value in inputs.items():  # the pipeline's inputs, as its steps get them
            client.log_param(parent_id, name, value)
        for step in order:
            if failed:
                result.steps.append(StepResult(step.name, "NotStarted"))
                continue
            if on_step_start:
                on_step_start(step)
            done = _run_step(client, experiment_id, parent_id, step, definition, config, repo_root, path, workdir, outputs,
                             step_timeout)
            result.steps.append(done)
            if on_step_end:
                on_step_end(done)
            failed = done.status != "Completed"
    except KeyboardInterrupt:
        client.set_terminated(parent_id, "KILLED")
        raise UserError(msg("Stopped: pipeline run {run} was interrupted and is marked Canceled.", run=parent_id)) from None
    except BaseException:
        client.set_terminated(parent_id, "FAILED")
        raise
    result.status = "Failed" if failed else "Completed"
    client.set_terminated(parent_id, "FAILED" if failed else "FINISHED")
    return result


def _mlflow(config: Config, repo_root: Path, definition: PipelineDefinition) -> tuple[Any, str, str]:
    from mlflow.tracking import MlflowClient  # imported lazily: slow to import

    (repo_root / STORE_DIR).mkdir(exist_ok=True)
    uri = resolve_tracking_uri(config.local.tracking_uri, repo_root)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    name = definition.experiment or config.experiment
    found = client.get_experiment_by_name(name)
    experiment_id = found.experiment_id if found else client.create_experiment(name)
    return client, experiment_id, name


def _log_definition(client: Any, run_id: str, definition: PipelineDefinition) -> None:
    record = {
        "source": definition.source,
        "steps": {
            name: {
                "component": s.component,
                "command": s.command,
                "inputs": {k: binding_text(v) for k, v in s.inputs.items()},
                "outputs": list(s.outputs),
            }
            for name, s in definition.steps.items()
        },
    }
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / PIPELINE_ARTIFACT
        file.write_text(json.dumps(record, indent=2), encoding="utf-8")
        client.log_artifact(run_id, str(file))


def _resolved_inputs(definition: PipelineDefinition, config: Config, repo_root: Path, path: Path) -> dict[str, str]:
    """The pipeline's inputs as its steps get them locally (a data asset as its CSV)."""
    resolved = {}
    for name, value in definition.inputs.items():
        if isinstance(value, dict):
            value = value.get("path", value.get("value"))
        if value is not None:
            resolved[name] = _local(str(value), config, repo_root, path, msg("pipeline input {name}", name=name))
    return resolved


def _run_step(
    client: Any,
    experiment_id: str,
    parent_id: str,
    step: StepDefinition,
    definition: PipelineDefinition,
    config: Config,
    repo_root: Path,
    path: Path,
    workdir: Path,
    outputs: dict[tuple[str, str], str],
    step_timeout: float = STEP_TIMEOUT,
) -> StepResult:
    from ohcheck import children

    values: dict[str, str] = {}
    for name in {*step.defaults, *step.inputs}:
        value = _input_value(step, name, definition, config, repo_root, path, outputs)
        if value is not None:
            values[f"inputs.{name}"] = value
    for name, kind in step.outputs.items():
        target = workdir / step.name / name
        (target.parent if kind == "uri_file" else target).mkdir(parents=True, exist_ok=True)
        outputs[(step.name, name)] = str(target)
        values[f"outputs.{name}"] = str(target)
    command = _command(step, values)
    code = Path(step.code) if step.code else repo_root
    if not code.is_dir():
        raise UserError(msg("step {step}: its code folder {folder} does not exist.", step=step.name, folder=step.code))
    child = client.create_run(
        experiment_id,
        run_name=step.name,
        tags={"mlflow.parentRunId": parent_id, STEP_TAG: step.name, JOB_TYPE_TAG: "command", COMMAND_TAG: command},
    )
    run_id = child.info.run_id
    log = workdir / f"{step.name}.log"
    started = time.monotonic()
    reason = ""
    try:
        with open(log, "wb") as out:
            try:
                # Its own process group (ohcheck.children): on the time limit, Ctrl-C or ohcheck's exit the
                # step's shell and everything under it (python train.py) are stopped together.
                done = children.run(
                    [_shell(), "-c", command], cwd=code, stdout=out, stderr=subprocess.STDOUT,
                    env=_environment(config, repo_root, run_id, experiment_id), timeout=step_timeout,
                )
                code_returned: int | None = done.returncode
            except subprocess.TimeoutExpired:
                code_returned = None
                reason = msg("stopped after {limit}: it ran longer than the step time limit (--step-timeout)",
                              limit=_duration(step_timeout))
                out.write(f"\n[ohcheck] {reason}\n".encode())
    except BaseException as exc:  # Ctrl-C in the middle of a step: the step's run ends too, not left Running
        client.set_terminated(run_id, "KILLED" if isinstance(exc, KeyboardInterrupt) else "FAILED")
        raise
    seconds = time.monotonic() - started
    client.log_artifact(run_id, str(log), "user_logs")
    client.set_terminated(run_id, "FINISHED" if code_returned == 0 else "FAILED")
    status = "Completed" if code_returned == 0 else "Failed"
    return StepResult(step.name, status, run_id, round(seconds, 2), _relative(log, repo_root), code_returned, reason)


def _duration(seconds: float) -> str:
    """30 min, 90 s: a time limit as people say it (a message)."""
    if seconds >= 60 and seconds % 60 == 0:
        return msg("{minutes:g} min", minutes=seconds / 60)
    return msg("{seconds:g} s", seconds=seconds)


def _input_value(
    step: StepDefinition,
    name: str,
    definition: PipelineDefinition,
    config: Config,
    repo_root: Path,
    path: Path,
    outputs: dict[tuple[str, str], str],
) -> str | None:
    """One input's local value: a path or a literal; None when it is not given (optional)."""
    value = step.inputs.get(name, step.defaults.get(name))
    if isinstance(value, dict):
        value = value.get("path", value.get("value"))
    if value is None:
        return None
    text = str(value)
    match = _PARENT_INPUT.match(text)
    if match:
        given = definition.inputs.get(match.group(1))
        if isinstance(given, dict):
            given = given.get("path", given.get("value"))
        if given is None:
            return None
        return _local(str(given), config, repo_root, path, _step_input(step, name))
    match = _STEP_OUTPUT.match(text)
    if match:
        produced = outputs.get((match.group(1), match.group(2)))
        if produced is None:
            raise UserError(msg("{where}: {reference} names an output no earlier step has.",
                                where=_step_input(step, name), reference=text))
        return produced
    return _local(text, config, repo_root, path, _step_input(step, name))


def _step_input(step: StepDefinition, name: str) -> str:
    return msg("step {step}, input {name}", step=step.name, name=name)


def _local(value: str, config: Config, repo_root: Path, path: Path, where: str) -> str:
    """A data reference as a local path; anything else (a literal) unchanged."""
    if value.startswith("azureml:") and not value.startswith("azureml://"):
        name = value.removeprefix("azureml:").split("@")[0].split(":")[0]
        file = local_data_file(config, repo_root, name)
        if file is None:
            raise UserError(msg("{where}: {value} is not one of the hack's data assets, so it has no local file.",
                                where=where, value=value))
        if not file.is_file():
            raise UserError(msg("{where}: {value} stands for {file}, which does not exist.", where=where, value=value,
                                file=_relative(file, repo_root)),
                            hint=msg("Run `ohcheck data prepare --out data` (challenge 01)."))
        return str(file)
    if value.startswith(("azureml://", "https://", "wasbs://", "abfss://")):
        raise UserError(msg("{where}: {value} is in the cloud; locally, use a data asset or a file in the repo.",
                            where=where, value=value))
    if "/" in value or value.endswith((".csv", ".parquet", ".json")):
        candidate = (path.parent / value).resolve()
        if candidate.exists():
            return str(candidate)
    return value


def _command(step: StepDefinition, values: dict[str, str]) -> str:
    def optional(match: re.Match[str]) -> str:
        inner = match.group(1)
        needed = [f"{kind}.{name}" for kind, name in _PLACEHOLDER.findall(inner)]
        return inner if all(n in values for n in needed) else ""

    text = _OPTIONAL.sub(optional, step.command)

    def substitute(match: re.Match[str]) -> str:
        key = f"{match.group(1)}.{match.group(2)}"
        if key not in values:
            raise UserError(msg("step {step}: its command uses {placeholder}, which has no value.", step=step.name,
                                placeholder="${{" + key + "}}"))
        return shlex.quote(values[key])

    return _PLACEHOLDER.sub(substitute, text).strip()


def _environment(config: Config, repo_root: Path, run_id: str, experiment_id: str) -> dict[str, str]:
    here = str(Path(sys.executable).parent)
    return {
        **os.environ,
        # `python` and `ohcheck` in a step's command are the ones ohcheck runs on.
        "PATH": here + os.pathsep + os.environ.get("PATH", ""),
        # As Azure ML does for a job: MLflow calls in the step log to the step's run.
        "MLFLOW_TRACKING_URI": resolve_tracking_uri(config.local.tracking_uri, repo_root),
        "MLFLOW_RUN_ID": run_id,
        "MLFLOW_EXPERIMENT_ID": experiment_id,
        "PYTHONUNBUFFERED": "1",
    }


def _shell() -> str:
    return shutil.which("bash") or "/bin/sh"  # Azure ML runs a command with bash


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
