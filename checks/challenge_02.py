"""Challenge 02 — Train in the cloud: a pinned environment, a command job, MLflow, a model output.

On the azure target the job is an Azure ML command job and its metrics come
from the workspace's MLflow; on the local target the job is an MLflow run of
the local store and the environment is the YAML in the repo.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from ohcheck import criterion, fail, msg, msg_n, passed, skip

from ._training import job_label, training_job, training_run

MLFLOW_PLUGIN = "azureml-mlflow"  # the page requires it: MLflow's store for the workspace's azureml:// URI
METRICS = ("rmse", "mae", "mape", "r2")
MODEL_TYPES = ("uri_folder", "custom_model", "mlflow_model")
RUNNING = ("NotStarted", "Queued", "Preparing", "Provisioning", "Starting", "Running", "Finalizing", "CancelRequested")
# conda: name=1.2 or name==1.2 (an exact build is fine too); no wildcard, no range.
_CONDA_PIN = re.compile(r"^[A-Za-z0-9_.\-]+(?:::[A-Za-z0-9_.\-]+)?\s*==?\s*[A-Za-z0-9_.+!\-]+(?:=[A-Za-z0-9_.]+)?$")


@criterion(
    "02.1",
    "Verify that the registered environment includes azureml-mlflow and pins its conda and pip dependencies",
    hint="List azureml-mlflow among the pip packages of the environment's conda file, give every dependency an "
    "exact version (`python=3.11`, `pip=24.0`, `pandas==2.2.3`, `azureml-mlflow==1.57.0` ...) and register it "
    "(`az ml environment create --file environment/adventureworks-env.yml`).",
)
def environment_pinned(ctx):
    name = ctx.config.environment
    env = ctx.target.environment(name)
    if env is None:
        where = (ctx.target.can.environment_file if ctx.target.can.environment_file
                 else msg("the workspace (latest version of {name})", name=name))
        fail("no environment {name} in {where}", name=name, where=where)
    if not env.conda_file:
        fail("environment {source} has no conda file, so nothing pins its packages", source=env.source)
    unpinned = unpinned_dependencies(env.conda_file)
    evidence = {"environment": env.source, "image": env.image}
    if unpinned:
        fail(msg_n("{source} leaves 1 dependency unpinned: {unpinned}",
                   "{source} leaves {count} dependencies unpinned: {unpinned}", len(unpinned), source=env.source,
                   count=len(unpinned), unpinned=unpinned), evidence=evidence)
    # Checked even on a curated image that has azureml-mlflow: Azure ML builds a conda file into an
    # environment of its own (`conda env create -p /azureml-envs/...`), and the job runs in that one,
    # so only what the conda file lists is there.
    if MLFLOW_PLUGIN not in {name for _, name in _package_names(env.conda_file)}:
        pip = [name for manager, name in _package_names(env.conda_file, canonical=False) if manager == "pip"]
        fail("{source} does not include {package}, which lets MLflow log to the workspace from a job "
             "(its pip packages: {packages})", evidence=evidence, source=env.source, package=MLFLOW_PLUGIN,
             packages=pip or msg("none"))
    count = len(_dependencies(env.conda_file))
    return passed("{source}: all {count} dependencies pinned", evidence=evidence, source=env.source, count=count)


def _dependencies(conda: dict) -> list[tuple[str, str]]:
    """(manager, spec) for every dependency of a conda specification."""
    found = []
    for dep in conda.get("dependencies") or []:
        if isinstance(dep, str):
            found.append(("conda", dep.strip()))
        elif isinstance(dep, dict):
            for spec in dep.get("pip") or []:
                spec = str(spec).strip()
                if spec and not spec.startswith("-"):  # options such as --extra-index-url
                    found.append(("pip", spec))
    return found


def _package_names(conda: dict, *, canonical: bool = True) -> list[tuple[str, str]]:
    """(manager, name) of every dependency whose name can be read; canonical names compare as pip does."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    names = []
    for manager, spec in _dependencies(conda):
        if manager == "pip":
            try:
                name = Requirement(spec).name
            except InvalidRequirement:  # a URL or a path: no name to compare
                continue
        else:  # conda: [channel::]name[=version[=build]], or name with a comparison (name>=1.0)
            name = re.split(r"[\s=<>!~\[]", spec.split("::")[-1], maxsplit=1)[0]
        if name:
            names.append((manager, canonicalize_name(name) if canonical else name))
    return names


def unpinned_dependencies(conda: dict) -> list[str]:
    from packaging.requirements import InvalidRequirement, Requirement

    unpinned = []
    for manager, spec in _dependencies(conda):
        if manager == "conda":
            if not _CONDA_PIN.match(spec) or "*" in spec:
                unpinned.append(spec)
            continue
        try:
            requirement = Requirement(spec)
        except InvalidRequirement:
            unpinned.append(spec)
            continue
        specs = list(requirement.specifier)
        if len(specs) != 1 or specs[0].operator not in ("==", "===") or "*" in specs[0].version:
            unpinned.append(spec)
    return unpinned


@criterion(
    "02.2",
    "Verify that a command job of the experiment ran the training script",
    hint="Submit src/train.py as a command job in the experiment named in ohcheck.yaml "
    "(`az ml job create --file jobs/train-job.yml`, or jobs/submit_job.py); locally, run `python src/train.py` "
    "so that it logs an MLflow run.",
)
def training_job_ran(ctx):
    job = training_job(ctx)
    return passed(
        "{type} job {job} ({status})",
        evidence={"job": job.name, "status": job.status, "command": job.command[:200]},
        type=job.type, job=job_label(job), status=job.status,
    )


@criterion(
    "02.3",
    "Verify that the job ran on the compute cluster",
    hint="Set the job's compute to the cluster (`compute: azureml:cpu-cluster` in the job YAML).",
    needs="02.2",
)
def job_on_cluster(ctx):
    job = training_job(ctx)
    if job.compute is None:
        skip("the local target runs jobs on this machine: there is no compute cluster")
    wanted = ctx.config.azure.compute_cluster
    used = PurePosixPath(job.compute.removeprefix("azureml:")).name if job.compute else ""
    if used != wanted:
        fail("job {job} ran on {compute}, not on cluster {cluster}", job=job_label(job),
             compute=job.compute or msg("no compute (serverless?)"), cluster=wanted)
    return passed("job {job} ran on {cluster}", evidence={"compute": job.compute}, job=job_label(job), cluster=wanted)


@criterion(
    "02.4",
    "Verify that the job took the registered data asset as input",
    hint="Declare the data asset as the job's input (`type: uri_file`, `path: azureml:transaction_ts2013@latest`) "
    "and pass it to the script (`--data ${{inputs.data}}`); locally, train on data/mlops_forecast_data2013.csv "
    "and log its path with mlflow.log_param('data', ...).",
    needs="02.2",
)
def job_took_data_asset(ctx):
    job = training_job(ctx)
    # The page asks for the 2013 series, on both targets; training on both years is challenge 06's.
    wanted = ctx.config.data_assets.year2013
    other = None
    for key, io in job.inputs.items():
        asset = ctx.target.data_asset_of(io)
        if asset == wanted:
            return passed("input {name}: {path} ({asset})", evidence={"input": key, "path": io.path, "asset": asset},
                          name=key, path=io.path, asset=asset)
        if asset and other is None:
            other = (key, io, asset)
    if other:
        key, io, asset = other
        fail("job {job} took the data asset {asset} as its input {name} ({path}); this challenge trains on "
             "{wanted}, the 2013 series", evidence={"input": key, "path": io.path, "asset": asset},
             job=job_label(job), asset=asset, name=key, path=io.path, wanted=wanted)
    seen = [f"{k}={io.path or io.type}" for k, io in job.inputs.items()] or msg("none")
    fail("job {job} does not take the data asset {wanted} as input (its inputs: {seen})", job=job_label(job),
         wanted=wanted, seen=seen)


@criterion(
    "02.5",
    "Verify that the job completed",
    hint="Read the job's logs in Azure ML studio (Outputs + logs) or with `az ml job stream --name <job>`, "
    "fix what failed, and submit it again.",
    needs="02.2",
)
def job_completed(ctx):
    job = training_job(ctx)
    if job.status == "Completed":
        return passed("job {job} Completed", evidence={"status": job.status}, job=job_label(job))
    if job.status in RUNNING:
        fail("job {job} is still {status}: wait for it to finish, then verify again", evidence={"status": job.status},
             job=job_label(job), status=job.status)
    fail("job {job} ended {status}", evidence={"status": job.status}, job=job_label(job), status=job.status)


@criterion(
    "02.6",
    "Verify that the job logged RMSE, MAE, MAPE and R² and its parameters with MLflow",
    hint="In train.py: mlflow.log_metric('rmse', ...) for rmse, mae, mape and r2 on the held-out days, and "
    "mlflow.log_param(...) for the model's settings. In an Azure ML job, do not set the tracking URI: Azure sets it.",
    needs="02.2",
)
def job_logged_metrics(ctx):
    job = training_job(ctx)
    run = training_run(ctx)
    logged = {k.lower(): v for k, v in run.metrics.items()}
    missing = [m for m in METRICS if m not in logged]
    evidence = {"metrics": {k: round(v, 4) for k, v in run.metrics.items()}, "params": dict(run.params)}
    if missing:
        fail("job {job} logged no {missing} (it logged: {logged})", evidence=evidence, job=job_label(job),
             missing=missing, logged=list(run.metrics) or msg("no metrics"))
    if not run.params:
        fail("job {job} logged its metrics but no parameter", evidence=evidence, job=job_label(job))
    return passed(
        "rmse {rmse:.1f}, mae {mae:.1f}, mape {mape:.1f}, r2 {r2:.3f}; {count} parameter(s)",
        evidence=evidence,
        rmse=logged["rmse"], mae=logged["mae"], mape=logged["mape"], r2=logged["r2"], count=len(run.params),
    )


@criterion(
    "02.7",
    "Verify that the job produced the model as an output",
    hint="Declare an output `model` (type uri_folder or custom_model) and save the model into it "
    "(`--model-output ${{outputs.model}}`); locally, log the folder as the run's `model` artifact.",
    needs="02.5",
)
def job_produced_model(ctx):
    job = training_job(ctx)
    output = job.outputs.get("model")
    if output is None:
        # Azure ML gives every job an output "default" (its artifacts folder): not a model output.
        candidates = {k: io for k, io in job.outputs.items() if io.type in MODEL_TYPES and k != "default"}
        if not candidates:
            declared = [f"{k} ({io.type})" for k, io in job.outputs.items() if k != "default"] or msg("none")
            fail("job {job} has no model output (its outputs: {declared})", job=job_label(job), declared=declared)
        name, output = next(iter(candidates.items()))
    else:
        name = "model"
    if output.type not in MODEL_TYPES:
        fail("job {job}'s output {name} is a {type}, expected one of {expected}", job=job_label(job), name=name,
             type=output.type, expected=list(MODEL_TYPES))
    return passed("output {name} ({type})", evidence={"output": name, "type": output.type, "path": output.path},
                  name=name, type=output.type)
