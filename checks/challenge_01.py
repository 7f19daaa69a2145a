"""Challenge 01 — Build a forecasting model locally.

The data checks read the team's three CSVs. The model checks never trust a
reported number: ohcheck asks the team's own scoring script for forecasts of
the held-out days and computes the error itself; the team's metrics file is
only cross-checked against that.
"""

from __future__ import annotations

import math

from ohcheck.criteria import criterion, fail, passed
from ohcheck.scoring import call_score_script, forecasts_in

from ._forecasting import errors, holdout_split, read_series, seasonal_naive

FILES = {
    "all": "mlops_forecast_data.csv",
    "2013": "mlops_forecast_data2013.csv",
    "2014": "mlops_forecast_data2014.csv",
}
# (first month, first day at the latest, last day) of each series
RANGES = {
    "all": ("2013-07", "2013-07-31", "2014-05-31"),
    "2013": ("2013-07", "2013-07-31", "2013-12-31"),
    "2014": ("2014-01", "2014-01-01", "2014-05-31"),
}
SCORE_TIMEOUT = 90.0
# How close the team's metrics file must be to what ohcheck measures.
RELATIVE_TOLERANCE = 0.02
R2_TOLERANCE = 0.02


def _path(ctx, key):
    return ctx.repo.path(f"{ctx.config.paths.data}/{FILES[key]}")


def _label(ctx, key):
    return f"{ctx.config.paths.data}/{FILES[key]}"


def _series(ctx, key):
    return ctx.memo(f"series-{key}", lambda: read_series(_path(ctx, key), _label(ctx, key)))


@criterion(
    "01.1",
    "Validate that the three data files exist with the columns TransactionDate,PaidAmount",
    hint="Run `ohcheck data prepare --out data` (or your own preparation) so that data/ holds "
    "mlops_forecast_data.csv, mlops_forecast_data2013.csv and mlops_forecast_data2014.csv.",
)
def data_files_exist(ctx):
    missing = [_label(ctx, key) for key in FILES if not _path(ctx, key).is_file()]
    if missing:
        fail(f"missing: {', '.join(missing)}")
    rows = {key: len(_series(ctx, key)) for key in FILES}
    return passed(
        ", ".join(f"{FILES[k]}: {n} rows" for k, n in rows.items()),
        evidence={"rows": rows},
    )


@criterion(
    "01.2",
    "Validate that each series is daily and continuous, with a number for every day",
    hint="Resample to the daily mean and interpolate the gaps (`.resample('D').mean().interpolate()`); "
    "write dates as YYYY-MM-DD, one row per day, oldest first.",
    needs="01.1",
)
def data_is_daily(ctx):
    import numpy as np
    import pandas as pd

    for key in FILES:
        series = _series(ctx, key)
        label = _label(ctx, key)
        if series.index.has_duplicates:
            day = series.index[series.index.duplicated()][0]
            fail(f"{label}: {day:%Y-%m-%d} appears more than once")
        steps = series.index.to_series().diff().dropna()
        wrong = steps[steps != pd.Timedelta(days=1)]
        if not wrong.empty:
            at = wrong.index[0]
            before = series.index[series.index.get_loc(at) - 1]
            fail(f"{label}: after {before:%Y-%m-%d} comes {at:%Y-%m-%d}, not the next day")
        bad = ~np.isfinite(series.to_numpy(dtype=float))
        if bad.any():
            fail(f"{label}: PaidAmount on {series.index[bad.argmax()]:%Y-%m-%d} is not a number ({int(bad.sum())} such days)")
        if (series < 0).any():
            fail(f"{label}: PaidAmount is negative on {series.index[(series < 0).to_numpy().argmax()]:%Y-%m-%d}")
    return passed("three daily series, continuous, no missing values")


@criterion(
    "01.3",
    "Validate that the series cover July 2013 to May 2014 and the yearly files split the full one",
    hint="Keep 2013-07 … 2014-05 (`df.loc['2013-07':'2014-05']`), then split by year with `df.loc['2013']` "
    "and `df.loc['2014']`.",
    needs="01.2",
)
def data_ranges(ctx):
    import numpy as np
    import pandas as pd

    spans = {}
    for key, (month, latest_first, last) in RANGES.items():
        series = _series(ctx, key)
        first_day, last_day = f"{series.index[0]:%Y-%m-%d}", f"{series.index[-1]:%Y-%m-%d}"
        spans[key] = [first_day, last_day]
        label = _label(ctx, key)
        if not (first_day.startswith(month) and first_day <= latest_first):
            fail(f"{label} starts on {first_day}; expected the first day with data in {month}")
        if last_day != last:
            fail(f"{label} ends on {last_day}; expected {last}")
    whole = _series(ctx, "all")
    parts = pd.concat([_series(ctx, "2013"), _series(ctx, "2014")])
    if len(parts) != len(whole) or not (parts.index == whole.index).all():
        fail(f"the 2013 and 2014 files together have {len(parts)} days, the full file {len(whole)}")
    if not np.allclose(parts.to_numpy(dtype=float), whole.to_numpy(dtype=float), rtol=1e-9, atol=1e-6):
        day = whole.index[~np.isclose(parts.to_numpy(dtype=float), whole.to_numpy(dtype=float))][0]
        fail(f"the yearly files disagree with the full file on {day:%Y-%m-%d}")
    return passed(
        f"{spans['all'][0]} … {spans['all'][1]}, split at the new year", evidence={"spans": spans}
    )


@criterion(
    "01.4",
    "Verify that the three files are registered as uri_file data assets",
    hint="Register each CSV as a data asset of type uri_file (`az ml data create --type uri_file ...` "
    "or `ml_client.data.create_or_update(Data(...))`), named as under `data_assets` in ohcheck.yaml.",
)
def data_assets_registered(ctx):
    names = ctx.config.data_assets
    wanted = {"all": names.all, "2013": names.year2013, "2014": names.year2014}
    found = {}
    for key, name in wanted.items():
        asset = ctx.target.data_asset(name)
        if asset is None:
            fail(f"no data asset named {name!r} (for {FILES[key]})")
        if asset.type != "uri_file":
            fail(f"data asset {name} version {asset.version} is a {asset.type}, expected uri_file")
        found[name] = asset.version
    return passed(
        ", ".join(f"{n} v{v}" for n, v in found.items()), evidence={"versions": found}
    )


def _forecast(ctx):
    """The team's model's forecast of the held-out 2013 days, via its own score.py."""
    paths = ctx.config.paths
    train, test = holdout_split(_series(ctx, "2013"))
    script = ctx.repo.path(paths.score_script)
    model_dir = ctx.repo.path(paths.model_dir)
    if not script.is_file():
        fail(f"{paths.score_script} is missing")
    if not model_dir.exists():
        fail(f"{paths.model_dir} is missing: train the model first (python {paths.train_script})")
    # As on Azure ML, AZUREML_MODEL_DIR is the folder that holds the model folder.
    call = call_score_script(
        script, model_dir.parent, {"data": [len(test)]}, cwd=ctx.repo.root, timeout=SCORE_TIMEOUT
    )
    if not call.ok:
        fail(call.problem(paths.score_script), evidence={"output": call.output} if call.output else None)
    forecast, problem = forecasts_in(call.reply, len(test))
    if forecast is None:
        fail(f"{paths.score_script} returned an unusable answer to {{\"data\": [{len(test)}]}}: {problem}")
    return train, test, forecast


@criterion(
    "01.5",
    "Demonstrate that the model trained on 2013 data forecasts its held-out days",
    hint="Train on the first 90% of the 2013 series, save the model to outputs/model/, and make score.py's "
    "run('{\"data\": [n]}') return {\"result\": [n forecasts]} for the n days after the training data.",
    needs="01.3",
)
def model_forecasts_holdout(ctx):
    train, test, forecast = ctx.memo("forecast", lambda: _forecast(ctx))
    return passed(
        f"{len(forecast)} forecasts for {test.index[0]:%Y-%m-%d} … {test.index[-1]:%Y-%m-%d} "
        f"(trained on {len(train)} days)",
        evidence={
            "held_out": [f"{test.index[0]:%Y-%m-%d}", f"{test.index[-1]:%Y-%m-%d}"],
            "forecast": [round(v, 2) for v in forecast],
        },
    )


@criterion(
    "01.6",
    "Verify that the model's error, recomputed by ohcheck, beats the seasonal-naive baseline",
    hint="Seasonal naive repeats the last training week. Model the weekly pattern (Saturdays and Sundays are low) "
    "and the recent level; ARIMA(2,0,2) already does better than the baseline on these days.",
    needs="01.5",
)
def model_beats_baseline(ctx):
    train, test, forecast = ctx.memo("forecast", lambda: _forecast(ctx))
    model = errors(test, forecast, train)
    baseline = errors(test, seasonal_naive(train, len(test)), train)
    evidence = {
        "days": len(test),
        "model": {k: round(v, 3) for k, v in model.items()},
        "seasonal_naive": {k: round(v, 3) for k, v in baseline.items()},
    }
    if not model["rmse"] < baseline["rmse"]:
        fail(
            f"RMSE {model['rmse']:.1f} on the {len(test)} held-out days is not better than the "
            f"seasonal-naive forecast's {baseline['rmse']:.1f}",
            evidence=evidence,
        )
    return passed(
        f"RMSE {model['rmse']:.1f} vs seasonal naive {baseline['rmse']:.1f} "
        f"({(1 - model['rmse'] / baseline['rmse']) * 100:.0f}% lower); MAE {model['mae']:.1f}, MASE {model['mase']:.2f}",
        evidence=evidence,
    )


METRIC_KEYS = ("rmse", "mae", "mape", "r2")


@criterion(
    "01.7",
    "Verify that the metrics file is present and agrees with what ohcheck measured",
    hint="Have train.py write outputs/metrics.json with rmse, mae, mape and r2 computed on the held-out days, "
    "from the same model score.py serves.",
    needs="01.5",
)
def metrics_file_consistent(ctx):
    path = ctx.config.paths.metrics
    reported = ctx.repo.read_json(path)
    if not isinstance(reported, dict):
        fail(f"{path} should hold a JSON object such as {{\"rmse\": 441.2, ...}}")
    lowered = {str(k).lower(): v for k, v in reported.items()}
    missing = [k for k in METRIC_KEYS if k not in lowered]
    if missing:
        fail(f"{path} lacks {', '.join(missing)}")
    numbers = {}
    for key in METRIC_KEYS:
        value = lowered[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            fail(f"{path}: {key} is {value!r}, not a number")
        numbers[key] = float(value)
    train, test, forecast = ctx.memo("forecast", lambda: _forecast(ctx))
    measured = errors(test, forecast, train)
    disagreements = []
    for key in ("rmse", "mae"):
        if not _close(numbers[key], measured[key]):
            disagreements.append(f"{key} {numbers[key]:.2f} (ohcheck measured {measured[key]:.2f})")
    if abs(numbers["r2"] - measured["r2"]) > R2_TOLERANCE:
        disagreements.append(f"r2 {numbers['r2']:.3f} (ohcheck measured {measured['r2']:.3f})")
    # MAPE as a percentage or as a fraction: both are common.
    if not (_close(numbers["mape"], measured["mape"]) or _close(numbers["mape"] * 100, measured["mape"])):
        disagreements.append(f"mape {numbers['mape']:.2f} (ohcheck measured {measured['mape']:.2f}%)")
    evidence = {"reported": numbers, "measured": {k: round(v, 3) for k, v in measured.items()}}
    if disagreements:
        fail(f"{path} does not match the model's forecasts: {'; '.join(disagreements)}", evidence=evidence)
    return passed(f"{path} agrees: rmse {numbers['rmse']:.1f}, mae {numbers['mae']:.1f}", evidence=evidence)


def _close(reported: float, measured: float) -> bool:
    return abs(reported - measured) <= max(RELATIVE_TOLERANCE * abs(measured), 0.5)
