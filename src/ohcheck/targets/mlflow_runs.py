"""MLflow's runs as the targets' plain Run: both targets read runs with MLflow."""

from __future__ import annotations

from typing import Any

from ohcheck.targets.base import Run


def to_run(r: Any, experiment: str) -> Run:
    """An MLflow Run (from any store) as a target Run; MLflow's own tags are kept out of `tags`."""
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
        source=data.tags.get("mlflow.source.name", ""),
        parent_id=data.tags.get("mlflow.parentRunId"),
    )
