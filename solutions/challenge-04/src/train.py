"""Train a forecast of Adventure Works daily transactions on the 2013 series.

    python src/train.py                    # locally: logs to the local MLflow store
    (in Azure ML: the command of jobs/train-job.yml)

It holds out the last 10% of the series (16 days: 2013-12-16 … 12-31),
trains on the rest, forecasts the held-out days, and

* saves the model into --model-output (default outputs/model): score.py loads it;
* writes --output/metrics.json: rmse, mae, mape (%) and r2 on the held-out days;
* logs the parameters, the metrics and the model folder (artifact `model`) with MLflow;
* writes run.json into the model folder: the MLflow run that trained it (in a
  pipeline, the train step's job) and the last training day, so the register
  step can give the model version its lineage.

In an Azure ML job, Azure sets MLflow's tracking URI and run; outside one,
the run goes to the local store that ohcheck's local target reads.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd

from forecast_model import WeekdayProfileModel

TRAIN_FRACTION = 0.9  # the original hack's 90/10 time split
LEVEL_DAYS = 28
EXPERIMENT = "adventureworks-forecast"
LOCAL_TRACKING_URI = "sqlite:///.ohcheck/mlflow.db"


def load_series(path: str) -> pd.Series:
    frame = pd.read_csv(path, parse_dates=["TransactionDate"], index_col="TransactionDate")
    return frame["PaidAmount"].asfreq("D")


def fit(train: pd.Series) -> WeekdayProfileModel:
    """A weekday profile over all training days, times the level of the last four weeks."""
    return WeekdayProfileModel.fit(train, level_days=LEVEL_DAYS)


def forecast(model: WeekdayProfileModel, n: int) -> list[float]:
    """The n days after the training data, as plain floats."""
    return model.forecast(n)


def metrics(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    residual = truth - predicted
    return {
        "rmse": float(np.sqrt(np.mean(residual**2))),
        "mae": float(np.mean(np.abs(residual))),
        "mape": float(np.mean(np.abs(residual / truth)) * 100),
        "r2": float(1 - np.sum(residual**2) / np.sum((truth - truth.mean()) ** 2)),
    }


def start_run() -> mlflow.ActiveRun:
    if "MLFLOW_RUN_ID" not in os.environ:  # not in an Azure ML job: the local store
        Path(".ohcheck").mkdir(exist_ok=True)
        mlflow.set_tracking_uri(os.environ.get("MLFLOW_TRACKING_URI", LOCAL_TRACKING_URI))
        mlflow.set_experiment(EXPERIMENT)
    return mlflow.start_run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/mlops_forecast_data2013.csv")
    parser.add_argument("--output", default="outputs")
    parser.add_argument("--model-output", default="outputs/model")
    args = parser.parse_args()

    series = load_series(args.data)
    cut = int(len(series) * TRAIN_FRACTION)
    train, test = series.iloc[:cut], series.iloc[cut:]

    with start_run():
        train_end = train.index[-1].strftime("%Y-%m-%d")
        mlflow.log_params(
            {"data": args.data, "model": "weekday-profile", "level_days": LEVEL_DAYS,
             "train_fraction": TRAIN_FRACTION, "train_end": train_end}
        )
        model = fit(train)
        predicted = np.asarray(forecast(model, len(test)), dtype=float)
        scores = metrics(test.to_numpy(dtype=float), predicted)
        mlflow.log_metrics(scores)

        model_dir = Path(args.model_output)
        model_dir.mkdir(parents=True, exist_ok=True)
        with open(model_dir / "model.pkl", "wb") as handle:
            pickle.dump(model, handle)
        run_id = mlflow.active_run().info.run_id
        (model_dir / "run.json").write_text(json.dumps({"run_id": run_id, "train_end": train_end}))
        mlflow.log_artifacts(str(model_dir), "model")

    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    (output / "metrics.json").write_text(json.dumps(scores, indent=2))
    print(json.dumps(scores, indent=2))


if __name__ == "__main__":
    main()
