"""Challenge 06 — Retraining and model evaluation: a challenger is promoted only if it beats the champion.

The evaluate step's own record is not taken on trust. ohcheck reads the
forecasts it logged for both models (MLflow metrics `champion_forecast` and
`challenger_forecast`, one step per held-out day), recomputes both RMSEs against
the held-out truth it reads from the team's data itself (the last 10% of
mlops_forecast_data.csv, its own split), decides which model is better, and
compares that with the decision recorded on the model version. Then it asks the
endpoint for its forecasts and checks the model it serves is the one the
evaluation promoted — with forecasts that contain the ones the evaluation
judged (so the evaluation tested the model that is served).

With no champion yet (an empty registry), the original hack registers the
first model as the champion. The evaluate step says so by recording
champion_version "none" (an MLflow param or tag of its run, or the tag on the
version) and logging only challenger_forecast; ohcheck then checks the registry
really had no version of the model before the evaluate step ran, that the
decision is promote, and recomputes the challenger's RMSE.
"""

from __future__ import annotations

import math

from ohcheck import comma_list, criterion, fail, msg, passed

from ._forecasting import holdout_split, read_series
from ._pipelines import (
    chain,
    consumes,
    label,
    newest_pipeline,
    roles,
    serving,
    what_serves,
    wiring_problems,
)

ROLES = ("train", "evaluate", "register", "deploy")
NEEDS = {"evaluate": "train", "register": "evaluate", "deploy": "register"}
FORECASTS = ("champion_forecast", "challenger_forecast")
DECISION_TAGS = ("decision", "reason", "champion_version", "champion_rmse", "challenger_rmse")
MAX_HORIZON = 366  # the scoring contract's longest forecast
SCORE_TIMEOUT = 60.0


def _held_out(ctx):
    """The held-out days of the whole series (2013 + 2014), as ohcheck splits it."""

    def split():
        relative = f"{ctx.config.paths.data}/mlops_forecast_data.csv"
        series = read_series(ctx.repo.path(relative), relative)
        return holdout_split(series)[1]

    return ctx.memo("held-out", split)


# -- 06.1: the training data ---------------------------------------------------------------
def _trained_on(ctx, job, train) -> list[str]:
    """The data assets the train step read: its job's data input, else what its binding names."""
    names = []
    if train.job is not None:
        for io in train.job.inputs.values():
            asset = ctx.target.data_asset_of(io)
            if asset:
                names.append(asset)
    if not names:
        from ohcheck.targets.base import JobIO

        for binding in train.inputs.values():
            if binding.startswith("${{parent.inputs."):
                given = job.inputs.get(binding.removeprefix("${{parent.inputs.").rstrip("} "))
                binding = given.path if given else ""
            asset = ctx.target.data_asset_of(JobIO("uri_file", binding)) if binding else None
            if asset:
                names.append(asset)
    return sorted(set(names))


@criterion(
    "06.1",
    "Verify that the newest training uses the 2013 and 2014 data",
    hint="Give the pipeline's train step the data asset with both years: `path: azureml:transaction_ts@latest` "
    "(locally data/mlops_forecast_data.csv stands for it).",
)
def trains_on_both_years(ctx):
    job, steps = newest_pipeline(ctx, ("train",), key="training-pipeline")
    train = roles(steps, ("train",))["train"]
    assets = ctx.config.data_assets
    used = _trained_on(ctx, job, train)
    evidence = {"job": job.name, "train_step": train.name, "data_assets": used}
    if assets.all in used or {assets.year2013, assets.year2014} <= set(used):
        return passed("pipeline job {job} trains on {assets} (2013 + 2014)", evidence=evidence,
                      job=label(job), assets=used)
    if not used:
        fail("the train step of pipeline job {job} reads none of the hack's data assets", evidence=evidence,
             job=label(job))
    fail("the train step of pipeline job {job} trains on {assets} only; it needs {needed} (2013 + 2014)",
         evidence=evidence, job=label(job), assets=used, needed=assets.all)


# -- 06.2: the evaluate step -------------------------------------------------------------------
def _pipeline(ctx):
    return newest_pipeline(ctx, ROLES, key="evaluation-pipeline")


def _evaluation(ctx):
    """The evaluate step's run: what it logged, the forecasts of both models by day."""

    def read():
        job, steps = _pipeline(ctx)
        evaluate = roles(steps, ROLES)["evaluate"]
        if evaluate.job is None:
            fail("the evaluate step of pipeline job {job} never ran", job=label(job))
        run = ctx.target.run(evaluate.job.name)
        if run is None:
            fail("the evaluate step's job {job} has no MLflow run", job=evaluate.job.name)
        forecasts = {key: ctx.target.metric_history(run.id, key) for key in FORECASTS}
        return evaluate, run, forecasts

    return ctx.memo("evaluation", read)


def _says_none(value) -> bool:
    return value is not None and str(value).strip().lower() in ("", "none", "null")


def _first_champion(ctx) -> bool:
    """Whether the evaluate step recorded that there was no champion yet (and so logged no champion forecast)."""

    def read():
        evaluate, run, forecasts = _evaluation(ctx)
        if forecasts["champion_forecast"]:
            return False
        recorded = run.params.get("champion_version", run.tags.get("champion_version"))
        if recorded is None:
            marked = [v for v in ctx.target.models(ctx.config.model) if v.tags.get("evaluated_by") == evaluate.job.name]
            recorded = marked[0].tags.get("champion_version") if marked else None
        return _says_none(recorded)

    return ctx.memo("first-champion", read)


def _champions_before(ctx) -> list:
    """The versions of the model registered before the evaluate step started: the champions it had to face."""
    evaluate, run, _ = _evaluation(ctx)
    started = evaluate.job.created or run.start_time
    if started is None:
        return []
    return [v for v in ctx.target.models(ctx.config.model) if v.created is not None and v.created < started]


@criterion(
    "06.2",
    "Verify that an evaluate step compares challenger and champion on the same held-out days",
    hint="Add an evaluate step between train and register that forecasts the held-out days (the last 10% of "
    "the data) with both models and logs each forecast day by day: mlflow.log_metric('challenger_forecast', "
    "v, step=i) and 'champion_forecast', plus params holdout_start and holdout_end. With no champion yet, log "
    "champion_version=none and only the challenger's forecast: it becomes the first champion.",
)
def evaluate_step_compares(ctx):
    job, steps = _pipeline(ctx)
    problems = wiring_problems(steps, ROLES, NEEDS)
    if problems:
        fail("pipeline job {job}: {problems}", job=label(job), problems=problems)
    found = roles(steps, ROLES)
    if not consumes(steps, found["register"], found["evaluate"].name):
        fail("step {step} does not take the evaluate step's decision", step=found["register"].name)
    evaluate, run, forecasts = _evaluation(ctx)
    held_out = _held_out(ctx)
    days = (f"{held_out.index[0]:%Y-%m-%d}", f"{held_out.index[-1]:%Y-%m-%d}")
    logged = (run.params.get("holdout_start"), run.params.get("holdout_end"))
    evidence = {"job": job.name, "evaluate_job": evaluate.job.name, "held_out": list(days), "logged": list(logged),
                "forecast_days": {k: len(v) for k, v in forecasts.items()}}
    first = _first_champion(ctx)
    if first:
        earlier = _champions_before(ctx)
        evidence["first_champion"] = True
        evidence["registered_before"] = [v.version for v in earlier]
        if earlier:
            fail("the evaluate step recorded no champion, but {model} version {version} was registered before it "
                 "ran: it is the champion to compare the challenger with", evidence=evidence,
                 model=ctx.config.model, version=earlier[0].version)
    missing = [key for key, values in forecasts.items() if not values and not (first and key == "champion_forecast")]
    if len(missing) > 1:
        fail("the evaluate step logged no {first} and no {second} (one value per held-out day)", evidence=evidence,
             first=missing[0], second=missing[1])
    if missing:
        fail("the evaluate step logged no {metric} (one value per held-out day)", evidence=evidence,
             metric=missing[0])
    if logged != days:
        fail("the evaluate step judged {judged_start}..{judged_end}, not the held-out days {start}..{end} "
             "(the last 10% of the data)", evidence=evidence,
             judged_start=logged[0], judged_end=logged[1], start=days[0], end=days[1])
    wrong = [msg("{metric} has {n} days", metric=key, n=len(v))
             for key, v in forecasts.items() if len(v) != len(held_out) and not (first and not v)]
    if wrong and first:
        fail("the challenger's forecast must cover the {n} held-out days: {wrong}", evidence=evidence,
             n=len(held_out), wrong=comma_list(wrong))
    if wrong:
        fail("both forecasts must cover the {n} held-out days: {wrong}", evidence=evidence,
             n=len(held_out), wrong=comma_list(wrong))
    if first:
        return passed("pipeline job {job}: {chain}; there was no champion yet: the challenger forecast "
                      "{start}..{end} and becomes the first champion", evidence=evidence,
                      job=label(job), chain=chain(steps, ROLES), start=days[0], end=days[1])
    return passed("pipeline job {job}: {chain}; both models forecast {start}..{end}", evidence=evidence,
                  job=label(job), chain=chain(steps, ROLES), start=days[0], end=days[1])


# -- 06.3: the decision on the model version ---------------------------------------------------
def _decided(ctx):
    """The model version carrying this evaluation's decision."""

    def find():
        evaluate, _, _ = _evaluation(ctx)
        versions = ctx.target.models(ctx.config.model)
        marked = [v for v in versions if v.tags.get("evaluated_by") == evaluate.job.name]
        if not marked:
            fail("no version of {model} records the evaluation of job {job} (a tag evaluated_by={job})",
                 model=ctx.config.model, job=evaluate.job.name)
        return marked[0]

    return ctx.memo("decided", find)


@criterion(
    "06.3",
    "Verify that the decision is recorded on the model version",
    hint="Tag the model version with the evaluation: decision (promote or reject), reason, champion_version, "
    "champion_rmse, challenger_rmse and evaluated_by (the evaluate step's job) — on the new version when it "
    "is promoted, on the champion when it is not.",
    needs="06.2",
)
def decision_recorded(ctx):
    version = _decided(ctx)
    tags = version.tags
    evidence = {"version": version.version, "tags": {k: tags.get(k) for k in (*DECISION_TAGS, "evaluated_by")}}
    first = _first_champion(ctx)
    missing = [key for key in DECISION_TAGS if not tags.get(key) and not (first and key == "champion_rmse")]
    if missing:
        fail("{model} version {version} lacks the tag(s) {tags}", evidence=evidence,
             model=version.name, version=version.version, tags=missing)
    if tags["decision"] not in ("promote", "reject"):
        fail("decision={decision!r}: expected promote or reject", evidence=evidence, decision=tags["decision"])
    return passed("{model} version {version}: {decision} — {reason}", evidence=evidence,
                  model=version.name, version=version.version, decision=tags["decision"], reason=tags["reason"])


# -- 06.4: the decision is right ----------------------------------------------------------------
def _rmse(truth, forecast) -> float:
    return math.sqrt(sum((t - f) ** 2 for t, f in zip(truth, forecast)) / len(truth))


def _recomputed(ctx) -> dict:
    _, _, forecasts = _evaluation(ctx)
    truth = [float(v) for v in _held_out(ctx).to_numpy()]
    return {key.removesuffix("_forecast"): _rmse(truth, values) for key, values in forecasts.items()}


@criterion(
    "06.4",
    "Verify that the decision is right: ohcheck recomputes both models' RMSE on the held-out days",
    hint="Promote the challenger only if its RMSE on the held-out days is lower than the champion's, and "
    "record the RMSEs you computed from the forecasts you logged.",
    needs="06.3",
)
def decision_right(ctx):
    version = _decided(ctx)
    if _first_champion(ctx):
        return _first_champion_right(ctx, version)
    rmse = _recomputed(ctx)
    right = "promote" if rmse["challenger"] < rmse["champion"] else "reject"
    recorded = version.tags["decision"]
    evidence = {"recomputed": {k: round(v, 2) for k, v in rmse.items()}, "recorded": recorded, "right": right}
    comparison = msg("challenger RMSE {challenger:.1f} vs champion {champion:.1f}",
                     challenger=rmse["challenger"], champion=rmse["champion"])
    if recorded != right:
        fail("the evaluation decided {recorded}, but {comparison} (recomputed from its forecasts) means {right}",
             evidence=evidence, recorded=recorded, comparison=comparison, right=right)
    for who in ("champion", "challenger"):
        tag = f"{who}_rmse"
        try:
            claimed = float(version.tags[tag])
        except ValueError:
            fail("tag {tag}={value!r} is not a number", evidence=evidence, tag=tag, value=version.tags[tag])
        if not math.isclose(claimed, rmse[who], rel_tol=1e-3, abs_tol=0.05):
            fail("the version records {tag} {claimed:.1f}, but its logged forecasts give {recomputed:.1f}",
                 evidence=evidence, tag=tag, claimed=claimed, recomputed=rmse[who])
    return passed("{right} is right: {comparison}, recomputed by ohcheck", evidence=evidence,
                  right=right, comparison=comparison)


def _first_champion_right(ctx, version):
    """No champion yet: the only right decision is promote, with the challenger's RMSE recorded truly."""
    rmse = _recomputed(ctx)["challenger"]
    recorded = version.tags["decision"]
    evidence = {"recomputed": {"challenger": round(rmse, 2)}, "recorded": recorded, "right": "promote",
                "first_champion": True}
    if recorded != "promote":
        fail("the evaluation decided {recorded}, but there was no champion yet: the first model must be registered "
             "as the champion (promote)", evidence=evidence, recorded=recorded)
    try:
        claimed = float(version.tags["challenger_rmse"])
    except ValueError:
        fail("tag {tag}={value!r} is not a number", evidence=evidence, tag="challenger_rmse",
             value=version.tags["challenger_rmse"])
    if not math.isclose(claimed, rmse, rel_tol=1e-3, abs_tol=0.05):
        fail("the version records {tag} {claimed:.1f}, but its logged forecasts give {recomputed:.1f}",
             evidence=evidence, tag="challenger_rmse", claimed=claimed, recomputed=rmse)
    return passed("promote is right: there was no champion yet, so the challenger (RMSE {rmse:.1f}, recomputed by "
                  "ohcheck) is the first champion", evidence=evidence, rmse=rmse)


# -- 06.5: only a better model is promoted; the endpoint serves the champion --------------------
def _window_matches(reply: list[float], wanted: list[float], at: int | None = None) -> bool:
    """Whether `wanted` appears in `reply` (the endpoint's days ahead): at index `at`, or anywhere if None."""
    starts = [at] if at is not None else range(len(reply) - len(wanted) + 1)
    for start in starts:
        window = reply[start:start + len(wanted)]
        if len(window) == len(wanted) and all(
            math.isclose(r, w, rel_tol=1e-6, abs_tol=1e-6) for r, w in zip(window, wanted)
        ):
            return True
    return False


def _days_ahead(ctx, served: str) -> int | None:
    """How many days after the served model's last training day the held-out days start, if its run says.

    The endpoint forecasts from the day after the model's training data; the run
    that trained it logs that day as the param train_end (challenge 04's train.py).
    """
    import datetime as dt

    name, _, number = served.partition(":")
    version = next((v for v in ctx.target.models(name) if v.version == number), None)
    run = ctx.target.run(version.job_name) if version and version.job_name else None
    train_end = run.params.get("train_end") if run else None
    if not train_end:
        return None
    try:
        start = dt.date.fromisoformat(f"{_held_out(ctx).index[0]:%Y-%m-%d}")
        return (start - dt.date.fromisoformat(train_end)).days - 1
    except ValueError:
        return None


@criterion(
    "06.5",
    "Verify that only a better model was promoted and the endpoint serves the champion",
    hint="Register and deploy the challenger only when the evaluation promotes it; otherwise leave the champion "
    "on the endpoint (and register nothing new).",
    needs="06.4",
)
def champion_served(ctx):
    version = _decided(ctx)
    _, steps = _pipeline(ctx)
    train = roles(steps, ROLES)["train"]
    promoted = version.tags["decision"] == "promote"
    if promoted:
        champion = f"{version.name}:{version.version}"
    else:
        champion = f"{version.name}:{version.tags['champion_version']}"
        registered = [v.version for v in ctx.target.models(ctx.config.model)
                      if train.job is not None and v.job_name == train.job.name]
        if registered:
            fail("the evaluation rejected the challenger, yet version {version} was registered from its train step",
                 version=registered[0])
    endpoint, served = serving(ctx)
    evidence = {"champion": champion, "serving": served, "promoted": promoted}
    if champion not in served.values():
        fail("{endpoint} does not serve the champion {champion}: {serving}", evidence=evidence,
             endpoint=endpoint.name, champion=champion, serving=what_serves(served))
    _, _, forecasts = _evaluation(ctx)
    judged = forecasts["challenger_forecast" if promoted else "champion_forecast"]
    at = _days_ahead(ctx, champion)
    evidence["forecasts_checked"] = _endpoint_agrees(ctx, endpoint, judged, at)
    evidence["forecasts_from_day"] = at
    if evidence["forecasts_checked"] is False and at is not None:
        fail("{endpoint} serves {champion}, but its forecasts from day {day} ahead (the first held-out day) are not "
             "the ones the evaluation judged: the evaluation did not test the model that is served, on the held-out "
             "days", evidence=evidence, endpoint=endpoint.name, champion=champion, day=at + 1)
    if evidence["forecasts_checked"] is False:
        fail("{endpoint} serves {champion}, but its forecasts are not the ones the evaluation judged: "
             "the evaluation did not test the model that is served, on the held-out days", evidence=evidence,
             endpoint=endpoint.name, champion=champion)
    if promoted and _first_champion(ctx):
        return passed("{endpoint} serves the champion {champion} (the first one: there was none before)",
                      evidence=evidence, endpoint=endpoint.name, champion=champion)
    if promoted:
        return passed("{endpoint} serves the champion {champion} (promoted)", evidence=evidence,
                      endpoint=endpoint.name, champion=champion)
    return passed("{endpoint} serves the champion {champion} (kept)", evidence=evidence,
                  endpoint=endpoint.name, champion=champion)


def _endpoint_agrees(ctx, endpoint, judged: list[float], at: int | None):
    """True/False: the endpoint's forecasts hold the judged ones (at day `at` when known); None if unusable."""
    from ohcheck.scoring import forecasts_in

    key = ctx.target.endpoint_key(endpoint.name) if ctx.target.can.endpoint_auth else None
    reply = ctx.target.score(endpoint, {"data": [MAX_HORIZON]}, key=key, timeout=SCORE_TIMEOUT)
    if reply.status != 200:
        return None
    values, _ = forecasts_in(reply.body, MAX_HORIZON)
    if values is None:
        return None
    return _window_matches(values, judged, at)
