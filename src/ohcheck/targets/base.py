"""The target protocol: read-only questions about where a team's work lives.

This is the cut between checks and the outside world. Above it, checks ask
questions in the hack's own words (`computes()`, `data_asset(name)`,
`runs(experiment)`, `latest_model(name)`); below it, only `targets/local.py`
knows MLflow's SQLite store and only `targets/azure.py` knows azure-ai-ml.
Answers are the plain types below, never SDK objects. A new target is one
file implementing `Target`.

Targets never create, update or delete anything.

Two kinds of exception cross the cut:
* `NotOnThisTarget` — the question has no meaning here (a compute cluster on
  the local target); the runner reports the criterion as skipped, with the reason.
* `TargetError` — the target could not answer (no credential, 403, not
  reachable); the runner reports the criterion as error, never as failed.
  Its subclasses `AccessDenied` and `NotFound` let the few criteria whose
  question they answer fail instead.

What a target can answer at all is stated once, in its `can` (a `Capabilities`):
the few checks whose question or message depends on it ask `ctx.target.can`,
never the target's name, so a new target says here what it can do and every
check follows.

Both exceptions are raised with a message (`ohcheck.i18n.msg`) as their one argument:
str(exc) is the English sentence, and the runner says the message in the
reader's language (take `exc.args[0]`, not str(exc), to pass it on).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


class NotOnThisTarget(Exception):
    """The question means nothing on this target; the message says why."""


class TargetError(Exception):
    """The target could not answer; the message says what to do about it."""


class AccessDenied(TargetError):
    """No credential, or the credential may not read the workspace (401/403).

    Reported as error by most criteria; a criterion whose very question is
    "can the credential reach the workspace" catches it and fails instead.
    """


class NotFound(TargetError):
    """The workspace itself does not exist (as configured).

    Reported as error by most criteria (they cannot look inside it); the
    criterion "the workspace exists" catches it and fails instead.
    """


@dataclass(frozen=True)
class Workspace:
    name: str
    location: str = ""
    resource_group: str = ""
    subscription_id: str = ""
    tracking_uri: str = ""


@dataclass(frozen=True)
class Identity:
    """Who the credential is, as far as the target can tell (never a token)."""

    description: str


@dataclass(frozen=True)
class Compute:
    name: str
    kind: str  # "cluster" (AmlCompute) or "instance" (ComputeInstance) or the service's type
    state: str = ""
    vm_size: str = ""
    min_instances: int | None = None
    max_instances: int | None = None
    idle_seconds_before_scale_down: int | None = None


@dataclass(frozen=True)
class DataAsset:
    name: str
    version: str
    type: str  # uri_file, uri_folder, mltable
    path: str = ""


@dataclass(frozen=True)
class Environment:
    """A registered environment (azure), or the environment YAML in the repo (local)."""

    name: str
    version: str
    image: str = ""
    conda_file: dict | None = None  # the conda specification, parsed
    source: str = ""  # where it was read from, for messages


@dataclass(frozen=True)
class JobIO:
    """A job input or output: its type (uri_file, uri_folder, custom_model...) and path."""

    type: str
    path: str = ""


@dataclass(frozen=True)
class Job:
    """A training job: an Azure ML job, or an MLflow run of the local store.

    The job's name is its MLflow run id on both targets (as Azure ML makes it).
    Statuses use Azure ML's words: Completed, Failed, Running, Canceled, ...
    """

    name: str
    type: str  # command, pipeline, sweep ...
    experiment: str
    status: str
    created: float | None = None  # seconds since the epoch
    command: str = ""
    compute: str | None = None  # None on the local target: jobs run on this machine
    environment: str = ""
    inputs: dict[str, JobIO] = field(default_factory=dict)
    outputs: dict[str, JobIO] = field(default_factory=dict)
    display_name: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)  # set by the service (azure) or the runner (local)


# A step input bound to another step's output: ${{parent.jobs.<step>.outputs.<output>}}
_UPSTREAM = re.compile(r"\$\{\{\s*parent\.jobs\.([A-Za-z0-9_-]+)\.outputs\.[A-Za-z0-9_-]+\s*\}\}")


@dataclass(frozen=True)
class Step:
    """A step (node) of a pipeline job: how the pipeline defined it, and the child job that ran it.

    `inputs` keeps each input's binding as the pipeline wrote it:
    `${{parent.jobs.train.outputs.model}}` (another step's output),
    `${{parent.inputs.data}}` (a pipeline input), `azureml:transaction_ts2013@latest`,
    or a literal. The data dependencies between steps are read from those bindings.
    """

    name: str  # the node's name in the pipeline: train, register, deploy ...
    component: str = ""  # the component's name, "" for an inline command
    command: str = ""
    inputs: dict[str, str] = field(default_factory=dict)
    outputs: tuple[str, ...] = ()
    job: Job | None = None  # the child job that ran it; None if it never started

    @property
    def upstream(self) -> set[str]:
        """The steps whose outputs this step consumes."""
        return {m.group(1) for binding in self.inputs.values() for m in _UPSTREAM.finditer(binding)}

    @property
    def status(self) -> str:
        return self.job.status if self.job else "NotStarted"


def in_dependency_order(steps: list[Step]) -> list[Step]:
    """Steps ordered so that each comes after the steps whose outputs it takes (stable; a cycle keeps its order).

    graphlib orders them, a round of ready steps at a time in the list's order; when a cycle holds
    the rest up, its first step in the list goes next (as if its inputs were there) and sorting goes on.
    """
    from graphlib import CycleError, TopologicalSorter

    if len({s.name for s in steps}) < len(steps):  # graphlib keys by name: one name twice cannot be sorted so
        return list(steps)
    position = {s.name: i for i, s in enumerate(steps)}
    left = {s.name: s for s in steps}
    ordered: list[Step] = []
    while left:
        sorter = TopologicalSorter({name: s.upstream & left.keys() for name, s in left.items()})
        try:
            sorter.prepare()
        except CycleError:
            pass  # get_ready() still hands out every step the cycle does not hold up
        while batch := sorted(sorter.get_ready(), key=position.__getitem__):
            ordered.extend(left.pop(name) for name in batch)
            sorter.done(*batch)
        if left:  # a cycle
            ordered.append(left.pop(next(iter(left))))
    return ordered


@dataclass(frozen=True)
class Schedule:
    """An Azure ML schedule that submits a job: a cron expression or a recurrence."""

    name: str
    enabled: bool
    trigger: str  # "cron" or "recurrence"
    cron: str = ""  # the cron expression (trigger "cron")
    frequency: str = ""  # minute, hour, day, week, month (trigger "recurrence")
    interval: int | None = None  # every `interval` `frequency`s (trigger "recurrence")
    time_zone: str = "UTC"
    job_type: str = ""  # the type of job it submits: pipeline, command
    experiment: str = ""  # the experiment the submitted jobs go to, when the definition says


@dataclass(frozen=True)
class Run:
    """A job's MLflow run: what it logged."""

    id: str
    name: str
    experiment: str
    status: str  # FINISHED / FAILED / RUNNING ... as MLflow says it
    start_time: float | None = None  # seconds since the epoch
    end_time: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    source: str = ""  # the script that ran (mlflow.source.name), when known
    parent_id: str | None = None


@dataclass(frozen=True)
class ModelVersion:
    name: str
    version: str
    source: str = ""  # where its files came from (a job output, a run artifact)
    job_name: str | None = None  # lineage: the job (MLflow run) that produced it
    tags: dict[str, str] = field(default_factory=dict)
    type: str = ""
    created: float | None = None


@dataclass(frozen=True)
class ModelContents:
    """What a model version's source holds, as far as the target can look (`Target.model_contents`).

    `holds_model` is True when the source holds the model's files (locally: files
    under the run artifact path; in Azure: the job output it names exists as a
    file or folder output), False when it holds none (the path has no file; the
    job has no such output), and None when the target cannot look inside it (a
    datastore path): then nobody should fail on it. `found` says what is there,
    for messages: the files, or what the run or the job has instead.
    """

    holds_model: bool | None
    found: Any = ""  # a Msg, a list of files or text


@dataclass(frozen=True)
class Deployment:
    name: str
    state: str  # provisioning state: Succeeded, Updating, Failed ...
    model: str = ""
    instance_type: str = ""
    instance_count: int | None = None


@dataclass(frozen=True)
class Endpoint:
    name: str
    state: str  # provisioning state; locally Succeeded when the server answers its health probe
    auth_mode: str  # key, aml_token, aad_token; "" when there is none (the local server)
    scoring_uri: str
    traffic: dict[str, int] = field(default_factory=dict)
    deployments: tuple[Deployment, ...] = ()


@dataclass(frozen=True)
class ScoreReply:
    status: int  # HTTP status
    body: Any  # the decoded JSON answer, or its text
    seconds: float  # how long the request took


@dataclass(frozen=True)
class ComputeQuota:
    """What a VM size costs in vCPUs, and how much of its family's quota is left in the region."""

    vm_size: str
    family: str
    vcpus: int  # per node
    location: str
    family_used: int | None = None
    family_limit: int | None = None
    regional_used: int | None = None
    regional_limit: int | None = None


@dataclass(frozen=True)
class Capabilities:
    """What a target can answer, for the checks whose question has no meaning on every target."""

    workspace: bool  # resources registered in a workspace: data assets, computes, schedules, the applied YAML
    job_origins: bool  # who started a job: a schedule or a CI run (Azure ML records it on the job)
    traffic_split: bool  # an endpoint's traffic shared between deployments
    endpoint_auth: bool  # endpoints authenticate their callers (keys or tokens)
    serves_at: str | None = None  # the target serves the endpoint itself, at this address (the local server)
    environment_file: str | None = None  # environments are read from this repo file, not from a workspace


@runtime_checkable
class Target(Protocol):
    """What every target answers. Methods raise NotOnThisTarget or TargetError."""

    name: str
    can: Capabilities

    def workspace(self) -> Workspace:
        """The workspace the team works in."""
        ...

    def identity(self) -> Identity:
        """Prove the credential reaches the workspace; say who it is."""
        ...

    def computes(self) -> list[Compute]:
        """Compute instances and clusters of the workspace."""
        ...

    def data_asset(self, name: str, version: str | None = None) -> DataAsset | None:
        """A registered data asset (the latest version unless one is named), or None."""
        ...

    def environment(self, name: str) -> Environment | None:
        """The latest version of a registered environment, or None."""
        ...

    def jobs(self, experiment: str) -> list[Job]:
        """The jobs of an experiment, newest first (empty if there is none)."""
        ...

    def job(self, name: str) -> Job | None:
        """One job by name, a pipeline's step jobs included; None if there is none."""
        ...

    def pipeline_steps(self, job_name: str) -> list[Step]:
        """The steps of a pipeline job, as it defined them, each with the child job that ran it."""
        ...

    def schedules(self) -> list[Schedule]:
        """The workspace's schedules (NotOnThisTarget where there are none: the local target)."""
        ...

    def run(self, run_id: str) -> Run | None:
        """A job's MLflow run (its metrics and parameters), or None."""
        ...

    def metric_history(self, run_id: str, key: str) -> list[float]:
        """Every value a run logged for one metric, in step order (empty if none)."""
        ...

    def data_asset_of(self, io: JobIO) -> str | None:
        """The registered data asset a job input refers to, if any."""
        ...

    def models(self, name: str) -> list[ModelVersion]:
        """The registered versions of a model, newest first."""
        ...

    def model_contents(self, version: ModelVersion) -> ModelContents:
        """What a registered model version's source holds: whether a model is there, and what was found."""
        ...

    def endpoint(self, name: str) -> Endpoint | None:
        """An online endpoint with its deployments, or None if it does not exist."""
        ...

    def endpoint_key(self, name: str) -> str:
        """The endpoint's primary key, registered as a secret: no output will show it."""
        ...

    def score(self, endpoint: Endpoint, payload: Any, *, key: str | None = None, timeout: float = 30.0) -> ScoreReply:
        """POST a request to the endpoint's scoring URI, with the key if given."""
        ...

    def close(self) -> None:
        """Release connections; the target is not used afterwards."""
        ...


# -- a target's warnings ------------------------------------------------------------------------
# A target that answers in part (it left out a job the SDK cannot read) says so here; the runner
# hears it in the criterion's own thread and adds it to that Result's warnings.
_heard = threading.local()


def target_warning(warning: str) -> None:
    """Warn the criterion that is asking (a Msg, said in its language); nothing when no one listens."""
    heard = getattr(_heard, "warnings", None)
    if heard is not None and warning not in heard:
        heard.append(warning)


@contextmanager
def hearing_warnings() -> Iterator[list[str]]:
    """The warnings targets give while the block runs, in this thread; a listener outside hears them too."""
    outer = getattr(_heard, "warnings", None)
    _heard.warnings = heard = []
    try:
        yield heard
    finally:
        _heard.warnings = outer
        for warning in heard:
            target_warning(warning)
