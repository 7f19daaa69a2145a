"""Train a forecast of Adventure Works daily transactions on the 2013 series.

    python src/train.py

It holds out the last 10% of the 2013 series (16 days: 2013-12-16 … 12-31),
trains on the rest, forecasts the held-out days, and writes

* outputs/model/       the trained model (score.py loads it from here)
* outputs/metrics.json rmse, mae, mape (%) and r2 on the held-out days

Solved: a weekday profile times the recent level (forecast_model.py).
"""

from __future__ import annotations

import argparse
import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd

from forecast_model import WeekdayProfileModel

TRAIN_FRACTION = 0.9  # the original hack's 90/10 time split


def load_series(path: str) -> pd.Series:
    frame = pd.read_csv(path, parse_dates=["TransactionDate"], index_col="TransactionDate")
    return frame["PaidAmount"].asfreq("D")


def fit(train: pd.Series) -> WeekdayProfileModel:
    """A weekday profile over all training days, times the level of the last four weeks."""
    return WeekdayProfileModel.fit(train, level_days=28)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/mlops_forecast_data2013.csv")
    parser.add_argument("--output", default="outputs")
    args = parser.parse_args()

    series = load_series(args.data)
    cut = int(len(series) * TRAIN_FRACTION)
    train, test = series.iloc[:cut], series.iloc[cut:]

    model = fit(train)
    predicted = np.asarray(forecast(model, len(test)), dtype=float)
    scores = metrics(test.to_numpy(dtype=float), predicted)

    output = Path(args.output)
    (output / "model").mkdir(parents=True, exist_ok=True)
    with open(output / "model" / "model.pkl", "wb") as handle:
        pickle.dump(model, handle)
    (output / "metrics.json").write_text(json.dumps(scores, indent=2))
    print(json.dumps(scores, indent=2))


if __name__ == "__main__":
    main()
