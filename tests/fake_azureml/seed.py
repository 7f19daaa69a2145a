"""A workspace where a team has done challenges 00-03, seeded in one call."""

from __future__ import annotations

import uuid
from typing import Any

from .server import FakeAzureML

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
