"""A team's pipeline definition, read with azure-ai-ml's own loaders, as plain data.

Challenge 04 lets a team write the pipeline either way Azure ML offers:

* CLI v2 YAML (`pipelines/train-deploy.yml`), read with `load_job`;
* the SDK v2 `@pipeline` (`pipelines/train_deploy.py`), whose `build_pipeline()`
  returns the PipelineJob.

Both become the same `PipelineDefinition` through the SDK's own `dump()`, which
resolves each node's component (inline or from `components/*.yml`) to its command,
code folder and inputs, and writes every input binding the way Azure ML stores it
(`${{parent.jobs.train.outputs.model}}`). The local runner runs that; the checks
read it.

Loading a `.py` definition runs the team's code, so ohcheck's checks call
`describe()` in a subprocess (`python -m ohcheck.pipeline_definition FILE`): a
crash or an endless import in the team's module cannot take the check down.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import logging
import subprocess
import sys
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ohcheck.errors import UserError
from ohcheck.i18n import Msg, msg
from ohcheck.targets.base import Step

DESCRIBE_TIMEOUT = 120.0  # seconds: importing azure-ai-ml alone takes a few
ANONYMOUS = "azureml_anonymous"  # what the SDK calls a component loaded from a file inside a pipeline


@dataclass(frozen=True)
class StepDefinition:
    name: str
    component: str  # the component's name or display name; "" when it has none
    command: str
    code: str  # the absolute folder the command runs in ("" if the component has no code)
    inputs: dict[str, Any] = field(default_factory=dict)  # binding, literal, or {"type", "path"}
    defaults: dict[str, Any] = field(default_factory=dict)  # the component's input defaults
    optional: tuple[str, ...] = ()  # inputs the component marks optional
    outputs: dict[str, str] = field(default_factory=dict)  # output name -> type (uri_folder, uri_file...)

    def as_step(self) -> Step:
        return Step(
            name=self.name,
            component=self.component,
            command=self.command,
            inputs={k: binding_text(v) for k, v in self.inputs.items()},
            outputs=tuple(self.outputs),
        )


@dataclass(frozen=True)
class PipelineDefinition:
    source: str  # the file it was read from, as given
    display_name: str
    experiment: str
    inputs: dict[str, Any]  # pipeline inputs: a literal, or {"type", "path"}
    steps: dict[str, StepDefinition]

    def order(self) -> list[StepDefinition]:
        """The steps in an order that respects their data dependencies (graphlib; ties in file order)."""
        from graphlib import CycleError, TopologicalSorter

        by_name = dict(self.steps)
        position = {name: i for i, name in enumerate(by_name)}
        sorter = TopologicalSorter({name: step.as_step().upstream & by_name.keys() for name, step in by_name.items()})
        try:
            sorter.prepare()
        except CycleError:
            pass  # get_ready() still hands out every step the cycle does not hold up: the rest is named below
        ordered: list[StepDefinition] = []
        while batch := sorted(sorter.get_ready(), key=position.__getitem__):
            ordered.extend(by_name[name] for name in batch)
            sorter.done(*batch)
        if len(ordered) < len(by_name):
            raise UserError(msg("{source}: the steps {cycle} depend on each other in a cycle.",
                                source=self.source, cycle=sorted(by_name.keys() - {s.name for s in ordered})))
        return ordered

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> PipelineDefinition:
        data = json.loads(text)
        steps = {name: StepDefinition(**{**step, "optional": tuple(step["optional"])}) for name, step in data["steps"].items()}
        return cls(**{**data, "steps": steps})


def binding_text(value: Any) -> str:
    """An input as the pipeline wrote it: the binding, the asset reference, or the literal."""
    if isinstance(value, dict):
        return str(value.get("path") or value.get("value") or json.dumps(value, sort_keys=True))
    return "" if value is None else str(value)


def load(path: Path) -> PipelineDefinition:
    """Read a pipeline definition in this process (it runs a .py definition's code)."""
    from ohcheck import user_files

    if not path.exists():
        raise UserError(msg("{path} does not exist.", path=path))
    try:
        user_files.check_regular(path)  # the SDK's loader would wait on a FIFO forever
    except user_files.NotRegularFile as exc:
        raise UserError(exc.sentence) from None
    with _quiet_sdk():
        if path.suffix == ".py":
            job = _from_python(path)
        elif path.suffix in (".yml", ".yaml"):
            job = _from_yaml(path)
        else:
            raise UserError(msg("{path} is neither a CLI v2 pipeline YAML (.yml) nor an SDK v2 pipeline (.py).",
                                path=path))
        from azure.ai.ml.entities import PipelineJob

        if not isinstance(job, PipelineJob):
            kind = getattr(job, "type", None) or type(job).__name__
            raise UserError(msg("{path} is a {kind} job, not a pipeline job (`type: pipeline`).", path=path, kind=kind))
        stream = io.StringIO()
        job.dump(stream)  # the SDK's own view of the pipeline, components and bindings resolved
    import yaml

    return _definition(str(path), yaml.safe_load(stream.getvalue()) or {})


def describe(path: Path, *, python: str | None = None, cwd: Path | None = None) -> PipelineDefinition:
    """Read a pipeline definition in a subprocess: a team's broken module cannot harm the caller."""
    command = [python or sys.executable, "-m", "ohcheck.pipeline_definition", str(path)]
    from ohcheck import children

    try:  # the team's module may start processes of its own: they end with the child (ohcheck.children)
        done = children.run(command, capture_output=True, text=True, timeout=DESCRIBE_TIMEOUT, cwd=cwd)
    except subprocess.TimeoutExpired:
        raise UserError(msg("reading {path} took over {limit:.0f} s.", path=path, limit=DESCRIBE_TIMEOUT)) from None
    if done.returncode != 0:
        said = _message_in(done.stdout)
        if said is not None:
            raise UserError(said)
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise UserError(lines[-1] if lines else msg("reading {path} failed (exit {code}).", path=path,
                                                    code=done.returncode))
    return PipelineDefinition.from_json(done.stdout)


def _message_in(stdout: str) -> Msg | None:
    """The message a failed child printed on stdout (`main`), to be said in the reader's language."""
    try:
        data = json.loads(stdout)
    except ValueError:
        return None
    source = data.get("message") if isinstance(data, dict) else None
    return Msg.from_source(source) if isinstance(source, dict) and source.get("template") else None


def _from_yaml(path: Path) -> Any:
    import yaml

    from azure.ai.ml import load_job

    from ohcheck import user_files
    from ohcheck.yaml_load import team_load

    # Read first as the SDK will (safe_load), with nesting too deep refused: the SDK's own reading of such a
    # file ends in a bare RecursionError ("maximum recursion depth exceeded"), which names neither file nor line.
    # Other syntax errors are left to the SDK, in its words.
    try:
        team_load(user_files.read_text(path))
    except yaml.MarkedYAMLError as exc:
        # The depth guard's sentence is a message (Msg); PyYAML's own words are plain text, left to the SDK.
        if isinstance(exc.problem, Msg) and exc.problem_mark is not None:
            raise UserError(msg("{where}: this is not valid YAML ({problem}).",
                                where=msg("{source}, line {line}", source=str(path), line=exc.problem_mark.line + 1),
                                problem=exc.problem)) from None
    except (yaml.YAMLError, OSError, UnicodeDecodeError):
        pass  # the SDK's loader says what is wrong, in its words
    try:
        return load_job(source=str(path))
    except Exception as exc:  # noqa: BLE001 - the loaders raise many kinds; one sentence for all
        raise UserError(msg("{path} is not a valid pipeline job: {error}", path=path, error=_first_line(exc))) from None


def _from_python(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"_ohcheck_pipeline_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise UserError(msg("{path} cannot be imported as a Python module.", path=path))
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))  # as `python pipelines/train_deploy.py` would see its neighbours
    try:
        spec.loader.exec_module(module)
        build = getattr(module, "build_pipeline", None)
        if not callable(build):
            raise UserError(msg("{path} has no build_pipeline() function returning the pipeline job.", path=path))
        return build()
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001 - the team's code may raise anything
        raise UserError(msg("{path} failed to build the pipeline: {kind}: {error}", path=path,
                            kind=type(exc).__name__, error=_first_line(exc))) from None
    finally:
        sys.path.remove(str(path.parent))


def _definition(source: str, dumped: dict[str, Any]) -> PipelineDefinition:
    steps = {}
    for name, node in (dumped.get("jobs") or {}).items():
        component = node.get("component")
        if not isinstance(component, dict):  # a registered component, by reference: nothing to run locally
            component = {"name": str(component or ""), "command": node.get("command", "")}
        declared = component.get("inputs") or {}
        label = component.get("name") or ""
        if label == ANONYMOUS:
            label = component.get("display_name") or ""
        steps[name] = StepDefinition(
            name=name,
            component=label,
            command=str(component.get("command") or node.get("command") or ""),
            code=str(component.get("code") or node.get("code") or ""),
            inputs=dict(node.get("inputs") or {}),
            defaults={k: v["default"] for k, v in declared.items() if isinstance(v, dict) and "default" in v},
            optional=tuple(k for k, v in declared.items() if isinstance(v, dict) and v.get("optional")),
            outputs={k: (v or {}).get("type", "uri_folder") if isinstance(v, dict) else "uri_folder"
                     for k, v in (component.get("outputs") or node.get("outputs") or {}).items()},
        )
    return PipelineDefinition(
        source=source,
        display_name=str(dumped.get("display_name") or ""),
        experiment=str(dumped.get("experiment_name") or ""),
        inputs=dict(dumped.get("inputs") or {}),
        steps=steps,
    )


@contextlib.contextmanager
def _quiet_sdk():
    """The SDK announces its experimental classes on stderr at import: noise to a team."""
    # Its own logger, set before the SDK is imported: the SDK gives `azure.ai.ml` a stderr
    # handler at INFO level, and this child's level is checked before that handler sees it.
    logging.getLogger("azure.ai.ml._utils._experimental").setLevel(logging.ERROR)
    with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
        warnings.simplefilter("ignore")
        yield


def _first_line(exc: BaseException) -> str:
    text = [line for line in str(exc).strip().splitlines() if line.strip()]
    line = text[0] if text else type(exc).__name__
    return line if len(line) <= 300 else line[:297] + "..."


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m ohcheck.pipeline_definition PIPELINE_FILE", file=sys.stderr)
        return 2
    try:
        definition = load(Path(args[0]))
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        if isinstance(exc.message, Msg):  # for `describe`, which says it again in the reader's language
            print(json.dumps({"message": exc.message.source()}))
        return 1
    print(definition.to_json())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
