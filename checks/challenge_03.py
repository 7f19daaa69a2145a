"""Challenge 03 — Deploy the model: registered with lineage and metrics, served behind a key, fast.

On the azure target: the workspace's model registry and a managed online
endpoint, scored with its key (read with listKeys and never shown). On the
local target: the MLflow registry and the team's score.py served by
`ohcheck serve`; key authentication and traffic splits do not exist there.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

from ohcheck import comma_list, criterion, fail, msg, passed, skip
from ohcheck.scoring import forecasts_in

from ._training import job_label


HORIZON = 7
BURST = 20  # requests in the latency burst
BURST_CONCURRENCY = 5
P95_BOUND = 1.0  # seconds, as the challenge states
SCORE_TIMEOUT = 30.0
TAGGED = ("rmse", "mae")


def _latest_model(ctx):
    def find():
        name = ctx.config.model
        versions = ctx.target.models(name)
        if not versions:
            fail("no registered model named {name}", name=name)
        return versions[0]

    return ctx.memo("model", find)


def _skip_unless(can: bool, why) -> None:
    """Criteria the target cannot answer (the local server splits no traffic, asks no key): skipped, with the reason."""
    if not can:
        skip(why)


@criterion(
    "03.1",
    "Verify that the model is registered from the training job's output",
    hint="Register the job's model output (`az ml model create --name <model> --type custom_model "
    "--path azureml://jobs/<job>/outputs/model`, or src/register.py); locally `python src/register.py --local`.",
)
def model_registered_from_job(ctx):
    model = _latest_model(ctx)
    if not model.job_name:
        fail("{model} version {version} has no lineage to a job (registered from {source})", model=model.name,
             version=model.version, source=model.source or msg("a local file"))
    job = ctx.target.job(model.job_name)  # a pipeline's step too (challenge 04 on): jobs() lists only top-level jobs
    if job is None or job.experiment != ctx.config.experiment:
        fail("{model} version {version} comes from job {job}, which is not a job of experiment {experiment}",
             model=model.name, version=model.version, job=model.job_name, experiment=ctx.config.experiment)
    if job.status != "Completed":
        fail("{model} version {version} comes from job {job}, which ended {status}", model=model.name,
             version=model.version, job=job.name, status=job.status)
    # Lineage alone is not a model: a version registered from a deploy step's run names a job but holds
    # nothing (`ohcheck serve` refuses it). Where the target cannot look (holds_model None), lineage decides.
    contents = ctx.target.model_contents(model)
    evidence = {"model": model.name, "version": model.version, "job": job.name, "source": model.source,
                "contents": contents.found if isinstance(contents.found, list) else str(contents.found)}
    if contents.holds_model is False:
        fail("{model} version {version} comes from job {job} but holds no model: {found}", evidence=evidence,
             model=model.name, version=model.version, job=job_label(job), found=contents.found)
    return passed(
        "{model} version {version} from job {job}",
        evidence=evidence,
        model=model.name, version=model.version, job=job_label(job),
    )


@criterion(
    "03.2",
    "Verify that the registered model carries the job's metrics as tags",
    hint="Tag the model version with the job's logged metrics (at least rmse and mae), e.g. "
    "`tags={'rmse': '441.2', 'mae': '377.9'}` when you register it.",
    needs="03.1",
)
def model_tagged_with_metrics(ctx):
    model = _latest_model(ctx)
    run = ctx.target.run(model.job_name)
    if run is None:
        fail("job {job} has no MLflow run to compare the tags with", job=model.job_name)
    tags = {k.lower(): v for k, v in model.tags.items()}
    logged = {k.lower(): v for k, v in run.metrics.items()}
    problems = []
    for key in TAGGED:
        if key not in logged:
            problems.append(msg("the job logged no {metric}", metric=key))
        elif key not in tags:
            problems.append(msg("no {metric} tag", metric=key))
        else:
            try:
                value = float(tags[key])
            except ValueError:
                problems.append(msg("tag {metric}={tag!r} is not a number", metric=key, tag=tags[key]))
                continue
            if not math.isclose(value, logged[key], rel_tol=1e-3, abs_tol=0.05):
                problems.append(msg("tag {metric}={tag} but the job logged {logged:.4g}", metric=key, tag=tags[key],
                                    logged=logged[key]))
    evidence = {"tags": model.tags, "logged": {k: logged[k] for k in TAGGED if k in logged}}
    if problems:
        fail("{model} version {version}: {problems}", evidence=evidence, model=model.name, version=model.version,
             problems=problems)
    return passed("tags {tags} match the job's metrics", evidence=evidence, tags=[f"{k}={tags[k]}" for k in TAGGED])


def _endpoint(ctx):
    def find():
        name = ctx.config.endpoint
        endpoint = ctx.target.endpoint(name)
        if endpoint is None:
            if ctx.target.can.serves_at:
                fail("nothing answers at {url}: start the local endpoint with `ohcheck serve`",
                     url=ctx.target.can.serves_at)
            fail("no online endpoint named {name}", name=name)
        return endpoint

    return ctx.memo("endpoint", find)


def _key(ctx):
    if not ctx.target.can.endpoint_auth:
        return None
    return ctx.memo("key", lambda: ctx.target.endpoint_key(ctx.config.endpoint))


@criterion(
    "03.3",
    "Verify that the online endpoint and its deployment have Succeeded",
    hint="Create the endpoint and its deployment (`az ml online-endpoint create -f endpoints/endpoint.yml`, "
    "`az ml online-deployment create -f endpoints/deployment.yml --all-traffic`) and wait until both are "
    "Succeeded; a Failed deployment's logs: `az ml online-deployment get-logs`.",
)
def endpoint_succeeded(ctx):
    endpoint = _endpoint(ctx)
    evidence = {"endpoint": endpoint.state, "deployments": {d.name: d.state for d in endpoint.deployments}}
    if endpoint.state != "Succeeded":
        fail("endpoint {endpoint} is {state}", evidence=evidence, endpoint=endpoint.name, state=endpoint.state)
    if not endpoint.deployments:
        fail("endpoint {endpoint} has no deployment", evidence=evidence, endpoint=endpoint.name)
    serving = [d for d in endpoint.deployments if endpoint.traffic.get(d.name, 0) > 0] or list(endpoint.deployments)
    broken = [d for d in serving if d.state != "Succeeded"]
    if broken:
        fail(comma_list([msg("deployment {name} is {state}", name=d.name, state=d.state) for d in broken]),
             evidence=evidence)
    names = [f"{d.name}" + (f" ({d.model})" if d.model else "") for d in serving]
    return passed("endpoint {endpoint} Succeeded, deployment {deployments} Succeeded", evidence=evidence,
                  endpoint=endpoint.name, deployments=names)


@criterion(
    "03.4",
    "Verify that one deployment takes 100% of the traffic",
    hint="Route all traffic to the deployment: `az ml online-endpoint update -n <endpoint> --traffic \"blue=100\"`.",
    needs="03.3",
)
def full_traffic(ctx):
    _skip_unless(ctx.target.can.traffic_split,
                 msg("the local server is a single deployment: there is no traffic to split"))
    endpoint = _endpoint(ctx)
    full = [name for name, share in endpoint.traffic.items() if share == 100]
    if not full:
        shown = [f"{k}={v}%" for k, v in endpoint.traffic.items()] or msg("no traffic at all")
        fail("no deployment of {endpoint} takes 100% of the traffic ({shown})", evidence={"traffic": endpoint.traffic},
             endpoint=endpoint.name, shown=shown)
    return passed("{deployment} takes 100% of the traffic", evidence={"traffic": endpoint.traffic}, deployment=full[0])


@criterion(
    "03.5",
    "Verify that the endpoint uses key authentication",
    hint="Set `auth_mode: key` in endpoints/endpoint.yml (the auth mode cannot change later: recreate the endpoint).",
    needs="03.3",
)
def key_auth(ctx):
    _skip_unless(ctx.target.can.endpoint_auth, msg("the local inference server has no authentication"))
    endpoint = _endpoint(ctx)
    if not endpoint.auth_mode:
        fail("endpoint {endpoint} uses no authentication, not key", endpoint=endpoint.name)
    if endpoint.auth_mode != "key":
        fail("endpoint {endpoint} uses {mode} authentication, not key", endpoint=endpoint.name, mode=endpoint.auth_mode)
    return passed("endpoint {endpoint} uses key authentication", endpoint=endpoint.name)


def _score(ctx, *, with_key: bool):
    endpoint = _endpoint(ctx)
    key = _key(ctx) if with_key else None
    return ctx.target.score(endpoint, {"data": [HORIZON]}, key=key, timeout=SCORE_TIMEOUT)


@criterion(
    "03.6",
    "Verify that scoring with the key returns n finite forecasts",
    hint="POST {\"data\": [7]} to the scoring URI with the header `Authorization: Bearer <key>`; score.py's "
    "run() must answer {\"result\": [7 forecasts]}. `az ml online-endpoint invoke` is a quick way to try.",
    needs="03.3",
)
def scoring_with_key(ctx):
    reply = _score(ctx, with_key=True)
    if reply.status != 200:
        fail("the endpoint answered HTTP {status}: {body}", status=reply.status, body=_preview(reply.body))
    forecasts, problem = forecasts_in(reply.body, HORIZON)
    if forecasts is None:
        fail("the endpoint's answer to {request} is unusable: {problem}", request=f'{{"data": [{HORIZON}]}}',
             problem=problem)
    return passed(
        "{n} forecasts in {ms:.0f} ms",
        evidence={"forecast": [round(v, 2) for v in forecasts]},
        n=HORIZON, ms=reply.seconds * 1000,
    )


@criterion(
    "03.7",
    "Verify that scoring without the key is refused (401)",
    hint="Keep `auth_mode: key` on the endpoint; never hand out the key or put it in the repo.",
    needs="03.3",
)
def scoring_without_key_refused(ctx):
    _skip_unless(ctx.target.can.endpoint_auth,
                 msg("the local inference server has no authentication to refuse anyone"))
    reply = _score(ctx, with_key=False)
    if reply.status == 401:
        return passed("refused with 401 Unauthorized")
    if reply.status == 200:
        fail("the endpoint answered 200 without a key: anyone who finds it can call it")
    fail("without a key the endpoint answered HTTP {status}, expected 401", status=reply.status)


@criterion(
    "03.8",
    f"Verify that the p95 latency of a burst of {BURST} requests stays under 1 second",
    hint="Keep run() light: load the model once in init(), not per request; a slow first answer is fine, "
    "a slow 95th percentile is not. Check the deployment's instance type and count.",
    needs="03.6",
)
def latency_p95(ctx):
    endpoint = _endpoint(ctx)
    key = _key(ctx)

    def one(_: int):
        return ctx.target.score(endpoint, {"data": [HORIZON]}, key=key, timeout=SCORE_TIMEOUT)

    with ThreadPoolExecutor(max_workers=BURST_CONCURRENCY) as pool:
        replies = list(pool.map(one, range(BURST)))
    failed = [r.status for r in replies if r.status != 200]
    seconds = sorted(r.seconds for r in replies)
    p95 = seconds[max(0, math.ceil(0.95 * len(seconds)) - 1)]
    evidence = {"requests": BURST, "concurrency": BURST_CONCURRENCY, "p95_ms": round(p95 * 1000, 1),
                "median_ms": round(seconds[len(seconds) // 2] * 1000, 1), "failed": len(failed)}
    if failed:
        fail("{failed} of {burst} requests failed (HTTP {statuses})", evidence=evidence, failed=len(failed), burst=BURST,
             statuses=[str(s) for s in sorted(set(failed))])
    if p95 >= P95_BOUND:
        fail("p95 latency {p95:.0f} ms is over the {bound:.0f} ms bound", evidence=evidence, p95=p95 * 1000,
             bound=P95_BOUND * 1000)
    return passed("p95 {p95:.0f} ms over {burst} requests ({concurrency} at a time)", evidence=evidence,
                  p95=p95 * 1000, burst=BURST, concurrency=BURST_CONCURRENCY)


def _preview(body) -> str:
    text = body if isinstance(body, str) else repr(body)
    return text if len(text) <= 200 else text[:197] + "..."
