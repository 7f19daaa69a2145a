"""The team's CLI v2 YAML: finding the files, telling each one's kind, the `$schema` each kind names.

A file's kind is read from two places that can disagree, and challenge 07
wants to hear when they do:

* its `$schema` (`https://azuremlschemas.azureedge.net/latest/commandJob.schema.json`
  says "command job"). azure-ai-ml's loaders ignore it, so a wrong one goes
  unnoticed until the VS Code extension completes the wrong keys;
* its content, which is what the loaders and `az ml` go by:
  - `create_job:` (with a `trigger:`) → a schedule;
  - `type: pipeline` or `jobs:` → a pipeline job;
  - `endpoint_name:` → an online deployment (a batch one has `compute:` or `mini_batch_size:`);
  - `command:` with `type: command` or no type → a command job or a command
    component, which look alike: `experiment_name:` or `compute:` make it a
    job, `version:` or `is_deterministic:` a component. Without any of those
    the `$schema` decides, and without a `$schema` the folder does: in
    ohcheck.yaml's `paths.components` a component, elsewhere a job;
  - `type: uri_file | uri_folder | mltable` → a data asset;
  - `image:`, `conda_file:` or `build:` → an environment;
  - `auth_mode:`, `traffic:` or `mirror_traffic:` → an online endpoint (with
    `defaults:` it is a batch endpoint).
  Anything else (a conda file, ohcheck.yaml, a workflow) is not Azure ML YAML.

Where the two disagree the content wins (it is what Azure ML will do) and
the `$schema` is reported as wrong; where the content says nothing yet (a
skeleton, a file that is not valid YAML) the `$schema` names the kind.

Nothing here imports azure-ai-ml: finding and classifying the files is plain PyYAML.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

import yaml

from ohcheck.i18n import Msg, msg

SCHEMA_BASE = "https://azuremlschemas.azureedge.net/latest/"
# Where Azure ML publishes its CLI v2 schemas: `latest/` for the current CLI,
# azuremlschemasprod for older CLI versions (any version folder is fine here).
SCHEMA_HOSTS = ("azuremlschemas.azureedge.net", "azuremlschemasprod.azureedge.net")


@dataclass(frozen=True)
class Kind:
    """A kind of CLI v2 YAML challenge 07 asks for."""

    key: str
    label: Msg  # as people say it: "command job" (a message, so that it is said in the reader's language)
    schema: str  # the file name of its JSON schema
    groups: tuple[str, ...]  # the `az ml <group>` that creates it

    @property
    def schema_url(self) -> str:
        return SCHEMA_BASE + self.schema


KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        Kind("data", msg("data asset"), "data.schema.json", ("data",)),
        Kind("environment", msg("environment"), "environment.schema.json", ("environment",)),
        Kind("command_job", msg("command job"), "commandJob.schema.json", ("job",)),
        Kind("pipeline_job", msg("pipeline job"), "pipelineJob.schema.json", ("job",)),
        Kind("command_component", msg("command component"), "commandComponent.schema.json", ("component",)),
        Kind("online_endpoint", msg("online endpoint"), "managedOnlineEndpoint.schema.json", ("online-endpoint",)),
        Kind("online_deployment", msg("online deployment"), "managedOnlineDeployment.schema.json",
             ("online-deployment",)),
        Kind("schedule", msg("schedule"), "schedule.schema.json", ("schedule",)),
    )
}

# Other Azure ML schemas, named only to say what a wrong `$schema` points at.
OTHER_SCHEMAS = {
    "sweepJob.schema.json": msg("sweep job"),
    "sparkJob.schema.json": msg("Spark job"),
    "pipelineComponent.schema.json": msg("pipeline component"),
    "parallelComponent.schema.json": msg("parallel component"),
    "sparkComponent.schema.json": msg("Spark component"),
    "kubernetesOnlineEndpoint.schema.json": msg("Kubernetes online endpoint"),
    "kubernetesOnlineDeployment.schema.json": msg("Kubernetes online deployment"),
    "batchEndpoint.schema.json": msg("batch endpoint"),
    "batchDeployment.schema.json": msg("batch deployment"),
    "modelBatchDeployment.schema.json": msg("model batch deployment"),
    "pipelineComponentBatchDeployment.schema.json": msg("pipeline component batch deployment"),
    "model.schema.json": msg("model"),
    "mltable.schema.json": msg("MLTable"),
    "workspace.schema.json": msg("workspace"),
    "amlCompute.schema.json": msg("compute cluster"),
    "computeInstance.schema.json": msg("compute instance"),
}
_BY_SCHEMA = {k.schema: k.key for k in KINDS.values()}
_SCHEMA_OF_OTHER = {label: schema for schema, label in OTHER_SCHEMAS.items()}
_OTHER_LABELS = {str(label): label for label in OTHER_SCHEMAS.values()}

# Folders that never hold the team's Azure ML YAML: caches, virtual environments, outputs.
_SKIP_DIRS = {"node_modules", "__pycache__", "outputs", "mlruns", "site-packages"}
_MAX_BYTES = 512 * 1024  # a CLI v2 YAML is a few kB; anything this big is data, not a spec
_SCHEMA_LINE = re.compile(r"""^\$schema\s*:\s*["']?([^"'\s#]+)""", re.MULTILINE)


@dataclass(frozen=True)
class SyntaxProblem:
    line: int  # 1-based
    problem: str  # PyYAML's words, or a message of ohcheck's


@dataclass
class YamlFile:
    """One YAML file of the team repo, parsed, with what its `$schema` and its content say it is."""

    path: str  # relative to the repo root, with /
    absolute: Path
    text: str
    data: Any = None
    syntax: SyntaxProblem | None = None  # not valid YAML
    schema: str | None = None  # the `$schema` as written, None if absent
    schema_kind: str | None = None  # KINDS key or OTHER_SCHEMAS label, from the `$schema`
    content_kinds: tuple[str, ...] = ()  # what the content allows, the likelier first
    kind: str | None = None  # the KINDS key ohcheck treats it as, None if not one of them

    @property
    def name(self) -> str | None:
        value = self.data.get("name") if isinstance(self.data, dict) else None
        return str(value) if value not in (None, "") else None

    def get(self, key: str) -> Any:
        return self.data.get(key) if isinstance(self.data, dict) else None


def find_yaml_files(root: Path, components_dir: str = "components") -> list[YamlFile]:
    """Every Azure ML CLI v2 YAML file of the repo (by `$schema` or content), in path order.

    A file that is not valid YAML is kept too, whatever it was meant to be: nothing can
    tell it is not one of the team's CLI v2 files, and broken it is the team's to fix.
    """
    found = []
    for path in _yaml_paths(root):
        parsed = read_yaml_file(root, path, components_dir)
        if (parsed.kind is not None or parsed.content_kinds or parsed.schema_kind is not None
                or _names_azureml_schema(parsed.schema) or parsed.syntax is not None):
            found.append(parsed)
    return found


def _yaml_paths(root: Path) -> list[Path]:
    paths = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        # Hidden folders (.git, .github, .ohcheck, .venv), caches, virtual and conda environments.
        dirs[:] = sorted(
            d for d in dirs
            if not d.startswith(".") and d not in _SKIP_DIRS
            and not (here / d / "pyvenv.cfg").exists() and not (here / d / "conda-meta").is_dir()
        )
        for name in sorted(files):
            if name.endswith((".yml", ".yaml")) and not (here == root and name == "ohcheck.yaml"):
                path = here / name
                try:
                    if path.stat().st_size <= _MAX_BYTES:
                        paths.append(path)
                except OSError:
                    continue
    return paths


def read_yaml_file(root: Path, path: Path, components_dir: str = "components") -> YamlFile:
    """Parse one file and decide its kind; a file that is not valid YAML keeps its syntax problem."""
    relative = path.relative_to(root).as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return YamlFile(relative, path, "",
                        syntax=SyntaxProblem(1, msg("cannot be read as UTF-8 text ({error})", error=exc)))
    item = YamlFile(relative, path, text)
    try:
        item.data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or "malformed YAML"
        item.syntax = SyntaxProblem(mark.line + 1 if mark else 1, problem)
    except yaml.YAMLError as exc:
        item.syntax = SyntaxProblem(1, str(exc).splitlines()[0])
    if item.syntax is None:
        schema = item.get("$schema")
        item.schema = None if schema is None else str(schema)
    else:
        # Not valid YAML: its `$schema` line still says what it was meant to be.
        match = _SCHEMA_LINE.search(text)
        item.schema = match.group(1) if match else None
    item.schema_kind = schema_kind(item.schema)
    item.content_kinds = content_kinds(item.data, relative, components_dir)
    if item.schema_kind in item.content_kinds:
        item.kind = item.schema_kind
    elif item.content_kinds:
        item.kind = item.content_kinds[0] if item.content_kinds[0] in KINDS else None
    elif item.schema_kind in KINDS:
        item.kind = item.schema_kind
    return item


def schema_kind(schema: str | None) -> str | None:
    """The kind a `$schema` URL names (a KINDS key, or the label of another Azure ML schema)."""
    if not schema:
        return None
    name = PurePosixPath(urlparse(schema).path).name
    return _BY_SCHEMA.get(name) or OTHER_SCHEMAS.get(name)


def _names_azureml_schema(schema: str | None) -> bool:
    return bool(schema) and urlparse(schema).hostname in SCHEMA_HOSTS


def label_of(kind: str) -> Msg:
    """A kind as people say it: a KINDS key's label, or another schema's label (as a message either way)."""
    if kind in KINDS:
        return KINDS[kind].label
    return _OTHER_LABELS.get(kind) or Msg(str(kind))


def article(label: str) -> str:
    """The English article before a label: "an environment", "a schedule" (Japanese has none)."""
    return "an" if label[:1] in tuple("aeiou") else "a"


def expected_schema(item: YamlFile) -> str | None:
    """The `$schema` URL the file's content calls for."""
    if item.kind in KINDS:
        return KINDS[item.kind].schema_url
    if item.content_kinds and item.content_kinds[0] in _SCHEMA_OF_OTHER:
        return SCHEMA_BASE + _SCHEMA_OF_OTHER[item.content_kinds[0]]
    return None


def schema_problem(item: YamlFile) -> Msg | None:
    """Why the file's `$schema` does not match what it is, or None when it does (or nothing can tell)."""
    expected = expected_schema(item)
    if expected is None:
        return None
    what = label_of(item.kind or item.content_kinds[0])
    a = article(what)
    if item.schema is None:
        return msg("{path} has no $schema (for {article} {kind}: {expected})",
                   path=item.path, article=a, kind=what, expected=expected)
    parsed = urlparse(item.schema)
    if parsed.scheme not in ("http", "https") or parsed.hostname not in SCHEMA_HOSTS:
        return msg("{path} names $schema {schema}, which is not an Azure ML CLI v2 schema (expected {expected})",
                   path=item.path, schema=item.schema, expected=expected)
    if item.schema_kind is None:
        return msg("{path} names $schema {schema}, which is no Azure ML schema (expected {expected})",
                   path=item.path, schema=item.schema, expected=expected)
    if PurePosixPath(parsed.path).name != PurePosixPath(urlparse(expected).path).name:
        schema_name = PurePosixPath(parsed.path).name.removesuffix(".schema.json")
        return msg("{path} looks like {article} {kind} but names the {schema_name} schema ({schema_kind}); "
                   "expected {expected}", path=item.path, article=a, kind=what, schema_name=schema_name,
                   schema_kind=label_of(item.schema_kind), expected=expected)
    return None


def content_kinds(data: Any, path: str, components_dir: str = "components") -> tuple[str, ...]:
    """The kinds the content allows, the likelier first; () when it says nothing (see the module doc)."""
    if not isinstance(data, dict):
        return ()
    kind = data.get("type")
    if "create_job" in data or ("trigger" in data and "create_monitor" not in data and "import_data" not in data):
        return ("schedule",)
    if kind == "pipeline" or "jobs" in data:
        return ("pipeline_job",)
    if kind == "sweep":
        return ("sweep job",)
    if "endpoint_name" in data:
        if any(k in data for k in ("compute", "mini_batch_size", "output_action")):
            return ("batch deployment",)
        return ("online_deployment",)
    if "command" in data and kind in (None, "command"):
        if "experiment_name" in data or "compute" in data:
            return ("command_job",)
        if "version" in data or "is_deterministic" in data:
            return ("command_component",)
        folder = PurePosixPath(components_dir).parts
        if PurePosixPath(path).parts[: len(folder)] == folder:
            return ("command_component", "command_job")
        return ("command_job", "command_component")
    if kind in ("uri_file", "uri_folder", "mltable"):
        return ("data",)
    if any(k in data for k in ("image", "conda_file", "build")) and "command" not in data:
        return ("environment",)
    if any(k in data for k in ("auth_mode", "traffic", "mirror_traffic")):
        return ("batch endpoint",) if "defaults" in data else ("online_endpoint",)
    return ()


def by_kind(files: list[YamlFile]) -> dict[str, list[YamlFile]]:
    grouped: dict[str, list[YamlFile]] = {key: [] for key in KINDS}
    for item in files:
        if item.kind in grouped:
            grouped[item.kind].append(item)
    return grouped
