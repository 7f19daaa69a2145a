"""The local target: the embedded default, for teams (and tests) with no Azure.

Locally:
* the workspace's runs and registry are an MLflow store — by default SQLite at
  `.ohcheck/mlflow.db` in the team repo; a training "job" is an MLflow run;
* the registered environment is the environment YAML in the repo, read with
  azure-ai-ml's own loader;
* the data assets are the three CSVs in the repo;
* the online endpoint is the team's score.py served by Azure ML's local
  inference server (`ohcheck serve`) at `local.scoring_url`.
What has no local meaning (compute, a credential, key authentication, traffic
splits) raises NotOnThisTarget with the reason, so those criteria are skipped.

Read-only: a store that does not exist yet is reported as empty, never created.
MLflow and azure-ai-ml are imported inside the methods (each costs over a second).
"""

from __future__ import annotations

import threading
from pathlib import Path, PurePosixPath
from typing import Any

from ohcheck.config import Config
from ohcheck.i18n import msg
from ohcheck.targets.base import (
    Capabilities,
    Compute,
    DataAsset,
    Deployment,
    Endpoint,
    Environment,
    Identity,
    Job,
    JobIO,
    ModelContents,
    ModelVersion,
    NotOnThisTarget,
    Run,
    Schedule,
    ScoreReply,
    Step,
    TargetError,
    Workspace,
    in_dependency_order,
)
from ohcheck.targets.mlflow_runs import to_run

# MLflow run statuses in Azure ML's words, so checks speak one language.
_STATUS = {"FINISHED": "Completed", "FAILED": "Failed", "RUNNING": "Running", "SCHEDULED": "Queued", "KILLED": "Canceled"}
# What `ohcheck pipeline run` records on its runs (pipeline_local.py writes them).
_RUNNER_TAG = "ohcheck."
JOB_TYPE_TAG = "ohcheck.job_type"  # "pipeline" on the parent run, "command" on a step's run
STEP_TAG = "ohcheck.step"  # a step's run: the node's name in the pipeline
COMMAND_TAG = "ohcheck.command"  # a step's run: the command it ran
PIPELINE_ARTIFACT = "ohcheck-pipeline.json"  # the parent run: {"steps": {name: {component, command, inputs, outputs}}}
_CSV_FOR_ASSET = {"all": "mlops_forecast_data.csv", "year2013": "mlops_forecast_data2013.csv", "year2014": "mlops_forecast_data2014.csv"}


class LocalTarget:
    name = "local"

    def __init__(self, config: Config, repo_root: Path, redactor: Any = None, workspace: Any = None) -> None:
        # `workspace` pins an Azure workspace (open_target passes it to every target): none here.
        self.config = config
        self.repo_root = repo_root
        self.tracking_uri = resolve_tracking_uri(config.local.tracking_uri, repo_root)
        self.scoring_url = config.local.scoring_url
        self.can = Capabilities(workspace=False, job_origins=False, traffic_split=False, endpoint_auth=False,
                                serves_at=config.local.scoring_url, environment_file=config.paths.environment)
        self._client: Any = None

    # -- what only Azure has -------------------------------------------------
    def workspace(self) -> Workspace:
        raise NotOnThisTarget(msg(
            "there is no Azure ML workspace on the local target "
            "(locally the MLflow store {store} stands in for it)",
            store=self.config.local.tracking_uri,
        ))

    def identity(self) -> Identity:
        raise NotOnThisTarget(msg("the local target needs no credential; run with --target azure to check yours"))

    def computes(self) -> list[Compute]:
        raise NotOnThisTarget(msg("compute instances and clusters exist only in an Azure ML workspace"))

    def data_asset(self, name: str, version: str | None = None) -> DataAsset | None:
        raise NotOnThisTarget(msg(
            "data assets are registered in an Azure ML workspace; locally the CSV files in "
            "{folder}/ stand in for {name}",
            folder=self.config.paths.data, name=name,
        ))

    def endpoint_key(self, name: str) -> str:
        raise NotOnThisTarget(msg("the local inference server has no keys: it takes requests without authentication"))

    def schedules(self) -> list[Schedule]:
        raise NotOnThisTarget(msg(
            "schedules run only in an Azure ML workspace; locally nothing runs the pipeline on a timer"
        ))

    # -- the environment: the YAML in the repo ----------------------------------
    def environment(self, name: str) -> Environment | None:
        relative = self.config.paths.environment
        path = self.repo_root / relative
        if not path.is_file():
            return None
        from azure.ai.ml import load_environment  # imported lazily: slow to import

        try:
            env = load_environment(source=str(path))
        except Exception as exc:  # noqa: BLE001 - the loader raises many kinds; one sentence for all
            raise TargetError(msg("{file} is not a valid CLI v2 environment YAML: {error}", file=relative,
                                  error=_first_line(exc))) from None
        conda = env.conda_file
        if isinstance(conda, str):  # a path the loader did not resolve
            conda = None
        return Environment(
            name=env.name or name,
            version=str(env.version or "local"),
            image=env.image or "",
            conda_file=dict(conda) if conda else None,
            source=relative,
        )

    # -- the MLflow store ----------------------------------------------------------
    def _mlflow(self) -> Any:
        """An MlflowClient on the store, or None if the store does not exist yet."""
        if self._client is None:
            path = sqlite_path(self.tracking_uri)
            if path is not None and not path.is_file():
                return None
            mlflow_client = _mlflow_import().tracking.MlflowClient

            try:
                self._client = mlflow_client(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri)
            except Exception as exc:  # noqa: BLE001 - any store problem is "could not answer"
                raise TargetError(msg("the local MLflow store {store} cannot be opened: {error}",
                                      store=self.tracking_uri, error=exc)) from None
        return self._client

    def _runs(self, experiment: str) -> list[Any]:
        client = self._mlflow()
        if client is None:
            return []
        try:
            found = client.get_experiment_by_name(experiment)
            if found is None:
                return []
            return list(
                client.search_runs([found.experiment_id], order_by=["attribute.start_time DESC"], max_results=200)
            )
        except Exception as exc:  # noqa: BLE001
            raise TargetError(msg("the local MLflow store could not list runs of {experiment!r}: {error}",
                                  experiment=experiment, error=exc)) from None

    def jobs(self, experiment: str) -> list[Job]:
        jobs = []
        for r in self._runs(experiment):
            if r.data.tags.get("mlflow.parentRunId"):
                continue  # a child run is a step of a job, not a job
            jobs.append(self._job(r, experiment))
        return jobs

    def job(self, name: str) -> Job | None:
        r = self._get_run(name)
        if r is None:
            return None
        return self._job(r, self._mlflow().get_experiment(r.info.experiment_id).name)

    def _job(self, r: Any, experiment: str) -> Job:
        info, data = r.info, r.data
        inputs = {}
        if "data" in data.params:
            inputs["data"] = JobIO("uri_file", data.params["data"])
        outputs = {}
        artifacts = self._artifacts(info.run_id)
        if "model" in artifacts:
            outputs["model"] = JobIO("uri_folder", f"{info.artifact_uri}/model")
        tags = data.tags
        # `ohcheck pipeline run` marks its runs: the parent as a pipeline, each child with its step.
        properties = {k: v for k, v in tags.items() if k.startswith(_RUNNER_TAG)}
        if tags.get("mlflow.parentRunId"):
            properties["parent"] = tags["mlflow.parentRunId"]
        return Job(
            name=info.run_id,
            type=tags.get(JOB_TYPE_TAG, "command"),
            experiment=experiment,
            status=_STATUS.get(info.status, info.status.title()),
            created=(info.start_time or 0) / 1000 or None,
            command=tags.get(COMMAND_TAG) or tags.get("mlflow.source.name", ""),
            compute=None,
            inputs=inputs,
            outputs=outputs,
            display_name=info.run_name or "",
            tags={k: v for k, v in tags.items() if not k.startswith(("mlflow.", _RUNNER_TAG))},
            properties=properties,
        )

    def pipeline_steps(self, job_name: str) -> list[Step]:
        """The steps `ohcheck pipeline run` recorded with the parent run, each with its child run."""
        parent = self._get_run(job_name)
        if parent is None or parent.data.tags.get(JOB_TYPE_TAG) != "pipeline":
            return []
        definition = self._pipeline_definition(job_name)
        client = self._mlflow()
        try:
            children = client.search_runs(
                [parent.info.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{_quote(job_name)}'"
            )
        except Exception as exc:  # noqa: BLE001
            raise TargetError(msg("the local MLflow store could not list the steps of run {run}: {error}",
                                  run=job_name, error=exc)) from None
        experiment = client.get_experiment(parent.info.experiment_id).name
        ran = {c.data.tags.get(STEP_TAG, c.info.run_name): self._job(c, experiment) for c in children}
        return in_dependency_order([
            Step(
                name=name,
                component=node.get("component", ""),
                command=node.get("command", ""),
                inputs={k: str(v) for k, v in node.get("inputs", {}).items()},
                outputs=tuple(node.get("outputs", ())),
                job=ran.get(name),
            )
            for name, node in definition.items()
        ])

    def _pipeline_definition(self, run_id: str) -> dict[str, dict]:
        import json
        import os
        import tempfile

        # MLflow draws a progress bar on stderr for every download: noise in a check's output.
        os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
        with tempfile.TemporaryDirectory() as tmp:
            try:
                path = self._mlflow().download_artifacts(run_id, PIPELINE_ARTIFACT, tmp)
                return json.loads(Path(path).read_text(encoding="utf-8"))["steps"]
            except Exception as exc:  # noqa: BLE001 - a damaged record is "could not answer"
                raise TargetError(msg("pipeline run {run} has no readable {file}: {error}", run=run_id,
                                      file=PIPELINE_ARTIFACT, error=exc)) from None

    def _artifacts(self, run_id: str) -> set[str]:
        try:
            return {a.path for a in self._mlflow().list_artifacts(run_id)}
        except Exception:  # noqa: BLE001 - missing artifact folders just mean "none"
            return set()

    def _get_run(self, run_id: str) -> Any:
        client = self._mlflow()
        if client is None:
            return None
        try:
            return client.get_run(run_id)
        except Exception as exc:  # noqa: BLE001
            if "RESOURCE_DOES_NOT_EXIST" in str(exc) or "not found" in str(exc).lower():
                return None
            raise TargetError(msg("the local MLflow store could not read run {run}: {error}", run=run_id,
                                  error=exc)) from None

    def run(self, run_id: str) -> Run | None:
        r = self._get_run(run_id)
        if r is None:
            return None
        experiment = self._mlflow().get_experiment(r.info.experiment_id).name
        return to_run(r, experiment)

    def metric_history(self, run_id: str, key: str) -> list[float]:
        client = self._mlflow()
        if client is None:
            return []
        try:
            history = client.get_metric_history(run_id, key)
        except Exception as exc:  # noqa: BLE001
            if "RESOURCE_DOES_NOT_EXIST" in str(exc):
                return []
            raise TargetError(msg("the local MLflow store could not read metric {key} of run {run}: {error}",
                                  key=key, run=run_id, error=exc)) from None
        return [m.value for m in sorted(history, key=lambda m: (m.step, m.timestamp))]

    def data_asset_of(self, io: JobIO) -> str | None:
        """Locally the CSVs stand in for the data assets: a path to one of them names its asset."""
        for key, csv in _CSV_FOR_ASSET.items():
            if io.path.replace("\\", "/").endswith(f"{self.config.paths.data}/{csv}") or io.path == csv:
                return getattr(self.config.data_assets, key)
        return None

    def models(self, name: str) -> list[ModelVersion]:
        client = self._mlflow()
        if client is None:
            return []
        try:
            versions = client.search_model_versions(f"name = '{_quote(name)}'")
        except Exception as exc:  # noqa: BLE001
            if "RESOURCE_DOES_NOT_EXIST" in str(exc):
                return []
            raise TargetError(msg("the local MLflow registry could not list versions of {model!r}: {error}",
                                  model=name, error=exc)) from None
        return [
            ModelVersion(
                name=v.name,
                version=str(v.version),
                source=v.source or "",
                job_name=v.run_id or None,
                tags=dict(v.tags or {}),
                type="mlflow_registry",
                created=(v.creation_timestamp or 0) / 1000 or None,
            )
            for v in sorted(versions, key=lambda v: int(v.version), reverse=True)
        ]

    def model_contents(self, version: ModelVersion) -> ModelContents:
        """The files under the version's source, the artifact path `ohcheck serve` downloads and serves.

        A source that holds no file (a run without a `model` artifact, a folder that
        is gone) holds no model: `ohcheck serve` cannot serve it. What the run has
        instead is what was found.
        """
        mlflow = _mlflow_import()

        source = version.source
        if not source:
            return ModelContents(False, msg("no source at all"))
        try:
            files = self._files_under(source)
        except Exception as exc:  # noqa: BLE001 - any store problem is "could not answer"
            raise TargetError(msg("the local MLflow store could not list the files of {model} version {version} "
                                  "({source}): {error}", model=version.name, version=version.version,
                                  source=source, error=_first_line(exc))) from None
        if files:
            return ModelContents(True, files)
        if not version.job_name or self._get_run(version.job_name) is None:
            return ModelContents(False, msg("{source} holds no file", source=source))
        try:
            artifacts = sorted(a.path + ("/" if a.is_dir else "") for a in mlflow.artifacts.list_artifacts(
                run_id=version.job_name, tracking_uri=self.tracking_uri))
        except Exception:  # noqa: BLE001 - what the run has is only told, not judged
            artifacts = []
        if artifacts:
            return ModelContents(False, msg("{source} holds no file; run {run} has the artifacts {artifacts}",
                                            source=source, run=version.job_name, artifacts=artifacts))
        return ModelContents(False, msg("{source} holds no file; run {run} has no artifact at all", source=source,
                                        run=version.job_name))

    def _files_under(self, source: str, limit: int = 50) -> list[str]:
        """The files under an artifact URI (relative to it, at most `limit`); [source's name] if it is one file."""
        mlflow = _mlflow_import()

        def listed(uri: str) -> list[Any]:
            if uri.startswith("runs:/"):  # MLflow lists `runs:/<id>` (a run's root) only by run id
                run_id, _, path = uri.removeprefix("runs:/").strip("/").partition("/")
                found = mlflow.artifacts.list_artifacts(run_id=run_id, artifact_path=path or None,
                                                        tracking_uri=self.tracking_uri)
            else:
                found = mlflow.artifacts.list_artifacts(artifact_uri=uri, tracking_uri=self.tracking_uri)
            return list(found or [])

        root = source.rstrip("/")
        files: list[str] = []
        pending = [""]
        while pending and len(files) < limit:
            folder = pending.pop(0)
            for entry in listed(f"{root}/{folder}" if folder else root):
                relative = f"{folder}/{PurePosixPath(entry.path).name}" if folder else PurePosixPath(entry.path).name
                (pending if entry.is_dir else files).append(relative)
        if files or "/" not in root:
            return sorted(files)[:limit]
        # MLflow lists nothing under a file: a version registered from one file holds that file.
        parent, name = root.rsplit("/", 1)
        try:
            beside = listed(parent)
        except Exception:  # noqa: BLE001 - a parent MLflow cannot list (runs:) holds no such file
            return []
        return [name] if any(not e.is_dir and PurePosixPath(e.path).name == name for e in beside) else []

    # -- the endpoint: azmlinfsrv at local.scoring_url ----------------------------------
    def endpoint(self, name: str) -> Endpoint | None:
        """The server at local.scoring_url; None if nothing listens there.

        Whatever else is found there is one sentence (TargetError: undecided), never a crash: a port that
        answers oddly or not at all, a program that is no inference server, what is left of this repo's
        server after its master died (a gunicorn worker keeps the port until its next request).
        """
        import requests

        from ohcheck.local.serve_record import health_url, port_holder, port_of, running

        port = port_of(self.scoring_url)
        served = running(self.repo_root)
        # Looked at before the probe: a worker whose master is gone serves one more request, then ends.
        holder = port_holder(self.repo_root, port) if served is None and port else None
        try:
            probe = requests.get(health_url(self.scoring_url), timeout=5)
        except requests.RequestException as exc:
            holder = holder or (port_holder(self.repo_root, port) if port else None)
            if holder is None and isinstance(exc, requests.ConnectionError):
                return None  # nothing listens: nothing answers
            raise TargetError(msg("{url} did not answer as an inference server does ({problem}); port {port} is "
                                  "held by {holder}", url=self.scoring_url, problem=_http_problem(exc), port=port,
                                  holder=holder.said() if holder else msg("a program that has just stopped")
                                  )) from None
        if served is None:
            if holder is not None and holder.ours:
                raise TargetError(msg("only what is left of this repo's server (pid {pid}) answers at {url}, its "
                                      "master gone: run `ohcheck serve --stop`, then `ohcheck serve`",
                                      pid=holder.pid, url=self.scoring_url))
            if holder is not None and holder.pid is not None and not holder.inference:
                raise TargetError(msg("port {port} of {url} is held by {holder}, which is not an inference server: "
                                      "stop it, or choose another port in local.scoring_url", port=port,
                                      url=self.scoring_url, holder=holder.said()))
        state = "Succeeded" if probe.status_code == 200 else f"Unhealthy (HTTP {probe.status_code})"
        deployment = Deployment("local", state, model=served.model if served else "")
        return Endpoint(
            name=name, state=state, auth_mode="", scoring_uri=self.scoring_url, deployments=(deployment,)
        )

    def score(self, endpoint: Endpoint, payload: Any, *, key: str | None = None, timeout: float = 30.0) -> ScoreReply:
        import requests

        from ohcheck.scoring import post_score

        try:
            return post_score(endpoint.scoring_uri, payload, key=key, timeout=timeout)
        except requests.RequestException as exc:  # the local server stopped or broke: one sentence, undecided
            raise TargetError(msg("the local endpoint {url} did not answer: {problem}", url=endpoint.scoring_uri,
                                  problem=_http_problem(exc, timeout))) from None

    def close(self) -> None:
        self._client = None


def local_data_file(config: Config, repo_root: Path, asset: str) -> Path | None:
    """The CSV in the repo that stands for a data asset locally; None if the name is not one of the three."""
    for key, csv in _CSV_FOR_ASSET.items():
        if getattr(config.data_assets, key) == asset:
            return repo_root / config.paths.data / csv
    return None


def resolve_tracking_uri(uri: str, repo_root: Path) -> str:
    """Make a relative `sqlite:///path` absolute against the repo root, not the cwd."""
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        relative = uri[len("sqlite:///") :]
        return f"sqlite:///{(repo_root / relative).resolve()}"
    return uri


def sqlite_path(uri: str) -> Path | None:
    if uri.startswith("sqlite:///"):
        return Path(uri[len("sqlite:///") :].split("?", 1)[0])
    return None


def _quote(name: str) -> str:
    return name.replace("'", "''")


def _http_problem(exc: BaseException, timeout: float = 5.0) -> Any:
    """A requests failure in a few words (requests' own text is a paragraph of pool internals)."""
    import requests

    if isinstance(exc, requests.Timeout):
        return msg("no answer within {seconds:g} s", seconds=timeout)
    if isinstance(exc, requests.ConnectionError):
        if "refused" in str(exc).lower():
            return msg("the connection was refused")
        return msg("the connection closed without an HTTP answer")
    return msg("an answer that is not HTTP ({kind})", kind=type(exc).__name__)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


_MLFLOW_IMPORT = threading.Lock()


def _mlflow_import() -> Any:
    """mlflow, with its tracking client and artifacts loaded: imported lazily (it is slow to import, and
    challenges 00-01 never need it), and under a lock, because criteria run in threads and two threads
    importing one package at the same moment can find it partially initialised (as the azure target did)."""
    with _MLFLOW_IMPORT:
        import mlflow.artifacts
        import mlflow.tracking

        return mlflow

