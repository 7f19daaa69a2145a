"""What the forecasting checks share: reading the series, the held-out days, the errors.

The hack judges a model on days it did not train on, with errors ohcheck
computes itself from the model's own forecasts:

* held-out days: the last 10% of the series (the original hack's 90/10 split;
  for the 2013 series, 16 days: 2013-12-16 ... 2013-12-31);
* the bar: the seasonal-naive forecast (each held-out day gets the value of
  the same weekday in the last training week);
* RMSE and MAE decide; MAPE is reported but misleading on this series (days
  near 60 inflate it); MASE scales MAE by the in-sample seasonal-naive error.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ohcheck import fail

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ["TransactionDate", "PaidAmount"]
SEASON = 7
TRAIN_FRACTION = 0.9


def read_series(path, label: str) -> "pd.Series":
    """A team's series CSV as a daily Series; fails with what is wrong with it."""
    import pandas as pd

    if not path.is_file():
        fail("{file} is missing", file=label)
    try:
        frame = pd.read_csv(path)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        fail("{file} is not a readable CSV: {error}", file=label, error=(str(exc).splitlines() or [""])[0])
    if list(frame.columns) != COLUMNS:
        fail("{file} has columns {columns!r}, expected {expected!r}", file=label, columns=list(frame.columns),
             expected=COLUMNS)
    if frame.empty:
        fail("{file} has a header but no rows", file=label)
    dates = pd.to_datetime(frame["TransactionDate"], format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        row = int(dates.isna().to_numpy().argmax())
        fail("{file}, row {row}: {value!r} is not a YYYY-MM-DD date", file=label, row=row + 2,
             value=frame["TransactionDate"].iloc[row])
    values = pd.to_numeric(frame["PaidAmount"], errors="coerce")
    series = pd.Series(values.to_numpy(), index=pd.DatetimeIndex(dates), name="PaidAmount")
    series.index.name = "TransactionDate"
    return series


def holdout_split(series: "pd.Series") -> tuple["pd.Series", "pd.Series"]:
    """The training part and the held-out days (the last 10%)."""
    cut = int(len(series) * TRAIN_FRACTION)
    return series.iloc[:cut], series.iloc[cut:]


def seasonal_naive(train: "pd.Series", horizon: int, season: int = SEASON) -> list[float]:
    last = train.to_numpy()[-season:]
    return [float(last[h % season]) for h in range(horizon)]


def errors(truth: "pd.Series", forecast: list[float], train: "pd.Series") -> dict[str, float]:
    """RMSE, MAE, MAPE (%), R² and MASE of a forecast of the held-out days."""
    import numpy as np

    y = truth.to_numpy(dtype=float)
    f = np.asarray(forecast, dtype=float)
    residual = y - f
    rmse = float(np.sqrt(np.mean(residual**2)))
    mae = float(np.mean(np.abs(residual)))
    mape = float(np.mean(np.abs(residual / y)) * 100) if np.all(y != 0) else math.inf
    total = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum(residual**2)) / total if total > 0 else 0.0
    history = train.to_numpy(dtype=float)
    scale = float(np.mean(np.abs(history[SEASON:] - history[:-SEASON]))) if len(history) > SEASON else math.nan
    mase = mae / scale if scale and scale > 0 else math.nan
    return {"rmse": rmse, "mae": mae, "mape": mape, "r2": r2, "mase": mase}
