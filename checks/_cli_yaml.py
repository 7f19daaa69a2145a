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
  - and every other kind `az ml <group> create --file` takes, by `type` first as the
    loaders pick their class: models (custom_model, mlflow_model, triton_model), computes
    (amlcompute, computeinstance ...), datastores, sweep and Spark jobs, pipeline, parallel
    and Spark components, batch endpoints (`defaults:`), Kubernetes online deployments
    (`type: kubernetes`), batch deployments of a model (`type: model`) or of a pipeline
    component (`type: pipeline` with `component:`), monitor schedules (`create_monitor:`).
    Checked against every YAML of Microsoft's azureml-examples cli/ folder.
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

from ohcheck import Msg, msg
from ohcheck.yaml_load import Repeated, duplicate_keys, team_parse

SCHEMA_BASE = "https://azuremlschemas.azureedge.net/latest/"
# Where Azure ML publishes its CLI v2 schemas: `latest/` for the current CLI,
# azuremlschemasprod for older CLI versions (any version folder is fine here).
SCHEMA_HOSTS = ("azuremlschemas.azureedge.net", "azuremlschemasprod.azureedge.net")


@dataclass(frozen=True)
class Kind:
    """A kind of CLI v2 YAML that `az ml <group> create --file` takes."""

    key: str
    label: Msg  # as people say it: "command job" (a message, so that it is said in the reader's language)
    schema: str  # the file name of its JSON schema
    groups: tuple[str, ...]  # the `az ml <group>` that creates it
    loader: str = ""  # the azure-ai-ml function `az ml <group> create` loads it with
    other_schemas: tuple[str, ...] = ()  # older schema names Azure ML still publishes for it

    @property
    def schema_url(self) -> str:
        return SCHEMA_BASE + self.schema

    @property
    def schemas(self) -> tuple[str, ...]:
        return (self.schema, *self.other_schemas)


# The kinds challenge 07 asks for, then every other kind `az ml` creates from a file, so that a
# team's (or Microsoft's) model, compute or batch YAML is read as what it is.
KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        Kind("data", msg("data asset"), "data.schema.json", ("data",), "load_data"),
        Kind("environment", msg("environment"), "environment.schema.json", ("environment",), "load_environment"),
        Kind("command_job", msg("command job"), "commandJob.schema.json", ("job",), "load_job"),
        Kind("pipeline_job", msg("pipeline job"), "pipelineJob.schema.json", ("job",), "load_job"),
        Kind("command_component", msg("command component"), "commandComponent.schema.json", ("component",),
             "load_component"),
        Kind("online_endpoint", msg("online endpoint"), "managedOnlineEndpoint.schema.json", ("online-endpoint",),
             "load_online_endpoint"),
        Kind("online_deployment", msg("online deployment"), "managedOnlineDeployment.schema.json",
             ("online-deployment",), "load_online_deployment"),
        Kind("schedule", msg("schedule"), "schedule.schema.json", ("schedule",), "load_schedule"),
        Kind("model", msg("model"), "model.schema.json", ("model",), "load_model"),
        Kind("sweep_job", msg("sweep job"), "sweepJob.schema.json", ("job",), "load_job"),
        Kind("spark_job", msg("Spark job"), "sparkJob.schema.json", ("job",), "load_job"),
        Kind("pipeline_component", msg("pipeline component"), "pipelineComponent.schema.json", ("component",),
             "load_component"),
        Kind("parallel_component", msg("parallel component"), "parallelComponent.schema.json", ("component",),
             "load_component"),
        Kind("spark_component", msg("Spark component"), "sparkComponent.schema.json", ("component",),
             "load_component"),
        Kind("kubernetes_online_endpoint", msg("Kubernetes online endpoint"), "kubernetesOnlineEndpoint.schema.json",
             ("online-endpoint",), "load_online_endpoint"),
        Kind("kubernetes_online_deployment", msg("Kubernetes online deployment"),
             "kubernetesOnlineDeployment.schema.json", ("online-deployment",), "load_online_deployment"),
        Kind("batch_endpoint", msg("batch endpoint"), "batchEndpoint.schema.json", ("batch-endpoint",),
             "load_batch_endpoint"),
        # `az ml batch-deployment create` loads by the file's `type`: model, pipeline, or none (the older schema).
        Kind("model_batch_deployment", msg("model batch deployment"), "modelBatchDeployment.schema.json",
             ("batch-deployment",), "load_model_batch_deployment"),
        Kind("pipeline_component_batch_deployment", msg("pipeline component batch deployment"),
             "pipelineComponentBatchDeployment.schema.json", ("batch-deployment",),
             "load_pipeline_component_batch_deployment"),
        Kind("batch_deployment", msg("batch deployment"), "batchDeployment.schema.json", ("batch-deployment",),
             "load_batch_deployment"),
        Kind("monitor_schedule", msg("monitor schedule"), "schedule.schema.json", ("schedule",), "load_schedule"),
        Kind("compute_cluster", msg("compute cluster"), "amlCompute.schema.json", ("compute",), "load_compute"),
        Kind("compute_instance", msg("compute instance"), "computeInstance.schema.json", ("compute",),
             "load_compute"),
        Kind("kubernetes_compute", msg("Kubernetes compute"), "kubernetesCompute.schema.json", ("compute",),
             "load_compute"),
        Kind("vm_compute", msg("attached virtual machine"), "vmCompute.schema.json", ("compute",), "load_compute"),
        Kind("workspace", msg("workspace"), "workspace.schema.json", ("workspace",), "load_workspace"),
        Kind("datastore", msg("datastore"), "azureBlob.schema.json", ("datastore",), "load_datastore",
             ("azureFile.schema.json", "azureDataLakeGen1.schema.json", "azureDataLakeGen2.schema.json",
              "oneLake.schema.json")),
        Kind("registry", msg("registry"), "registry.schema.json", ("registry",), "load_registry"),
    )
}

# Other Azure ML schemas, named only to say what a wrong `$schema` points at.
OTHER_SCHEMAS = {
    "mltable.schema.json": msg("MLTable"),
    "MLTable.schema.json": msg("MLTable"),
}
_BY_SCHEMA = {name: k.key for k in reversed(list(KINDS.values())) for name in k.schemas}
_SCHEMA_OF_OTHER = {label: schema for schema, label in OTHER_SCHEMAS.items()}
_OTHER_LABELS = {str(label): label for label in OTHER_SCHEMAS.values()}

# Folders that never hold the team's Azure ML YAML: caches, virtual environments, outputs.
_SKIP_DIRS = {"node_modules", "__pycache__", "outputs", "mlruns", "site-packages"}
# A CLI v2 YAML is a few kB (the largest of the 575 under azureml-examples' cli/ is 5.5 kB): one this big is
# data, not a spec, and is not read (PyYAML in pure Python is slow on megabytes), but said so: a verdict that
# depends on it cannot be given (see challenge_07).
MAX_BYTES = 512 * 1024
_HEAD_BYTES = 4096  # of a file not read: enough for its `$schema` line
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
    unread: Msg | None = None  # why ohcheck did not read it (too big); its kind is then unknown
    duplicates: tuple[Repeated, ...] = ()  # keys given twice: azure-ai-ml keeps the last, silently

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
    So is a file too big to read (`unread`): nothing can tell what it is either.
    """
    found = []
    for path in _yaml_paths(root):
        parsed = read_yaml_file(root, path, components_dir)
        if (parsed.kind is not None or parsed.content_kinds or parsed.schema_kind is not None
                or _names_azureml_schema(parsed.schema) or parsed.syntax is not None or parsed.unread is not None):
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
                # Every one, however big and whatever it is (a FIFO, a device): read_yaml_file says why
                # it cannot read one, rather than leaving it out without a word.
                paths.append(here / name)
    return paths


def read_yaml_file(root: Path, path: Path, components_dir: str = "components") -> YamlFile:
    """Parse one file and decide its kind; a file that is not valid YAML keeps its syntax problem."""
    from ohcheck import user_files

    relative = path.relative_to(root).as_posix()
    try:
        found = os.stat(path)
        if found.st_size > MAX_BYTES and user_files.kind_of(found.st_mode) is None:
            return _unread(relative, path, found.st_size)
        text = user_files.read_text(path)  # a FIFO or a device is refused, not waited on
    except user_files.NotRegularFile as exc:
        # Not a file `az ml` can apply either (git keeps no pipes or devices): the team's to remove.
        return YamlFile(relative, path, "", syntax=SyntaxProblem(1, msg("it is {what}, not a regular file",
                                                                        what=exc.what)))
    except (OSError, UnicodeDecodeError) as exc:
        return YamlFile(relative, path, "",
                        syntax=SyntaxProblem(1, msg("cannot be read as UTF-8 text ({error})", error=exc)))
    item = YamlFile(relative, path, text)
    try:
        item.data, node = team_parse(text)  # as azure-ai-ml reads it; nesting too deep is a syntax problem
        item.duplicates = tuple(duplicate_keys(node))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # PyYAML's words; ohcheck's own (nesting too deep) kept as a message, said in the reader's language.
        problem = " ".join(p for p in (exc.context, exc.problem) if p) if exc.context else exc.problem
        item.syntax = SyntaxProblem(mark.line + 1 if mark else 1, problem or "malformed YAML")
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


def _unread(relative: str, path: Path, size: int) -> YamlFile:
    """A file too big to read: what its first lines' `$schema` says, and why it was not read."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEAD_BYTES).decode("utf-8", errors="replace")
    except OSError:
        head = ""
    match = _SCHEMA_LINE.search(head)
    item = YamlFile(relative, path, "", schema=match.group(1) if match else None)
    item.schema_kind = schema_kind(item.schema)
    item.unread = msg("{path} was not read: it is {size} KiB, over the {limit} KiB ohcheck reads of a CLI v2 YAML",
                      path=relative, size=size // 1024, limit=MAX_BYTES // 1024)
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
    kind = KINDS.get(item.kind or item.content_kinds[0])
    allowed = kind.schemas if kind else (PurePosixPath(urlparse(expected).path).name,)
    if PurePosixPath(parsed.path).name not in allowed:
        schema_name = PurePosixPath(parsed.path).name.removesuffix(".schema.json")
        return msg("{path} looks like {article} {kind} but names the {schema_name} schema ({schema_kind}); "
                   "expected {expected}", path=item.path, article=a, kind=what, schema_name=schema_name,
                   schema_kind=label_of(item.schema_kind), expected=expected)
    return None


_COMPUTE_TYPES = {"amlcompute": "compute_cluster", "computeinstance": "compute_instance",
                  "kubernetes": "kubernetes_compute", "virtualmachine": "vm_compute"}
_DATASTORE_TYPES = ("azure_blob", "azure_file", "azure_data_lake_gen1", "azure_data_lake_gen2", "one_lake")
_MODEL_TYPES = ("custom_model", "mlflow_model", "triton_model")
# Keys only an online deployment has, and keys only a batch deployment has (azure-ai-ml's schemas).
_ONLINE_DEPLOYMENT = ("instance_type", "instance_count", "scale_settings", "request_settings", "liveness_probe",
                      "readiness_probe", "app_insights_enabled", "egress_public_network_access", "data_collector",
                      "model_mount_path")
_BATCH_DEPLOYMENT = ("mini_batch_size", "output_action", "max_concurrency_per_instance", "retry_settings",
                     "output_file_name", "error_threshold", "logging_level")
_WORKSPACE = ("storage_account", "key_vault", "container_registry", "application_insights", "hbi_workspace",
              "managed_network", "hub_id", "customer_managed_key", "image_build_compute")


def content_kinds(data: Any, path: str, components_dir: str = "components") -> tuple[str, ...]:
    """The kinds the content allows, the likelier first; () when it says nothing (see the module doc)."""
    if not isinstance(data, dict) or "on" in data or True in data or "runs-on" in str(data.get("jobs", ""))[:2000]:
        return ()  # a GitHub workflow (`on:` reads as True in YAML 1.1) has `jobs:` too
    kind = data.get("type")
    kind = kind.lower() if isinstance(kind, str) else kind
    parts = [p.lower() for p in PurePosixPath(path).parts[:-1]]
    if "create_monitor" in data:
        return ("monitor_schedule",)
    if "create_job" in data or "import_data" in data or "trigger" in data:
        return ("schedule",)
    # A pipeline job may run a pipeline component (`component:`), with the run settings a deployment has not.
    pipeline_job = kind == "pipeline" and any(k in data for k in ("experiment_name", "compute", "display_name",
                                                                  "inputs", "outputs", "jobs"))
    if "endpoint_name" in data or (("model" in data or "component" in data) and not pipeline_job
                                   and (kind == "pipeline" or any(k in data for k in _ONLINE_DEPLOYMENT
                                                                  + _BATCH_DEPLOYMENT))):
        return _deployment_kinds(data, kind)
    if kind == "pipeline" or "jobs" in data:
        if "component" in data and "jobs" not in data:
            return ("pipeline_job",)
        # A pipeline component has a version and no run settings; a pipeline job is run in an experiment.
        if any(k in data for k in ("settings", "experiment_name", "compute", "identity", "tags")) \
                and "version" not in data:
            return ("pipeline_job", "pipeline_component")
        if "version" in data or "is_deterministic" in data:
            return ("pipeline_component", "pipeline_job")
        return ("pipeline_component", "pipeline_job") if _in(parts, components_dir) else ("pipeline_job",
                                                                                           "pipeline_component")
    if kind == "sweep":
        return ("sweep_job",)
    if kind == "spark":
        return ("spark_component", "spark_job") if "version" in data and "compute" not in data \
            else ("spark_job", "spark_component")
    if kind == "parallel":
        return ("parallel_component",)
    if ("command" in data or "component" in data) and kind in (None, "command"):
        if "experiment_name" in data or "compute" in data or "component" in data:
            return ("command_job",)
        if "version" in data or "is_deterministic" in data:
            return ("command_component",)
        if _in(parts, components_dir):
            return ("command_component", "command_job")
        return ("command_job", "command_component")
    if kind in _MODEL_TYPES:
        return ("model",)
    if kind in ("uri_file", "uri_folder", "mltable"):
        return ("data",)
    if kind in _COMPUTE_TYPES:
        return (_COMPUTE_TYPES[kind],)
    if kind in _DATASTORE_TYPES:
        return ("datastore",)
    if any(k in data for k in ("image", "conda_file", "build")) and "command" not in data:
        return ("environment",)
    if "defaults" in data:
        return ("batch_endpoint",)
    if any(k in data for k in ("auth_mode", "traffic", "mirror_traffic")):
        if "compute" in data:
            return ("kubernetes_online_endpoint",)
        # `auth_mode: aad_token` and no traffic fits a batch endpoint too: the `$schema` tells them apart.
        return ("online_endpoint", "batch_endpoint")
    if "path" in data and kind is None:
        # A data asset's type defaults to uri_folder and a model's to custom_model: only where it is tells.
        return ("model", "data") if any("model" in p for p in parts) else ("data", "model")
    if "locations" in data and "name" in data:
        return ("registry",)
    if any(k in data for k in _WORKSPACE):
        return ("workspace",)
    return ()


def _deployment_kinds(data: dict, kind: Any) -> tuple[str, ...]:
    """Which deployment: online (managed, or Kubernetes with `type: kubernetes`) or batch (of a model or a
    pipeline component), by `type` first, as azure-ai-ml's loaders pick the class, then by the keys only one has."""
    if kind == "kubernetes":
        return ("kubernetes_online_deployment",)
    if kind == "managed":
        return ("online_deployment",)
    if kind == "pipeline" or ("component" in data and "model" not in data):
        return ("pipeline_component_batch_deployment",)
    if kind == "model":
        return ("model_batch_deployment",)
    batch = any(k in data for k in _BATCH_DEPLOYMENT) or "compute" in data \
        or (isinstance(data.get("settings"), dict) and not any(k in data for k in _ONLINE_DEPLOYMENT))
    return ("batch_deployment", "model_batch_deployment") if batch else ("online_deployment",)


def _in(parts: list[str], folder: str) -> bool:
    """Whether a file's folder is ohcheck.yaml's `paths.components` (or under it)."""
    wanted = [p.lower() for p in PurePosixPath(folder).parts]
    return parts[: len(wanted)] == wanted


def by_kind(files: list[YamlFile]) -> dict[str, list[YamlFile]]:
    grouped: dict[str, list[YamlFile]] = {key: [] for key in KINDS}
    for item in files:
        if item.kind in grouped:
            grouped[item.kind].append(item)
    return grouped
