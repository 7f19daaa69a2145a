"""The starters' CLI v2 YAML and SDK v2 script are valid for Azure ML's own loaders, offline."""

from __future__ import annotations

import importlib.util

import yaml
from azure.ai.ml import load_environment, load_job, load_online_deployment, load_online_endpoint


def test_the_job_environment_endpoint_and_deployment_load(team_repo):
    repo = team_repo("solved-03")
    job = load_job(repo / "jobs" / "train-job.yml")
    assert (job.type, job.experiment_name, job.compute) == ("command", "adventureworks-forecast", "cpu-cluster")
    assert job.inputs["data"].path == "transaction_ts2013@latest"  # the loader drops `azureml:`
    assert job.outputs["model"].type == "uri_folder"
    env = load_environment(repo / "environment" / "adventureworks-env.yml")
    assert env.name == "adventureworks-env" and env.conda_file["dependencies"][0] == "python=3.11"
    endpoint = load_online_endpoint(repo / "endpoints" / "endpoint.yml")
    assert endpoint.auth_mode == "key"
    deployment = load_online_deployment(repo / "endpoints" / "deployment.yml")
    assert (deployment.name, deployment.code_configuration.scoring_script) == ("blue", "score.py")
    for path in ("jobs/train-job.yml", "environment/adventureworks-env.yml", "endpoints/endpoint.yml", "endpoints/deployment.yml"):
        assert yaml.safe_load((repo / path).read_text())["$schema"].startswith("https://azuremlschemas.azureedge.net/latest/")


def test_the_sdk_v2_submit_script_builds_the_same_job(team_repo):
    repo = team_repo("solved-03")
    spec = importlib.util.spec_from_file_location("submit_job", repo / "jobs" / "submit_job.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    job = module.build_job()
    assert job.command == "python train.py --data ${{inputs.data}} --model-output ${{outputs.model}}"
    assert job.inputs["data"].path == "azureml:transaction_ts2013@latest"
    assert job.compute == "cpu-cluster" and job.experiment_name == "adventureworks-forecast"
