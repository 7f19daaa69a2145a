"""A fake Azure Machine Learning workspace for tests, driven by the real azure-ai-ml SDK.

    from tests.fake_azureml import FakeAzureML, Fault, seed_passing_workspace

    with FakeAzureML(tmp_path) as fake:
        for key, value in fake.env().items():
            monkeypatch.setenv(key, value)          # before MLClient() is created
        seed_passing_workspace(fake, endpoint="aw-forecast-testers")
        ws = fake.workspace
        ml_client = MLClient(fake.credential(), ws.subscription_id, ws.resource_group, ws.name)

What it serves (https on 127.0.0.1, a trustme certificate, any api-version):
* the ARM routes azure-ai-ml reads: workspace, computes, data / environments /
  models / components (containers and versions), jobs (paged; command and
  pipeline jobs; a pipeline's step job answers `properties: null`, as the
  service does, and the SDK reads it from run history), schedules, online endpoints and their
  deployments, listKeys, regional usages and VM sizes (arm.py, bodies.py);
* the subscription-level routes preflight reads: the subscription, a resource
  provider's registration state (`fake.providers`), and the subscription's
  resources filtered by type (subscription_routes.py);
* the run-history routes that list a pipeline's child jobs, and the
  workspace's discovery document that points the SDK at them;
* MLflow's REST API under the workspace's tracking URI (/mlflow/v2.0, where
  azureml-mlflow sends MLflow >= 2 clients, and v1.0), from MLflow's own
  server app over a SQLite store (mlflow_backend.py);
* scoring URIs `POST /score/<endpoint>` with key auth (scoring.py).

What it writes (for `ohcheck event teardown`): DELETE of online endpoints (with
their deployments), deployments, computes and schedules, and PUT of an existing
schedule (disable/enable); each completes at once. Every other write is refused
with an ARM error body.

What it lets a test do: seed and change the workspace (state.py: `ws.add_*`,
`ws.add_pipeline_job(steps=[PipelineStep(...)])`, `ws.add_schedule`), inject
throttling / 5xx / dropped connections / slow answers (faults.py), deny
access (401/403), add latency, and read every request it got (`fake.requests`).
"""

from .faults import Fault, Injection
from .identity import (
    TENANT_ID,
    USER_DISPLAY_NAME,
    USER_OBJECT_ID,
    USER_PRINCIPAL_NAME,
    FakeCredential,
)
from .mlflow_backend import warm_up as warm_up_mlflow
from .quota import usage, vm_size
from .scoring import default_behaviour as default_scoring_behaviour
from .seed import PINNED_CONDA_FILE, seed_passing_workspace, seed_pipeline_workspace
from .server import FakeAzureML, Recorded
from .state import PipelineStep, WorkspaceState

__all__ = [
    "PINNED_CONDA_FILE",
    "TENANT_ID",
    "USER_DISPLAY_NAME",
    "USER_OBJECT_ID",
    "USER_PRINCIPAL_NAME",
    "FakeAzureML",
    "FakeCredential",
    "Fault",
    "Injection",
    "PipelineStep",
    "Recorded",
    "WorkspaceState",
    "default_scoring_behaviour",
    "seed_passing_workspace",
    "seed_pipeline_workspace",
    "usage",
    "vm_size",
    "warm_up_mlflow",
]
