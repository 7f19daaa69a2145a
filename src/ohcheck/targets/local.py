"""The local target: the embedded default, for teams (and tests) with no Azure.

Locally the workspace is an MLflow store — by default SQLite at
`.ohcheck/mlflow.db` in the team repo — holding runs, metrics and registered
models, and the endpoint is the team's score.py served by Azure ML's own
local inference server at `local.scoring_url`. What has no local meaning
(compute, registered data assets, a credential) raises NotOnThisTarget with
the reason, so those criteria are skipped, never passed.

Read-only: a store that does not exist yet is reported as empty, never created.
MLflow is imported inside the methods (it costs over a second to import).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ohcheck.config import Config
from ohcheck.targets.base import (
    Compute,
    DataAsset,
    Identity,
    ModelVersion,
    NotOnThisTarget,
    Run,
    TargetError,
    Workspace,
)


class LocalTarget:
    name = "local"

    def __init__(self, config: Config, repo_root: Path) -> None:
        self.config = config
        self.repo_root = repo_root
        self.tracking_uri = resolve_tracking_uri(config.local.tracking_uri, repo_root)
        self.scoring_url = config.local.scoring_url
        self._client: Any = None

    # -- what only Azure has -------------------------------------------------
    def workspace(self) -> Workspace:
        raise NotOnThisTarget(
            "there is no Azure ML workspace on the local target "
            f"(locally the MLflow store {self.config.local.tracking_uri} stands in for it)"
        )

    def identity(self) -> Identity:
        raise NotOnThisTarget("the local target needs no credential; run with --target azure to check yours")

    def computes(self) -> list[Compute]:
        raise NotOnThisTarget("compute instances and clusters exist only in an Azure ML workspace")

    def data_asset(self, name: str, version: str | None = None) -> DataAsset | None:
        raise NotOnThisTarget(
            f"data assets are registered in an Azure ML workspace; locally the CSV files in "
            f"{self.config.paths.data}/ stand in for {name}"
        )

    # -- the MLflow store --------------------------------------------------------
    def _mlflow(self) -> Any:
        """An MlflowClient on the store, or None if the store does not exist yet."""
        if self._client is None:
            path = sqlite_path(self.tracking_uri)
            if path is not None and not path.is_file():
                return None
            from mlflow.tracking import MlflowClient  # imported lazily: slow to import

            try:
                self._client = MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri)
            except Exception as exc:  # noqa: BLE001 - any store problem is "could not answer"
                raise TargetError(f"the local MLflow store {self.tracking_uri} cannot be opened: {exc}") from None
        return self._client

    def runs(self, experiment: str) -> list[Run]:
        client = self._mlflow()
        if client is None:
            return []
        try:
            found = client.get_experiment_by_name(experiment)
            if found is None:
                return []
            runs = client.search_runs([found.experiment_id], order_by=["attribute.start_time DESC"], max_results=200)
        except Exception as exc:  # noqa: BLE001
            raise TargetError(f"the local MLflow store could not list runs of {experiment!r}: {exc}") from None
        return [_run(r, experiment) for r in runs]

    def latest_model(self, name: str) -> ModelVersion | None:
        client = self._mlflow()
        if client is None:
            return None
        try:
            versions = client.search_model_versions(f"name = '{_quote(name)}'")
        except Exception as exc:  # noqa: BLE001
            if "RESOURCE_DOES_NOT_EXIST" in str(exc):
                return None
            raise TargetError(f"the local MLflow registry could not list versions of {name!r}: {exc}") from None
        if not versions:
            return None
        newest = max(versions, key=lambda v: int(v.version))
        return ModelVersion(
            name=newest.name,
            version=str(newest.version),
            source=newest.source or "",
            run_id=newest.run_id or None,
            tags=dict(newest.tags or {}),
            aliases=tuple(getattr(newest, "aliases", ()) or ()),
            created=(newest.creation_timestamp or 0) / 1000 or None,
        )

    def close(self) -> None:
        self._client = None


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


def _run(r: Any, experiment: str) -> Run:
    info, data = r.info, r.data
    return Run(
        id=info.run_id,
        name=info.run_name or "",
        experiment=experiment,
        status=info.status,
        start_time=(info.start_time or 0) / 1000 or None,
        end_time=(info.end_time or 0) / 1000 or None,
        metrics=dict(data.metrics),
        params=dict(data.params),
        tags={k: v for k, v in data.tags.items() if not k.startswith("mlflow.")},
        parent_id=data.tags.get("mlflow.parentRunId"),
    )
