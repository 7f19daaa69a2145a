"""Workspaces where a team has done challenges 00-03 (and 04), each seeded in one call."""

from __future__ import annotations

import uuid
from typing import Any

from .server import FakeAzureML
from .state import PipelineStep

PINNED_CONDA_FILE: dict[str, Any] = {
    "name": "adventureworks-env",
    "channels": ["conda-forge"],
    "dependencies": [
        "python=3.11",
        "pip=24.0",
        {
            "pip": [
                "pandas==2.2.3",
                "numpy==1.26.4",
                "statsmodels==0.14.4",
                "mlflow==2.16.2",
                "azureml-mlflow==1.57.0",
                "azureml-inference-server-http==1.3.4",
            ]
        },
    ],
}

METRICS = {"rmse": 441.2, "mae": 377.9, "mape": 116.1, "r2": 0.18}


def seed_passing_workspace(
    fake: FakeAzureML,
    *,
    endpoint: str,
    model: str = "adventureworks-forecast",
    experiment: str = "adventureworks-forecast",
    cluster: str = "cpu-cluster",
    environment: str = "adventureworks-env",
    data_assets: tuple[str, ...] = ("transaction_ts", "transaction_ts2013", "transaction_ts2014"),
) -> dict[str, Any]:
    """Seed compute, data, a pinned environment, a finished training job, its model and a live endpoint.

    Returns the names and values used, for assertions: compute_instance, cluster,
    data_assets, environment, experiment, job_name, model, model_version,
    endpoint, deployment, primary_key, secondary_key, scoring_uri, metrics, params.
    """
    ws = fake.workspace
    instance = "ci-team1"
    ws.add_compute_instance(instance, vm_size="STANDARD_DS11_V2", state="Running")
    ws.add_compute_cluster(cluster, vm_size="STANDARD_DS3_V2", min_instances=0, max_instances=2, idle_seconds=120)
    for name in data_assets:
        year = name.removeprefix("transaction_ts")
        ws.add_data(name, version="1", type="uri_file",
                    path=f"azureml://datastores/workspaceblobstore/paths/data/mlops_forecast_data{year}.csv")
    training_data = "transaction_ts2013" if "transaction_ts2013" in data_assets else data_assets[0]
    conda_file = dict(PINNED_CONDA_FILE, name=environment)
    ws.add_environment(environment, version="1", conda_file=conda_file,
                       image="mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest")
    params = {"level_days": "28"}
    job_name = ws.add_command_job(
        experiment=experiment,
        status="Completed",
        compute=cluster,
        command="python train.py --data ${{inputs.data}} --model-output ${{outputs.model}}",
        inputs={"data": ("uri_file", f"azureml:{training_data}:1")},
        outputs={"model": ("uri_folder", None)},
        environment=f"azureml:{environment}:1",
        metrics=METRICS,
        params=params,
    )
    ws.add_model_version(model, version="1", job_name=job_name, path=f"azureml://jobs/{job_name}/outputs/model",
                         tags={k: str(v) for k, v in METRICS.items()}, type="custom_model")
    # Unique per call, so a leak test can look for them in ohcheck's output.
    keys = (f"fake-primary-key-{uuid.uuid4().hex}", f"fake-secondary-key-{uuid.uuid4().hex}")
    ws.add_online_endpoint(endpoint, auth_mode="key", state="Succeeded", traffic={"blue": 100}, keys=keys)
    ws.add_online_deployment(endpoint, "blue", state="Succeeded", model=f"azureml:{model}:1",
                             instance_type="Standard_DS3_v2", instance_count=1,
                             environment=f"azureml:{environment}:1")
    return {
        "compute_instance": instance,
        "cluster": cluster,
        "data_assets": tuple(data_assets),
        "training_data": training_data,
        "environment": environment,
        "conda_file": conda_file,
        "experiment": experiment,
        "job_name": job_name,
        "metrics": dict(METRICS),
        "params": dict(params),
        "model": model,
        "model_version": "1",
        "endpoint": endpoint,
        "deployment": "blue",
        "primary_key": keys[0],
        "secondary_key": keys[1],
        "scoring_uri": f"{fake.url}/score/{endpoint}",
    }


TRAIN_COMMAND = "python train.py --data ${{inputs.data}} --model-output ${{outputs.model}}"
REGISTER_COMMAND = ("python register.py --model ${{inputs.model}} --model-name ${{inputs.model_name}} "
                    "--model-info ${{outputs.model_info}}")
DEPLOY_COMMAND = ("python deploy.py --model-info ${{inputs.model_info}} --endpoint ${{inputs.endpoint}} "
                  "--deployment ${{inputs.deployment}}")


def seed_pipeline_workspace(
    fake: FakeAzureML,
    *,
    endpoint: str,
    model: str = "adventureworks-forecast",
    experiment: str = "adventureworks-forecast",
    display_name: str = "train-register-deploy",
) -> dict[str, Any]:
    """seed_passing_workspace, then challenge 04 done: the pipeline ran train -> register -> deploy.

    The pipeline job (display name train-register-deploy) completed its three
    steps; its components came from files (components/*.yml), so Azure ML
    registered them anonymously under their YAML names. The train step logged
    METRICS; its model output became version 2 of the model, which the
    endpoint's deployment now serves with all the traffic.

    Returns seed_passing_workspace's names and values, plus: pipeline_job,
    pipeline_display_name, step_jobs (step name -> job name), components (step
    name -> component name), train_job, model_version ("2"), previous_model_version ("1").
    """
    info = seed_passing_workspace(fake, endpoint=endpoint, model=model, experiment=experiment)
    ws = fake.workspace
    pipeline = ws.add_pipeline_job(
        experiment=experiment,
        display_name=display_name,
        status="Completed",
        compute=info["cluster"],
        inputs={"data": ("uri_file", f"azureml:{info['training_data']}@latest"), "endpoint": endpoint},
        steps=[
            PipelineStep("train", component="train_adventureworks_forecast", from_file=True, command=TRAIN_COMMAND,
                         inputs={"data": "${{parent.inputs.data}}"}, outputs={"model": ("uri_folder", None)},
                         metrics=METRICS, params=info["params"]),
            PipelineStep("register", component="register_adventureworks_forecast", from_file=True,
                         command=REGISTER_COMMAND, inputs={"model": "${{parent.jobs.train.outputs.model}}"},
                         outputs={"model_info": ("uri_folder", None)}),
            PipelineStep("deploy", component="deploy_adventureworks_forecast", from_file=True, command=DEPLOY_COMMAND,
                         inputs={"model_info": "${{parent.jobs.register.outputs.model_info}}",
                                 "endpoint": "${{parent.inputs.endpoint}}"}),
        ],
    )
    step_jobs = {step.name: step.job for step in ws.jobs[pipeline].steps}
    train_job = step_jobs["train"]
    ws.add_model_version(model, version="2", job_name=train_job, path=f"azureml://jobs/{train_job}/outputs/model",
                         tags={k: str(v) for k, v in METRICS.items()}, type="custom_model")
    deployment = ws.deployments[endpoint][info["deployment"]]
    deployment.model = f"azureml:{model}:2"
    ws.endpoints[endpoint].traffic = {info["deployment"]: 100}
    return {
        **info,
        "pipeline_job": pipeline,
        "pipeline_display_name": display_name,
        "step_jobs": step_jobs,
        "components": {"train": "train_adventureworks_forecast", "register": "register_adventureworks_forecast",
                       "deploy": "deploy_adventureworks_forecast"},
        "train_job": train_job,
        "model_version": "2",
        "previous_model_version": "1",
    }
