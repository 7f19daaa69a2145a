"""The azure target: the real azure-ai-ml SDK (and MLflow's REST client) against the fake Azure ML server.

A team repo with ohcheck.yaml pointing at the fake workspace; `ohcheck verify
--target azure` run as a user runs it. The only stand-in is the credential
(Azure AD): a token for the fake.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

import ohcheck.azure.identity as azure_identity
import ohcheck.targets.azure as azure_target
from ohcheck.pack import HackPack
from ohcheck.targets.azure import ENV_NAMES, asset_name_of

from ..checks_helpers import check_module, verify_json
from ..fake_azureml import Fault, seed_passing_workspace

TEAM = "testers"
ENDPOINT = "aw-forecast-testers"


def point_at(fake, cli, repo):
    """Make a team repo check the fake workspace, as `ohcheck init --target azure` does."""
    ws = fake.workspace
    result = cli(
        "init", "--force", "--team", TEAM, "--target", "azure",
        "--subscription", ws.subscription_id, "--resource-group", ws.resource_group, "--workspace", ws.name,
        cwd=repo,
    )
    assert result.exit_code == 0, result.output
    config = repo / "ohcheck.yaml"
    # Short waits: a slow answer should end the test in seconds.
    config.write_text(config.read_text().replace("  # request_timeout: 60", "  request_timeout: 3"))
    return repo


@pytest.fixture
def azure_repo(fake, team_repo, cli):
    """A team repo whose local work (data, model) is done, checking the fake workspace."""
    return point_at(fake, cli, team_repo("solved-01"))


@pytest.fixture
def seeded(fake):
    return seed_passing_workspace(fake, endpoint=ENDPOINT)


def _statuses(results):
    return {k: r["status"] for k, r in results.items()}


def test_a_workspace_where_the_team_did_everything_passes_00_to_03_and_is_only_read(cli, fake, azure_repo, seeded):
    for challenge, count in (("00", 7), ("01", 7), ("02", 7), ("03", 8)):
        code, results = verify_json(cli, azure_repo, challenge)
        assert _statuses(results) == {f"{challenge}.{i}": "passed" for i in range(1, count + 1)}, results
        assert code == 0
    writes = [r for r in fake.requests if r.method not in ("GET", "POST")]
    posts = {r.path.rsplit("/", 1)[-1] if "/score/" not in r.path else "score" for r in fake.requests if r.method == "POST"}
    assert writes == [] and posts == {"listKeys", "score"}, posts


def test_what_the_azure_target_saw_is_in_the_messages(cli, azure_repo, seeded):
    _, results = verify_json(cli, azure_repo, "00")
    assert results["00.1"]["message"] == "workspace mlw-team1 in eastus"
    assert results["00.3"]["message"] == "cluster cpu-cluster: STANDARD_DS3_V2, 0-2 nodes"
    assert results["00.7"]["message"] == "signed in as student@contoso.com; workspace mlw-team1 answers"
    _, results = verify_json(cli, azure_repo, "02")
    assert results["02.4"]["message"] == "input data: azureml:transaction_ts2013:1 (transaction_ts2013)"
    _, results = verify_json(cli, azure_repo, "03")
    assert results["03.3"]["message"] == f"endpoint {ENDPOINT} Succeeded, deployment blue (adventureworks-forecast:1) Succeeded"


def _replace_training_job(ws, seeded, **changes):
    """The workspace's only training job, changed: what a team with that mistake would have."""
    ws.jobs.clear()
    job = {
        "experiment": seeded["experiment"], "status": "Completed", "compute": seeded["cluster"],
        "command": "python train.py --data ${{inputs.data}} --model-output ${{outputs.model}}",
        "inputs": {"data": ("uri_file", f"azureml:{seeded['training_data']}:1")},
        "outputs": {"model": ("uri_folder", None)},
        "metrics": dict(seeded["metrics"]), "params": dict(seeded["params"]),
    }
    job.update(changes)
    return ws.add_command_job(**job)


FAILING_STATES = [
    ("00.1", lambda ws, s: setattr(ws, "exists", False), "workspace mlw-team1 was not found in resource group rg-openhack"),
    ("00.2", lambda ws, s: ws.computes.pop(s["compute_instance"]), "the workspace has no compute instance"),
    ("00.3", lambda ws, s: ws.computes.pop(s["cluster"]), "no compute cluster named 'cpu-cluster'; clusters found: none"),
    ("00.4", lambda ws, s: setattr(ws.computes[s["cluster"]], "min_instances", 2), "cpu-cluster keeps 2 node(s) running when idle"),
    ("01.4", lambda ws, s: ws.data.pop("transaction_ts2014"), "no data asset named 'transaction_ts2014'"),
    ("01.4", lambda ws, s: setattr(ws.data["transaction_ts"]["1"], "type", "uri_folder"), "is a uri_folder, expected uri_file"),
    ("02.1", lambda ws, s: ws.add_environment("adventureworks-env", version="2", conda_file={
        "dependencies": ["python=3.11", {"pip": ["pandas", "numpy>=1.26", "mlflow==2.16.2"]}]}),
     "azureml:adventureworks-env:2 leaves 2 dependencies unpinned: pandas, numpy>=1.26"),
    ("02.1", lambda ws, s: ws.environments.clear(), "no environment adventureworks-env in the workspace"),
    ("02.1", lambda ws, s: ws.add_environment("adventureworks-env", version="2", conda_file={
        "dependencies": ["python=3.11", {"pip": ["pandas==2.2.3", "mlflow==2.16.2"]}]}),
     "azureml:adventureworks-env:2 does not include azureml-mlflow, which lets MLflow log to the workspace from a job "
     "(its pip packages: pandas, mlflow)"),
    ("02.2", lambda ws, s: ws.jobs.clear(), "experiment adventureworks-forecast has no job yet"),
    ("02.2", lambda ws, s: _replace_training_job(ws, s, command="python other.py"), "ran train.py as a command job"),
    ("02.3", lambda ws, s: _replace_training_job(ws, s, compute="gpu-cluster"), "ran on gpu-cluster, not on cluster cpu-cluster"),
    ("02.4", lambda ws, s: _replace_training_job(ws, s, inputs={"data": ("uri_file", "azureml://datastores/workspaceblobstore/paths/x.csv")}),
     "does not take the data asset transaction_ts2013 as input"),
    ("02.4", lambda ws, s: _replace_training_job(ws, s, inputs={"data": ("uri_file", "azureml:transaction_ts:1")}),
     "took the data asset transaction_ts as its input data (azureml:transaction_ts:1); this challenge trains on "
     "transaction_ts2013, the 2013 series"),
    ("02.5", lambda ws, s: _replace_training_job(ws, s, status="Failed"), "ended Failed"),
    ("02.5", lambda ws, s: _replace_training_job(ws, s, status="Running"), "is still Running: wait for it to finish"),
    ("02.6", lambda ws, s: _replace_training_job(ws, s, metrics={"rmse": 441.2, "mae": 377.9, "r2": 0.18}), "logged no mape"),
    ("02.6", lambda ws, s: _replace_training_job(ws, s, params={}), "logged its metrics but no parameter"),
    ("02.7", lambda ws, s: _replace_training_job(ws, s, outputs={}), "has no model output"),
    ("03.1", lambda ws, s: ws.models.clear(), "no registered model named adventureworks-forecast"),
    ("03.1", lambda ws, s: ws.add_model_version("adventureworks-forecast", version="2", job_name=None, path="azureml://datastores/x/paths/m"),
     "version 2 has no lineage to a job"),
    ("03.1", lambda ws, s: ws.add_model_version("adventureworks-forecast", version="2", job_name=s["job_name"],
                                                path=f"azureml://jobs/{s['job_name']}/outputs/model_info"),
     "but holds no model: job "),
    ("03.2", lambda ws, s: ws.models["adventureworks-forecast"]["1"].tags.update(rmse="100.0"), "tag rmse=100.0 but the job logged 441.2"),
    ("03.3", lambda ws, s: setattr(ws.endpoints[ENDPOINT], "state", "Updating"), f"endpoint {ENDPOINT} is Updating"),
    ("03.3", lambda ws, s: setattr(ws.deployments[ENDPOINT]["blue"], "state", "Failed"), "deployment blue is Failed"),
    ("03.3", lambda ws, s: ws.endpoints.clear(), f"no online endpoint named {ENDPOINT}"),
    ("03.4", lambda ws, s: setattr(ws.endpoints[ENDPOINT], "traffic", {"blue": 50, "green": 50}),
     f"no deployment of {ENDPOINT} takes 100% of the traffic (blue=50%, green=50%)"),
    ("03.5", lambda ws, s: setattr(ws.endpoints[ENDPOINT], "auth_mode", "aml_token"), "uses aml_token authentication, not key"),
    ("03.6", lambda ws, s: ws.scoring_behaviour.update({ENDPOINT: lambda p: (200, {"result": [1.0, 2.0]})}), "asked for 7 forecasts, got 2"),
    ("03.6", lambda ws, s: ws.scoring_behaviour.update({ENDPOINT: lambda p: (500, {"error": "init failed"})}), "the endpoint answered HTTP 500"),
    ("03.7", lambda ws, s: setattr(ws.endpoints[ENDPOINT], "answers_anyone", True), "answered 200 without a key"),
]


def _rewrite(path, edit):
    path.write_text(edit(path.read_text()))


# Criteria about the repo and the machine fail the same way whichever the target: on the azure target too.
REPO_FAILING_STATES = [
    ("00.5", lambda repo, mp: __import__("shutil").rmtree(repo / ".git"), "is not a git repository"),
    ("00.6", lambda repo, mp: mp.setattr(check_module(HackPack(), "00"), "PYTHON", (99, 0)), "(need 99.0+)"),
    ("01.1", lambda repo, mp: (repo / "data" / "mlops_forecast_data2014.csv").unlink(), "missing: data/mlops_forecast_data2014.csv"),
    ("01.2", lambda repo, mp: _rewrite(repo / "data" / "mlops_forecast_data.csv", lambda t: t.replace("2013-08-02,", "2013-08-03,", 1)),
     "2013-08-03 appears more than once"),
    ("01.3", lambda repo, mp: _rewrite(repo / "data" / "mlops_forecast_data2013.csv", lambda t: "\n".join(t.splitlines()[:-1]) + "\n"),
     "ends on 2013-12-30; expected 2013-12-31"),
    ("01.5", lambda repo, mp: __import__("shutil").rmtree(repo / "outputs" / "model"), "outputs/model is missing"),
    ("01.6", lambda repo, mp: _rewrite(repo / "src" / "score.py", lambda t: t.replace(
        'return {"result": [float(value) for value in model.forecast(n)]}', 'return {"result": [0.0] * n}')),
     "is not better than the seasonal-naive forecast's"),
    ("01.7", lambda repo, mp: _rewrite(repo / "outputs" / "metrics.json", lambda t: t.replace('"rmse": ', '"rmse": 1')),
     "does not match the model's forecasts"),
]


@pytest.mark.parametrize("criterion, change, expected", REPO_FAILING_STATES, ids=[c[0] for c in REPO_FAILING_STATES])
def test_repo_criteria_fail_on_the_azure_target_too(cli, azure_repo, seeded, monkeypatch, criterion, change, expected):
    change(azure_repo, monkeypatch)
    code, results = verify_json(cli, azure_repo, criterion[:2])
    assert results[criterion]["status"] == "failed", results[criterion]
    assert expected in results[criterion]["message"], results[criterion]["message"]
    assert code == 1


@pytest.mark.parametrize("criterion, change, expected", FAILING_STATES, ids=[f"{c[0]}-{i}" for i, c in enumerate(FAILING_STATES)])
def test_each_criterion_fails_in_the_state_it_is_about(cli, fake, azure_repo, seeded, criterion, change, expected):
    change(fake.workspace, seeded)
    code, results = verify_json(cli, azure_repo, criterion[:2])
    result = results[criterion]
    assert result["status"] == "failed", result
    assert expected in result["message"], result["message"]
    assert code == 1


def test_a_slow_endpoint_fails_the_latency_bound(cli, fake, azure_repo, seeded):
    fake.inject(r"^/score/", Fault.slow(seconds=1.1), times=None)
    _, results = verify_json(cli, azure_repo, "03")
    assert results["03.6"]["status"] == "passed"
    assert results["03.8"]["status"] == "failed"
    assert "over the 1000 ms bound" in results["03.8"]["message"]
    assert results["03.8"]["evidence"]["p95_ms"] >= 1100


# -- Azure says no: error, never failed ----------------------------------------------------------


def test_throttling_that_clears_is_retried_honouring_retry_after(cli, fake, azure_repo, seeded):
    fake.inject(r"/computes$", Fault.throttle(retry_after=1), times=1)
    _, results = verify_json(cli, azure_repo, "00")
    assert results["00.2"]["status"] == "passed" and results["00.3"]["status"] == "passed"
    statuses = [r.status for r in fake.requests if r.path.endswith("/computes")]
    assert statuses[:2] == [429, 200]


def test_a_dropped_connection_is_retried(cli, fake, azure_repo, seeded):
    fake.inject(r"/jobs$", Fault.drop(), times=1)
    code, results = verify_json(cli, azure_repo, "02")
    assert code == 0, results


def test_persistent_server_errors_are_errors_not_failures(cli, fake, azure_repo, seeded):
    fake.inject(r"/computes$", Fault.server_error(500), times=None)
    code, results = verify_json(cli, azure_repo, "00")
    for criterion in ("00.2", "00.3"):
        assert results[criterion]["status"] == "error"
        assert "Azure ML answered 500" in results[criterion]["message"]
    assert results["00.4"]["status"] == "skipped"
    assert results["00.1"]["status"] == "passed"
    assert code == 3


def test_persistent_throttling_ends_as_an_error(cli, fake, azure_repo, seeded):
    fake.inject(r"/onlineEndpoints/[^/]+$", Fault.throttle(retry_after=0.1), times=None)
    _, results = verify_json(cli, azure_repo, "03")
    assert results["03.3"]["status"] == "error"
    assert "throttled the requests (429)" in results["03.3"]["message"]


def test_an_answer_slower_than_the_timeout_is_an_error(cli, fake, azure_repo, seeded):
    fake.inject(r"/onlineEndpoints/[^/]+$", Fault.slow(seconds=5), times=None)
    _, results = verify_json(cli, azure_repo, "03")
    assert results["03.3"]["status"] == "error"
    assert "did not answer in time" in results["03.3"]["message"]


def test_no_credential_fails_00_7_and_makes_the_rest_errors(cli, fake, azure_repo, seeded, monkeypatch):
    from azure.core.exceptions import ClientAuthenticationError

    class NoCredential:
        def get_token(self, *scopes, **kwargs):
            raise ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token from the included credentials.")

    monkeypatch.setattr(azure_identity, "default_credential", NoCredential)
    code, results = verify_json(cli, azure_repo, "00")
    assert results["00.7"]["status"] == "failed"
    assert "no Azure credential was found: run `az login`" in results["00.7"]["message"]
    assert "AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET" in results["00.7"]["message"]
    assert results["00.1"]["status"] == "error" and "az login" in results["00.1"]["message"]
    assert results["00.5"]["status"] == "passed"
    assert code == 1  # a failure (00.7) outweighs the errors


def test_a_403_names_the_role_to_grant(cli, fake, azure_repo, seeded):
    fake.deny(403)
    _, results = verify_json(cli, azure_repo, "00")
    assert results["00.1"]["status"] == "error"
    assert "give it the Reader (or AzureML Data Scientist) role on workspace mlw-team1" in results["00.1"]["message"]
    assert results["00.7"]["status"] == "failed"
    assert "AuthorizationFailed" in results["00.7"]["message"]


def test_an_unreachable_service_is_an_error(cli, azure_repo, monkeypatch):
    from ohcheck.kit.repo_builder import free_port

    monkeypatch.setenv("AZUREML_DEV_URL_MFE", f"https://127.0.0.1:{free_port()}")
    _, results = verify_json(cli, azure_repo, "00")
    assert results["00.1"]["status"] == "error"
    assert "cannot reach Azure ML at 127.0.0.1 (connection refused)" in results["00.1"]["message"]


def test_a_dns_failure_says_so():
    from azure.core.exceptions import ServiceRequestError

    from ohcheck.config import parse_config

    config = parse_config("team: t\nazure:\n  subscription_id: s\n  resource_group: r\n  workspace: w\n")
    target = azure_target.AzureTarget(config, __import__("pathlib").Path("."))
    error = target._translate(ServiceRequestError("Failed to resolve 'x': [Errno -2] Name or service not known"), "read it", "")
    assert "(DNS lookup failed): check the network and DNS" in str(error)


@pytest.mark.parametrize(
    "path, name",
    [
        ("azureml:transaction_ts2013:1", "transaction_ts2013"),
        ("azureml:transaction_ts2013@latest", "transaction_ts2013"),
        ("transaction_ts2013:1", "transaction_ts2013"),
        ("/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w/data/transaction_ts2013/versions/1",
         "transaction_ts2013"),
        ("azureml://locations/eastus/workspaces/w/data/transaction_ts2013/versions/1", "transaction_ts2013"),
        ("azureml://datastores/workspaceblobstore/paths/data/x.csv", None),
        ("https://example.blob.core.windows.net/x.csv", None),
        ("", None),
    ],
)
def test_data_asset_references_in_every_form_the_sdk_gives(path, name):
    assert asset_name_of(path, "data") == name


# -- secrets -----------------------------------------------------------------------------------------


def test_the_key_and_the_token_never_leave_ohcheck(cli, fake, azure_repo, seeded, tmp_path):
    secrets = [seeded["primary_key"], seeded["secondary_key"], fake.token]
    # A scoring script that echoes what it got is the worst case: the key must still not show.
    fake.workspace.scoring_behaviour[ENDPOINT] = lambda payload: (500, {"error": f"rejected key {seeded['primary_key']}"})
    junit = tmp_path / "junit.xml"
    outputs = []
    for args in (["--json"], ["--junit-xml", junit], []):
        result = cli("verify", "03", *args, cwd=azure_repo)
        outputs.append(result.output)
    env = {"FORCE_COLOR": "1", "COLUMNS": "200"}
    outputs.append(cli("verify", "03", cwd=azure_repo, env=env).output)
    outputs.append(cli("history", "--json", cwd=azure_repo).output)
    outputs.append(junit.read_text())
    store = azure_repo / ".ohcheck"
    outputs += [p.read_bytes().decode("utf-8", "replace") for p in store.iterdir() if p.is_file()]
    rows = sqlite3.connect(store / "results.db").execute("SELECT message, evidence FROM results").fetchall()
    outputs.append(json.dumps(rows))
    assert "rejected key ***" in "".join(outputs)
    for text in outputs:
        for secret in secrets:
            assert secret not in text


# -- doctor --------------------------------------------------------------------------------------------


def _doctor(cli, repo):
    result = cli("doctor", "--json", cwd=repo)
    document = json.loads(result.stdout)
    return result.exit_code, {f["check"]: f for f in document["findings"]}


def test_doctor_finds_nothing_wrong_in_a_ready_workspace(cli, azure_repo, seeded):
    code, findings = _doctor(cli, azure_repo)
    assert code == 0, findings
    assert {f["status"] for f in findings.values()} == {"ok"}
    assert findings["Credential"]["detail"] == "signed in as student@contoso.com"
    assert "and list the keys of endpoint" in findings["Role"]["detail"]
    assert "2 × 4 vCPUs of standardDSv2Family" in findings["Compute quota"]["detail"]


def test_doctor_sees_a_quota_too_small_for_the_cluster(cli, fake, azure_repo, seeded):
    for row in fake.usages:
        if row["name"]["value"] == "Standard DSv2 Family Cluster Dedicated vCPUs":
            row["limit"] = 4
    code, findings = _doctor(cli, azure_repo)
    assert code == 1
    assert findings["Compute quota"]["status"] == "problem"
    assert "not enough for 8 vCPUs" in findings["Compute quota"]["detail"]
    assert "Request more standardDSv2Family quota" in findings["Compute quota"]["fix"]


@pytest.mark.parametrize("form", ["value", "localizedValue", "id", "family id"])
def test_doctor_finds_the_family_quota_row_by_any_name_azure_gives_it(cli, fake, azure_repo, seeded, form):
    # examples/Usage/list.json: "Standard DSv2 Family Cluster Dedicated vCPUs" as value and localizedValue,
    # .../usages/Standard_DSv2_Family_Cluster_Dedicated_vCPUs as id; the VM size says standardDSv2Family.
    opaque = {"value": "dsv2-dedicated", "localizedValue": "DSv2 (dedicated)"}
    name = {"value": {**opaque, "value": "Standard DSv2 Family Cluster Dedicated vCPUs"},
            "localizedValue": {**opaque, "localizedValue": "Standard DSv2 Family Cluster Dedicated vCPUs"},
            "id": opaque, "family id": {**opaque, "value": "standardDSv2Family"}}[form]
    row = {"type": "Microsoft.MachineLearningServices/vmFamily/usages", "unit": "Count", "currentValue": 0,
           "limit": 4, "name": name}
    if form == "id":
        row["id"] = f"/subscriptions/{fake.workspace.subscription_id}/usages/Standard_DSv2_Family_Cluster_Dedicated_vCPUs"
    fake.usages[:] = [u for u in fake.usages if "DSv2 Family Cluster Dedicated" not in u["name"]["value"]] + [row]
    code, findings = _doctor(cli, azure_repo)
    assert findings["Compute quota"]["status"] == "problem", findings["Compute quota"]
    assert "0/4 used in eastus: not enough for 8 vCPUs" in findings["Compute quota"]["detail"]


def test_doctor_names_the_role_and_the_missing_credential(cli, fake, azure_repo, seeded, monkeypatch):
    fake.deny(403)
    code, findings = _doctor(cli, azure_repo)
    assert code == 1
    assert findings["Workspace reachable"]["status"] == "problem"
    assert "Reader (or AzureML Data Scientist)" in findings["Workspace reachable"]["detail"]
    assert findings["Role"]["status"] == "skipped"
    fake.deny(None)

    from azure.core.exceptions import ClientAuthenticationError

    class NoCredential:
        def get_token(self, *scopes, **kwargs):
            raise ClientAuthenticationError("no credential")

    monkeypatch.setattr(azure_identity, "default_credential", NoCredential)
    code, findings = _doctor(cli, azure_repo)
    assert findings["Credential"]["status"] == "problem"
    assert "Run `az login`" in findings["Credential"]["fix"]


# -- which workspace ---------------------------------------------------------------------------------


def _config(text: str = ""):
    from ohcheck.config import parse_config

    return parse_config("team: t\n" + text)


def test_the_environment_names_the_workspace_first(tmp_path, monkeypatch):
    for name, value in zip(ENV_NAMES, ("s-env", "rg-env", "ws-env")):
        monkeypatch.setenv(name, value)
    ref = azure_target.resolve_workspace(_config("azure:\n  subscription_id: s\n  resource_group: r\n  workspace: w\n"), tmp_path)
    assert (ref.subscription_id, ref.resource_group, ref.workspace, ref.source) == ("s-env", "rg-env", "ws-env", "the environment")


def test_a_partial_environment_is_a_clear_error(tmp_path, monkeypatch):
    from ohcheck.errors import ConfigError

    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "s")
    for name in ENV_NAMES[1:]:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError) as caught:
        azure_target.resolve_workspace(_config(), tmp_path)
    assert "AZURE_RESOURCE_GROUP, AZUREML_WORKSPACE_NAME is missing" in caught.value.message


def test_then_ohcheck_yaml_then_its_config_file_then_a_config_json_found_above(tmp_path, monkeypatch):
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    ref = azure_target.resolve_workspace(_config("azure:\n  subscription_id: s\n  resource_group: r\n  workspace: w\n"), tmp_path)
    assert (ref.workspace, ref.source) == ("w", "ohcheck.yaml")
    portal = {"subscription_id": "s2", "resource_group": "r2", "workspace_name": "w2"}
    (tmp_path / "settings").mkdir()
    (tmp_path / "settings" / "ws.json").write_text(json.dumps(portal))
    ref = azure_target.resolve_workspace(_config("azure:\n  config_file: settings/ws.json\n"), tmp_path)
    assert ref.workspace == "w2"
    repo = tmp_path / "team" / "repo"
    repo.mkdir(parents=True)
    (tmp_path / "team" / ".azureml").mkdir()
    (tmp_path / "team" / ".azureml" / "config.json").write_text(json.dumps({**portal, "workspace_name": "w3"}))
    ref = azure_target.resolve_workspace(_config(), repo)
    assert ref.workspace == "w3" and ref.source.endswith(".azureml/config.json")


def test_half_named_workspace_in_ohcheck_yaml_is_a_clear_error(tmp_path, monkeypatch):
    from ohcheck.errors import ConfigError

    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError) as caught:
        azure_target.resolve_workspace(_config("azure:\n  workspace: w\n"), tmp_path)
    assert "needs subscription_id, resource_group and workspace together" in caught.value.message


# -- pipelines, schedules and metric histories: the target's own answers ----------------------------


@pytest.fixture
def target(fake):
    """The azure target on the fake workspace, asked directly (the checks of 04-07 ask it the same way)."""
    from pathlib import Path

    from ohcheck.config import parse_config

    ws = fake.workspace
    config = parse_config(
        f"team: {TEAM}\nazure:\n  subscription_id: {ws.subscription_id}\n  resource_group: {ws.resource_group}\n"
        f"  workspace: {ws.name}\n  request_timeout: 3\n"
    )
    made = azure_target.AzureTarget(config, Path("."))
    yield made
    made.close()


@pytest.fixture
def pipeline_seeded(fake):
    from ..fake_azureml import seed_pipeline_workspace

    return seed_pipeline_workspace(fake, endpoint=ENDPOINT)


def test_one_job_by_name_with_its_tags_and_properties(fake, target, seeded):
    name = fake.workspace.add_command_job(
        experiment="e", tags={"purpose": "retrain"}, properties={"stage": "dev"}, inputs={"days": 28},
        display_name="nightly")
    job = target.job(name)
    assert (job.name, job.type, job.experiment, job.status, job.display_name) == (name, "command", "e", "Completed", "nightly")
    assert job.tags == {"purpose": "retrain"}
    assert job.properties["stage"] == "dev" and job.properties["mlflow.source.type"] == "JOB"  # the service's too
    assert job.inputs["days"] == azure_target.JobIO("string", "28")  # a literal input: its value as the path
    assert target.job(seeded["job_name"]).inputs["data"].path == f"azureml:{seeded['training_data']}:1"
    assert target.job("no_such_job") is None


def test_a_missing_job_is_none_but_a_missing_workspace_is_not_found(fake, target):
    assert target.job("no_such_job") is None
    fake.workspace.exists = False
    fresh = azure_target.AzureTarget(target.config, target.repo_root)
    with pytest.raises(azure_target.NotFound, match="workspace mlw-team1 was not found"):
        fresh.job("no_such_job")
    with pytest.raises(azure_target.NotFound):
        fresh.pipeline_steps("no_such_job")


def test_the_pipeline_steps_as_the_pipeline_defined_them_with_the_jobs_that_ran_them(fake, target, pipeline_seeded):
    info = pipeline_seeded
    pipeline = target.job(info["pipeline_job"])
    assert (pipeline.type, pipeline.status, pipeline.display_name, pipeline.experiment) == (
        "pipeline", "Completed", "train-register-deploy", "adventureworks-forecast")
    assert pipeline.inputs["data"] == azure_target.JobIO("uri_file", "azureml:transaction_ts2013@latest")
    fake.requests.clear()
    steps = target.pipeline_steps(info["pipeline_job"])
    assert [s.name for s in steps] == ["train", "register", "deploy"]  # in dependency order
    train, register, deploy = steps
    # Components from files are registered anonymously; their YAML names still come back.
    assert [s.component for s in steps] == [info["components"][s.name] for s in steps]
    assert train.command == "python train.py --data ${{inputs.data}} --model-output ${{outputs.model}}"
    assert train.inputs == {"data": "${{parent.inputs.data}}"}
    assert register.inputs == {"model": "${{parent.jobs.train.outputs.model}}"}
    assert deploy.inputs == {"model_info": "${{parent.jobs.register.outputs.model_info}}", "endpoint": "${{parent.inputs.endpoint}}"}
    assert (train.outputs, register.outputs, deploy.outputs) == (("model",), ("model_info",), ())
    assert (train.upstream, register.upstream, deploy.upstream) == (set(), {"train"}, {"register"})
    assert {s.name: s.job.name for s in steps} == info["step_jobs"]
    assert [s.status for s in steps] == ["Completed"] * 3
    # The service answers GET of a step job with properties: null, so the SDK reads it from run history
    # (type "base", its experiment by id): the target names the experiment all the same.
    assert train.job.experiment == "adventureworks-forecast" and train.job.type == "base"
    assert target.job(train.job.name).experiment == "adventureworks-forecast"
    assert train.job.properties["azureml.pipelinerunid"] == info["pipeline_job"]
    assert target.run(train.job.name).metrics == info["metrics"]
    assert target.run(train.job.name).parent_id == info["pipeline_job"]
    assert {r.method for r in fake.requests} == {"GET"}


def test_every_kind_of_step_input_and_a_step_that_never_started(fake, target, seeded):
    from ..fake_azureml import PipelineStep

    name = fake.workspace.add_pipeline_job(
        experiment="adventureworks-forecast", status="Failed",
        inputs={"data": ("uri_file", "azureml:transaction_ts2013@latest")},
        steps=[
            PipelineStep("prep", command="python prep.py", display_name="Prepare the data", outputs=("prepared",),
                         inputs={"raw": ("uri_file", "azureml:transaction_ts2014:1"), "days": 28,
                                 "data": "${{parent.inputs.data}}"}),
            PipelineStep("train", component="train", command="python train.py", status="Failed",
                         inputs={"prepared": "${{parent.jobs.prep.outputs.prepared}}"}, outputs=("model",)),
            PipelineStep("register", component="register", command="python register.py", status=None,
                         inputs={"model": "${{parent.jobs.train.outputs.model}}"}, outputs=("model_info",)),
        ],
    )
    prep, train, register = target.pipeline_steps(name)
    assert prep.component == ""  # an inline command: an anonymous component
    assert prep.inputs == {"raw": "azureml:transaction_ts2014:1", "days": "28", "data": "${{parent.inputs.data}}"}
    assert prep.job.display_name == "Prepare the data" and prep.status == "Completed"  # matched on the node's display name
    assert (train.component, train.status) == ("train", "Failed")
    # Never started: no job, but the pipeline still says what it would have run.
    assert (register.job, register.status) == (None, "NotStarted")
    assert (register.component, register.command, register.outputs) == ("register", "python register.py", ("model_info",))
    assert register.upstream == {"train"}


def test_not_a_pipeline_or_no_such_job_has_no_steps(target, seeded):
    assert target.pipeline_steps(seeded["job_name"]) == []
    assert target.pipeline_steps("no_such_job") == []


def test_schedules_enabled_or_not_cron_or_recurrence(fake, target, pipeline_seeded, capsys):
    ws = fake.workspace
    ws.add_schedule("retrain-weekly", cron="0 2 * * 1", experiment="adventureworks-forecast")
    ws.add_schedule("retrain-daily", frequency="day", interval=2, enabled=False, time_zone="W. Europe Standard Time")
    ws.add_schedule("rerun", cron="0 3 * * *", source_job=pipeline_seeded["pipeline_job"])
    ws.add_schedule("rerun-gone", cron="0 3 * * *", source_job="no_such_job")
    ws.add_schedule("train-only", cron="0 4 * * *", job_type="command", experiment="e")
    ws.add_schedule("drift", cron="0 5 * * *", monitor=True)  # a monitoring schedule: no job, left out
    # A schedule the SDK cannot read: it prints a line to stdout and leaves it out; ohcheck's stdout stays clean.
    ws.add_schedule("sweep", cron="0 6 * * *").action["jobDefinition"]["jobType"] = "Sweep"
    found = {s.name: s for s in target.schedules()}
    assert capsys.readouterr().out == ""
    assert sorted(found) == ["rerun", "rerun-gone", "retrain-daily", "retrain-weekly", "train-only"]
    Schedule = azure_target.Schedule
    assert found["retrain-weekly"] == Schedule("retrain-weekly", True, "cron", cron="0 2 * * 1", time_zone="UTC",
                                               job_type="pipeline", experiment="adventureworks-forecast")
    assert found["retrain-daily"] == Schedule("retrain-daily", False, "recurrence", frequency="day", interval=2,
                                              time_zone="W. Europe Standard Time", job_type="pipeline",
                                              experiment="adventureworks-forecast")
    # create_job: <an existing job>: its type and experiment are the job's, read by name.
    assert (found["rerun"].job_type, found["rerun"].experiment) == ("pipeline", "adventureworks-forecast")
    assert (found["rerun-gone"].job_type, found["rerun-gone"].experiment) == ("", "")
    assert (found["train-only"].job_type, found["train-only"].experiment) == ("command", "e")


def test_no_schedule_is_an_empty_list(target, seeded):
    assert target.schedules() == []


def test_a_metric_history_in_step_order(fake, target, seeded):
    name = fake.workspace.add_command_job(experiment="e", metric_history={"forecast": [610.0, 598.5, 640.25]},
                                          metrics={"rmse": 1.5})
    assert target.metric_history(name, "forecast") == [610.0, 598.5, 640.25]
    assert target.metric_history(name, "rmse") == [1.5]
    assert target.metric_history(name, "no_such_metric") == []
    assert target.metric_history("no_such_run", "forecast") == []


def test_azure_saying_no_to_the_new_questions_is_an_error_naming_what_to_do(fake, target, pipeline_seeded):
    target.workspace()  # read once: what follows fails on the question itself
    fake.deny(403)
    with pytest.raises(azure_target.AccessDenied) as denied:
        target.schedules()
    assert str(denied.value).startswith("the credential may not list the schedules (403 AuthorizationFailed)")
    assert "give it the Reader (or AzureML Data Scientist) role on workspace mlw-team1" in str(denied.value)
    # MLflow's 403 arrives as "INTERNAL_ERROR: Response: {...AuthorizationFailed...}": still the role to grant.
    with pytest.raises(azure_target.AccessDenied, match="may not read MLflow runs \\(403\\): give it the Reader"):
        target.metric_history(pipeline_seeded["train_job"], "rmse")
    fake.deny(None)
    # 501 is not retried by azure-core or MLflow: one answer (retried 5xx are covered above).
    fake.inject(r"/runs/[^/]+/children$", Fault.server_error(501))
    with pytest.raises(azure_target.TargetError, match="Azure ML answered 501 InternalServerError while it listed the steps"):
        target.pipeline_steps(pipeline_seeded["pipeline_job"])
    fake.inject(r"/schedules$", Fault.server_error(501))
    with pytest.raises(azure_target.TargetError, match="answered 501"):
        target.schedules()
    fake.inject(r"/metrics/get-history$", Fault.server_error(501))
    with pytest.raises(azure_target.TargetError, match="while it tried to read metric rmse"):
        target.metric_history(pipeline_seeded["train_job"], "rmse")


def test_no_key_or_token_in_any_answer_or_error(fake, target, pipeline_seeded):
    fake.workspace.add_schedule("retrain", cron="0 2 * * 1")
    answers = [
        target.job(pipeline_seeded["pipeline_job"]),
        target.pipeline_steps(pipeline_seeded["pipeline_job"]),
        target.schedules(),
        target.metric_history(pipeline_seeded["train_job"], "rmse"),
    ]
    fake.deny(401)
    for question in (lambda: target.pipeline_steps(pipeline_seeded["pipeline_job"]), target.schedules,
                     lambda: target.metric_history(pipeline_seeded["train_job"], "rmse")):
        with pytest.raises(azure_target.TargetError) as raised:
            question()
        answers.append(str(raised.value))
    text = repr(answers)
    for secret in (fake.token, pipeline_seeded["primary_key"], pipeline_seeded["secondary_key"]):
        assert secret not in text


def test_mlflow_is_asked_on_the_path_azureml_mlflow_gives_an_mlflow_2_client(fake, target, seeded):
    # The workspace names .../mlflow/v1.0/... as its tracking URI; azureml-mlflow sends MLflow >= 2 to v2.0.
    import mlflow

    assert int(mlflow.__version__.split(".")[0]) >= 2
    assert "/mlflow/v1.0/" in target.workspace().tracking_uri
    fake.requests.clear()
    assert target.run(seeded["job_name"]).metrics == seeded["metrics"]
    asked = [r.path for r in fake.requests if r.path.startswith("/mlflow/")]
    ws = fake.workspace
    assert asked and all(p.startswith(f"/mlflow/v2.0/subscriptions/{ws.subscription_id}/resourceGroups/") for p in asked), asked
    assert all(r.authorized for r in fake.requests if r.path.startswith("/mlflow/"))


def test_a_job_the_sdk_cannot_read_is_left_out_with_a_warning_naming_it(cli, fake, azure_repo, seeded):
    # A codeId that is no ARM id makes azure-ai-ml raise for the whole page of jobs.list().
    ws = fake.workspace
    bad = ws.add_command_job(experiment=seeded["experiment"], status="Failed")
    ws.jobs[bad].code = "azureml://datastores/workspaceblobstore/paths/LocalUpload/src"
    code, results = verify_json(cli, azure_repo, "02")
    assert results["02.2"]["status"] == "passed", results["02.2"]
    warnings = results["02.2"]["evidence"]["warnings"]
    assert any(w.startswith(f"job {bad} was left out: the Azure ML SDK cannot read it") for w in warnings), warnings
    # ... and said in Japanese too.
    said = json.loads(cli("verify", "02", "--json", "--lang", "ja", cwd=azure_repo).stdout)
    warnings = next(r for r in said["results"] if r["criterion"] == "02.2")["evidence"]["warnings"]
    assert any(f"ジョブ {bad} は対象から外しました" in w for w in warnings), warnings


def test_a_model_version_as_the_service_answers_it(fake, target, seeded):
    # examples/Workspace/ModelVersion/get.json: modelType "CustomModel", no jobName; the job is in the path.
    (version,) = target.models(seeded["model"])
    assert (version.type, version.job_name) == ("custom_model", seeded["job_name"])
    assert version.source == f"azureml://jobs/{seeded['job_name']}/outputs/model"
