"""The MLflow side of the fake workspace: a real SQLite store, served by MLflow's own server app.

Azure ML keeps run metrics in MLflow: a job's name is its MLflow run id, and
the workspace answers MLflow's REST API under its tracking URI. The fake does
the same with MLflow's tracking-server Flask app (`mlflow.server.app`), so any
MLflow REST client works against it.

Two costs are kept out of tests that never touch MLflow: MLflow is imported
only when first needed, and the store's schema (alembic migrations, ~1 s) is
built once per process into a template database that each fake copies.

MLflow's server handlers find their store through module globals
(`mlflow.server.handlers._tracking_store` / `_model_registry_store`). Every
MLflow request therefore runs under one process-wide lock with those globals
pointed at this fake's store, so two fakes alive at once never read each
other's runs.
"""

from __future__ import annotations

import functools
import logging
import re
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .state import JobRecord

_SERVER_LOCK = threading.Lock()

# Azure ML job statuses -> MLflow run statuses.
_RUN_STATUS = {
    "Completed": "FINISHED",
    "Failed": "FAILED",
    "Canceled": "KILLED",
    "CancelRequested": "KILLED",
    "NotResponding": "FAILED",
    "NotStarted": "SCHEDULED",
    "Queued": "SCHEDULED",
    "Preparing": "SCHEDULED",
    "Provisioning": "SCHEDULED",
    "Starting": "RUNNING",
    "Running": "RUNNING",
    "Finalizing": "RUNNING",
}


@functools.lru_cache(maxsize=1)
def _template_database() -> Path:
    """An empty, fully migrated MLflow SQLite database, made once per process."""
    from mlflow.store.model_registry.sqlalchemy_store import (
        SqlAlchemyStore as RegistryStore,
    )
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    # MLflow announces every migration at INFO; that is noise in a test run.
    logging.getLogger("mlflow.store.db.utils").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="fake-azureml-mlflow-template-"))
    path = folder / "mlflow.db"
    uri = f"sqlite:///{path.as_posix()}"
    SqlAlchemyStore(uri, (folder / "artifacts").as_uri())
    RegistryStore(uri)
    return path


class MlflowBackend:
    """One fake's MLflow store (created on first use) and its REST front door."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.db_path = root / "mlflow.db"
        self.artifact_root = root / "mlartifacts"
        self.store_uri = f"sqlite:///{self.db_path.as_posix()}"
        self._tracking: Any = None
        self._registry: Any = None
        self._lock = threading.Lock()

    # -- the store ----------------------------------------------------------------------------

    @property
    def tracking_store(self) -> Any:
        self._ensure()
        return self._tracking

    def _ensure(self) -> None:
        with self._lock:
            if self._tracking is not None:
                return
            from mlflow.store.model_registry.sqlalchemy_store import (
                SqlAlchemyStore as RegistryStore,
            )
            from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

            self.root.mkdir(parents=True, exist_ok=True)
            if not self.db_path.exists():
                shutil.copyfile(_template_database(), self.db_path)
            self._tracking = SqlAlchemyStore(self.store_uri, self.artifact_root.as_uri())
            self._registry = RegistryStore(self.store_uri)

    def close(self) -> None:
        """Release the SQLite connections (so tmp_path can be removed on every platform)."""
        with self._lock:
            for store in (self._tracking, self._registry):
                engine = getattr(store, "engine", None)
                if engine is not None:
                    engine.dispose()
            self._tracking = self._registry = None

    def log_job(self, job: JobRecord) -> str:
        """Create the job's run in its experiment, with run id == job name, metrics, params and status.

        Returns the experiment's id: in Azure ML, MLflow's experiment id is the experiment's id in
        run history too (the `experimentId` of a run), which is how a step job names its experiment.
        """
        from mlflow.entities import Metric, Param, RunStatus, RunTag

        store = self.tracking_store
        experiment = store.get_experiment_by_name(job.experiment)
        experiment_id = experiment.experiment_id if experiment else store.create_experiment(job.experiment)
        start_ms = int(job.created.timestamp() * 1000)
        tags = [
            RunTag("mlflow.runName", job.display_name or job.name),
            RunTag("mlflow.user", "Team Student"),
            RunTag("mlflow.source.type", "JOB"),
            *(RunTag(k, v) for k, v in job.tags.items()),
        ]
        if job.job_type != "Pipeline":
            script = re.search(r"([\w.-]+\.py)\b", job.command)
            tags.append(RunTag("mlflow.source.name", script[1] if script else "train.py"))
        if job.parent:
            tags.append(RunTag("mlflow.parentRunId", job.parent))  # as Azure ML tags a pipeline step's run
        run = store.create_run(experiment_id, "Team Student", start_ms, tags, job.display_name or job.name)
        self._rename_run(run.info.run_id, job.name)
        metrics = [Metric(k, v, start_ms + 1000, 0) for k, v in job.metrics.items()]
        for key, values in job.metric_history.items():
            metrics += [Metric(key, v, start_ms + 1000 + step, step) for step, v in enumerate(values)]
        store.log_batch(job.name, metrics=[], params=[Param(k, v) for k, v in job.params.items()], tags=[])
        for start in range(0, len(metrics), 1000):  # log_batch takes at most 1000 metrics a call
            store.log_batch(job.name, metrics=metrics[start:start + 1000], params=[], tags=[])
        status = _RUN_STATUS.get(job.status, "RUNNING")
        finished = status in ("FINISHED", "FAILED", "KILLED")
        store.update_run_info(
            job.name,
            RunStatus.from_string(status),
            start_ms + 60_000 if finished else None,
            job.display_name or job.name,
        )
        return str(experiment_id)

    def _rename_run(self, old: str, new: str) -> None:
        """Give a just-created run the job's name as its id.

        MLflow's store always makes up a uuid; Azure ML's run id is the job name.
        At this point only `runs` and `tags` hold the id, so two UPDATEs do it.
        """
        connection = sqlite3.connect(self.db_path)
        try:
            with connection:
                connection.execute(
                    "UPDATE runs SET run_uuid = ?, artifact_uri = replace(artifact_uri, ?, ?) WHERE run_uuid = ?",
                    (new, old, new, old),
                )
                connection.execute("UPDATE tags SET run_uuid = ? WHERE run_uuid = ?", (new, old))
        finally:
            connection.close()

    # -- the REST API -------------------------------------------------------------------------

    def serve(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """Run one request through MLflow's server app, against this fake's store."""
        self._ensure()
        from mlflow.server import app as mlflow_app
        from mlflow.server import handlers

        with _SERVER_LOCK:
            handlers._tracking_store = self._tracking
            handlers._model_registry_store = self._registry
            try:
                # Drain the body inside the lock: the handlers read the store while it is produced.
                return [b"".join(mlflow_app.wsgi_app(environ, start_response))]
            finally:
                handlers._tracking_store = None
                handlers._model_registry_store = None


def warm_up() -> float:
    """Import MLflow and build the template store now (seconds taken); optional, for timing-sensitive tests."""
    started = time.perf_counter()
    _template_database()
    import mlflow.server  # noqa: F401

    return time.perf_counter() - started
