"""The azure target: a team's Azure ML workspace, through the real azure-ai-ml SDK.

Entities come from `azure.ai.ml.MLClient` with `DefaultAzureCredential`; run
metrics and parameters from MLflow's REST client on the workspace's MLflow
tracking URI (a job's MLflow run id is the job's name). SDK objects stay in
this file: checks get the plain types of targets/base.py.

Strictly read-only: only GETs, plus the POST that lists an endpoint's keys and
the scoring requests.

Every way Azure says no becomes one sentence a team can act on, raised as
AccessDenied (no credential, 401, 403 — naming the role to grant), NotFound
(the workspace), or TargetError (throttling after retries, 5xx, timeouts, DNS
failure): the runner reports those as `error`, never `failed`.

The workspace comes from, in this order: AZURE_SUBSCRIPTION_ID +
AZURE_RESOURCE_GROUP + AZUREML_WORKSPACE_NAME; ohcheck.yaml's `azure:` names;
ohcheck.yaml's `azure.config_file`; a config.json as the portal downloads it,
found as `MLClient.from_config` finds it (config.json or .azureml/config.json
in the repo or a parent folder).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from ohcheck.azure import identity
from ohcheck.azure.addresses import ARM_SCOPE, arm_base_url
from ohcheck.azure.failures import classify, mlflow_failure, sentence
from ohcheck.azure.failures import first_line as _first_line
from ohcheck.azure.identity import NO_CREDENTIAL, token_owner
from ohcheck.azure.sdk_print import schedule_prints_to_log
from ohcheck.azure.sdk_values import as_word as _text
from ohcheck.azure.sdk_values import either_field as _either
from ohcheck.azure.sdk_values import squeezed as _squeezed
from ohcheck.azure.usage import family_usage, regional_usage
from ohcheck.config import Config
from ohcheck.errors import ConfigError
from ohcheck.i18n import Msg, as_msg, msg
from ohcheck.redaction import Redactor
from ohcheck.targets.base import (
    AccessDenied,
    Capabilities,
    Compute,
    ComputeQuota,
    DataAsset,
    Deployment,
    Endpoint,
    Environment,
    Identity,
    Job,
    JobIO,
    ModelContents,
    ModelVersion,
    NotFound,
    Run,
    Schedule,
    ScoreReply,
    Step,
    TargetError,
    Workspace,
    in_dependency_order,
    target_warning,
)
from ohcheck.targets.mlflow_runs import to_run
from ohcheck.transient import AZURE_RETRY, RetryPolicy, retry_scale
from ohcheck.azure.workspace_config import WorkspaceRef, find_config_json, read_config_json

T = TypeVar("T")
ENV_NAMES = ("AZURE_SUBSCRIPTION_ID", "AZURE_RESOURCE_GROUP", "AZUREML_WORKSPACE_NAME")
READ_ROLE = msg("Reader (or AzureML Data Scientist)")
KEYS_ROLE = msg("AzureML Data Scientist")


@dataclass(frozen=True)
class Doing:
    """What an SDK call was doing, both ways a sentence says it: "while it {done}", "may not {do}".

    Two messages, as English needs two verb forms (listed / list); a language
    that needs one translates both alike. Reading is the same either way: `doing(msg("read X"))`.
    """

    done: Msg
    do: Msg


def doing(done: Msg, do: Msg | None = None) -> Doing:
    return Doing(done, done if do is None else do)


# Every module the target imports lazily. Imported together, once, before the criteria start
# (AzureTarget.prepare, called by the runner): criteria threads importing azure-ai-ml, azure-core's
# exceptions and MLflow at the same moment deadlock on Python's module locks (_DeadlockError,
# "partially initialized module azure.core.pipeline"), as a cold verify did.
SDK_MODULES = (
    "azure.core.exceptions",
    "azure.core.pipeline.policies",
    "azure.identity",
    "azure.ai.ml",
    "azure.ai.ml.constants",
    "azure.ai.ml.entities",
    "azure.ai.ml.operations",
    "azure.ai.ml.operations._schedule_operations",
    "mlflow.version",
    "mlflow.utils.rest_utils",
    "mlflow.store.tracking.rest_store",
)
_imported = threading.Lock()


def import_sdk() -> None:
    """Import what the azure target needs, once per process; safe to call from any thread, any number of times.

    One function on purpose: it can be started early in the background (while the CLI
    reads its config) and every later call waits for that import instead of racing it.
    A module that is not installed is left for the criterion that needs it to report.
    """
    import importlib

    with _imported:
        for name in SDK_MODULES:
            try:
                importlib.import_module(name)
            except ImportError:
                continue


def azure_retry_policy(policy: RetryPolicy = AZURE_RETRY) -> Any:
    """azure-core's RetryPolicy with ohcheck's bounds (transient.AZURE_RETRY), for every SDK request.

    azure-core retries 429, 408 and 5xx, honouring Retry-After, and a dropped connection, for
    GETs. Three changes: POST .../listKeys only reads the keys, so it is retried like a GET
    (azure-core retries a POST on 500/503/504 only, and never after a dropped connection); a
    Retry-After longer than the policy's longest wait is not waited out (the 429 surfaces at
    once and is said as throttling, not as the criterion's time running out); and the back-off
    follows OHCHECK_RETRY_SCALE, which only ohcheck's tests set. A read timeout or a refused
    connection is tried once more only: each try can take the whole timeout.
    """
    from azure.core.pipeline.policies import RetryPolicy as CoreRetryPolicy

    class BoundedRetryPolicy(CoreRetryPolicy):
        def _is_method_retryable(self, settings: Any, request: Any, response: Any = None) -> bool:
            if str(request.method).upper() == "POST" and _reads_only(str(request.url)):
                return True
            return bool(super()._is_method_retryable(settings, request, response))

        def is_retry(self, settings: Any, response: Any) -> bool:
            asked = self.get_retry_after(response)
            if asked is not None and asked > policy.longest_wait:
                return False
            return bool(super().is_retry(settings, response))

        def get_backoff_time(self, settings: Any) -> float:
            return float(super().get_backoff_time(settings)) * retry_scale()

    return BoundedRetryPolicy(retry_total=policy.retries, retry_connect=1, retry_read=1,
                              retry_backoff_factor=policy.backoff, retry_backoff_max=policy.longest_backoff)


def _reads_only(url: str) -> bool:
    """The POSTs ohcheck sends that change nothing: an online endpoint's listKeys."""
    from urllib.parse import urlsplit

    return urlsplit(url).path.rstrip("/").lower().endswith("/listkeys")


def resolve_workspace(config: Config, repo_root: Path) -> WorkspaceRef:
    """Which workspace to check, from the environment, ohcheck.yaml or a config.json."""
    env = [os.environ.get(name) for name in ENV_NAMES]
    if all(env):
        return WorkspaceRef(env[0], env[1], env[2], source=msg("the environment"))  # type: ignore[arg-type]
    if any(env):
        missing = [name for name, value in zip(ENV_NAMES, env) if not value]
        raise ConfigError(msg("Set all of {names} or none; {missing} is missing.", names=list(ENV_NAMES),
                              missing=missing))
    azure = config.azure
    names = (azure.subscription_id, azure.resource_group, azure.workspace)
    if all(names):
        return WorkspaceRef(*names, source="ohcheck.yaml")  # type: ignore[arg-type]
    if any(names):
        raise ConfigError(msg(
            "ohcheck.yaml names the workspace only in part: `azure:` needs subscription_id, "
            "resource_group and workspace together."
        ))
    if azure.config_file:
        return read_config_json(repo_root / azure.config_file)
    found = find_config_json(repo_root)
    if found:
        return read_config_json(found)
    raise ConfigError(
        msg("No Azure ML workspace is named for the azure target."),
        hint=msg("Download config.json from the workspace's overview page in the portal and run "
                 "`ohcheck init --config-json config.json --force`, or set AZURE_SUBSCRIPTION_ID, "
                 "AZURE_RESOURCE_GROUP and AZUREML_WORKSPACE_NAME."),
    )


class AzureTarget:
    name = "azure"
    can = Capabilities(workspace=True, job_origins=True, traffic_split=True, endpoint_auth=True)

    def __init__(
        self,
        config: Config,
        repo_root: Path,
        redactor: Redactor | None = None,
        credential: Any = None,
        workspace: WorkspaceRef | None = None,
    ) -> None:
        self.config = config
        self.repo_root = repo_root
        # A workspace given here (a coach's event file names it) wins over the AZURE_* variables
        # of the coach's shell: those name the coach's own workspace, not the team's.
        self.ref = workspace or resolve_workspace(config, repo_root)
        self.redactor = redactor or Redactor()
        self._credential = credential
        self._client: Any = None
        self._workspace: Workspace | None = None
        self._mlflow: Any = None
        self._experiments: dict[str, str] = {}  # experiment id -> name (see _as_job)
        self._lock = threading.Lock()
        self._timeout = config.azure.request_timeout

    # -- plumbing -------------------------------------------------------------------
    def prepare(self) -> None:
        """Before the criteria start (the runner calls it): import the SDK once, on this thread."""
        import_sdk()

    def _ml(self) -> Any:
        """The MLClient, made on first use (it makes no network call itself)."""
        with self._lock:
            if self._client is None:
                from azure.ai.ml import MLClient  # imported lazily: slow to import

                if self._credential is None:
                    self._credential = identity.default_credential()  # through the module: tests hand out the fake's
                self._client = MLClient(
                    self._credential,
                    self.ref.subscription_id,
                    self.ref.resource_group,
                    self.ref.workspace,
                    # One policy for every operation group (each service client takes
                    # `retry_policy`): bounded, so a throttled workspace ends as `error` in
                    # seconds, not minutes; listKeys retried too (see azure_retry_policy).
                    retry_policy=azure_retry_policy(),
                    connection_timeout=min(self._timeout, 15),
                    read_timeout=self._timeout,
                    show_progress=False,
                    enable_telemetry=False,
                )
            return self._client

    def _call(self, what: Doing, operation: Callable[[], T], *, role: str = READ_ROLE) -> T:
        """Run one SDK operation; translate how it failed into a target error."""
        try:
            return operation()
        except Exception as exc:  # noqa: BLE001 - every failure is translated or re-raised
            raise self._translate(exc, what, role) from None

    def _translate(self, exc: Exception, what: Doing | str, role: str) -> Exception:
        if not isinstance(what, Doing):  # plain text: said as it is, both ways
            what = doing(as_msg(what))
        failure = classify(exc)
        ws, code = self.ref.workspace, failure.code
        if failure.kind == "no-credential":
            return AccessDenied(NO_CREDENTIAL)
        if failure.kind == "unauthorized":
            return AccessDenied(msg(
                "Azure refused the credential's token (401{code}) while it {what}: sign in again with `az login`",
                code=code, what=what.done,
            ))
        if failure.kind == "forbidden":
            return AccessDenied(msg(
                "the credential may not {what} (403{code}): give it the {role} role on "
                "workspace {workspace} (resource group {group})",
                what=what.do, code=code, role=role, workspace=ws, group=self.ref.resource_group,
            ))
        if failure.kind == "not-found":
            where = {"workspace": ws, "group": self.ref.resource_group, "subscription": self.ref.subscription_id,
                     "source": self.ref.source}
            if code:
                return NotFound(msg("workspace {workspace} was not found in resource group {group} of subscription "
                                    "{subscription} (from {source}) ({code})", **where, code=code.strip()))
            return NotFound(msg("workspace {workspace} was not found in resource group {group} of subscription "
                                "{subscription} (from {source})", **where))
        return TargetError(sentence(failure, msg("while it {what}", what=what.done), arm_url=arm_base_url(),
                                    timeout=self._timeout))

    def _ensure_workspace(self) -> Workspace:
        """The workspace, read once per run: a missing one stops every other question early."""
        if self._workspace is None:
            ws = self._call(doing(msg("read the workspace")), lambda: self._ml().workspaces.get(self.ref.workspace))
            self._workspace = Workspace(
                name=ws.name,
                location=ws.location or "",
                resource_group=self.ref.resource_group,
                subscription_id=self.ref.subscription_id,
                tracking_uri=ws.mlflow_tracking_uri or "",
            )
        return self._workspace

    def _missing(self, what: Doing, operation: Callable[[], T]) -> T | None:
        """Run a lookup of one named thing; None when only that thing is missing."""
        from azure.core.exceptions import ResourceNotFoundError

        self._ensure_workspace()
        try:
            return operation()
        except ResourceNotFoundError:
            return None
        except Exception as exc:  # noqa: BLE001
            if _is_missing_asset(exc):
                return None
            raise self._translate(exc, what, READ_ROLE) from None

    # -- the protocol -------------------------------------------------------------------
    def workspace(self) -> Workspace:
        return self._ensure_workspace()

    def signed_in_as(self) -> str:
        """Who the credential is (from its token's claims); AccessDenied when there is none."""
        try:
            token = self._ml()._credential.get_token(ARM_SCOPE).token  # noqa: SLF001 - the client's own credential
        except Exception as exc:  # noqa: BLE001
            raise self._translate(exc, doing(msg("got a token"), msg("get a token")), READ_ROLE) from None
        self.redactor.register(token)
        return token_owner(token)

    def identity(self) -> Identity:
        who = self.signed_in_as()
        ws = self._ensure_workspace()
        return Identity(msg("signed in as {who}; workspace {workspace} answers", who=who, workspace=ws.name))

    def compute_quota(self, vm_size: str) -> ComputeQuota | None:
        """The vCPU quota of a VM size's family in the workspace's region; None if the size is not offered."""
        location = self._ensure_workspace().location
        ml = self._ml()
        sizes = self._call(doing(msg("listed the VM sizes of {region}", region=location),
                                 msg("list the VM sizes of {region}", region=location)),
                           lambda: list(ml.compute.list_sizes(location=location)))
        size = next((s for s in sizes if str(s.name).lower() == vm_size.lower()), None)
        if size is None:
            return None
        usages = self._call(doing(msg("listed the compute usage of {region}", region=location),
                                  msg("list the compute usage of {region}", region=location)),
                            lambda: list(ml.compute.list_usage(location=location)))

        family = family_usage(usages, str(size.family))
        regional = regional_usage(usages)
        return ComputeQuota(
            vm_size=str(size.name),
            family=str(size.family),
            vcpus=int(_either(size, "v_cp_us", "vCPUs") or 0),
            location=location,
            family_used=_either(family, "current_value", "currentValue"),
            family_limit=getattr(family, "limit", None),
            regional_used=_either(regional, "current_value", "currentValue"),
            regional_limit=getattr(regional, "limit", None),
        )

    def computes(self) -> list[Compute]:
        self._ensure_workspace()
        found = self._call(doing(msg("listed the computes"), msg("list the computes")),
                           lambda: list(self._ml().compute.list()))
        return [_compute(c) for c in found]

    def data_asset(self, name: str, version: str | None = None) -> DataAsset | None:
        ml = self._ml()
        asset = self._missing(
            doing(msg("read data asset {name}", name=name)),
            lambda: ml.data.get(name, version=version) if version else ml.data.get(name, label="latest"),
        )
        if asset is None:
            return None
        return DataAsset(name=asset.name, version=str(asset.version), type=_text(asset.type), path=_text(asset.path))

    def environment(self, name: str) -> Environment | None:
        env = self._missing(doing(msg("read environment {name}", name=name)),
                            lambda: self._ml().environments.get(name, label="latest"))
        if env is None:
            return None
        conda = env.conda_file if isinstance(env.conda_file, dict) else None
        return Environment(
            name=env.name,
            version=str(env.version),
            image=env.image or "",
            conda_file=conda,
            source=f"azureml:{env.name}:{env.version}",
        )

    def jobs(self, experiment: str) -> list[Job]:
        self._ensure_workspace()

        def listed() -> list[Any]:
            return [j for j in self._listed_jobs() if getattr(j, "experiment_name", None) == experiment]

        found = self._call(doing(msg("listed the jobs of experiment {experiment}", experiment=experiment),
                                 msg("list the jobs of experiment {experiment}", experiment=experiment)), listed)
        jobs = [self._as_job(j) for j in found]
        return sorted(jobs, key=lambda j: j.created or 0, reverse=True)

    def _listed_jobs(self) -> list[Any]:
        """The workspace's jobs, each parsed alone: one the SDK cannot load is left out, with a warning.

        jobs.list() parses a whole page at once and only a JobParsingError is caught per job
        (it yields None): any other error (a codeId that is no ARM id raises ValidationException)
        fails the page, and with it every question about jobs. So the same REST list is read
        here with the SDK's own per-job parser, JobOperations._handle_rest_errors, each job alone.
        """
        ops = self._ml().jobs
        left_out: list[str] = []

        def parse(rest_job: Any) -> Any:
            name = str(getattr(rest_job, "name", "") or "?")
            try:
                job = ops._handle_rest_errors(rest_job)  # noqa: SLF001 - the SDK's own parser
            except Exception as exc:  # noqa: BLE001 - this job only: the others still count
                left_out.append(msg("job {job} was left out: the Azure ML SDK cannot read it ({error})",
                                    job=name, error=_first_line(exc)))
                return None
            if job is None:
                left_out.append(msg("job {job} was left out: the Azure ML SDK cannot read it", job=name))
            return job

        try:
            arm_jobs = ops.service_client_01_2024_preview_arm.jobs
            scope = ops._operation_scope  # noqa: SLF001
            workspace = ops._workspace_name  # noqa: SLF001
            extra = ops._kwargs  # noqa: SLF001
        except AttributeError:  # another SDK version: its own list, one bad job spoils it
            return [j for j in ops.list() if j is not None]
        from azure.ai.ml.constants import ListViewType

        found = [j for j in arm_jobs.list(scope.resource_group_name, workspace, list_view_type=ListViewType.ACTIVE_ONLY,
                                          cls=lambda page: [parse(j) for j in page], **extra) if j is not None]
        for warning in left_out:
            target_warning(warning)
        return found

    def run(self, run_id: str) -> Run | None:
        store = self._mlflow_store()
        try:
            r = store.get_run(run_id)
        except Exception as exc:  # noqa: BLE001
            if "RESOURCE_DOES_NOT_EXIST" in str(exc) or "404" in str(exc):
                return None
            raise self._translate_mlflow(exc, msg("read the MLflow run of job {job}", job=run_id)) from None
        return to_run(r, str(r.info.experiment_id))

    def data_asset_of(self, io: JobIO) -> str | None:
        return asset_name_of(io.path, "data")

    # -- pipelines, schedules and metric histories ------------------------------------------
    def job(self, name: str) -> Job | None:
        found = self._missing(doing(msg("read job {job}", job=name)), lambda: self._ml().jobs.get(name))
        return self._as_job(found) if found is not None else None

    def _as_job(self, found: Any) -> Job:
        """An SDK job as a Job, its experiment by name: every job lookup goes through here.

        The service answers GET of a pipeline step's job with `properties: null`, and
        azure-ai-ml then reads the job from run history ("Child jobs are no longer available
        through MFE", JobOperations.get): a `_BaseJob` (type "base") whose experiment_name is
        the run's experimentId. In Azure ML the MLflow experiment id is that same id, so
        MLflow's get_experiment names it.
        """
        job = _job(found)
        if _text(getattr(found, "type", None)) == "base" and job.experiment:
            job = replace(job, experiment=self._experiment_name(job.experiment))
        return job

    def _experiment_name(self, experiment_id: str) -> str:
        """An experiment's name from its id (MLflow's get_experiment); the id itself if MLflow knows none."""
        with self._lock:
            if experiment_id in self._experiments:
                return self._experiments[experiment_id]
        store = self._mlflow_store()
        try:
            name = str(store.get_experiment(experiment_id).name)
        except Exception as exc:  # noqa: BLE001
            if "RESOURCE_DOES_NOT_EXIST" not in str(exc) and "404" not in str(exc):
                raise self._translate_mlflow(exc, msg("read experiment {experiment}", experiment=experiment_id)) from None
            name = experiment_id  # no such experiment: keep what the service said
        with self._lock:
            self._experiments[experiment_id] = name
        return name

    def pipeline_steps(self, job_name: str) -> list[Step]:
        """The nodes of a pipeline job, each with the component it runs and the child job that ran it.

        Three sources: the pipeline job (its nodes and their input bindings), the
        components the nodes reference (name, command, outputs: a node loaded from
        the service holds only a reference), and the child jobs, listed by the
        run-history service and each read in full with jobs.get.

        The service answers jobs.get(<step job>) without properties, so the SDK reads
        it from run history: the Step's job has type "base", no command, inputs or
        outputs, and its experiment named by id (resolved in _as_job).

        Assumed of the real service, not verifiable offline (tested against the fake only):
        * A step's job is shown under its node's name, or the node's display_name.
        * Run history lists all children in its first page: azure-ai-ml 1.35 reads no
          further page, so a pipeline with more steps than a page would lose some.
        * A component from a file (or an inline command) is registered as
          azureml_anonymous, keeping the YAML's name in its specification, which the
          SDK gives back as the component's name (an inline command has none: "").
        """
        ml = self._ml()
        pipeline = self._missing(doing(msg("read job {job}", job=job_name)), lambda: ml.jobs.get(job_name))
        if pipeline is None or _text(pipeline.type) != "pipeline":
            return []
        children = self._call(
            doing(msg("listed the steps of pipeline job {job}", job=job_name),
                  msg("list the steps of pipeline job {job}", job=job_name)),
            # The SDK yields None for a child it cannot parse: skip those.
            lambda: [c for c in ml.jobs.list(parent_job_name=job_name) if c is not None],
        )
        ran = self._step_jobs(children)
        components: dict[str, Any] = {}
        steps = []
        for node_name, node in (getattr(pipeline, "jobs", None) or {}).items():
            # Azure ML shows a step's job under the node's name, unless the node sets a display_name.
            child = ran.get(str(getattr(node, "display_name", None) or node_name))
            component = self._node_component(getattr(node, "component", None), components)
            steps.append(_step(node_name, node, component, child))
        return in_dependency_order(steps)

    def _step_jobs(self, children: list[Any]) -> dict[str, Job]:
        """Each child job read in full, by the name it is shown under; the newest wins a tie (a rerun)."""
        ml = self._ml()
        ran: dict[str, Job] = {}
        for child in sorted(children, key=_created_at):
            full = self._missing(doing(msg("read step job {job}", job=child.name)),
                                 lambda name=child.name: ml.jobs.get(name))
            if full is None:
                continue
            job = self._as_job(full)
            shown = job.display_name or str(getattr(child, "display_name", "") or "")
            ran[shown or job.name] = job
        return ran

    def _node_component(self, component: Any, cache: dict[str, Any]) -> Any:
        """The component a node runs: the object itself, or the registered version its reference names."""
        if component is None or not isinstance(component, str):
            return component
        if component not in cache:
            name, version = _component_reference(component)
            cache[component] = None
            if name and version:  # a workspace component; a registry one (azureml://registries/...) is not read
                cache[component] = self._optional(
                    doing(msg("read component {name}:{version}", name=name, version=version)),
                    lambda: self._ml().components.get(name, version=version),
                )
        return cache[component] or component

    def _optional(self, what: Doing, operation: Callable[[], T]) -> T | None:
        """A lookup that only adds detail: None when the thing is missing or the SDK cannot parse it.

        Azure saying no (401/403, throttling, 5xx, no network) is still an error.
        """
        from azure.core.exceptions import (
            ClientAuthenticationError,
            HttpResponseError,
            ResourceNotFoundError,
            ServiceRequestError,
            ServiceResponseError,
        )

        try:
            return operation()
        except ResourceNotFoundError:
            return None
        except (ClientAuthenticationError, HttpResponseError, ServiceRequestError, ServiceResponseError) as exc:
            raise self._translate(exc, what, READ_ROLE) from None
        except Exception:  # noqa: BLE001 - an entity the SDK cannot load: the step keeps what the node says
            return None

    def schedules(self) -> list[Schedule]:
        self._ensure_workspace()
        from azure.ai.ml.entities import JobSchedule
        from azure.ai.ml.operations import _schedule_operations

        # The SDK prints (to stdout, the --json report's) each schedule it cannot parse and leaves it out.
        schedule_prints_to_log()
        ml = self._ml()
        found = self._call(
            doing(msg("listed the schedules"), msg("list the schedules")),
            # "All": the default lists enabled schedules only, and a disabled one is worth reporting.
            # The enum is the one ScheduleOperations.list is typed with (azure-ai-ml exports no other).
            lambda: list(ml.schedules.list(list_view_type=_schedule_operations.ScheduleListViewType.ALL)),
        )
        schedules = []
        for entity in found:
            if not isinstance(entity, JobSchedule):  # a monitoring or data-import schedule: it submits no job
                continue
            job_type, experiment = self._scheduled_job(entity.create_job)
            schedules.append(_schedule(entity, job_type, experiment))
        return sorted(schedules, key=lambda s: s.name)

    def _scheduled_job(self, create_job: Any) -> tuple[str, str]:
        """(type, experiment) of the job a schedule submits; an existing job it names is read for them."""
        reference = create_job if isinstance(create_job, str) else None
        if reference is None and not getattr(create_job, "jobs", None) and getattr(create_job, "id", None):
            # create_job: <a job's name or id>: the SDK sends a pipeline definition holding only the
            # job's id (sourceJobId); assumed kept as sent by the service (not verifiable offline).
            reference = str(create_job.id)
        if reference is None:
            return _text(getattr(create_job, "type", None)), str(getattr(create_job, "experiment_name", "") or "")
        name = reference.rstrip("/").rsplit("/", 1)[-1].removeprefix("azureml:")
        job = self.job(name) if name else None
        return (job.type, job.experiment) if job else ("", "")

    def metric_history(self, run_id: str, key: str) -> list[float]:
        store = self._mlflow_store()
        try:
            history = store.get_metric_history(run_id, key)
        except Exception as exc:  # noqa: BLE001
            if "RESOURCE_DOES_NOT_EXIST" in str(exc) or "404" in str(exc):
                return []
            raise self._translate_mlflow(exc, msg("read metric {key} of job {job}", key=key, job=run_id)) from None
        return [m.value for m in sorted(history, key=lambda m: (m.step, m.timestamp))]

    def models(self, name: str) -> list[ModelVersion]:
        found = self._missing(doing(msg("listed the versions of model {name}", name=name),
                                    msg("list the versions of model {name}", name=name)),
                              lambda: list(self._ml().models.list(name=name)))
        if not found:
            return []
        versions = [_model(m) for m in found]
        return sorted(versions, key=lambda v: _version_key(v.version), reverse=True)

    def model_contents(self, version: ModelVersion) -> ModelContents:
        """Whether the job output a version was registered from (`azureml://jobs/<job>/outputs/<output>`) exists.

        Reading the files themselves takes the storage account's data plane, which
        ohcheck does not ask for; what the service knows is the job's outputs. A
        version registered from an output the job does not have (a deploy step's,
        which has no `model` output) holds nothing, whatever its name says. The
        artifacts folder (`outputs/artifacts`, `default`: where `runs:/` models
        live) and datastore paths cannot be looked into here: not judged.
        """
        path = version.source
        parts = [p for p in path.removeprefix("azureml://").split("/") if p]
        at = parts.index("jobs") if "jobs" in parts and "datastores" not in parts else -1
        if at < 0 or len(parts) < at + 4 or parts[at + 2] != "outputs":
            return ModelContents(None, msg("{path}: ohcheck cannot look inside it", path=path or msg("no path")))
        job_name, output = parts[at + 1], parts[at + 3]
        if output in ARTIFACT_OUTPUTS:
            return ModelContents(None, msg("the artifacts of job {job}: ohcheck cannot look inside them", job=job_name))
        job = self.job(job_name)
        if job is None:
            return ModelContents(False, msg("job {job}, which {path} names, does not exist", job=job_name, path=path))
        if job.type == "base" and not job.outputs:
            # A pipeline step's job, read back through run history, carries no outputs: its
            # node in the pipeline (the component it ran) says which outputs it has.
            return self._step_output_contents(job_name, output)
        io = job.outputs.get(output)
        if io is None:
            declared = [f"{k} ({o.type})" for k, o in job.outputs.items() if k not in ARTIFACT_OUTPUTS] or msg("none")
            return ModelContents(False, msg("job {job} has no output {output} (its outputs: {declared})", job=job_name,
                                            output=output, declared=declared))
        if not io.type:
            return ModelContents(None, msg("output {output} of job {job}", output=output, job=job_name))
        if io.type not in MODEL_OUTPUT_TYPES:
            return ModelContents(False, msg("output {output} of job {job} is a {type}, not a file or a folder",
                                            output=output, job=job_name, type=io.type))
        return ModelContents(True, msg("output {output} ({type}) of job {job}", output=output, type=io.type,
                                       job=job_name))

    def _step_output_contents(self, job_name: str, output: str) -> ModelContents:
        """Whether a pipeline step's job has an output: from the step its pipeline defines.

        The step's MLflow run names its pipeline (mlflow.parentRunId, as Azure ML tags a
        step's run); the pipeline's node for that job lists the outputs of its component.
        Where neither says, ohcheck cannot tell.
        """
        run = self.run(job_name)
        if run is None or not run.parent_id:
            return ModelContents(None, msg("output {output} of job {job}", output=output, job=job_name))
        step = next((s for s in self.pipeline_steps(run.parent_id) if s.job and s.job.name == job_name), None)
        # A step with a command is one whose component ohcheck read (or an inline command): its
        # outputs are all there are, none included. Without it (a registry component) they are unknown.
        if step is None or not (step.outputs or step.command):
            return ModelContents(None, msg("output {output} of job {job}", output=output, job=job_name))
        if output not in step.outputs:
            return ModelContents(False, msg("step {step} of pipeline job {pipeline} (job {job}) has no output {output} "
                                            "(its outputs: {declared})", step=step.name, pipeline=run.parent_id,
                                            job=job_name, output=output, declared=list(step.outputs) or msg("none")))
        return ModelContents(True, msg("output {output} of step {step} (job {job})", output=output, step=step.name,
                                       job=job_name))

    def endpoint(self, name: str) -> Endpoint | None:
        ml = self._ml()
        ep = self._missing(doing(msg("read online endpoint {name}", name=name)), lambda: ml.online_endpoints.get(name))
        if ep is None:
            return None
        deployments = self._call(
            doing(msg("listed the deployments of endpoint {name}", name=name),
                  msg("list the deployments of endpoint {name}", name=name)),
            lambda: list(ml.online_deployments.list(name)),
        )
        return Endpoint(
            name=ep.name,
            state=_text(ep.provisioning_state),
            auth_mode=_text(ep.auth_mode).lower(),
            scoring_uri=ep.scoring_uri or "",
            traffic={k: int(v) for k, v in (ep.traffic or {}).items()},
            deployments=tuple(_deployment(d) for d in deployments),
        )

    def endpoint_key(self, name: str) -> str:
        self._ensure_workspace()
        keys = self._call(
            doing(msg("listed the keys of endpoint {name}", name=name), msg("list the keys of endpoint {name}", name=name)),
            lambda: self._ml().online_endpoints.get_keys(name), role=KEYS_ROLE,
        )
        primary = getattr(keys, "primary_key", None)
        if not primary:
            raise TargetError(msg("endpoint {name} has no key: is its auth_mode key?", name=name))
        self.redactor.register(primary)
        self.redactor.register(getattr(keys, "secondary_key", None))
        return primary

    def score(self, endpoint: Endpoint, payload: Any, *, key: str | None = None, timeout: float = 30.0) -> ScoreReply:
        from ohcheck.scoring import post_score

        return post_score(endpoint.scoring_uri, payload, key=key, timeout=timeout)

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            for name in dir(client):
                if name.startswith("_service_client"):
                    closer = getattr(getattr(client, name, None), "close", None)
                    if callable(closer):
                        try:
                            closer()
                        except Exception:  # noqa: BLE001 - closing is best effort
                            pass

    # -- MLflow on the workspace's tracking URI ----------------------------------------
    def _mlflow_store(self) -> Any:
        with self._lock:
            if self._mlflow is not None:
                return self._mlflow
        uri = self._ensure_workspace().tracking_uri
        if not uri:
            raise TargetError(msg("workspace {workspace} reports no MLflow tracking URI", workspace=self.ref.workspace))
        host = mlflow_host(uri)
        # MLflow's own retries and timeout; bounded like the SDK's.
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", str(int(self._timeout)))
        from mlflow.store.tracking.rest_store import (
            RestStore,  # imported lazily: slow to import
        )
        from mlflow.utils.rest_utils import MlflowHostCreds

        credential = self._ml()._credential  # noqa: SLF001 - the client's own credential

        def creds() -> Any:
            try:
                token = credential.get_token(ARM_SCOPE).token
            except Exception as exc:  # noqa: BLE001
                raise self._translate(exc, doing(msg("got a token for MLflow"), msg("get a token for MLflow")),
                                      READ_ROLE) from None
            self.redactor.register(token)
            return MlflowHostCreds(host=host, token=token)

        with self._lock:
            self._mlflow = RestStore(creds)
            return self._mlflow

    def _translate_mlflow(self, exc: Exception, what: Msg) -> Exception:
        if isinstance(exc, TargetError):
            return exc
        text = str(exc)
        forbidden = msg("the credential may not read MLflow runs (403): give it the {role} role on workspace {workspace}",
                        role=READ_ROLE, workspace=self.ref.workspace)
        if "AuthorizationFailed" in text:  # MLflow wraps Azure's 403 body as INTERNAL_ERROR
            return AccessDenied(forbidden)
        for status, role in (("403", READ_ROLE), ("401", None)):
            if f"{status}" in text and ("Forbidden" in text or "Unauthorized" in text or f"status code {status}" in text):
                if role:
                    return AccessDenied(forbidden)
                return AccessDenied(msg("Azure refused the credential's token for MLflow (401): sign in again with `az login`"))
        return TargetError(mlflow_failure(exc, what, self._timeout))


# Outputs a model can be registered from: a file or a folder (a model asset's own types too).
MODEL_OUTPUT_TYPES = ("uri_folder", "uri_file", "custom_model", "mlflow_model", "triton_model")
# Every job's artifacts folder, under either name the service uses for it.
ARTIFACT_OUTPUTS = ("artifacts", "default")


# -- SDK objects to plain types ---------------------------------------------------------
def _compute(c: Any) -> Compute:
    kind = {"amlcompute": "cluster", "computeinstance": "instance"}.get(_text(c.type).lower(), _text(c.type).lower())
    idle = getattr(c, "idle_time_before_scale_down", None)
    return Compute(
        name=c.name,
        kind=kind,
        state=_text(getattr(c, "state", None) or getattr(c, "provisioning_state", None)),
        vm_size=_text(getattr(c, "size", None)),
        min_instances=getattr(c, "min_instances", None),
        max_instances=getattr(c, "max_instances", None),
        idle_seconds_before_scale_down=int(idle) if idle is not None else None,
    )


def _safe(obj: Any, name: str) -> Any:
    """An attribute, or None: NodeInput raises ValidationException (not AttributeError) for .path of a literal."""
    try:
        return getattr(obj, name, None)
    except Exception:  # noqa: BLE001
        return None


def _io(value: Any) -> JobIO:
    # NodeInput / NodeOutput: read attributes; str() on one raises. A literal input has a type
    # (string, integer...) and its value in _data.
    data = _safe(value, "_data")
    path = _safe(value, "path") or _safe(data, "path")
    if path is None and isinstance(data, (str, int, float, bool)):
        path = data
    return JobIO(type=_text(_safe(value, "type") or _safe(data, "type")), path=_text(path))


def _strings(values: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (values or {}).items()}


def _created_at(entity: Any) -> float:
    created = getattr(getattr(entity, "creation_context", None), "created_at", None)
    return created.timestamp() if created else 0.0


def _job(j: Any) -> Job:
    return Job(
        name=j.name,
        type=_text(j.type),
        experiment=j.experiment_name or "",
        status=_text(j.status),
        created=_created_at(j) or None,
        command=str(getattr(j, "command", "") or ""),
        compute=str(getattr(j, "compute", "") or ""),
        environment=str(getattr(j, "environment", "") or ""),
        inputs={str(k): _io(v) for k, v in (getattr(j, "inputs", None) or {}).items()},
        outputs={str(k): _io(v) for k, v in (getattr(j, "outputs", None) or {}).items()},
        display_name=str(getattr(j, "display_name", "") or ""),
        tags=_strings(getattr(j, "tags", None)),
        properties=_strings(getattr(j, "properties", None)),
    )


# -- pipeline nodes ---------------------------------------------------------------------------
ANONYMOUS_COMPONENT = "azureml_anonymous"  # what Azure ML registers an inline (or file) component as


def _step(name: str, node: Any, component: Any, child: Job | None) -> Step:
    """A node as a Step: its component's name, command and outputs, its bindings, the job that ran it."""
    is_object = component is not None and not isinstance(component, str)
    if is_object:
        component_name = str(getattr(component, "name", "") or "")
    else:
        component_name = _component_reference(component or "")[0] or ""
    if component_name == ANONYMOUS_COMPONENT:
        component_name = ""
    command = (str(_safe(component, "command") or "") if is_object else "") or str(_safe(node, "command") or "")
    outputs = list((_safe(component, "outputs") or {}) if is_object else {})
    outputs += [o for o in (_safe(node, "outputs") or {}) if o not in outputs]
    if child is not None:
        command = command or child.command
        if not is_object:  # without the component, the outputs its job had are the best account
            outputs += [o for o in child.outputs if o != "default" and o not in outputs]
    inputs = {str(k): _binding(v) for k, v in (_safe(node, "inputs") or {}).items()}
    return Step(name=name, component=component_name, command=command, inputs=inputs, outputs=tuple(outputs), job=child)


def _binding(value: Any) -> str:
    """A node input as the pipeline wrote it: a ${{...}} binding, a data reference, or a literal's text."""
    data = _safe(value, "_data")
    if data is None and not hasattr(value, "_data"):
        data = value
    if isinstance(data, (str, int, float, bool)):
        return str(data)  # a binding (${{parent.inputs.data}}) or a literal: loaded from REST as text
    path = _safe(data, "path")
    if path is None:
        return ""
    return _data_reference(str(path))


def _data_reference(path: str) -> str:
    """A data input's path in the pipeline YAML's own words: azureml:NAME:VERSION or azureml:NAME@LABEL.

    The SDK gives a node's data input back as the ARM id the service stored
    (/subscriptions/.../data/NAME/versions/1), sometimes as NAME:1 or NAME@latest;
    a datastore path or a URL is kept as it is.
    """
    bare = path.removeprefix("azureml:")
    if bare.startswith("/subscriptions/"):
        parts = [p for p in bare.split("/") if p]
        if "data" in parts and parts.index("data") + 1 < len(parts):
            at = parts.index("data")
            rest = parts[at + 1:]
            if len(rest) >= 3 and rest[1] == "versions":
                return f"azureml:{rest[0]}:{rest[2]}"
            if len(rest) >= 3 and rest[1] == "labels":
                return f"azureml:{rest[0]}@{rest[2]}"
            return f"azureml:{rest[0]}"
        return path
    if "://" in path or path.startswith("${{") or "/" in bare:
        return path
    if ":" in bare or "@" in bare:
        return f"azureml:{bare}"
    return path


def _component_reference(reference: str) -> tuple[str | None, str | None]:
    """(name, version) of a component reference: name:version, azureml:name:version, an ARM id; a registry's too."""
    bare = reference.removeprefix("azureml:")
    if "/" in bare:
        parts = [p for p in bare.split("/") if p]
        if "components" not in parts:
            return None, None
        at = parts.index("components")
        name = parts[at + 1] if at + 1 < len(parts) else None
        version = parts[at + 3] if at + 3 < len(parts) and parts[at + 2] == "versions" else None
        # A registry component (azureml://registries/R/components/...) cannot be read from the workspace.
        return name, (version if "registries" not in parts else None)
    name, _, version = bare.partition(":")
    return (name or None), (version or None)


# -- schedules --------------------------------------------------------------------------------
def _schedule(entity: Any, job_type: str, experiment: str) -> Schedule:
    trigger = getattr(entity, "trigger", None)
    kind = _text(getattr(trigger, "type", None)).lower()
    interval = getattr(trigger, "interval", None)
    return Schedule(
        name=entity.name,
        enabled=bool(getattr(entity, "is_enabled", True)),
        trigger="cron" if kind == "cron" else "recurrence",
        cron=str(getattr(trigger, "expression", "") or "") if kind == "cron" else "",
        frequency=_text(getattr(trigger, "frequency", None)).lower() if kind != "cron" else "",
        interval=int(interval) if kind != "cron" and interval is not None else None,
        time_zone=_text(getattr(trigger, "time_zone", None)) or "UTC",
        job_type=job_type,
        experiment=experiment,
    )


def _model(m: Any) -> ModelVersion:
    created = getattr(getattr(m, "creation_context", None), "created_at", None)
    path = str(m.path or "")
    return ModelVersion(
        name=m.name,
        version=str(m.version),
        source=path,
        job_name=getattr(m, "job_name", None) or asset_name_of(path, "jobs"),
        tags={str(k): str(v) for k, v in (m.tags or {}).items()},
        type=_model_type(_text(m.type)),
        created=created.timestamp() if created else None,
    )


# The service spells a model's type CustomModel (examples/Workspace/ModelVersion/get.json); the CLI
# and the SDK's YAML say custom_model. The checks and the local target say it the CLI's way.
_MODEL_TYPES = {"custommodel": "custom_model", "mlflowmodel": "mlflow_model", "tritonmodel": "triton_model"}


def _model_type(value: str) -> str:
    return _MODEL_TYPES.get(_squeezed(value), value)


def _deployment(d: Any) -> Deployment:
    return Deployment(
        name=d.name,
        state=_text(d.provisioning_state),
        model=_model_reference(_text(d.model)),
        instance_type=str(getattr(d, "instance_type", "") or ""),
        instance_count=getattr(d, "instance_count", None),
    )


def asset_name_of(path: str, kind: str) -> str | None:
    """The asset a reference names, in any of the forms the SDK gives back.

    `azureml:NAME:1`, `azureml:NAME@latest`, `NAME:1` (what the SDK makes of an
    ARM id), `/subscriptions/.../KIND/NAME/versions/1` and `azureml://.../KIND/NAME/...`.
    A datastore path (`azureml://datastores/...`) or a URL names no asset.
    """
    if not path:
        return None
    parts = [p for p in path.removeprefix("azureml://").split("/") if p]
    if "/" in path:
        if kind not in parts or "datastores" in parts:
            return None
        index = parts.index(kind)
        after = parts[index + 2] if index + 2 < len(parts) else None
        if index + 1 < len(parts) and (kind != "data" or after in (None, "versions", "labels")):
            return parts[index + 1]
        return None
    if kind != "data" or "://" in path:
        return None
    name = path.removeprefix("azureml:").split("@")[0].split(":")[0]
    return name or None


def _model_reference(reference: str) -> str:
    """`.../models/NAME/versions/3` as `NAME:3`; other forms unchanged."""
    parts = [p for p in reference.split("/") if p]
    if "models" in parts and "versions" in parts:
        name = parts[parts.index("models") + 1]
        version = parts[parts.index("versions") + 1] if parts.index("versions") + 1 < len(parts) else ""
        return f"{name}:{version}" if version else name
    return reference


def _version_key(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (-1, version)


def _is_missing_asset(exc: Exception) -> bool:
    # The SDK wraps some lookups of a missing asset in its own exception type.
    text = str(exc).lower()
    return type(exc).__name__ in {"MlException", "ValidationException"} and ("not found" in text or "does not exist" in text)


def mlflow_host(tracking_uri: str) -> str:
    """The https address MLflow's REST client is given for a workspace's tracking URI.

    What azureml-mlflow (the package Azure ML's docs have users install) does, read from its
    source (1.62: azureml/mlflow/_store/azureml_reststore.py, get_host_credentials): the
    tracking URI's host, then `/mlflow/v2.0` for an MLflow 2 or 3 client (`/mlflow/v1.0` only
    for 1.x), then the workspace's scope (/subscriptions/.../workspaces/NAME); its token is
    for Azure Resource Manager (`https://management.azure.com/.default`, ohcheck.azure.addresses.ARM_SCOPE). The
    workspace itself still names `.../mlflow/v1.0/...` as its mlflow_tracking_uri.

    Mimicked rather than depended on: azureml-mlflow pins mlflow-skinny<=3.15 (ohcheck runs a
    newer MLflow), brings azure-storage-blob, msrest and pinned pytz with it, and ohcheck reads
    runs and metric histories only: three facts (host, path, token scope), all kept here.
    """
    from urllib.parse import urlsplit

    parts = urlsplit(tracking_uri)
    scheme = "https" if parts.scheme in ("azureml", "") else parts.scheme
    path = parts.path
    at = path.find("/subscriptions/")
    if at < 0:  # not a workspace's URI: an MLflow server of one's own, taken as it is
        return tracking_uri if parts.scheme != "azureml" else f"https://{parts.netloc}{path}"
    return f"{scheme}://{parts.netloc}{_mlflow_api()}{path[at:].rstrip('/')}"


def _mlflow_api() -> str:
    from mlflow.version import VERSION  # imported lazily: slow to import

    major = int(VERSION.split(".", 1)[0]) if VERSION.split(".", 1)[0].isdigit() else 2
    return "/mlflow/v1.0" if major < 2 else "/mlflow/v2.0"
