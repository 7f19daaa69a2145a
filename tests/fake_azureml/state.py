"""What the fake workspace contains: plain, mutable records that tests seed and change.

A test builds a workspace with `ws.add_*` and may then poke at the records
(`ws.computes["cpu-cluster"].min_instances = 1`, `ws.exists = False`); the
server renders them into REST bodies on every request (see bodies.py), so a
change shows up in the next answer. Nothing here knows HTTP.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import string
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

# An input or output of a job: (type, path), e.g. ("uri_file", "azureml:transaction_ts2013:1").
# A plain str/int/float/bool input is a literal.
JobIO = tuple[str, "str | None"]
ScoringBehaviour = Callable[[Any], "tuple[int, Any]"]


class RunLogger(Protocol):
    """Where a job's metrics go (the MLflow store behind the fake)."""

    def log_job(self, job: JobRecord) -> str:
        """Log the job's run; the id of its experiment (Azure ML's run history and MLflow share it)."""
        ...


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
    # Below: what pipelines need. A command job has job_type "Command", no steps and no parent.
    job_type: str = "Command"  # the REST jobType: Command or Pipeline
    properties: dict[str, str] = field(default_factory=dict)  # the user's; the service adds its own
    metric_history: dict[str, list[float]] = field(default_factory=dict)  # key -> values at steps 0, 1, ...
    parent: str | None = None  # a pipeline step's job: the pipeline job's name
    component: str | None = None  # a pipeline step's job: "name:version" of the component it ran
    steps: list[StepRecord] = field(default_factory=list)  # a pipeline job: its nodes, in order
    settings: dict[str, Any] = field(default_factory=dict)  # a pipeline job: its settings block
    code: str | None = None  # a command job's codeId as stored; None: the ARM id of a code version


@dataclass
class StepRecord:
    """A node of a pipeline job as the pipeline defined it, and the name of the child job that ran it."""

    name: str
    component: str  # "name:version" of a registered component (azureml_anonymous:<hash> for an inline one)
    inputs: dict[str, Any]  # binding strings (${{parent...}}), (type, path) data inputs, or literals
    outputs: dict[str, JobIO]
    display_name: str | None = None  # set on the node: the child job is then named after it
    compute: str | None = None
    job: str | None = None  # the child job's name; None while the step has not started


@dataclass
class ComponentRecord:
    name: str  # the registered name: azureml_anonymous for a component defined inline in a pipeline
    version: str
    command: str
    inputs: dict[str, str]  # input name -> type
    outputs: dict[str, str]
    environment: str
    created: dt.datetime
    spec_name: str | None = None  # the name in the component's YAML (kept for an anonymous one)
    display_name: str | None = None


@dataclass
class ScheduleRecord:
    name: str
    enabled: bool
    trigger: dict[str, Any]  # the REST trigger body (triggerType Cron or Recurrence)
    action: dict[str, Any]  # the REST action body (actionType CreateJob or CreateMonitor)
    created: dt.datetime
    display_name: str | None = None
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class PipelineStep:
    """How a test describes one step of a pipeline job to `WorkspaceState.add_pipeline_job`.

    `component` is the registered component's name ("" for an inline command: the
    service registers it as an anonymous component). `inputs` are the node's
    bindings (`${{parent.jobs.train.outputs.model}}`, `${{parent.inputs.data}}`),
    data inputs as (type, path), or literals. `status` None: the step never
    started (no child job). The rest is the child job's MLflow run.
    """

    name: str
    component: str = ""
    command: str = "python run.py"
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, JobIO] | tuple[str, ...] = ()
    status: str | None = "Completed"
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    metric_history: dict[str, list[float]] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    display_name: str | None = None  # a node-level display name (the child job takes it)
    # A component the pipeline loaded from a file (component: ../components/train.yml): the SDK
    # registers it anonymously, keeping `component` as the name inside its specification only.
    from_file: bool = False
    component_version: str = "1"
    compute: str | None = None  # None: the pipeline's default compute
    environment: str = "azureml:adventureworks-env:1"
    job_name: str | None = None  # the child job's name; made up when None


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


ANONYMOUS_COMPONENT = "azureml_anonymous"  # the name Azure ML registers inline components under
_UPSTREAM_OUTPUT = re.compile(r"^\$\{\{\s*parent\.jobs\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}$")
_PIPELINE_INPUT = re.compile(r"^\$\{\{\s*parent\.inputs\.([\w-]+)\s*\}\}$")


def _resolve_binding(value: Any, pipeline: JobRecord, steps: dict[str, StepRecord]) -> Any:
    """What a step's job gets for one node input: the pipeline input's value, or the upstream job's output."""
    if not isinstance(value, str):
        return value
    match = _PIPELINE_INPUT.match(value)
    if match:
        return pipeline.inputs.get(match[1], value)
    match = _UPSTREAM_OUTPUT.match(value)
    if match and match[1] in steps:
        upstream = steps[match[1]]
        kind = upstream.outputs.get(match[2], ("uri_folder", None))[0]
        path = f"azureml://jobs/{upstream.job}/outputs/{match[2]}" if upstream.job else None
        return (kind, path)
    return value


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
    components: dict[str, dict[str, ComponentRecord]] = field(default_factory=dict)  # name -> version -> record
    schedules: dict[str, ScheduleRecord] = field(default_factory=dict)
    # endpoint name -> callable(payload) -> (status, json body); missing: the default forecast behaviour.
    scoring_behaviour: dict[str, ScoringBehaviour] = field(default_factory=dict)
    run_logger: RunLogger | None = field(default=None, repr=False)
    # experiment name -> its id, as MLflow and run history both give it (filled as jobs are logged).
    experiment_ids: dict[str, str] = field(default_factory=dict)
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
        properties: dict[str, str] | None = None,
        metric_history: dict[str, list[float]] | None = None,
    ) -> str:
        """Add a command job and its MLflow run (run id == job name, as in Azure ML). Returns the name.

        `metric_history` logs every value of a metric, at steps 0, 1, ...; `metrics` logs one value each.
        """
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
            properties=dict(properties or {}),
            metric_history={k: [float(v) for v in values] for k, values in (metric_history or {}).items()},
        )
        return self._add_job(job)

    def experiment_id(self, experiment: str) -> str:
        """The id Azure ML knows an experiment by: MLflow's experiment id, also run history's experimentId."""
        return self.experiment_ids.get(experiment) or str(uuid.uuid5(uuid.NAMESPACE_OID, "experiment:" + experiment))

    def _add_job(self, job: JobRecord) -> str:
        if self.run_logger is not None:
            self.experiment_ids[job.experiment] = str(self.run_logger.log_job(job))
        self.jobs[job.name] = job
        return job.name

    def add_pipeline_job(
        self,
        *,
        experiment: str,
        steps: list[PipelineStep | dict[str, Any]],
        status: str = "Completed",
        display_name: str | None = None,
        tags: dict[str, str] | None = None,
        properties: dict[str, str] | None = None,
        inputs: dict[str, Any] | None = None,
        outputs: dict[str, JobIO] | None = None,
        compute: str | None = "cpu-cluster",
        settings: dict[str, Any] | None = None,
        description: str | None = None,
        created: dt.datetime | None = None,
        name: str | None = None,
    ) -> str:
        """Add a pipeline job, its components, and one child job (with its MLflow run) per started step.

        Each step is a PipelineStep (or a dict of its fields). A child job is named
        like any job, shown under the step's name (or the node's display_name), in
        the pipeline's experiment; its inputs are the node's bindings resolved
        (a pipeline input's value, an upstream step's output). Returns the pipeline
        job's name; `jobs[name].steps[i].job` names each child job.
        """
        specs = [s if isinstance(s, PipelineStep) else PipelineStep(**s) for s in steps]
        if len({s.name for s in specs}) != len(specs):
            raise ValueError("two steps of a pipeline cannot have the same name")
        pipeline = JobRecord(
            name=name or self.new_job_name(),
            experiment=experiment,
            status=status,
            compute=compute,
            command="",
            inputs=dict(inputs or {}),
            outputs=dict(outputs or {}),
            environment="",
            created=self._created(created),
            display_name=display_name,
            tags=dict(tags or {}),
            description=description,
            job_type="Pipeline",
            properties=dict(properties or {}),
            settings=dict(settings or {}),
        )
        for spec in specs:
            outputs_of = spec.outputs if isinstance(spec.outputs, dict) else {o: ("uri_folder", None) for o in spec.outputs}
            pipeline.steps.append(StepRecord(
                name=spec.name,
                component=self._component_of(spec, outputs_of),
                inputs=dict(spec.inputs),
                outputs=dict(outputs_of),
                display_name=spec.display_name,
                compute=spec.compute,
                job=None if spec.status is None else (spec.job_name or self.new_job_name()),
            ))
        self._add_job(pipeline)
        by_name = {step.name: step for step in pipeline.steps}
        for index, (spec, step) in enumerate(zip(specs, pipeline.steps), start=1):
            if step.job is None:
                continue
            self._add_job(JobRecord(
                name=step.job,
                experiment=experiment,
                status=spec.status or "NotStarted",
                compute=spec.compute or compute,
                command=spec.command,
                inputs={k: _resolve_binding(v, pipeline, by_name) for k, v in step.inputs.items()},
                outputs=dict(step.outputs),
                environment=spec.environment,
                # Steps start after their pipeline, in order (a pipeline seeded in the past stays there).
                created=self._created(pipeline.created + dt.timedelta(seconds=index)),
                display_name=spec.display_name or spec.name,
                metrics={k: float(v) for k, v in spec.metrics.items()},
                params={k: str(v) for k, v in spec.params.items()},
                tags=dict(spec.tags),
                metric_history={k: [float(v) for v in values] for k, values in spec.metric_history.items()},
                parent=pipeline.name,
                component=step.component,
            ))
        return pipeline.name

    def _component_of(self, spec: PipelineStep, outputs: dict[str, JobIO]) -> str:
        """Register the step's component as submitting the pipeline would; its "name:version"."""
        if spec.component and not spec.from_file:
            name, version = spec.component, spec.component_version
        else:
            # An inline command, or a component from a file: the SDK registers it as an anonymous
            # component, versioned by a hash of its definition.
            name = ANONYMOUS_COMPONENT
            version = uuid.uuid5(uuid.NAMESPACE_OID, f"{spec.component}/{spec.name}/{spec.command}").hex
        versions = self.components.setdefault(name, {})
        if version not in versions:
            versions[version] = ComponentRecord(
                name=name,
                version=version,
                command=spec.command,
                inputs={k: (v[0] if isinstance(v, tuple) else "uri_folder" if "outputs." in str(v) else "string")
                        for k, v in spec.inputs.items()},
                outputs={k: v[0] for k, v in outputs.items()},
                environment=spec.environment,
                created=self._created(None),
                spec_name=spec.component or None,
            )
        return f"{name}:{version}"

    # -- schedules --------------------------------------------------------------------------

    def add_schedule(
        self,
        name: str,
        *,
        cron: str | None = None,
        frequency: str | None = None,
        interval: int = 1,
        enabled: bool = True,
        job_type: str = "pipeline",
        experiment: str | None = "adventureworks-forecast",
        time_zone: str = "UTC",
        source_job: str | None = None,
        monitor: bool = False,
        display_name: str | None = None,
        description: str | None = None,
        tags: dict[str, str] | None = None,
        created: dt.datetime | None = None,
    ) -> ScheduleRecord:
        """Add a schedule: a cron expression or a recurrence (frequency minute/hour/day/week/month, interval).

        It submits a job of `job_type` (pipeline or command) to `experiment`; with
        `source_job` it names an existing job instead of defining one (as
        `create_job: <job name>` does); `monitor=True` makes a model-monitoring schedule.
        """
        if (cron is None) == (frequency is None):
            raise ValueError("a schedule has either a cron expression or a recurrence frequency")
        if cron is not None:
            trigger: dict[str, Any] = {"triggerType": "Cron", "expression": cron}
        else:
            trigger = {"triggerType": "Recurrence", "frequency": frequency.capitalize(), "interval": interval,
                       "schedule": {"hours": [2], "minutes": [0], "weekDays": None, "monthDays": None}}
        trigger.update({"timeZone": time_zone, "startTime": None, "endTime": None})
        if monitor:
            action: dict[str, Any] = {"actionType": "CreateMonitor", "monitorDefinition": {
                "computeConfiguration": {"computeType": "ServerlessSpark", "instanceType": "standard_e4s_v3",
                                         "runtimeVersion": "3.3", "computeIdentity": {"computeIdentityType": "AmlToken"}},
                "signals": {}}}
        elif source_job is not None:
            action = {"actionType": "CreateJob", "jobDefinition": {"jobType": "Pipeline", "experimentName": "",
                                                                   "sourceJobId": source_job, "isArchived": False}}
        else:
            definition: dict[str, Any] = {"jobType": job_type.capitalize(), "isArchived": False}
            if experiment is not None:
                definition["experimentName"] = experiment
            action = {"actionType": "CreateJob", "jobDefinition": definition}
        record = ScheduleRecord(name, enabled, trigger, action, self._created(created), display_name, description,
                                dict(tags or {}))
        self.schedules[name] = record
        return record

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
