"""The evaluate step: the new model (challenger) against the registered one (champion).

    python evaluate.py --challenger DIR --data CSV --model-name NAME --decision OUT

Both models forecast the same held-out days: the last 10% of the series in CSV
(the days the challenger did not train on). Each forecasts from the day after its
own training data, so the champion, trained earlier, forecasts further ahead to
reach them: that is the honest comparison — it is what the champion would have
served on those days.

The challenger is promoted only if its RMSE is lower. The step logs both
forecasts (metrics champion_forecast / challenger_forecast, one step per day),
both errors and the decision with MLflow, and writes OUT/decision.json for the
register step, which records the decision on the model version.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import tempfile
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd

TRAIN_FRACTION = 0.9  # the held-out days: the same split train.py makes


def in_azure_ml() -> bool:
    """Inside an Azure ML job, Azure points MLflow at the workspace."""
    return os.environ.get("MLFLOW_TRACKING_URI", "").startswith("azureml:")


def load_series(path: str) -> pd.Series:
    frame = pd.read_csv(path, parse_dates=["TransactionDate"], index_col="TransactionDate")
    return frame["PaidAmount"].asfreq("D")


def load_model(folder: Path):
    found = sorted(folder.rglob("model.pkl"))
    if not found:
        raise SystemExit(f"no model.pkl under {folder}")
    with open(found[0], "rb") as handle:
        return pickle.load(handle)


def forecast_days(model, days: pd.DatetimeIndex) -> list[float]:
    """The model's forecast of `days`: it forecasts from the day after its training data."""
    ahead = (days[-1] - model.last_day).days
    if ahead < len(days):
        raise SystemExit(f"the model trained on days up to {model.last_day:%Y-%m-%d}, into the held-out days")
    return [float(v) for v in model.forecast(ahead)[-len(days):]]


def rmse(truth: np.ndarray, forecast: list[float]) -> float:
    return float(np.sqrt(np.mean((truth - np.asarray(forecast)) ** 2)))


def champion(name: str, workdir: Path):
    """The newest registered version and its files, or (None, None) if there is none yet."""
    if in_azure_ml():
        from register import workspace_client

        ml_client = workspace_client()
        versions = sorted(ml_client.models.list(name=name), key=lambda m: int(m.version), reverse=True)
        if not versions:
            return None, None
        version = str(versions[0].version)
        ml_client.models.download(name, version, download_path=str(workdir))
        return version, workdir
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    versions = client.search_model_versions(f"name = '{name}'")
    if not versions:
        return None, None
    version = str(max(int(v.version) for v in versions))
    folder = mlflow.artifacts.download_artifacts(f"models:/{name}/{version}", dst_path=str(workdir))
    return version, Path(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--challenger", type=Path, required=True, help="the train step's model folder")
    parser.add_argument("--data", required=True, help="the series the challenger trained on")
    parser.add_argument("--model-name", default="adventureworks-forecast")
    parser.add_argument("--decision", type=Path, required=True, help="where to write decision.json")
    args = parser.parse_args()

    series = load_series(args.data)
    held_out = series.iloc[int(len(series) * TRAIN_FRACTION):]
    truth = held_out.to_numpy(dtype=float)
    new = forecast_days(load_model(args.challenger), held_out.index)
    new_rmse = rmse(truth, new)

    with tempfile.TemporaryDirectory() as tmp, mlflow.start_run() as run:
        version, folder = champion(args.model_name, Path(tmp))
        if version is None:
            old, old_rmse = None, None
            decision, reason = "promote", "there is no champion yet"
        else:
            old = forecast_days(load_model(folder), held_out.index)
            old_rmse = rmse(truth, old)
            better = new_rmse < old_rmse
            decision = "promote" if better else "reject"
            reason = (f"challenger RMSE {new_rmse:.1f} {'<' if better else '>='} champion "
                      f"(version {version}) RMSE {old_rmse:.1f}")
        start, end = f"{held_out.index[0]:%Y-%m-%d}", f"{held_out.index[-1]:%Y-%m-%d}"
        mlflow.log_params({"holdout_start": start, "holdout_end": end, "champion_version": version or "none"})
        mlflow.set_tags({"decision": decision, "reason": reason})
        mlflow.log_metric("challenger_rmse", new_rmse)
        for day, value in enumerate(new):
            mlflow.log_metric("challenger_forecast", value, step=day)
        if old is not None:
            mlflow.log_metric("champion_rmse", old_rmse)
            for day, value in enumerate(old):
                mlflow.log_metric("champion_forecast", value, step=day)
        record = {
            "decision": decision,
            "reason": reason,
            "champion_version": version,
            "champion_rmse": old_rmse,
            "challenger_rmse": new_rmse,
            "holdout": f"{start}..{end}",
            "evaluated_by": run.info.run_id,
        }
    args.decision.mkdir(parents=True, exist_ok=True)
    (args.decision / "decision.json").write_text(json.dumps(record, indent=2))
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
