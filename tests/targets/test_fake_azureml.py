"""Proof that tests/fake_azureml answers the real azure-ai-ml SDK (and MLflow's REST client) like Azure ML.

Each test drives the real client against the fake on 127.0.0.1 and checks the
SDK entity it gets back: these assertions double as the documentation of what
azure-ai-ml 1.35 makes of Azure's answers (enum-valued states, camelCase
attributes on Usage/VmSize, ...). The fault tests record how azure-core's
retry policy reacts to each kind of failure.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import math
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import requests
from azure.ai.ml import MLClient
from azure.ai.ml.entities import (
    AmlCompute,
    Command,
    CommandJob,
    ComputeInstance,
    Job,
    ManagedOnlineDeployment,
)
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)

from tests.fake_azureml import (
    PINNED_CONDA_FILE,
    FakeAzureML,
    Fault,
    PipelineStep,
    WorkspaceState,
    seed_passing_workspace,
    seed_pipeline_workspace,
)

ENDPOINT = "aw-forecast-testers"
WS_PATH = (
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-openhack"
    "/providers/Microsoft.MachineLearningServices/workspaces/mlw-team1"
)


def make_client(fake: FakeAzureML, monkeypatch: pytest.MonkeyPatch, **kwargs: object) -> MLClient:
    """An MLClient on the fake. The environment must be set before the client is made."""
    for key, value in fake.env().items():
        monkeypatch.setenv(key, value)
    ws = fake.workspace
    return MLClient(fake.credential(), ws.subscription_id, ws.resource_group, ws.name, **kwargs)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeAzureML, dict]]:
    """One fake with a passing workspace, shared by the read-only tests of this module."""
    with FakeAzureML(tmp_path_factory.mktemp("fake-azureml")) as fake:
        yield fake, seed_passing_workspace(fake, endpoint=ENDPOINT)


@pytest.fixture
def ml(seeded: tuple[FakeAzureML, dict], monkeypatch: pytest.MonkeyPatch) -> MLClient:
    fake, _ = seeded
    fake.requests.clear()
    return make_client(fake, monkeypatch)


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeAzureML]:
    """A fresh fake for tests that change it (faults, deny, exists)."""
    with FakeAzureML(tmp_path) as server:
        server.workspace.add_compute_cluster("cpu-cluster")
        yield server


def paths(fake: FakeAzureML) -> list[tuple[str, str, int]]:
    """(method, path relative to the workspace, status) of each request, in order."""
    return [(r.method, r.path.removeprefix(WS_PATH), r.status) for r in fake.requests]


# -- the SDK's entities -------------------------------------------------------------------------


def test_workspace_get_gives_location_and_mlflow_tracking_uri(seeded, ml):
    fake, _ = seeded
    workspace = ml.workspaces.get("mlw-team1")
    assert workspace.name == "mlw-team1"
    assert workspace.location == "eastus"
    assert workspace.resource_group == "rg-openhack"
    assert workspace.mlflow_tracking_uri == f"azureml://{fake.host}/mlflow/v1.0{WS_PATH}"
    assert [(r.method, r.path, r.status, r.authorized) for r in fake.requests] == [("GET", WS_PATH, 200, True)]
    assert "api-version" in fake.requests[0].query


def test_computes_are_a_cluster_and_an_instance(seeded, ml):
    computes = {c.name: c for c in ml.compute.list()}
    cluster, instance = computes["cpu-cluster"], computes["ci-team1"]
    assert isinstance(cluster, AmlCompute)
    assert (cluster.type, cluster.size, cluster.min_instances, cluster.max_instances) == (
        "amlcompute", "STANDARD_DS3_V2", 0, 2)
    assert cluster.idle_time_before_scale_down == 120  # a float: 120.0 seconds
    assert cluster.provisioning_state == "Succeeded"  # a str enum (ProvisioningState.SUCCEEDED)
    assert isinstance(instance, ComputeInstance)
    assert instance.type == "computeinstance"
    assert instance.state == "Running"  # a str enum: compare with ==, str() gives 'ComputeInstanceState.RUNNING'
    assert instance.size == "STANDARD_DS11_V2"
    assert isinstance(ml.compute.get("cpu-cluster"), AmlCompute)


def test_data_latest_reads_the_container_then_the_version(seeded, ml):
    fake, _ = seeded
    data = ml.data.get("transaction_ts2013", label="latest")
    assert (data.name, data.version, data.type) == ("transaction_ts2013", "1", "uri_file")  # type is a plain str
    assert data.path == "azureml://datastores/workspaceblobstore/paths/data/mlops_forecast_data2013.csv"
    assert paths(fake) == [("GET", "/data/transaction_ts2013", 200), ("GET", "/data/transaction_ts2013/versions/1", 200)]
    assert [(d.name, d.version) for d in ml.data.list(name="transaction_ts")] == [("transaction_ts", "1")]
    assert fake.requests[-1].query["listViewType"] == "ActiveOnly"


def test_data_latest_follows_the_newest_version(fake, monkeypatch):
    fake.workspace.add_data("sales", version="1", path="azureml://datastores/workspaceblobstore/paths/a.csv")
    fake.workspace.add_data("sales", version="2", path="azureml://datastores/workspaceblobstore/paths/b.csv")
    ml = make_client(fake, monkeypatch)
    assert ml.data.get("sales", label="latest").version == "2"
    assert sorted(d.version for d in ml.data.list(name="sales")) == ["1", "2"]


def test_environment_latest_has_the_conda_file_as_a_dict(seeded, ml):
    fake, info = seeded
    environment = ml.environments.get("adventureworks-env", label="latest")
    assert environment.version == "1"
    assert environment.image == "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest"
    assert environment.conda_file == info["conda_file"]
    assert "pandas==2.2.3" in environment.conda_file["dependencies"][2]["pip"]
    # "latest" is one request: the versions ordered by creation time, newest first, top 1.
    assert paths(fake) == [("GET", "/environments/adventureworks-env/versions", 200)]
    assert fake.requests[0].query["$orderBy"] == "createdtime desc"
    assert fake.requests[0].query["$top"] == "1"
    assert ml.environments.get("adventureworks-env", version="1").conda_file == PINNED_CONDA_FILE


def test_command_job_as_the_sdk_sees_it(seeded, ml):
    _, info = seeded
    job = ml.jobs.get(info["job_name"])
    # Not a CommandJob: jobs.get/list give the pipeline-node class Command (a Job subclass).
    assert isinstance(job, Command) and isinstance(job, Job) and not isinstance(job, CommandJob)
    assert job.type == "command"
    assert job.name == info["job_name"]
    assert job.status == "Completed"  # a str enum (JobStatus.COMPLETED)
    assert job.experiment_name == "adventureworks-forecast"
    assert job.compute == "cpu-cluster"  # the SDK turns the computeId ARM id back into the name
    assert job.environment == "azureml:adventureworks-env:1"  # passed through as seeded
    assert job.command == "python train.py --data ${{inputs.data}} --model-output ${{outputs.model}}"
    assert job.display_name == info["job_name"]
    # Inputs and outputs are NodeInput/NodeOutput: read .type/.path/.mode; str() of one raises.
    assert job.inputs["data"].type == "uri_file"
    assert job.inputs["data"].path == "azureml:transaction_ts2013:1"
    assert job.inputs["data"].mode == "ro_mount"
    assert job.outputs["model"].type == "uri_folder"
    assert job.outputs["model"].path is None
    assert job.outputs["default"].type == "uri_folder"  # every Azure ML job has the artifacts output
    assert job.creation_context.created_at.tzinfo is not None
    assert job.studio_url.endswith("&tid=72f988bf-0000-4000-8000-00000000c0de")  # the SDK decoded the JWT


def test_job_inputs_given_as_arm_ids_come_back_as_name_and_version(fake, monkeypatch):
    data_id = f"{WS_PATH}/data/transaction_ts2013/versions/1"
    name = fake.workspace.add_command_job(experiment="e", inputs={"data": ("uri_file", data_id), "days": 28})
    job = make_client(fake, monkeypatch).jobs.get(name)
    assert job.inputs["data"].path == "transaction_ts2013:1"  # resolved by the SDK, without "azureml:"
    assert (job.inputs["days"].type, job.inputs["days"]._data) == ("string", "28")  # a literal input


def test_jobs_list_newest_first_across_pages(tmp_path, monkeypatch):
    with FakeAzureML(tmp_path, page_size=2) as fake:
        ws = fake.workspace
        old = ws.add_command_job(experiment="e", name="first_job", created=dt.datetime(2024, 1, 1))
        newer = [ws.add_command_job(experiment="e", status=s) for s in ("Failed", "Running", "Canceled", "Completed")]
        jobs = list(make_client(fake, monkeypatch).jobs.list())
        assert [j.name for j in jobs] == [*reversed(newer), old]
        assert [j.status for j in jobs] == ["Completed", "Canceled", "Running", "Failed", "Completed"]
        assert [r.query.get("$skipToken") for r in fake.requests] == [None, "2", "4"]


def test_models_list_as_the_service_answers_with_the_job_in_the_path_and_tags(seeded, ml):
    _, info = seeded
    [model] = ml.models.list(name="adventureworks-forecast")
    # examples/Workspace/ModelVersion/get.json: modelType "CustomModel" and no jobName.
    assert (model.name, model.version, model.type) == ("adventureworks-forecast", "1", "CustomModel")
    assert model.job_name is None
    assert model.path == f"azureml://jobs/{info['job_name']}/outputs/model"
    assert model.tags == {"rmse": "441.2", "mae": "377.9", "mape": "116.1", "r2": "0.18"}


def test_online_endpoint_deployments_and_keys(seeded, ml):
    fake, info = seeded
    endpoint = ml.online_endpoints.get(ENDPOINT)
    assert endpoint.auth_mode == "key"
    assert endpoint.traffic == {"blue": 100}
    assert endpoint.provisioning_state == "Succeeded"
    assert endpoint.scoring_uri == f"{fake.url}/score/{ENDPOINT}" == info["scoring_uri"]
    [deployment] = ml.online_deployments.list(ENDPOINT)
    assert isinstance(deployment, ManagedOnlineDeployment)
    assert (deployment.name, deployment.instance_type, deployment.instance_count) == ("blue", "Standard_DS3_v2", 1)
    assert deployment.provisioning_state == "Succeeded"
    assert deployment.model == f"{WS_PATH}/models/adventureworks-forecast/versions/1"  # an ARM id, as Azure stores it
    keys = ml.online_endpoints.get_keys(ENDPOINT)
    assert (keys.primary_key, keys.secondary_key) == (info["primary_key"], info["secondary_key"])
    # endpoints.get also lists the deployments; get_keys GETs the endpoint first, then POSTs listKeys.
    assert [(m, p) for m, p, _ in paths(fake)] == [
        ("GET", f"/onlineEndpoints/{ENDPOINT}"),
        ("GET", f"/onlineEndpoints/{ENDPOINT}/deployments"),
        ("GET", f"/onlineEndpoints/{ENDPOINT}/deployments"),
        ("GET", f"/onlineEndpoints/{ENDPOINT}"),
        ("POST", f"/onlineEndpoints/{ENDPOINT}/listKeys"),
    ]


def test_usage_and_vm_sizes_keep_camel_case_attributes(seeded, ml):
    listed = list(ml.compute.list_usage(location="eastus"))
    usages = {u.name["value"]: u for u in listed if "workspaces" not in u.type}
    # Named as examples/Usage/list.json names the rows: not by the family id (standardDSv2Family).
    family = usages["Standard DSv2 Family Cluster Dedicated vCPUs"]
    assert family.id == "/subscriptions/00000000-0000-0000-0000-000000000001/usages/Standard_DSv2_Family_Cluster_Dedicated_vCPUs"
    # azure-ai-ml 1.35 copies the REST dict into the entity: the value is on `currentValue`, not `current_value`.
    assert (family.currentValue, family.limit, family.unit) == (8, 24, "Count")
    assert family.current_value is None
    assert family.name["localizedValue"] == "Standard DSv2 Family Cluster Dedicated vCPUs"
    assert "Total Cluster Dedicated Regional vCPUs" in usages
    sizes = {s.name: s for s in ml.compute.list_sizes(location="eastus")}
    ds3 = sizes["Standard_DS3_v2"]
    assert (ds3.family, ds3.vCPUs, ds3.memoryGB) == ("standardDSv2Family", 4, 14.0)
    assert ds3.v_cp_us is None
    instance_sizes = [s.name for s in ml.compute.list_sizes(location="eastus", compute_type="ComputeInstance")]
    assert "Standard_NC6" not in instance_sizes  # filtered by the SDK on supportedComputeTypes


# -- MLflow behind the workspace ----------------------------------------------------------------


def test_mlflow_rest_store_reads_the_jobs_run(seeded):
    from mlflow.store.tracking.rest_store import RestStore
    from mlflow.utils.rest_utils import MlflowHostCreds

    fake, info = seeded
    # MLflow >= 2 clients use /mlflow/v2.0 (as azureml-mlflow sends them); 1.x ones the v1.0 the workspace names.
    host = f"{fake.url}/mlflow/v2.0{WS_PATH}"
    assert host == fake.mlflow_tracking_url
    for served in (host, host.replace("/mlflow/v2.0", "/mlflow/v1.0")):
        store = RestStore(lambda served=served: MlflowHostCreds(host=served, token=fake.token,
                                                                server_cert_path=fake.ca_bundle))
        assert store.get_run(info["job_name"]).info.run_id == info["job_name"]
    run = store.get_run(info["job_name"])
    assert run.info.run_id == info["job_name"]
    assert run.info.status == "FINISHED"
    assert run.data.metrics == info["metrics"]
    assert run.data.params == {"level_days": "28"}
    experiment = store.get_experiment_by_name("adventureworks-forecast")
    assert run.info.experiment_id == experiment.experiment_id
    assert [m.value for m in store.get_metric_history(info["job_name"], "rmse")] == [441.2]

    fake.requests.clear()
    anonymous = RestStore(lambda: MlflowHostCreds(host=host, token="not-the-token", server_cert_path=fake.ca_bundle))
    with pytest.raises(Exception, match="InvalidAuthenticationToken"):
        anonymous.get_run(info["job_name"])
    assert [(r.path.endswith("/api/2.0/mlflow/runs/get"), r.status, r.authorized) for r in fake.requests] == [
        (True, 401, False)]


def test_mlflow_store_uri_is_the_same_store(seeded):
    from mlflow.tracking import MlflowClient

    fake, info = seeded
    assert fake.mlflow_store_uri.startswith("sqlite:///")
    run = MlflowClient(tracking_uri=fake.mlflow_store_uri).get_run(info["job_name"])
    assert run.data.metrics["rmse"] == 441.2


# -- scoring ------------------------------------------------------------------------------------


def test_scoring_needs_a_key_and_answers_the_hacks_contract(seeded):
    fake, info = seeded
    fake.requests.clear()
    uri = info["scoring_uri"]
    assert requests.post(uri, json={"data": [3]}, verify=fake.ca_bundle, timeout=5).status_code == 401
    assert requests.post(uri, json={"data": [3]}, headers={"Authorization": "Bearer wrong"}, verify=fake.ca_bundle, timeout=5).json() == {
        "message": "key_auth_access_denied"}
    for key in (info["primary_key"], info["secondary_key"]):
        reply = requests.post(uri, json={"data": [7]}, headers={"Authorization": f"Bearer {key}"}, verify=fake.ca_bundle, timeout=5)
        assert reply.status_code == 200
        forecasts = reply.json()["result"]
        assert len(forecasts) == 7 and all(math.isfinite(x) and 500 < x < 900 for x in forecasts)
    bad = requests.post(uri, data=b"not json", headers={"Authorization": f"Bearer {info['primary_key']}"}, verify=fake.ca_bundle, timeout=5)
    assert bad.status_code == 200 and "error" in bad.json()
    assert requests.post(f"{fake.url}/score/no-such-endpoint", json={"data": [1]}, verify=fake.ca_bundle, timeout=5).status_code == 404
    assert [(r.status, r.authorized) for r in fake.requests] == [
        (401, False), (401, False), (200, True), (200, True), (200, True), (404, False)]
    recorded = repr(fake.requests)
    assert info["primary_key"] not in recorded and fake.token not in recorded


def test_scoring_behaviour_can_be_replaced(fake):
    fake.workspace.add_online_endpoint("ep", keys=("k1", "k2"), traffic={"blue": 100})
    fake.workspace.scoring_behaviour["ep"] = lambda payload: (500, {"error": f"boom on {payload}"})
    reply = requests.post(f"{fake.url}/score/ep", json={"data": [1]}, headers={"Authorization": "Bearer k1"},
                          verify=fake.ca_bundle, timeout=5)
    assert (reply.status_code, reply.json()) == (500, {"error": "boom on {'data': [1]}"})


# -- access -------------------------------------------------------------------------------------


def test_token_is_a_decodable_jwt_for_the_student(seeded):
    fake, _ = seeded
    claims = jwt.decode(fake.token, options={"verify_signature": False})
    assert claims["upn"] == "student@contoso.com" and claims["name"] == "Team Student"
    assert claims["oid"] and claims["tid"] and claims["exp"] > time.time()
    assert fake.credential().get_token("https://management.azure.com/.default").token == fake.token


def test_deny_403_is_authorization_failed_on_arm_but_not_on_scoring(seeded, ml):
    fake, info = seeded
    fake.deny(403)
    try:
        with pytest.raises(HttpResponseError) as raised:
            ml.workspaces.get("mlw-team1")
        assert raised.value.status_code == 403
        assert raised.value.error.code == "AuthorizationFailed"
        assert "student@contoso.com" in raised.value.message
        assert "Microsoft.MachineLearningServices/workspaces/read" in raised.value.message
        with pytest.raises(HttpResponseError, match="workspaces/computes/read"):
            list(ml.compute.list())
        scored = requests.post(info["scoring_uri"], json={"data": [1]},
                               headers={"Authorization": f"Bearer {info['primary_key']}"}, verify=fake.ca_bundle, timeout=5)
        assert scored.status_code == 200
    finally:
        fake.deny(None)
    assert ml.workspaces.get("mlw-team1").name == "mlw-team1"


def test_deny_401_is_a_client_authentication_error(fake, monkeypatch):
    ml = make_client(fake, monkeypatch)
    fake.deny(401)
    with pytest.raises(ClientAuthenticationError) as raised:
        ml.workspaces.get("mlw-team1")
    assert raised.value.status_code == 401
    assert raised.value.error.code == "InvalidAuthenticationToken"
    assert len(fake.requests) == 1  # not retried


def test_missing_workspace_is_resource_not_found(fake, monkeypatch):
    ml = make_client(fake, monkeypatch)
    fake.workspace.exists = False
    with pytest.raises(ResourceNotFoundError) as raised:
        ml.workspaces.get("mlw-team1")
    assert raised.value.error.code == "ResourceNotFound"
    with pytest.raises(ResourceNotFoundError):
        list(ml.compute.list())
    fake.workspace.exists = True
    with pytest.raises(ResourceNotFoundError, match="ResourceGroupNotFound"):
        MLClient(fake.credential(), fake.workspace.subscription_id, "rg-other", "mlw-team1").workspaces.get("mlw-team1")


def test_a_workspace_with_other_names(fake, monkeypatch):
    fake.workspace = WorkspaceState(subscription_id="sub-2", resource_group="rg-2", name="mlw-2", location="westeurope")
    name = fake.workspace.add_command_job(experiment="e", metrics={"rmse": 2.0})
    ml = make_client(fake, monkeypatch)
    workspace = ml.workspaces.get("mlw-2")
    assert workspace.location == "westeurope"
    assert workspace.mlflow_tracking_uri.endswith("/subscriptions/sub-2/resourceGroups/rg-2/providers/"
                                                  "Microsoft.MachineLearningServices/workspaces/mlw-2")
    assert ml.jobs.get(name).experiment_name == "e"


def test_missing_children(fake, monkeypatch):
    from azure.ai.ml.exceptions import MlException

    ml = make_client(fake, monkeypatch)
    with pytest.raises(ResourceNotFoundError):
        ml.compute.get("nope")
    with pytest.raises(ResourceNotFoundError):
        ml.jobs.get("nope")
    with pytest.raises(ResourceNotFoundError):
        ml.online_endpoints.get("nope")
    # "latest" of a missing asset is the SDK's own exception, not azure-core's.
    with pytest.raises(MlException, match="does not exist"):
        ml.data.get("nope", label="latest")
    with pytest.raises(MlException, match="does not exist"):
        ml.environments.get("nope", label="latest")


def test_unknown_routes_and_writes_get_arm_errors(seeded):
    fake, _ = seeded
    auth = {"Authorization": f"Bearer {fake.token}"}
    nothing = requests.get(f"{fake.url}/no/such/route", headers=auth, verify=fake.ca_bundle, timeout=5)
    assert nothing.status_code == 404 and "code" in nothing.json()["error"]
    write = requests.put(f"{fake.url}{WS_PATH}/computes/x", headers=auth, json={}, verify=fake.ca_bundle, timeout=5)
    assert write.status_code == 405 and write.json()["error"]["code"] == "MethodNotAllowed"
    assert requests.get(f"{fake.url}{WS_PATH}", verify=fake.ca_bundle, timeout=5).status_code == 401  # no token at all


def test_a_full_read_is_read_only(seeded, ml):
    fake, info = seeded
    ml.workspaces.get("mlw-team1")
    list(ml.compute.list())
    ml.data.get("transaction_ts", label="latest")
    ml.environments.get("adventureworks-env", label="latest")
    list(ml.jobs.list())
    ml.jobs.get(info["job_name"])
    list(ml.models.list(name="adventureworks-forecast"))
    ml.online_endpoints.get(ENDPOINT)
    list(ml.online_deployments.list(ENDPOINT))
    ml.online_endpoints.get_keys(ENDPOINT)
    list(ml.compute.list_usage(location="eastus"))
    list(ml.compute.list_sizes(location="eastus"))
    methods = {(r.method, r.path.rsplit("/", 1)[-1]) for r in fake.requests if r.method != "GET"}
    assert methods == {("POST", "listKeys")}
    assert all(r.status == 200 and r.authorized for r in fake.requests)


# -- faults, and how azure-core reacts ----------------------------------------------------------
# MLClient passes these azure-core kwargs to every operation group (checked for workspaces, compute,
# data, environments, jobs, models, online endpoints/deployments, usages, sizes):
#   read_timeout=SECONDS (socket read; default 300), connection_timeout=SECONDS,
#   retry_total=N (default 3 retries: 4 requests), retry_backoff_factor=F (default 0.8: the first
#   retry is immediate, the next after 2*F s, then 4*F s...), retry_backoff_max=SECONDS.


def test_throttle_is_retried_after_retry_after(fake, monkeypatch):
    ml = make_client(fake, monkeypatch)
    injection = fake.inject(r"/computes$", Fault.throttle(retry_after=0.3))
    started = time.monotonic()
    assert [c.name for c in ml.compute.list()] == ["cpu-cluster"]
    assert time.monotonic() - started >= 0.3  # azure-core waited as told
    assert paths(fake) == [("GET", "/computes", 429), ("GET", "/computes", 200)]
    assert (injection.hits, injection.remaining) == (1, 0)


def test_throttle_for_ever_ends_in_http_response_error_429(fake, monkeypatch):
    ml = make_client(fake, monkeypatch, retry_total=1)
    fake.inject(r"/computes$", Fault.throttle(retry_after=0.1), times=None)
    with pytest.raises(HttpResponseError) as raised:
        list(ml.compute.list())
    assert raised.value.status_code == 429
    assert raised.value.error.code == "TooManyRequests"
    assert [s for _, _, s in paths(fake)] == [429, 429]


def test_server_errors_are_retried_then_surface(fake, monkeypatch):
    ml = make_client(fake, monkeypatch, retry_backoff_factor=0.01)
    fake.inject(r"/computes$", Fault.server_error(500), times=2)
    fake.inject(r"/computes$", Fault.server_error(503), times=1)
    assert len(list(ml.compute.list())) == 1
    assert [s for _, _, s in paths(fake)] == [500, 500, 503, 200]

    fake.requests.clear()
    fake.inject(r"/computes$", Fault.server_error(500), times=None)
    with pytest.raises(HttpResponseError) as raised:
        list(ml.compute.list())
    assert raised.value.status_code == 500 and raised.value.error.code == "InternalServerError"
    assert len(fake.requests) == 4  # 1 + retry_total (3)


def test_post_list_keys_is_retried_on_500_but_not_on_502_or_a_drop(fake, monkeypatch):
    fake.workspace.add_online_endpoint("ep", keys=("k1", "k2"))
    ml = make_client(fake, monkeypatch, retry_backoff_factor=0.01)
    fake.inject("listKeys", Fault.server_error(500))
    assert ml.online_endpoints.get_keys("ep").primary_key == "k1"
    fake.inject("listKeys", Fault.server_error(502))
    with pytest.raises(HttpResponseError):
        ml.online_endpoints.get_keys("ep")
    fake.inject("listKeys", Fault.drop())
    with pytest.raises(ServiceResponseError):
        ml.online_endpoints.get_keys("ep")
    assert [(m, s) for m, p, s in paths(fake) if p.endswith("listKeys")] == [
        ("POST", 500), ("POST", 200), ("POST", 502), ("POST", 0)]


def test_dropped_connection_on_a_get_is_retried(fake, monkeypatch):
    ml = make_client(fake, monkeypatch, retry_backoff_factor=0.01)
    fake.inject(r"/computes$", Fault.drop())
    assert len(list(ml.compute.list())) == 1
    assert paths(fake) == [("GET", "/computes", 0), ("GET", "/computes", 200)]
    fake.requests.clear()
    fake.inject(r"/workspaces/mlw-team1$", Fault.drop(), times=None)
    with pytest.raises(ServiceResponseError, match="Remote end closed connection"):
        ml.workspaces.get("mlw-team1")
    assert [s for _, _, s in paths(fake)] == [0, 0, 0, 0]


def test_slow_answer_times_out_with_read_timeout(fake, monkeypatch):
    ml = make_client(fake, monkeypatch, read_timeout=0.3, retry_total=0)
    fake.inject(r"/computes$", Fault.slow(seconds=3))
    # The timeout error itself says the client gave up before the answer came (no wall-clock bound to break
    # on a loaded machine).
    with pytest.raises(ServiceResponseTimeoutError):  # a subclass of ServiceResponseError
        list(ml.compute.list())
    # With retries (the default) the timed-out GET is simply sent again.
    retrying = make_client(fake, monkeypatch, read_timeout=0.3)
    fake.inject(r"/computes$", Fault.slow(seconds=3))
    assert len(list(retrying.compute.list())) == 1


def test_faults_apply_to_mlflow_and_scoring_too(fake):
    from mlflow.store.tracking.rest_store import RestStore
    from mlflow.utils.rest_utils import MlflowHostCreds

    name = fake.workspace.add_command_job(experiment="e", metrics={"rmse": 1.0})
    fake.workspace.add_online_endpoint("ep", keys=("k1", "k2"))
    fake.inject(r"/api/2\.0/mlflow/runs/get$", Fault.server_error(503))
    store = RestStore(lambda: MlflowHostCreds(host=fake.mlflow_tracking_url, token=fake.token,
                                              server_cert_path=fake.ca_bundle))
    assert store.get_run(name).data.metrics == {"rmse": 1.0}  # MLflow's client retries 503 itself
    fake.inject(r"^/score/", Fault.drop())
    with pytest.raises(requests.ConnectionError):
        requests.post(f"{fake.url}/score/ep", json={"data": [1]}, headers={"Authorization": "Bearer k1"},
                      verify=fake.ca_bundle, timeout=5)
    assert [r.status for r in fake.requests] == [503, 200, 0]


def test_faults_are_counted_exactly_under_concurrency(fake):
    fake.inject(r"/computes$", Fault.server_error(503), times=3)
    url = f"{fake.url}{WS_PATH}/computes"

    def get(_: int) -> int:
        return requests.get(url, headers={"Authorization": f"Bearer {fake.token}"}, verify=fake.ca_bundle,
                            timeout=5).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(get, range(12)))
    assert sorted(statuses) == [200] * 9 + [503] * 3


def test_latency_is_added_to_every_answer(fake, monkeypatch):
    ml = make_client(fake, monkeypatch)
    fake.set_latency(0.2)
    started = time.monotonic()
    ml.workspaces.get("mlw-team1")
    assert time.monotonic() - started >= 0.2
    fake.set_latency(0)


def test_exit_frees_the_port(tmp_path):
    with FakeAzureML(tmp_path) as fake:
        port = fake.port
        assert fake.env() == {"AZUREML_DEV_URL_MFE": f"https://127.0.0.1:{port}", "REQUESTS_CA_BUNDLE": fake.ca_bundle}
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


# -- pipelines, schedules, metric histories -----------------------------------------------------


def _pipeline(fake: FakeAzureML) -> str:
    """A pipeline whose steps use every kind of node input, a node display name and a step that never ran."""
    return fake.workspace.add_pipeline_job(
        experiment="e", display_name="p", tags={"team": "t1"}, properties={"stage": "dev"},
        inputs={"data": ("uri_file", "azureml:transaction_ts2013@latest"), "endpoint": "ep"},
        steps=[
            PipelineStep("train", component="train_forecast", from_file=True, command="python train.py",
                         inputs={"data": "${{parent.inputs.data}}", "days": 28,
                                 "extra": ("uri_file", "azureml:transaction_ts2014:1")},
                         outputs=("model",), metrics={"rmse": 2.0}, metric_history={"loss": [3.0, 2.0, 1.5]}),
            PipelineStep("register", command="python register.py", display_name="Register it",
                         inputs={"model": "${{parent.jobs.train.outputs.model}}"}, outputs=("model_info",)),
            PipelineStep("deploy", component="deploy", command="python deploy.py", status=None,
                         inputs={"model_info": "${{parent.jobs.register.outputs.model_info}}"}),
        ],
    )


def test_pipeline_job_as_the_sdk_sees_it(fake, monkeypatch):
    from azure.ai.ml.entities import PipelineJob

    name = _pipeline(fake)
    job = make_client(fake, monkeypatch).jobs.get(name)
    assert isinstance(job, PipelineJob) and job.type == "pipeline" and job.status == "Completed"
    assert (job.display_name, job.experiment_name, job.tags["team"], job.properties["stage"]) == ("p", "e", "t1", "dev")
    assert job.inputs["data"]._data.path == "azureml:transaction_ts2013@latest"
    train, register, deploy = job.jobs["train"], job.jobs["register"], job.jobs["deploy"]
    # A node from the service holds only a reference to its component ("name:version" once the SDK
    # resolved the ARM id): no command. A component from a file is registered anonymously.
    assert isinstance(train, Command) and train.command is None
    assert train.component.startswith("azureml_anonymous:") and deploy.component == "deploy:1"
    # Bindings and literals come back as text in NodeInput._data; .path of one raises.
    assert train.inputs["data"]._data == "${{parent.inputs.data}}"
    assert train.inputs["days"]._data == "28"
    assert register.inputs["model"]._data == "${{parent.jobs.train.outputs.model}}"
    # A data input on a node stays the ARM id the service stored.
    assert train.inputs["extra"]._data.path == f"{WS_PATH}/data/transaction_ts2014/versions/1"
    assert register.display_name == "Register it" and train.display_name is None
    assert list(train.outputs) == ["model"]


def test_pipeline_children_come_from_run_history_and_arm_answers_them_without_properties(fake, monkeypatch):
    name = _pipeline(fake)
    steps = {s.name: s for s in fake.workspace.jobs[name].steps}
    ml = make_client(fake, monkeypatch)
    fake.requests.clear()
    children = list(ml.jobs.list(parent_job_name=name))
    # jobs.list(parent_job_name=) reads the pipeline, the workspace (for its discovery URL), the
    # discovery document (for the run-history API's URL), then run history.
    assert [(m, p.removeprefix("/history/v1.0").removeprefix(WS_PATH)) for m, p, _ in paths(fake)] == [
        ("GET", f"/jobs/{name}"), ("GET", ""), ("GET", ""), ("GET", "/discovery"), ("GET", f"/runs/{name}/children")]
    assert not fake.requests[3].authorized  # discovery is anonymous, as Azure's is
    assert [c.name for c in children] == [steps["train"].job, steps["register"].job]  # deploy never started
    assert [c.type for c in children] == ["base", "base"]  # _BaseJob: run history's view of a job
    assert [c.display_name for c in children] == ["train", "Register it"]
    assert children[0].experiment_name != "e"  # run history names the experiment by its id
    # GET of a step job answers properties: null, as the service does; the SDK then reads run history.
    fake.requests.clear()
    child = ml.jobs.get(steps["train"].job)
    asked = [p.removeprefix("/history/v1.0").removeprefix(WS_PATH) for _, p, _ in paths(fake)]
    assert (asked[0], asked[-1]) == (f"/jobs/{steps['train'].job}", f"/runs/{steps['train'].job}"), asked
    assert child.type == "base" and child.display_name == "train"
    # Its experiment comes back as the id MLflow knows the experiment by too.
    assert child.experiment_name == fake.workspace.experiment_id("e") != "e"
    assert child.properties["azureml.pipelinerunid"] == name
    # The workspace's job list shows the pipeline, not its steps.
    assert [j.name for j in ml.jobs.list()] == [name]


def test_components_keep_their_yaml_name_even_when_anonymous(fake, monkeypatch):
    name = _pipeline(fake)
    ml = make_client(fake, monkeypatch)
    nodes = ml.jobs.get(name).jobs
    from_file = ml.components.get(*nodes["train"].component.split(":"))
    inline = ml.components.get(*nodes["register"].component.split(":"))
    registered = ml.components.get("deploy", version="1")
    assert (from_file.name, from_file.command, list(from_file.outputs)) == ("train_forecast", "python train.py", ["model"])
    assert (inline.name, inline.command) == ("azureml_anonymous", "python register.py")
    assert (registered.name, registered.version, registered.command) == ("deploy", "1", "python deploy.py")


def test_run_history_errors(fake, monkeypatch):
    name = _pipeline(fake)
    ml = make_client(fake, monkeypatch)
    fake.inject(r"/children$", Fault.server_error(501))  # 501 is not retried: one answer
    with pytest.raises(HttpResponseError) as raised:
        list(ml.jobs.list(parent_job_name=name))
    assert raised.value.status_code == 501
    auth = {"Authorization": f"Bearer {fake.token}"}
    missing = requests.get(f"{fake.url}/history/v1.0{WS_PATH}/runs/nope/children", headers=auth, verify=fake.ca_bundle, timeout=5)
    assert missing.status_code == 404 and "Run nope was not found" in missing.json()["error"]["message"]
    fake.deny(403)
    denied = requests.get(f"{fake.url}/history/v1.0{WS_PATH}/runs/{name}/children", headers=auth, verify=fake.ca_bundle, timeout=5)
    assert denied.status_code == 403 and "workspaces/experiments/runs/read" in denied.json()["error"]["message"]


def test_schedules_enabled_by_default_all_with_the_view_type(fake, monkeypatch):
    from azure.ai.ml._restclient.arm_ml_service.models import ScheduleListViewType
    from azure.ai.ml.entities import (
        CronTrigger,
        JobSchedule,
        MonitorSchedule,
        PipelineJob,
        RecurrenceTrigger,
    )

    ws = fake.workspace
    job = ws.add_command_job(experiment="e")
    ws.add_schedule("weekly", cron="0 2 * * 1", experiment="adventureworks-forecast")
    ws.add_schedule("daily", frequency="day", interval=2, enabled=False, time_zone="W. Europe Standard Time")
    ws.add_schedule("again", cron="0 3 * * *", source_job=f"{WS_PATH}/jobs/{job}")
    ws.add_schedule("monitor", cron="0 4 * * *", monitor=True)
    ml = make_client(fake, monkeypatch)
    assert sorted(s.name for s in ml.schedules.list()) == ["again", "monitor", "weekly"]
    assert fake.requests[-1].query["listViewType"] == "EnabledOnly"
    found = {s.name: s for s in ml.schedules.list(list_view_type=ScheduleListViewType.ALL)}
    assert fake.requests[-1].query["listViewType"] == "All"
    assert sorted(found) == ["again", "daily", "monitor", "weekly"]
    weekly, daily, again = found["weekly"], found["daily"], found["again"]
    assert isinstance(weekly, JobSchedule) and weekly.is_enabled
    assert isinstance(weekly.trigger, CronTrigger) and weekly.trigger.expression == "0 2 * * 1"
    assert isinstance(weekly.create_job, PipelineJob) and weekly.create_job.experiment_name == "adventureworks-forecast"
    assert isinstance(daily.trigger, RecurrenceTrigger) and not daily.is_enabled
    assert (daily.trigger.frequency, daily.trigger.interval, daily.trigger.time_zone) == ("day", 2, "W. Europe Standard Time")
    # create_job: <a job>: the service keeps its id; the SDK makes an empty PipelineJob with that id.
    assert isinstance(again.create_job, PipelineJob) and again.create_job.id == f"{WS_PATH}/jobs/{job}"
    assert not again.create_job.jobs
    assert isinstance(found["monitor"], MonitorSchedule)
    assert ml.schedules.get("daily").trigger.interval == 2
    with pytest.raises(ValueError):
        ws.add_schedule("both", cron="* * * * *", frequency="day")


def test_metric_histories_through_mlflow_rest(fake):
    from mlflow.store.tracking.rest_store import RestStore
    from mlflow.utils.rest_utils import MlflowHostCreds

    name = fake.workspace.add_command_job(experiment="e", metrics={"rmse": 1.0}, metric_history={"forecast": [5.0, 6.0, 7.0]})
    store = RestStore(lambda: MlflowHostCreds(host=fake.mlflow_tracking_url, token=fake.token, server_cert_path=fake.ca_bundle))
    history = store.get_metric_history(name, "forecast")
    assert [(m.step, m.value) for m in history] == [(0, 5.0), (1, 6.0), (2, 7.0)]
    assert [m.value for m in store.get_metric_history(name, "rmse")] == [1.0]
    pipeline = _pipeline(fake)
    train = fake.workspace.jobs[pipeline].steps[0].job
    run = store.get_run(train)
    assert run.data.tags["mlflow.parentRunId"] == pipeline
    assert [m.value for m in store.get_metric_history(train, "loss")] == [3.0, 2.0, 1.5]


def test_seed_pipeline_workspace(tmp_path, monkeypatch):
    with FakeAzureML(tmp_path) as fake:
        info = seed_pipeline_workspace(fake, endpoint=ENDPOINT)
        ml = make_client(fake, monkeypatch)
        pipeline = ml.jobs.get(info["pipeline_job"])
        assert (pipeline.display_name, pipeline.experiment_name, pipeline.status) == (
            "train-register-deploy", "adventureworks-forecast", "Completed")
        assert sorted(pipeline.jobs) == ["deploy", "register", "train"]
        children = {c.display_name: c.name for c in ml.jobs.list(parent_job_name=info["pipeline_job"])}
        assert children == info["step_jobs"]
        model = ml.models.get("adventureworks-forecast", version="2")
        assert model.path == f"azureml://jobs/{info['train_job']}/outputs/model" and model.tags["rmse"] == "441.2"
        [deployment] = ml.online_deployments.list(ENDPOINT)
        assert deployment.model == f"{WS_PATH}/models/adventureworks-forecast/versions/2"
        assert ml.online_endpoints.get(ENDPOINT).traffic == {"blue": 100}
