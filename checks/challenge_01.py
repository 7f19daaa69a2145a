"""Challenge 01 — Build a forecasting model locally.

The data checks read the team's three CSVs. The model checks never trust a
reported number: ohcheck asks the team's own scoring script for forecasts of
the held-out days and computes the error itself; the team's metrics file is
only cross-checked against that.
"""

from __future__ import annotations

import math

from ohcheck import criterion, fail, msg, passed
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
        fail("missing: {files}", files=missing)
    rows = {key: len(_series(ctx, key)) for key in FILES}
    return passed(
        "{file_all}: {rows_all} rows, {file_2013}: {rows_2013} rows, {file_2014}: {rows_2014} rows",
        evidence={"rows": rows},
        file_all=FILES["all"],
        rows_all=rows["all"],
        file_2013=FILES["2013"],
        rows_2013=rows["2013"],
        file_2014=FILES["2014"],
        rows_2014=rows["2014"],
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
            fail("{file}: {day:%Y-%m-%d} appears more than once", file=label, day=day)
        steps = series.index.to_series().diff().dropna()
        wrong = steps[steps != pd.Timedelta(days=1)]
        if not wrong.empty:
            at = wrong.index[0]
            before = series.index[series.index.get_loc(at) - 1]
            fail("{file}: after {before:%Y-%m-%d} comes {day:%Y-%m-%d}, not the next day", file=label, before=before, day=at)
        bad = ~np.isfinite(series.to_numpy(dtype=float))
        if bad.any():
            fail("{file}: PaidAmount on {day:%Y-%m-%d} is not a number ({n} such days)", file=label,
                 day=series.index[bad.argmax()], n=int(bad.sum()))
        if (series < 0).any():
            fail("{file}: PaidAmount is negative on {day:%Y-%m-%d}", file=label,
                 day=series.index[(series < 0).to_numpy().argmax()])
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
            fail("{file} starts on {first}; expected the first day with data in {month}", file=label, first=first_day,
                 month=month)
        if last_day != last:
            fail("{file} ends on {last}; expected {expected}", file=label, last=last_day, expected=last)
    whole = _series(ctx, "all")
    parts = pd.concat([_series(ctx, "2013"), _series(ctx, "2014")])
    if len(parts) != len(whole) or not (parts.index == whole.index).all():
        fail("the 2013 and 2014 files together have {parts} days, the full file {whole}", parts=len(parts),
             whole=len(whole))
    if not np.allclose(parts.to_numpy(dtype=float), whole.to_numpy(dtype=float), rtol=1e-9, atol=1e-6):
        day = whole.index[~np.isclose(parts.to_numpy(dtype=float), whole.to_numpy(dtype=float))][0]
        fail("the yearly files disagree with the full file on {day:%Y-%m-%d}", day=day)
    return passed(
        "{first} … {last}, split at the new year", evidence={"spans": spans}, first=spans["all"][0],
        last=spans["all"][1],
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
            fail("no data asset named {name!r} (for {file})", name=name, file=FILES[key])
        if asset.type != "uri_file":
            fail("data asset {name} version {version} is a {type}, expected uri_file", name=name,
                 version=asset.version, type=asset.type)
        found[name] = asset.version
    return passed(
        "{assets}", evidence={"versions": found}, assets=[f"{n} v{v}" for n, v in found.items()]
    )


def _forecast(ctx):
    """The team's model's forecast of the held-out 2013 days, via its own score.py."""
    paths = ctx.config.paths
    train, test = holdout_split(_series(ctx, "2013"))
    script = ctx.repo.path(paths.score_script)
    model_dir = ctx.repo.path(paths.model_dir)
    if not script.is_file():
        fail("{file} is missing", file=paths.score_script)
    if not model_dir.exists():
        fail("{folder} is missing: train the model first (python {script})", folder=paths.model_dir,
             script=paths.train_script)
    # As on Azure ML, AZUREML_MODEL_DIR is the folder that holds the model folder.
    call = call_score_script(
        script, model_dir.parent, {"data": [len(test)]}, cwd=ctx.repo.root, timeout=SCORE_TIMEOUT
    )
    if not call.ok:
        fail(call.problem(paths.score_script), evidence={"output": call.output} if call.output else None)
    forecast, problem = forecasts_in(call.reply, len(test))
    if forecast is None:
        fail('{script} returned an unusable answer to {{"data": [{n}]}}: {problem}', script=paths.score_script,
             n=len(test), problem=problem)
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
        "{n} forecasts for {first:%Y-%m-%d} … {last:%Y-%m-%d} (trained on {days} days)",
        evidence={
            "held_out": [f"{test.index[0]:%Y-%m-%d}", f"{test.index[-1]:%Y-%m-%d}"],
            "forecast": [round(v, 2) for v in forecast],
        },
        n=len(forecast),
        first=test.index[0],
        last=test.index[-1],
        days=len(train),
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
            "RMSE {rmse:.1f} on the {days} held-out days is not better than the seasonal-naive forecast's {baseline:.1f}",
            evidence=evidence,
            rmse=model["rmse"],
            days=len(test),
            baseline=baseline["rmse"],
        )
    return passed(
        "RMSE {rmse:.1f} vs seasonal naive {baseline:.1f} ({lower:.0f}% lower); MAE {mae:.1f}, MASE {mase:.2f}",
        evidence=evidence,
        rmse=model["rmse"],
        baseline=baseline["rmse"],
        lower=(1 - model["rmse"] / baseline["rmse"]) * 100,
        mae=model["mae"],
        mase=model["mase"],
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
        fail("{path} should hold a JSON object such as {example}", path=path, example='{"rmse": 441.2, ...}')
    lowered = {str(k).lower(): v for k, v in reported.items()}
    missing = [k for k in METRIC_KEYS if k not in lowered]
    if missing:
        fail("{path} lacks {keys}", path=path, keys=missing)
    numbers = {}
    for key in METRIC_KEYS:
        value = lowered[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            fail("{path}: {metric} is {value!r}, not a number", path=path, metric=key, value=value)
        numbers[key] = float(value)
    train, test, forecast = ctx.memo("forecast", lambda: _forecast(ctx))
    measured = errors(test, forecast, train)
    disagreements = []
    for key in ("rmse", "mae"):
        if not _close(numbers[key], measured[key]):
            disagreements.append(msg("{metric} {reported:.2f} (ohcheck measured {measured:.2f})", metric=key,
                                     reported=numbers[key], measured=measured[key]))
    if abs(numbers["r2"] - measured["r2"]) > R2_TOLERANCE:
        disagreements.append(msg("r2 {reported:.3f} (ohcheck measured {measured:.3f})", reported=numbers["r2"],
                                 measured=measured["r2"]))
    # MAPE as a percentage or as a fraction: both are common.
    if not (_close(numbers["mape"], measured["mape"]) or _close(numbers["mape"] * 100, measured["mape"])):
        disagreements.append(msg("mape {reported:.2f} (ohcheck measured {measured:.2f}%)", reported=numbers["mape"],
                                 measured=measured["mape"]))
    evidence = {"reported": numbers, "measured": {k: round(v, 3) for k, v in measured.items()}}
    if disagreements:
        fail("{path} does not match the model's forecasts: {disagreements}", evidence=evidence, path=path,
             disagreements=disagreements)
    return passed("{path} agrees: rmse {rmse:.1f}, mae {mae:.1f}", evidence=evidence, path=path, rmse=numbers["rmse"],
                  mae=numbers["mae"])


def _close(reported: float, measured: float) -> bool:
    return abs(reported - measured) <= max(RELATIVE_TOLERANCE * abs(measured), 0.5)
