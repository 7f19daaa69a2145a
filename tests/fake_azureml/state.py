"""What the fake workspace contains: plain, mutable records that tests seed and change.

A test builds a workspace with `ws.add_*` and may then poke at the records
(`ws.computes["cpu-cluster"].min_instances = 1`, `ws.exists = False`); the
server renders them into REST bodies on every request (see bodies.py), so a
change shows up in the next answer. Nothing here knows HTTP.
"""

from __future__ import annotations

import datetime as dt
import random
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

# An input or output of a job: (type, path), e.g. ("uri_file", "azureml:transaction_ts2013:1").
# A plain str/int/float/bool input is a literal.
JobIO = tuple[str, "str | None"]
ScoringBehaviour = Callable[[Any], "tuple[int, Any]"]


class RunLogger(Protocol):
    """Where a job's metrics go (the MLflow store behind the fake)."""

    def log_job(self, job: JobRecord) -> None: ...


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class ComputeRecord:
    name: str
    kind: str  # "AmlCompute" (a cluster) or "ComputeInstance"
    vm_size: str
    state: str  # cluster: provisioning state (Succeeded, Failed...); instance: Running, Stopped...
    created: dt.datetime
    min_instances: int = 0
    max_instances: int = 1
    idle_seconds: int = 120
    vm_priority: str = "Dedicated"
    provisioning_state: str = "Succeeded"


@dataclass
class DataRecord:
    name: str
    version: str
    type: str  # uri_file, uri_folder, mltable
    path: str
    created: dt.datetime
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class EnvironmentRecord:
    name: str
    version: str
    image: str | None
    conda_file: dict[str, Any] | None
    created: dt.datetime
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class JobRecord:
    name: str
    experiment: str
    status: str  # Azure ML's words: NotStarted, Queued, Running, Completed, Failed, Canceled...
    compute: str | None
    command: str
    inputs: dict[str, Any]
    outputs: dict[str, JobIO]
    environment: str
    created: dt.datetime
    display_name: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    description: str | None = None


@dataclass
class ModelRecord:
    name: str
    version: str
    path: str
    type: str
    created: dt.datetime
    job_name: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    description: str | None = None


@dataclass
class EndpointRecord:
    name: str
    auth_mode: str  # key, aml_token, aad_token (the SDK's words)
    state: str  # provisioning state: Succeeded, Creating, Failed...
    traffic: dict[str, int]
    keys: tuple[str, str]
    created: dt.datetime
    description: str | None = None
    answers_anyone: bool = False  # scoring without a valid key succeeds (a misconfigured gateway)


@dataclass
class DeploymentRecord:
    endpoint: str
    name: str
    state: str
    model: str
    instance_type: str
    instance_count: int
    created: dt.datetime
    environment: str | None = None


_ADJECTIVES = ("sleepy", "brave", "calm", "eager", "jolly", "lucid", "quirky", "witty", "zen", "bold")
_NOUNS = ("kettle", "lemon", "river", "piano", "cactus", "comet", "lantern", "walrus", "pebble", "tulip")


@dataclass
class WorkspaceState:
    """One Azure ML workspace as the fake serves it. Defaults match a team's OpenHack workspace."""

    subscription_id: str = "00000000-0000-0000-0000-000000000001"
    resource_group: str = "rg-openhack"
    name: str = "mlw-team1"
    location: str = "eastus"
    exists: bool = True
    computes: dict[str, ComputeRecord] = field(default_factory=dict)
    data: dict[str, dict[str, DataRecord]] = field(default_factory=dict)  # name -> version -> record
    environments: dict[str, dict[str, EnvironmentRecord]] = field(default_factory=dict)
    jobs: dict[str, JobRecord] = field(default_factory=dict)
    models: dict[str, dict[str, ModelRecord]] = field(default_factory=dict)
    endpoints: dict[str, EndpointRecord] = field(default_factory=dict)
    deployments: dict[str, dict[str, DeploymentRecord]] = field(default_factory=dict)  # endpoint -> name -> record
    # endpoint name -> callable(payload) -> (status, json body); missing: the default forecast behaviour.
    scoring_behaviour: dict[str, ScoringBehaviour] = field(default_factory=dict)
    run_logger: RunLogger | None = field(default=None, repr=False)
    _last_created: dt.datetime | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- time -------------------------------------------------------------------------------

    def _created(self, when: dt.datetime | None) -> dt.datetime:
        """`when`, or now; "now" is kept strictly after anything made before, so later means newer."""
        with self._lock:
            if when is None:
                when = _now()
                if self._last_created is not None and when <= self._last_created:
                    when = self._last_created + dt.timedelta(milliseconds=1)
            elif when.tzinfo is None:
                when = when.replace(tzinfo=dt.timezone.utc)
            if self._last_created is None or when > self._last_created:
                self._last_created = when
            return when

    # -- computes ---------------------------------------------------------------------------

    def add_compute_cluster(
        self,
        name: str,
        *,
        vm_size: str = "STANDARD_DS3_V2",
        min_instances: int = 0,
        max_instances: int = 2,
        idle_seconds: int = 120,
        state: str = "Succeeded",
        vm_priority: str = "Dedicated",
        created: dt.datetime | None = None,
    ) -> ComputeRecord:
        record = ComputeRecord(
            name=name,
            kind="AmlCompute",
            vm_size=vm_size,
            state=state,
            created=self._created(created),
            min_instances=min_instances,
            max_instances=max_instances,
            idle_seconds=idle_seconds,
            vm_priority=vm_priority,
            provisioning_state=state,
        )
        self.computes[name] = record
        return record

    def add_compute_instance(
        self,
        name: str,
        *,
        vm_size: str = "STANDARD_DS11_V2",
        state: str = "Running",
        created: dt.datetime | None = None,
    ) -> ComputeRecord:
        record = ComputeRecord(
            name=name,
            kind="ComputeInstance",
            vm_size=vm_size,
            state=state,
            created=self._created(created),
            min_instances=1,
            max_instances=1,
        )
        self.computes[name] = record
        return record

    # -- assets -----------------------------------------------------------------------------

    def add_data(
        self,
        name: str,
        *,
        version: str = "1",
        type: str = "uri_file",
        path: str,
        description: str | None = None,
        tags: dict[str, str] | None = None,
        created: dt.datetime | None = None,
    ) -> DataRecord:
        record = DataRecord(name, str(version), type, path, self._created(created), description, dict(tags or {}))
        self.data.setdefault(name, {})[record.version] = record
        return record

    def add_environment(
        self,
        name: str,
        *,
        version: str = "1",
        conda_file: dict[str, Any] | None = None,
        image: str | None = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest",
        description: str | None = None,
        tags: dict[str, str] | None = None,
        created: dt.datetime | None = None,
    ) -> EnvironmentRecord:
        record = EnvironmentRecord(
            name, str(version), image, conda_file, self._created(created), description, dict(tags or {})
        )
        self.environments.setdefault(name, {})[record.version] = record
        return record

    def add_model_version(
        self,
        name: str,
        *,
        version: str = "1",
        job_name: str | None = None,
        path: str | None = None,
        tags: dict[str, str] | None = None,
        type: str = "custom_model",
        description: str | None = None,
        created: dt.datetime | None = None,
    ) -> ModelRecord:
        if path is None:
            path = f"azureml://jobs/{job_name}/outputs/model" if job_name else f"azureml://models/{name}/{version}"
        record = ModelRecord(
            name, str(version), path, type, self._created(created), job_name, dict(tags or {}), description
        )
        self.models.setdefault(name, {})[record.version] = record
        return record

    # -- jobs -------------------------------------------------------------------------------

    def new_job_name(self) -> str:
        """A name in Azure ML's style (adjective_noun_random), unused in this workspace."""
        rng = random.Random()
        while True:
            suffix = "".join(rng.choices(string.ascii_lowercase + string.digits, k=10))
            name = f"{rng.choice(_ADJECTIVES)}_{rng.choice(_NOUNS)}_{suffix}"
            if name not in self.jobs:
                return name

    def add_command_job(
        self,
        *,
        experiment: str,
        status: str = "Completed",
        compute: str | None = "cpu-cluster",
        command: str = "python train.py",
        inputs: dict[str, Any] | None = None,
        outputs: dict[str, JobIO] | None = None,
        environment: str = "azureml:adventureworks-env:1",
        metrics: dict[str, float] | None = None,
        params: dict[str, Any] | None = None,
        display_name: str | None = None,
        created: dt.datetime | None = None,
        name: str | None = None,
        tags: dict[str, str] | None = None,
        description: str | None = None,
    ) -> str:
        """Add a command job and its MLflow run (run id == job name, as in Azure ML). Returns the name."""
        job = JobRecord(
            name=name or self.new_job_name(),
            experiment=experiment,
            status=status,
            compute=compute,
            command=command,
            inputs=dict(inputs or {}),
            outputs=dict(outputs or {}),
            environment=environment,
            created=self._created(created),
            display_name=display_name,
            metrics={k: float(v) for k, v in (metrics or {}).items()},
            params={k: str(v) for k, v in (params or {}).items()},
            tags=dict(tags or {}),
            description=description,
        )
        if self.run_logger is not None:
            self.run_logger.log_job(job)
        self.jobs[job.name] = job
        return job.name

    # -- endpoints --------------------------------------------------------------------------

    def add_online_endpoint(
        self,
        name: str,
        *,
        auth_mode: str = "key",
        state: str = "Succeeded",
        traffic: dict[str, int] | None = None,
        keys: tuple[str, str] = ("primary-key-0000", "secondary-key-0000"),
        description: str | None = None,
        created: dt.datetime | None = None,
    ) -> EndpointRecord:
        record = EndpointRecord(
            name, auth_mode, state, dict(traffic or {}), tuple(keys), self._created(created), description
        )
        self.endpoints[name] = record
        self.deployments.setdefault(name, {})
        return record

    def add_online_deployment(
        self,
        endpoint: str,
        name: str,
        *,
        state: str = "Succeeded",
        model: str = "azureml:adventureworks-forecast:1",
        instance_type: str = "Standard_DS3_v2",
        instance_count: int = 1,
        environment: str | None = None,
        created: dt.datetime | None = None,
    ) -> DeploymentRecord:
        if endpoint not in self.endpoints:
            raise KeyError(f"add the online endpoint {endpoint!r} before its deployments")
        record = DeploymentRecord(
            endpoint, name, state, model, instance_type, instance_count, self._created(created), environment
        )
        self.deployments.setdefault(endpoint, {})[name] = record
        return record
