"""Challenge 07 as teams get it wrong and right: the YAML, its $schema, the SDK's loaders, apply.sh.

Each test builds the repo a team has at challenge 07 in tmp_path: the YAML of
challenges 02-05 (tests/fixtures/cli_yaml), the three CSVs, an ohcheck.yaml
from `ohcheck init --team t`, then `ohcheck start challenge-07` (and the
solution's files over it). Then it runs `ohcheck verify` as a team would.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from ohcheck.kit.starter import copy_files

from ..checks_helpers import verify_json
from ..conftest import FIXTURES

FIXTURE = FIXTURES / "cli_yaml"
SCHEMA = "https://azuremlschemas.azureedge.net/latest/"


@pytest.fixture
def repo07(tmp_path, cli, pack):
    """make(solved) → a team repo at challenge 07, just started or solved."""

    def make(solved: bool = False) -> Path:
        repo = tmp_path / ("solved-07" if solved else "starting-07")
        shutil.copytree(FIXTURE, repo, ignore=shutil.ignore_patterns("README.md"))
        (repo / "data").mkdir()
        for suffix in ("", "2013", "2014"):
            (repo / "data" / f"mlops_forecast_data{suffix}.csv").write_text("TransactionDate,PaidAmount\n")
        assert cli("init", "--team", "t", "--target", "local", cwd=repo).exit_code == 0
        started = cli("start", "challenge-07", cwd=repo)
        assert started.exit_code == 0, started.output
        if solved:
            copy_files(pack.challenge("07").solution, repo, overwrite=True)
        return repo

    return make


def _line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line of `path` that starts with `text` (after indentation)."""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if line.strip().startswith(text):
            return number
    raise AssertionError(f"{text!r} is not in {path}")


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new))


def test_the_starter_fails_what_the_team_has_to_do(cli, repo07):
    repo = repo07()
    code, results = verify_json(cli, repo, "07")
    assert code == 1
    assert {k: r["status"] for k, r in results.items()} == {
        "07.1": "failed", "07.2": "failed", "07.3": "failed", "07.4": "failed", "07.5": "skipped",
    }
    assert results["07.1"]["message"] == "no YAML for the data asset transaction_ts2014"
    assert results["07.2"]["message"] == (
        f"data-assets/transaction_ts2013.yml has no $schema (for a data asset: {SCHEMA}data.schema.json)"
    )
    started = repo / "data-assets" / "transaction_ts2013.yml"
    assert results["07.3"]["message"] == (
        f"data-assets/transaction_ts2013.yml:{_line_of(started, 'name:')}: path: Missing data for required field."
    )
    apply_sh = repo / "scripts" / "apply.sh"
    deployment = _line_of(apply_sh, "az ml online-deployment create")
    endpoint = _line_of(apply_sh, "az ml online-endpoint create")
    assert results["07.4"]["message"] == (
        "scripts/apply.sh: nothing applies the data asset transaction_ts2013 (data-assets/transaction_ts2013.yml); "
        "nothing applies the data asset transaction_ts2014 (there is no YAML for it yet); "
        f"scripts/apply.sh:{deployment} applies the online deployment (endpoints/deployment.yml) before the "
        f"online endpoint (endpoints/endpoint.yml, line {endpoint}): a deployment is created under its endpoint; "
        f"scripts/apply.sh:{deployment}: the online deployment (endpoints/deployment.yml) serves model "
        "adventureworks-forecast, which nothing before it registers: on a fresh workspace it does not exist yet "
        "(register it first, e.g. `az ml model create --file <model YAML>` from the training job's output)"
    )
    assert results["07.5"]["message"].startswith("needs 07.1")


def test_the_solution_passes_and_the_workspace_criterion_is_skipped_locally(cli, repo07):
    repo = repo07(solved=True)
    code, results = verify_json(cli, repo, "07")
    assert code == 0, results
    assert {k: r["status"] for k, r in results.items()} == {
        "07.1": "passed", "07.2": "passed", "07.3": "passed", "07.4": "passed", "07.5": "skipped",
    }
    assert results["07.1"]["message"] == (
        "found 3 data assets, 1 environment, 1 command job, 1 pipeline job, 3 command components, "
        "1 online endpoint, 1 online deployment, 1 schedule, 1 model"
    )
    assert results["07.1"]["evidence"]["data asset"] == [
        "data-assets/transaction_ts.yml", "data-assets/transaction_ts2013.yml", "data-assets/transaction_ts2014.yml",
    ]
    assert results["07.3"]["message"].startswith("all 13 files load with azure-ai-ml ")
    applies = results["07.4"]["evidence"]["applies"]
    assert [a.split(": ", 1)[1] for a in applies][:4] == [
        "az ml data create --file data-assets/transaction_ts.yml",
        "az ml data create --file data-assets/transaction_ts2013.yml",
        "az ml data create --file data-assets/transaction_ts2014.yml",
        "az ml environment create --file environment/adventureworks-env.yml",
    ]
    assert results["07.5"]["message"].startswith("the resources live in an Azure ML workspace")


@pytest.mark.parametrize(
    ("path", "old", "new", "expected"),
    [
        (
            "jobs/train-job.yml", "commandJob.schema.json", "pipelineJob.schema.json",
            (f"jobs/train-job.yml looks like a command job but names the pipelineJob schema (pipeline job); "
             f"expected {SCHEMA}commandJob.schema.json"),
        ),
        (
            "components/train.yml", "commandComponent.schema.json", "commandJob.schema.json",
            (f"components/train.yml looks like a command component but names the commandJob schema (command job); "
             f"expected {SCHEMA}commandComponent.schema.json"),
        ),
        (
            "endpoints/endpoint.yml", "managedOnlineEndpoint.schema.json", "kubernetesOnlineEndpoint.schema.json",
            (f"endpoints/endpoint.yml looks like an online endpoint but names the kubernetesOnlineEndpoint schema "
             f"(Kubernetes online endpoint); expected {SCHEMA}managedOnlineEndpoint.schema.json"),
        ),
        (
            "schedules/retrain-schedule.yml", f"{SCHEMA}schedule.schema.json", "https://example.com/schedule.json",
            ("schedules/retrain-schedule.yml names $schema https://example.com/schedule.json, which is not an "
             f"Azure ML CLI v2 schema (expected {SCHEMA}schedule.schema.json)"),
        ),
        (
            "environment/adventureworks-env.yml", f"$schema: {SCHEMA}environment.schema.json\n", "",
            f"environment/adventureworks-env.yml has no $schema (for an environment: {SCHEMA}environment.schema.json)",
        ),
    ],
)
def test_a_wrong_schema_fails_naming_the_file_and_the_schema_expected(cli, repo07, path, old, new, expected):
    repo = repo07(solved=True)
    _replace(repo / path, old, new)
    code, results = verify_json(cli, repo, "07")
    assert code == 1
    assert results["07.2"]["status"] == "failed"
    assert results["07.2"]["message"] == expected
    assert results["07.1"]["status"] == "passed"  # the content still says what the file is


@pytest.mark.parametrize(
    ("path", "old", "new", "at", "expected"),
    [
        ("endpoints/deployment.yml", "instance_count: 1", "instance_count: many", "instance_count:",
         "instance_count: Not a valid integer."),
        ("endpoints/deployment.yml", "instance_count: 1", "instance_count: 1\nreplicas: 2", "replicas:",
         "replicas: Unknown field."),
        ("endpoints/endpoint.yml", "auth_mode: key", "auth_mode: password", "auth_mode:",
         "auth_mode: Value 'password' passed is not in set ['aml_token', 'key', 'aad_token']"),
        ("jobs/train-job.yml", "    type: uri_file", "    type: uri_fle", "type: uri_fle",
         "inputs.data.type: Value 'uri_fle' passed is not in set ['uri_file', 'uri_folder']"),
        ("jobs/train-job.yml", "code: ../src", "code: ../source", "code:",
         "code: Can't find directory or file in resolved absolute path: source."),
        ("environment/adventureworks-env.yml", "conda_file: conda.yml", "conda_file: condo.yml", "conda_file:",
         "conda_file: No such file or directory: environment/condo.yml"),
        ("pipelines/train-deploy.yml", "component: ../components/register.yml",
         "component: ../components/registr.yml", "component: ../components/registr.yml",
         "jobs.register.component: No such file or directory: pipelines/../components/registr.yml"),
        ("schedules/retrain-schedule.yml", "type: cron", "type: cronjob", "type: cronjob",
         "trigger.type: Value 'cronjob' passed is not in set ['cron']"),
        ("data-assets/transaction_ts2014.yml", "path: ../data/", "path: data/", "path:",
         "path: data/mlops_forecast_data2014.csv does not exist (a data asset's local path is relative to its YAML file)"),
    ],
)
def test_an_invalid_field_fails_on_its_line(cli, repo07, path, old, new, at, expected):
    repo = repo07(solved=True)
    _replace(repo / path, old, new)
    _, results = verify_json(cli, repo, "07")
    assert results["07.3"]["status"] == "failed"
    # The first problem; a pipeline's also makes the schedule that submits it fail, on its create_job line.
    assert results["07.3"]["evidence"]["problems"][0] == f"{path}:{_line_of(repo / path, at)}: {expected}"


@pytest.mark.parametrize(
    ("path", "old", "new", "at", "expected"),
    [
        ("data-assets/transaction_ts2014.yml", "path: ../data/mlops_forecast_data2014.csv", "path: ../data",
         "path:", "path: ../data is a folder, and a uri_file data asset is one file: name the file, or make it a "
         "uri_folder"),
        ("environment/adventureworks-env.yml", "image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest\n",
         "", "$schema", "Docker image or Dockerfile is required for environments"),
        ("endpoints/deployment.yml", "  code: ../src", "  code: ../source", "code: ../source",
         "code_configuration.code: ../source does not exist (the code folder is relative to the YAML file)"),
    ],
    ids=["uri-file-is-a-folder", "conda-file-without-image", "code-folder-missing"],
)
def test_what_az_ml_refuses_at_create_time_fails_too(cli, repo07, path, old, new, at, expected):
    repo = repo07(solved=True)
    _replace(repo / path, old, new)
    _, results = verify_json(cli, repo, "07")
    assert results["07.3"]["status"] == "failed"
    assert results["07.3"]["evidence"]["problems"][0] == f"{path}:{_line_of(repo / path, at)}: {expected}"


def test_a_deployment_is_loaded_with_the_endpoint_name_its_az_ml_command_passes(cli, repo07):
    repo = repo07(solved=True)
    deployment = repo / "endpoints" / "deployment.yml"
    _replace(deployment, "endpoint_name: aw-forecast-t\n", "")
    # The reference script passes --endpoint-name "$ENDPOINT": az loads the file with it, and so does 07.3.
    _, results = verify_json(cli, repo, "07")
    assert results["07.1"]["status"] == "passed", results["07.1"]["message"]
    assert results["07.3"]["status"] == "passed", results["07.3"]["message"]
    assert results["07.4"]["status"] == "passed", results["07.4"]["message"]
    # Applied without it, the file lacks what az needs.
    _apply(repo, IN_ORDER)
    _, results = verify_json(cli, repo, "07")
    assert results["07.3"]["message"] == (
        f"endpoints/deployment.yml:{_line_of(deployment, '$schema')}: endpoint_name: Missing data for required field."
    )


def test_a_problem_that_names_no_field_is_on_the_first_line_of_yaml(cli, repo07):
    repo = repo07(solved=True)
    schedule = repo / "schedules" / "retrain-schedule.yml"
    text = schedule.read_text()
    trigger = text[text.index("trigger:"):text.index("create_job:")]
    schedule.write_text("# The weekly retraining.\n" + text.replace(trigger, ""))
    _, results = verify_json(cli, repo, "07")
    # The SDK raises a bare TypeError for a schedule without a trigger: still one line, on the file's first YAML line.
    assert results["07.3"]["message"] == "schedules/retrain-schedule.yml:2: trigger: Missing data for required field."


def test_malformed_yaml_fails_with_its_file_and_line_and_no_traceback(cli, repo07):
    repo = repo07(solved=True)
    endpoint = repo / "endpoints" / "endpoint.yml"
    endpoint.write_text(endpoint.read_text() + "tags: {team: t\n")
    code, results = verify_json(cli, repo, "07")
    assert code == 1
    assert results["07.1"]["status"] == "passed"  # its $schema still says it is the endpoint
    assert results["07.3"]["status"] == "failed"
    assert results["07.3"]["message"].startswith("endpoints/endpoint.yml:5: not valid YAML: ")
    shown = cli("verify", "07", cwd=repo)
    assert shown.exit_code == 1
    assert "endpoints/endpoint.yml:5: not valid YAML" in shown.output
    assert "Traceback" not in shown.output


def test_a_malformed_file_with_no_schema_is_named_when_its_kind_is_missing(cli, repo07):
    repo = repo07(solved=True)
    deployment = repo / "endpoints" / "deployment.yml"
    deployment.write_text(deployment.read_text().replace(f"$schema: {SCHEMA}managedOnlineDeployment.schema.json\n", "")
                          + "tags: [unclosed\n")
    _, results = verify_json(cli, repo, "07")
    assert results["07.1"]["status"] == "failed"
    assert results["07.1"]["message"].startswith("no YAML for the online deployment (endpoints/deployment.yml:")
    assert results["07.1"]["message"].endswith(": not valid YAML, so ohcheck cannot tell what it is)")


def test_a_loader_error_from_system_code_is_one_sentence_without_traceback_text(cli, repo07):
    repo = repo07(solved=True)
    deployment = repo / "endpoints" / "deployment.yml"
    # An inline model whose folder does not exist: the SDK hashes it and quotes the line of its own code that failed.
    _replace(deployment, "model: azureml:adventureworks-forecast@latest", "model:\n  path: ../model")
    _, results = verify_json(cli, repo, "07")
    assert results["07.3"]["status"] == "failed"
    assert results["07.3"]["message"] == (
        f"endpoints/deployment.yml:{_line_of(deployment, 'model:')}: model: No such file or directory: 'model'"
    )
    shown = cli("verify", "07", cwd=repo)
    assert "with open" not in shown.output and "^^^" not in shown.output


INLINE_PIPELINE = """\
$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
type: pipeline
experiment_name: adventureworks-forecast
settings:
  default_compute: azureml:cpu-cluster
inputs:
  data:
    type: uri_file
    path: azureml:transaction_ts2013@latest
jobs:
  train:
    type: command
    code: ../src
    command: python train.py --data ${{inputs.data}} --model-output ${{outputs.model}}
    environment: azureml:adventureworks-env@latest
    inputs:
      data: ${{parent.inputs.data}}
    outputs:
      model:
        type: uri_folder
  register:
    type: command
    code: ../src
    command: python register.py --model ${{inputs.model}} --model-info ${{outputs.model_info}}
    environment: azureml:adventureworks-env@latest
    inputs:
      model: ${{parent.jobs.train.outputs.model}}
    outputs:
      model_info:
        type: uri_folder
  deploy:
    type: command
    code: ../src
    command: python deploy.py --model-info ${{inputs.model_info}}
    environment: azureml:adventureworks-env@latest
    inputs:
      model_info: ${{parent.jobs.register.outputs.model_info}}
"""


def test_a_pipeline_with_inline_command_steps_has_its_components_for_04_1_and_07_1_alike(cli, repo07):
    repo = repo07(solved=True)
    shutil.rmtree(repo / "components")
    (repo / "pipelines" / "train-deploy.yml").write_text(INLINE_PIPELINE)
    _, results04 = verify_json(cli, repo, "04")
    assert results04["04.1"]["status"] == "passed", results04["04.1"]["message"]
    _, results = verify_json(cli, repo, "07")
    assert results["07.1"]["status"] == "passed", results["07.1"]["message"]
    assert "3 command components inline in pipelines/train-deploy.yml" in results["07.1"]["message"]


def _apply(repo: Path, body: str) -> Path:
    script = repo / "scripts" / "apply.sh"
    script.write_text("#!/usr/bin/env bash\nset -euo pipefail\n" + body)
    return script


IN_ORDER = """\
az ml data create --file data-assets/transaction_ts.yml
az ml data create --file data-assets/transaction_ts2013.yml
az ml data create --file data-assets/transaction_ts2014.yml
az ml environment create --file environment/adventureworks-env.yml
az ml model create --file models/adventureworks-forecast.yml --path azureml://jobs/train-job-1/outputs/model
az ml online-endpoint create --file endpoints/endpoint.yml
az ml online-deployment create --file endpoints/deployment.yml --all-traffic
az ml job create --file jobs/train-job.yml
az ml job create --file pipelines/train-deploy.yml
az ml schedule create --file schedules/retrain-schedule.yml
"""


# Every other kind `az ml <group> create --file` takes, in the shapes of Microsoft's CLI v2 samples (cli/).
OTHER_KINDS = {
    "extra/cpu-cluster.yml": ("compute", "compute cluster", (
        f"$schema: {SCHEMA}amlCompute.schema.json\n"
        "name: cpu-cluster\n"
        "type: amlcompute\n"
        "size: STANDARD_DS3_v2\n"
        "min_instances: 0\n"
        "max_instances: 2\n"
    )),
    "extra/model.yml": ("model", "model", (
        f"$schema: {SCHEMA}model.schema.json\n"
        "name: adventureworks-forecast\n"
        "path: ../model\n"
        "type: custom_model\n"
    )),
    "extra/train-pipeline-component.yml": ("component", "pipeline component", (
        f"$schema: {SCHEMA}pipelineComponent.schema.json\n"
        "name: train_only\n"
        "type: pipeline\n"
        "jobs:\n"
        "  train:\n"
        "    type: command\n"
        "    component: ../components/train.yml\n"
    )),
    "extra/batch-endpoint.yml": ("batch-endpoint", "batch endpoint", (
        f"$schema: {SCHEMA}batchEndpoint.schema.json\n"
        "name: aw-batch-t\n"
        "auth_mode: aad_token\n"
    )),
    "extra/batch-deployment.yml": ("batch-deployment", "model batch deployment", (
        f"$schema: {SCHEMA}modelBatchDeployment.schema.json\n"
        "name: nightly\n"
        "endpoint_name: aw-batch-t\n"
        "type: model\n"
        "model: azureml:adventureworks-forecast@latest\n"
        "code_configuration:\n"
        "  code: ../src\n"
        "  scoring_script: score.py\n"
        "environment: azureml:adventureworks-env@latest\n"
        "compute: azureml:cpu-cluster\n"
        "resources:\n"
        "  instance_count: 1\n"
        "settings:\n"
        "  mini_batch_size: 10\n"
        "  output_action: append_row\n"
        "  output_file_name: predictions.csv\n"
    )),
    "extra/pipeline-batch-deployment.yml": ("batch-deployment", "pipeline component batch deployment", (
        f"$schema: {SCHEMA}pipelineComponentBatchDeployment.schema.json\n"
        "name: retrain\n"
        "endpoint_name: aw-batch-t\n"
        "type: pipeline\n"
        "component: train-pipeline-component.yml\n"
        "settings:\n"
        "  default_compute: azureml:cpu-cluster\n"
    )),
    "extra/kubernetes-deployment.yml": ("online-deployment", "Kubernetes online deployment", (
        f"$schema: {SCHEMA}kubernetesOnlineDeployment.schema.json\n"
        "name: green\n"
        "type: kubernetes\n"
        "endpoint_name: aw-forecast-t\n"
        "model: azureml:adventureworks-forecast@latest\n"
        "code_configuration:\n"
        "  code: ../src\n"
        "  scoring_script: score.py\n"
        "environment: azureml:adventureworks-env@latest\n"
        "instance_type: defaultinstancetype\n"
        "instance_count: 1\n"
    )),
    "extra/drift-monitor.yml": ("schedule", "monitor schedule", (
        f"$schema: {SCHEMA}schedule.schema.json\n"
        "name: aw-drift\n"
        "trigger:\n"
        "  type: recurrence\n"
        "  frequency: day\n"
        "  interval: 1\n"
        "  schedule:\n"
        "    hours: 3\n"
        "    minutes: 15\n"
        "create_monitor:\n"
        "  compute:\n"
        "    instance_type: standard_e4s_v3\n"
        "    runtime_version: '3.4'\n"
        "  monitoring_target:\n"
        "    ml_task: regression\n"
        "    endpoint_deployment_id: azureml:aw-forecast-t:blue\n"
    )),
}


def test_every_kind_az_ml_creates_from_a_file_is_read_as_that_kind_and_loaded_with_its_loader(cli, repo07):
    repo = repo07(solved=True)
    (repo / "extra").mkdir()
    (repo / "model").mkdir()
    (repo / "model" / "model.pkl").write_text("a model\n")
    for path, (_, _, text) in OTHER_KINDS.items():
        (repo / path).write_text("".join(text))
    applied = "".join(f"az ml {group} create --file {path}\n" for path, (group, _, _) in OTHER_KINDS.items())
    _apply(repo, IN_ORDER + applied)
    _, results = verify_json(cli, repo, "07")
    assert results["07.2"]["status"] == "passed", results["07.2"]["message"]
    assert results["07.3"]["status"] == "passed", results["07.3"]["message"]
    assert results["07.4"]["status"] == "passed", results["07.4"]["message"]
    found = results["07.1"]["evidence"]
    for path, (_, label, _) in OTHER_KINDS.items():
        assert path in found[label], (path, label, found.get(label))
    # Not the kinds challenge 07 asks for: the monitor schedule is not the retraining schedule.
    assert found["schedule"] == ["schedules/retrain-schedule.yml"]
    assert found["online deployment"] == ["endpoints/deployment.yml"]


def test_a_kind_applied_with_another_group_says_which_group_applies_it(cli, repo07):
    repo = repo07(solved=True)
    (repo / "extra").mkdir()
    (repo / "extra" / "cpu-cluster.yml").write_text("".join(OTHER_KINDS["extra/cpu-cluster.yml"][2]))
    _apply(repo, IN_ORDER + "az ml online-endpoint create --file extra/cpu-cluster.yml\n")
    _, results = verify_json(cli, repo, "07")
    assert results["07.4"]["message"] == (
        "scripts/apply.sh: scripts/apply.sh:13: az ml online-endpoint create --file extra/cpu-cluster.yml: "
        "that file is a compute cluster, which `az ml compute create` applies"
    )


def test_the_deployment_before_its_endpoint_fails_saying_why(cli, repo07):
    repo = repo07(solved=True)
    lines = IN_ORDER.splitlines()
    lines[5], lines[6] = lines[6], lines[5]
    _apply(repo, "\n".join(lines) + "\n")
    _, results = verify_json(cli, repo, "07")
    assert results["07.4"]["status"] == "failed"
    assert results["07.4"]["message"] == (
        "scripts/apply.sh: scripts/apply.sh:8 applies the online deployment (endpoints/deployment.yml) before "
        "the online endpoint (endpoints/endpoint.yml, line 9): a deployment is created under its endpoint"
    )


def test_a_deployment_needs_the_model_it_serves_registered_before_it(cli, repo07):
    repo = repo07(solved=True)
    lines = IN_ORDER.splitlines()
    model = lines.pop(4)
    _apply(repo, "\n".join([*lines, model]) + "\n")
    _, results = verify_json(cli, repo, "07")
    assert results["07.4"]["message"] == (
        "scripts/apply.sh: scripts/apply.sh:8 applies the online deployment (endpoints/deployment.yml) before the "
        "model adventureworks-forecast (models/adventureworks-forecast.yml, line 12): the deployment serves that model"
    )
    # A job whose model output is named so registers it too (Azure ML registers a named output).
    _replace(repo / "jobs" / "train-job.yml", "  model:\n    type: uri_folder",
             "  model:\n    type: custom_model\n    name: adventureworks-forecast")
    lines = IN_ORDER.splitlines()
    lines.pop(4)
    train = lines.pop(6)
    _apply(repo, "\n".join([*lines[:4], train, *lines[4:]]) + "\n")
    _, results = verify_json(cli, repo, "07")
    assert results["07.4"]["status"] == "passed", results["07.4"]["message"]
    # A model written inline is uploaded with the deployment: nothing has to register it first.
    _replace(repo / "endpoints" / "deployment.yml", "model: azureml:adventureworks-forecast@latest",
             "model:\n  path: ../model")
    (repo / "model").mkdir()
    (repo / "model" / "model.pkl").write_text("a model\n")
    _replace(repo / "jobs" / "train-job.yml", "    type: custom_model\n    name: adventureworks-forecast",
             "    type: uri_folder")
    _apply(repo, "\n".join([*lines[:4], *lines[4:6], train, *lines[6:]]) + "\n")
    _, results = verify_json(cli, repo, "07")
    assert results["07.4"]["status"] == "passed", results["07.4"]["message"]


def test_jobs_before_their_data_and_environment_fail(cli, repo07):
    repo = repo07(solved=True)
    lines = IN_ORDER.splitlines()
    _apply(repo, "\n".join([lines[7], *lines[:7], *lines[8:]]) + "\n")
    _, results = verify_json(cli, repo, "07")
    message = results["07.4"]["message"]
    assert "scripts/apply.sh:3 applies the command job (jobs/train-job.yml) before the data asset transaction_ts " \
           "(data-assets/transaction_ts.yml, line 4): the job reads that data asset" in message
    assert "before the environment adventureworks-env (environment/adventureworks-env.yml, line 7): " \
           "the job runs in that environment" in message


def test_a_file_applied_that_does_not_exist_fails(cli, repo07):
    repo = repo07(solved=True)
    _apply(repo, IN_ORDER + "az ml data create -f data-assets/transaction_ts2015.yml\n")
    _, results = verify_json(cli, repo, "07")
    assert results["07.4"]["status"] == "failed"
    assert results["07.4"]["message"] == (
        "scripts/apply.sh: scripts/apply.sh:13: az ml data create --file data-assets/transaction_ts2015.yml: "
        "data-assets/transaction_ts2015.yml does not exist"
    )


def test_a_file_applied_with_the_wrong_group_fails(cli, repo07):
    repo = repo07(solved=True)
    _apply(repo, IN_ORDER.replace("az ml environment create", "az ml data create"))
    _, results = verify_json(cli, repo, "07")
    message = results["07.4"]["message"]
    assert message.startswith(
        "scripts/apply.sh: scripts/apply.sh:6: az ml data create --file environment/adventureworks-env.yml: "
        "that file is an environment, which `az ml environment create` applies; "
        "nothing applies the environment adventureworks-env (environment/adventureworks-env.yml)"
    )


def test_a_deployment_sent_to_another_endpoint_than_the_one_created_fails(cli, repo07):
    repo = repo07(solved=True)
    _apply(repo, 'ENDPOINT="${1:-aw-forecast-other}"\n'
           + IN_ORDER.replace("--file endpoints/endpoint.yml", '--file endpoints/endpoint.yml --name "$ENDPOINT"'))
    _, results = verify_json(cli, repo, "07")
    assert results["07.4"]["message"] == (
        "scripts/apply.sh: scripts/apply.sh:10: the deployment goes to endpoint aw-forecast-t, but the endpoint "
        "created is aw-forecast-other (scripts/apply.sh:9): pass the same name (--endpoint-name / --name) to both"
    )


def test_loops_variables_continuations_and_cd_are_followed(cli, repo07):
    repo = repo07(solved=True)
    _apply(repo, """\
cd "$(dirname "$0")/.."
EP_DIR=endpoints
for asset in data-assets/*.yml; do az ml data create --file "$asset"; done
az ml environment create \\
    --file environment/adventureworks-env.yml   # every job runs in it
JOB="$(az ml job create --file jobs/train-job.yml --query name -o tsv)"
az ml model create --file models/adventureworks-forecast.yml --path "azureml://jobs/$JOB/outputs/model"
if ! az ml online-endpoint show --name x >/dev/null 2>&1; then
  az ml online-endpoint create -f "${EP_DIR}/endpoint.yml"
fi
cat <<EOF
az ml online-deployment create --file nowhere.yml
EOF
echo "Deploying to the endpoint;
this message spans two lines"
az ml online-deployment create --file=$EP_DIR/deployment.yml --all-traffic && echo deployed
cd jobs
az ml job create -f "$PWD/../pipelines/train-deploy.yml"
az ml schedule create --file ../schedules/retrain-schedule.yml
""")
    _, results = verify_json(cli, repo, "07")
    assert results["07.4"]["status"] == "passed", results["07.4"]["message"]
    assert [a.split(": ", 1)[1] for a in results["07.4"]["evidence"]["applies"]] == [
        "az ml data create --file data-assets/transaction_ts.yml",
        "az ml data create --file data-assets/transaction_ts2013.yml",
        "az ml data create --file data-assets/transaction_ts2014.yml",
        "az ml environment create --file environment/adventureworks-env.yml",
        "az ml job create --file jobs/train-job.yml",
        "az ml model create --file models/adventureworks-forecast.yml",
        "az ml online-endpoint create --file endpoints/endpoint.yml",
        "az ml online-deployment create --file endpoints/deployment.yml",
        "az ml job create --file pipelines/train-deploy.yml",
        "az ml schedule create --file schedules/retrain-schedule.yml",
    ]


def test_a_workflow_can_apply_them_instead_of_a_script(cli, repo07):
    repo = repo07(solved=True)
    (repo / "scripts" / "apply.sh").unlink()
    workflows = repo / ".github" / "workflows"
    workflows.mkdir(parents=True)
    lines = IN_ORDER.splitlines()
    (workflows / "apply.yml").write_text(f"""\
name: apply
on:
  push:
    branches: [main]
permissions:
  id-token: write
jobs:
  serve:
    needs: assets
    runs-on: ubuntu-latest
    steps:
      - uses: azure/cli@v2
        with:
          inlineScript: |
            {lines[4]}
            {lines[5]}
            {lines[6]} --endpoint-name ${{{{ vars.ENDPOINT }}}}
  assets:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - shell: pwsh
        run: az ml data create --file $env:NOWHERE  # PowerShell: not read
      - run: |
          {lines[0]}
          {lines[1]}
          {lines[2]}
      - run: {lines[3]}
  train:
    needs: [serve]
    runs-on: ubuntu-latest
    steps:
      - run: |
          {lines[7]}
          {lines[8]}
          {lines[9]}
""")
    _, results = verify_json(cli, repo, "07")
    assert results["07.4"]["status"] == "passed", results["07.4"]["message"]
    assert results["07.4"]["evidence"]["applies"][0] == (
        ".github/workflows/apply.yml:25: az ml data create --file data-assets/transaction_ts.yml"
    )


def test_a_workflow_that_runs_the_script_stands_for_it(cli, repo07):
    repo = repo07(solved=True)
    (repo / "scripts" / "apply.sh").rename(repo / "scripts" / "deploy-all.sh")
    workflows = repo / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "apply.yml").write_text(
        "on: workflow_dispatch\njobs:\n  apply:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: bash scripts/deploy-all.sh aw-forecast-t\n"
    )
    _, results = verify_json(cli, repo, "07")
    assert results["07.4"]["status"] == "passed", results["07.4"]["message"]
    assert results["07.4"]["message"].startswith(".github/workflows/apply.yml applies 10 YAML files")


def test_no_script_and_no_workflow_fails_saying_what_to_write(cli, repo07):
    repo = repo07(solved=True)
    (repo / "scripts" / "apply.sh").unlink()
    _, results = verify_json(cli, repo, "07")
    assert results["07.4"]["status"] == "failed"
    assert results["07.4"]["message"] == (
        "there is no scripts/apply.sh, and no workflow in .github/workflows runs `az ml <group> create --file <yaml>`"
    )
    _apply(repo, "echo 'TODO: az ml data create --file data-assets/transaction_ts.yml'\n")
    _, results = verify_json(cli, repo, "07")
    assert results["07.4"]["message"] == (
        "scripts/apply.sh runs no `az ml <group> create --file <yaml>`, and no workflow in .github/workflows does"
    )


def test_a_script_that_cannot_be_read_says_where(cli, repo07):
    repo = repo07(solved=True)
    _apply(repo, IN_ORDER + 'echo "unclosed\n')
    _, results = verify_json(cli, repo, "07")
    assert results["07.4"]["status"] == "failed"
    assert results["07.4"]["message"] == "scripts/apply.sh: scripts/apply.sh:13: cannot be read (No closing quotation)"


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("sed") is None, reason="needs bash and sed")
def test_the_solutions_script_runs_and_calls_az_in_the_order_ohcheck_read(cli, repo07, tmp_path):
    """The reference apply.sh under bash, with a stand-in `az` that records its arguments."""
    repo = repo07(solved=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "az.log"
    fake = bin_dir / "az"
    # `show` answers "not found", as for a new workspace: the script then creates.
    fake.write_text(f'#!/usr/bin/env bash\necho "$*" >> "{log}"\n[[ "$3" != show ]]\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    # Run from another folder: the script's `cd "$(dirname "$0")/.."` finds the repo.
    done = subprocess.run(["bash", str(repo / "scripts" / "apply.sh"), "aw-forecast-t"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    calls = [line.split() for line in log.read_text().splitlines()]
    created = [(c[1], c[c.index("--file") + 1]) for c in calls if c[2] == "create"]  # c[0] is "ml"
    assert created == [
        ("data", "data-assets/transaction_ts.yml"),
        ("data", "data-assets/transaction_ts2013.yml"),
        ("data", "data-assets/transaction_ts2014.yml"),
        ("environment", "environment/adventureworks-env.yml"),
        ("job", "jobs/train-job.yml"),
        ("model", "models/adventureworks-forecast.yml"),
        ("online-endpoint", "endpoints/endpoint.yml"),
        ("online-deployment", "endpoints/deployment.yml"),
        ("job", "pipelines/train-deploy.yml"),
        ("schedule", "schedules/retrain-schedule.yml"),
    ]
    deployment = next(c for c in calls if c[1] == "online-deployment" and c[2] == "create")
    assert deployment[deployment.index("--endpoint-name") + 1] == "aw-forecast-t" and "--all-traffic" in deployment
    _, results = verify_json(cli, repo, "07")
    read = [a.split(": ", 1)[1] for a in results["07.4"]["evidence"]["applies"] if " create " in a]
    assert read == [f"az ml {group} create --file {file}" for group, file in created]


# -- issue 15: a file nested too deep, a key given twice, a file too big to read, a named pipe -----------------
def test_a_file_nested_too_deep_fails_as_not_valid_yaml_with_its_line(cli, repo07):
    repo = repo07(solved=True)
    job = repo / "jobs" / "train-job.yml"
    lines = len(job.read_text().splitlines())
    job.write_text(job.read_text() + "tags: " + "[" * 3000 + "]" * 3000 + "\n")
    code, results = verify_json(cli, repo, "07")
    assert code == 1
    assert results["07.3"]["status"] == "failed"  # as any file that is not valid YAML: the team's to fix
    assert results["07.3"]["message"] == f"jobs/train-job.yml:{lines + 1}: not valid YAML: nested deeper than 100 levels"
    shown = cli("verify", "07", "--lang", "ja", cwd=repo)
    assert "入れ子が 100 階層を超えています" in shown.output
    assert "Traceback" not in shown.output and "RecursionError" not in shown.output


def test_a_key_given_twice_loads_as_azure_ml_loads_it_with_a_warning(cli, repo07):
    """azure-ai-ml reads YAML with yaml.safe_load, which keeps the last of two keys: `az ml` takes the file."""
    repo = repo07(solved=True)
    job = repo / "jobs" / "train-job.yml"
    first = _line_of(job, "experiment_name:")
    job.write_text(job.read_text() + "experiment_name: another\n")
    line = len(job.read_text().splitlines())
    code, results = verify_json(cli, repo, "07")
    assert code == 0
    assert results["07.3"]["status"] == "passed"
    assert results["07.3"]["evidence"]["warnings"] == [
        f"jobs/train-job.yml:{line}: `experiment_name` is given twice (first on line {first}): azure-ai-ml keeps the "
        "last and drops the first without a word"]
    assert "experiment_name` is given twice" in cli("verify", "07", cwd=repo).output


def test_a_file_too_big_to_read_is_said_and_nothing_that_depends_on_it_passes(cli, repo07):
    repo = repo07(solved=True)
    big = repo / "jobs" / "generated-job.yml"
    big.write_text(f"$schema: {SCHEMA}commandJob.schema.json\ncommand: echo\ntags:\n"
                   + "".join(f"  tag{i}: {'x' * 60}\n" for i in range(9000)))
    size = big.stat().st_size // 1024
    assert size > 512
    code, results = verify_json(cli, repo, "07")
    assert code == 3  # undecided, nothing failed
    said = f"jobs/generated-job.yml was not read: it is {size} KiB, over the 512 KiB ohcheck reads of a CLI v2 YAML"
    assert results["07.1"]["status"] == "passed"  # every kind is in the files it read: the big one cannot change that
    for criterion in ("07.2", "07.3"):
        assert results[criterion]["status"] == "error", results[criterion]
        assert results[criterion]["message"].startswith(said + "; the ")
    # What is missing may be in the file not read: undecided too, not failed.
    (repo / "schedules" / "retrain-schedule.yml").unlink()
    code, results = verify_json(cli, repo, "07")
    assert results["07.1"]["status"] == "error"
    assert results["07.1"]["message"] == f"no YAML for the schedule among the files ohcheck read; {said}"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_named_like_a_yaml_is_refused_not_waited_on(cli, repo07):
    import threading

    repo = repo07(solved=True)
    fifo = repo / "jobs" / "x.yml"
    os.mkfifo(fifo)
    box: dict = {}
    worker = threading.Thread(target=lambda: box.setdefault("run", verify_json(cli, repo, "07")), daemon=True)
    worker.start()
    worker.join(120)
    if worker.is_alive():
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # release the reader waiting on it
        except OSError:
            pass
        worker.join(60)
        pytest.fail("verify waited on jobs/x.yml, a named pipe")
    code, results = box["run"]
    assert code == 1
    assert results["07.3"]["status"] == "failed"
    assert "jobs/x.yml:1: not valid YAML: it is a named pipe (FIFO), not a regular file" in results["07.3"]["message"]


def test_a_workflow_nested_too_deep_does_not_crash_07_4(cli, repo07):
    repo = repo07(solved=True)
    workflows = repo / ".github" / "workflows"
    workflows.mkdir(parents=True, exist_ok=True)
    (workflows / "deep.yml").write_text("on: push\njobs: " + "[" * 3000 + "]" * 3000 + "\n")
    _, results = verify_json(cli, repo, "07")
    assert results["07.4"]["status"] == "passed", results["07.4"]  # apply.sh is judged; the workflow is not valid YAML
