"""REST bodies in the shapes of azure-rest-api-specs (Microsoft.MachineLearningServices, 2024-04-01).

Each function renders one record of state.py the way Azure ML answers a GET
of it: an ARM envelope (`id`, `name`, `type`, `systemData`, ...) around the
resource's `properties`. The SDK is strict about some of it (a versioned
asset's `id` must be a full ARM id ending in /versions/N, because the SDK
takes the asset's name from it) and ignores the rest, which is here so that
the bodies read like Azure's.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import yaml

from .identity import TENANT_ID, USER_DISPLAY_NAME, USER_OBJECT_ID, USER_PRINCIPAL_NAME
from .state import (
    ANONYMOUS_COMPONENT,
    ComponentRecord,
    ComputeRecord,
    DataRecord,
    DeploymentRecord,
    EndpointRecord,
    EnvironmentRecord,
    JobRecord,
    ModelRecord,
    ScheduleRecord,
    StepRecord,
    WorkspaceState,
)

PROVIDER = "Microsoft.MachineLearningServices"
_SHORT_ASSET = re.compile(r"^azureml:(?P<name>[^/:@]+):(?P<version>[^/:@]+)$")


def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def system_data(created: dt.datetime) -> dict[str, Any]:
    return {
        "createdAt": iso(created),
        "createdBy": USER_DISPLAY_NAME,
        "createdByType": "User",
        "lastModifiedAt": iso(created),
        "lastModifiedBy": USER_DISPLAY_NAME,
        "lastModifiedByType": "User",
    }


def workspace_id(ws: WorkspaceState) -> str:
    return f"/subscriptions/{ws.subscription_id}/resourceGroups/{ws.resource_group}/providers/{PROVIDER}/workspaces/{ws.name}"


def asset_id(ws: WorkspaceState, kind: str, name: str, version: str | None = None) -> str:
    """ARM id of a workspace child: kind is computes, data, environments, models, jobs, onlineEndpoints..."""
    base = f"{workspace_id(ws)}/{kind}/{name}"
    return f"{base}/versions/{version}" if version is not None else base


def resolve_reference(ws: WorkspaceState, kind: str, reference: str | None) -> str | None:
    """`azureml:name:version` -> the ARM id Azure stores for it; anything else unchanged."""
    if not reference:
        return reference
    match = _SHORT_ASSET.match(reference)
    if match is None:
        return reference
    return asset_id(ws, kind, match["name"], match["version"])


def mlflow_tracking_uri(ws: WorkspaceState, host: str) -> str:
    """`azureml://HOST/mlflow/v1.0/<workspace id>`, as Azure ML gives it (HOST is 127.0.0.1:PORT here)."""
    return f"azureml://{host}/mlflow/v1.0{workspace_id(ws)}"


# -- workspace ------------------------------------------------------------------------------


def workspace(ws: WorkspaceState, *, host: str) -> dict[str, Any]:
    rg_id = f"/subscriptions/{ws.subscription_id}/resourceGroups/{ws.resource_group}/providers"
    suffix = re.sub(r"[^a-z0-9]", "", ws.name.lower())[:12]
    return {
        "id": workspace_id(ws),
        "name": ws.name,
        "type": f"{PROVIDER}/workspaces",
        "location": ws.location,
        "kind": "Default",
        "tags": {},
        "sku": {"name": "Basic", "tier": "Basic"},
        "identity": {"type": "SystemAssigned", "principalId": str(uuid.uuid5(uuid.NAMESPACE_URL, ws.name)), "tenantId": TENANT_ID},
        "properties": {
            "friendlyName": ws.name,
            "description": "",
            "workspaceId": str(uuid.uuid5(uuid.NAMESPACE_DNS, workspace_id(ws))),
            "storageAccount": f"{rg_id}/Microsoft.Storage/storageAccounts/st{suffix}",
            "keyVault": f"{rg_id}/Microsoft.KeyVault/vaults/kv-{suffix}",
            "applicationInsights": f"{rg_id}/microsoft.insights/components/appi-{suffix}",
            "containerRegistry": None,
            "discoveryUrl": f"https://{host}/discovery",
            "mlFlowTrackingUri": mlflow_tracking_uri(ws, host),
            "provisioningState": "Succeeded",
            "hbiWorkspace": False,
            "publicNetworkAccess": "Enabled",
            "v1LegacyMode": False,
            "privateLinkCount": 0,
            "privateEndpointConnections": [],
            "sharedPrivateLinkResources": [],
            "allowPublicAccessWhenBehindVnet": False,
            "enableDataIsolation": False,
            "storageHnsEnabled": False,
        },
        "systemData": system_data(dt.datetime(2024, 9, 1, 9, 0, tzinfo=dt.timezone.utc)),
    }


# -- computes -------------------------------------------------------------------------------


def compute(ws: WorkspaceState, c: ComputeRecord) -> dict[str, Any]:
    if c.kind == "AmlCompute":
        inner: dict[str, Any] = {
            "osType": "Linux",
            "vmSize": c.vm_size,
            "vmPriority": c.vm_priority,
            "isolatedNetwork": False,
            "subnet": None,
            "scaleSettings": {
                "maxNodeCount": c.max_instances,
                "minNodeCount": c.min_instances,
                "nodeIdleTimeBeforeScaleDown": f"PT{c.idle_seconds}S",
            },
            "remoteLoginPortPublicAccess": "NotSpecified",
            "allocationState": "Steady",
            "allocationStateTransitionTime": iso(c.created),
            "errors": None,
            "currentNodeCount": c.min_instances,
            "targetNodeCount": c.min_instances,
            "nodeStateCounts": {
                "preparingNodeCount": 0,
                "runningNodeCount": 0,
                "idleNodeCount": c.min_instances,
                "unusableNodeCount": 0,
                "leavingNodeCount": 0,
                "preemptedNodeCount": 0,
            },
            "enableNodePublicIp": True,
        }
        provisioning_state = c.state
    else:
        inner = {
            "vmSize": c.vm_size,
            "subnet": None,
            "applicationSharingPolicy": "Personal",
            "sshSettings": {"sshPublicAccess": "Disabled", "adminUserName": "azureuser", "sshPort": 4001},
            "computeInstanceAuthorizationType": "personal",
            "personalComputeInstanceSettings": {"assignedUser": {"objectId": USER_OBJECT_ID, "tenantId": TENANT_ID}},
            "createdBy": {"userName": USER_DISPLAY_NAME, "userOrgId": TENANT_ID, "userId": USER_OBJECT_ID},
            "connectivityEndpoints": {"publicIpAddress": None, "privateIpAddress": "10.0.0.4"},
            "osImageMetadata": {"currentImageVersion": "24.09.30", "latestImageVersion": "24.09.30", "isLatestOsImageVersion": True},
            "applications": [],
            "errors": None,
            "state": c.state,
        }
        provisioning_state = c.provisioning_state
    return {
        "id": asset_id(ws, "computes", c.name),
        "name": c.name,
        "type": f"{PROVIDER}/workspaces/computes",
        "location": ws.location,
        "tags": {},
        "properties": {
            "computeType": c.kind,
            "computeLocation": ws.location,
            "description": None,
            "createdOn": iso(c.created),
            "modifiedOn": iso(c.created),
            "provisioningState": provisioning_state,
            "provisioningErrors": None,
            "isAttachedCompute": False,
            "disableLocalAuth": True,
            "properties": inner,
        },
        "systemData": system_data(c.created),
    }


# -- data, environments, models -------------------------------------------------------------


def data_version(ws: WorkspaceState, d: DataRecord) -> dict[str, Any]:
    return {
        "id": asset_id(ws, "data", d.name, d.version),
        "name": d.version,
        "type": f"{PROVIDER}/workspaces/data/versions",
        "properties": {
            "dataType": d.type,
            "dataUri": d.path,
            "description": d.description,
            "tags": d.tags,
            "properties": {},
            "isAnonymous": False,
            "isArchived": False,
        },
        "systemData": system_data(d.created),
    }


def environment_version(ws: WorkspaceState, e: EnvironmentRecord) -> dict[str, Any]:
    return {
        "id": asset_id(ws, "environments", e.name, e.version),
        "name": e.version,
        "type": f"{PROVIDER}/workspaces/environments/versions",
        "properties": {
            "environmentType": "UserCreated",
            "image": e.image,
            # Azure keeps the conda specification as the YAML text that was uploaded.
            "condaFile": yaml.safe_dump(e.conda_file, sort_keys=False) if e.conda_file is not None else None,
            "osType": "Linux",
            "autoRebuild": "Disabled",
            "build": None,
            "inferenceConfig": None,
            "description": e.description,
            "tags": e.tags,
            "properties": {},
            "isAnonymous": False,
            "isArchived": False,
        },
        "systemData": system_data(e.created),
    }


# The service's spelling of a model's type (examples/Workspace/ModelVersion/get.json: "CustomModel"),
# not the CLI's (custom_model).
MODEL_TYPES = {"custom_model": "CustomModel", "mlflow_model": "MLFlowModel", "triton_model": "TritonModel"}


def model_version(ws: WorkspaceState, m: ModelRecord) -> dict[str, Any]:
    """A model version as examples/Workspace/ModelVersion/get.json (2025-12-01) has it.

    No `jobName`: the example has none; the lineage is the `azureml://jobs/<job>/outputs/...` modelUri.
    """
    return {
        "id": asset_id(ws, "models", m.name, m.version),
        "name": m.version,
        "type": f"{PROVIDER}/workspaces/models/versions",
        "properties": {
            "modelType": MODEL_TYPES.get(m.type, m.type),
            "modelUri": m.path,
            "flavors": {},
            "stage": "Development",
            "description": m.description,
            "tags": m.tags,
            "properties": {},
            "isAnonymous": False,
            "isArchived": False,
        },
        "systemData": system_data(m.created),
    }


def container(ws: WorkspaceState, kind: str, name: str, versions: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """The container of a versioned asset (data/NAME, environments/NAME, models/NAME)."""
    newest = max(versions.values(), key=lambda v: v.created)
    numeric = [int(v) for v in versions if v.isdigit()]
    return {
        "id": asset_id(ws, kind, name),
        "name": name,
        "type": f"{PROVIDER}/workspaces/{kind}",
        "properties": {
            "latestVersion": newest.version,
            "nextVersion": str(max(numeric) + 1) if numeric else None,
            "description": None,
            "tags": {},
            "properties": {},
            "isArchived": False,
            **extra,
        },
        "systemData": system_data(min(v.created for v in versions.values())),
    }


# -- jobs -----------------------------------------------------------------------------------


def _job_input(value: Any) -> dict[str, Any]:
    if isinstance(value, tuple):
        kind, path = value
        return {"jobInputType": kind, "mode": "ReadOnlyMount", "uri": path, "description": None}
    return {"jobInputType": "literal", "value": str(value), "description": None}


def _job_output(value: tuple[str, str | None]) -> dict[str, Any]:
    kind, path = value
    return {"jobOutputType": kind, "mode": "ReadWriteMount", "uri": path, "description": None}


def _service_properties(ws: WorkspaceState, j: JobRecord) -> dict[str, str]:
    """The properties Azure ML sets on a job, then the user's (the user's win, as they are set later)."""
    props = {
        "_azureml.ComputeTargetType": "amlctrain",
        "ContentSnapshotId": str(uuid.uuid5(uuid.NAMESPACE_OID, j.name)),
        "mlflow.source.type": "JOB",
    }
    if j.job_type == "Pipeline":
        props = {"azureml.runsource": "azureml.PipelineRun", "runSource": "MFE", "runType": "HTTP",
                 "azureml.parameters": "{}", "azureml.continue_on_step_failure": "False",
                 "azureml.pipelineComponent": "pipelinerun"}
    elif j.parent:
        props.update({"azureml.nodeid": str(uuid.uuid5(uuid.NAMESPACE_OID, j.name))[:8], "azureml.pipeline": j.parent,
                      "azureml.pipelinerunid": j.parent, "azureml.pipelineComponent": "masterescloud",
                      "StepType": "PythonScriptStep"})
    return {**props, **j.properties}


def _component_id(ws: WorkspaceState, reference: str) -> str:
    name, _, version = reference.partition(":")
    return asset_id(ws, "components", name, version)


def job(ws: WorkspaceState, j: JobRecord, *, host: str) -> dict[str, Any]:
    if j.job_type == "Pipeline":
        return pipeline_job(ws, j, host=host)
    if j.parent:
        return step_job(ws, j)
    outputs = {name: _job_output(value) for name, value in j.outputs.items()}
    # Every Azure ML job has this output: the run's artifact folder.
    outputs.setdefault(
        "default",
        {
            "jobOutputType": "uri_folder",
            "mode": "ReadWriteMount",
            "uri": f"azureml://datastores/workspaceartifactstore/ExperimentRun/dcid.{j.name}",
            "description": None,
        },
    )
    return {
        "id": asset_id(ws, "jobs", j.name),
        "name": j.name,
        "type": f"{PROVIDER}/workspaces/jobs",
        "properties": {
            "jobType": "Command",
            "displayName": j.display_name or j.name,
            "description": j.description,
            "tags": j.tags,
            "properties": _service_properties(ws, j),
            "status": j.status,
            "experimentName": j.experiment,
            "isArchived": False,
            "computeId": asset_id(ws, "computes", j.compute) if j.compute else None,
            "command": j.command,
            "environmentId": j.environment,
            "codeId": j.code or asset_id(ws, "codes", str(uuid.uuid5(uuid.NAMESPACE_URL, j.name)), "1"),
            "inputs": {name: _job_input(value) for name, value in j.inputs.items()},
            "outputs": outputs,
            "environmentVariables": {},
            "resources": {"instanceCount": 1, "shmSize": "2g", "properties": {}},
            "limits": None,
            "distribution": None,
            "identity": None,
            "parameters": {},
            "componentId": _component_id(ws, j.component) if j.component else None,
            "services": _services(ws, j, host),
        },
        "systemData": system_data(j.created),
    }


def step_job(ws: WorkspaceState, j: JobRecord) -> dict[str, Any]:
    """A pipeline step's job as `GET .../jobs/<step job>` answers it: the envelope with `properties: null`.

    The envelope as in examples/Job/CommandJob/get.json (2025-12-01); the null properties are how the
    service answers a child job: azure-ai-ml's JobOperations.get (operations/_job_operations.py) reads
    "Child jobs are no longer available through MFE" and, on `properties is None`
    (entities/_job/job.py, _is_pipeline_child_job), reads the job from run history instead (`run`).
    """
    return {
        "id": asset_id(ws, "jobs", j.name),
        "name": j.name,
        "type": f"{PROVIDER}/workspaces/jobs",
        "properties": None,
        "systemData": system_data(j.created),
    }


def _services(ws: WorkspaceState, j: JobRecord, host: str) -> dict[str, Any]:
    return {
        "Tracking": {
            "jobServiceType": "Tracking",
            "endpoint": mlflow_tracking_uri(ws, host),
            "status": None,
            "errorMessage": None,
            "properties": None,
        },
        "Studio": {
            "jobServiceType": "Studio",
            "endpoint": f"https://ml.azure.com/runs/{j.name}?wsid={workspace_id(ws)}",
            "status": None,
            "errorMessage": None,
            "properties": None,
        },
    }


# -- pipeline jobs --------------------------------------------------------------------------
# A pipeline job's nodes (`jobs`) keep the dict shape the SDK submitted them in: snake_case
# keys inside a node (job_input_type, display_name), bindings as literal inputs whose value
# is the ${{...}} expression, and the component as the ARM id it was registered under.


def _node_input(ws: WorkspaceState, value: Any) -> dict[str, Any]:
    if isinstance(value, tuple):
        kind, path = value
        return {"job_input_type": kind, "uri": resolve_reference(ws, "data", path), "mode": "ReadOnlyMount"}
    return {"job_input_type": "literal", "value": str(value)}


def _node(ws: WorkspaceState, step: StepRecord) -> dict[str, Any]:
    node: dict[str, Any] = {
        "name": step.name,
        "type": "command",
        "_source": "YAML.COMPONENT" if step.component.startswith(ANONYMOUS_COMPONENT + ":") else "REMOTE.WORKSPACE.COMPONENT",
        "componentId": _component_id(ws, step.component),
        "computeId": asset_id(ws, "computes", step.compute) if step.compute else None,
        "inputs": {name: _node_input(ws, value) for name, value in step.inputs.items()},
        "outputs": {name: {"job_output_type": kind, **({"uri": path} if path else {})}
                    for name, (kind, path) in step.outputs.items()},
    }
    if step.display_name:
        node["display_name"] = step.display_name
    return node


def pipeline_job(ws: WorkspaceState, j: JobRecord, *, host: str) -> dict[str, Any]:
    settings = {"_source": "YAML.JOB", **j.settings}
    if j.compute:
        settings.setdefault("default_compute", asset_id(ws, "computes", j.compute))
    return {
        "id": asset_id(ws, "jobs", j.name),
        "name": j.name,
        "type": f"{PROVIDER}/workspaces/jobs",
        "properties": {
            "jobType": "Pipeline",
            "displayName": j.display_name or j.name,
            "description": j.description,
            "tags": j.tags,
            "properties": _service_properties(ws, j),
            "status": j.status,
            "experimentName": j.experiment,
            "isArchived": False,
            "computeId": None,
            "componentId": None,
            "identity": None,
            "notificationSetting": None,
            "sourceJobId": None,
            "inputs": {name: _job_input(value) for name, value in j.inputs.items()},
            "outputs": {name: _job_output(value) for name, value in j.outputs.items()},
            "jobs": {step.name: _node(ws, step) for step in j.steps},
            "settings": settings,
            "services": _services(ws, j, host),
        },
        "systemData": system_data(j.created),
    }


def _user() -> dict[str, Any]:
    return {"userObjectId": USER_OBJECT_ID, "userPuId": "100320000F0AB1C2", "userIdp": None, "userAltSecId": None,
            "userIss": f"https://sts.windows.net/{TENANT_ID}/", "userTenantId": TENANT_ID,
            "userName": USER_DISPLAY_NAME, "upn": USER_PRINCIPAL_NAME}


_FINISHED = {"Completed", "Failed", "Canceled", "NotResponding"}


def run(ws: WorkspaceState, j: JobRecord, number: int) -> dict[str, Any]:
    """A job as the run-history service (/history/v1.0/...) answers it: the shape pipeline children come in."""
    ended = iso(j.created + dt.timedelta(minutes=1)) if j.status in _FINISHED else None
    compute = ws.computes.get(j.compute) if j.compute else None
    return {
        "runNumber": number,
        "rootRunId": j.parent or j.name,
        "createdUtc": iso(j.created),
        "createdBy": _user(),
        "userId": USER_OBJECT_ID,
        "token": None,
        "tokenExpiryTimeUtc": None,
        "error": None,
        "warnings": None,
        "revision": 7,
        "statusRevision": 3,
        "runUuid": str(uuid.uuid5(uuid.NAMESPACE_OID, "run:" + j.name)),
        "parentRunUuid": str(uuid.uuid5(uuid.NAMESPACE_OID, "run:" + j.parent)) if j.parent else None,
        "rootRunUuid": str(uuid.uuid5(uuid.NAMESPACE_OID, "run:" + (j.parent or j.name))),
        "lastStartTimeUtc": None,
        "currentComputeTime": None,
        "computeDuration": "00:01:00" if ended else None,
        "effectiveStartTimeUtc": None,
        "lastModifiedBy": _user(),
        "lastModifiedUtc": ended or iso(j.created),
        "duration": "00:01:00" if ended else None,
        "cancelationReason": None,
        "runId": j.name,
        "parentRunId": j.parent,
        "experimentId": ws.experiment_id(j.experiment),
        "status": j.status,
        "startTimeUtc": iso(j.created),
        "endTimeUtc": ended,
        "options": {"generateDataContainerIdIfNotSpecified": True},
        "isVirtual": False,
        "displayName": j.display_name or j.name,
        "name": None,
        "dataContainerId": f"dcid.{j.name}",
        "description": j.description,
        "hidden": False,
        "runType": "azureml.StepRun" if j.parent else "azureml.PipelineRun" if j.job_type == "Pipeline" else "azureml.scriptrun",
        "runTypeV2": {"orchestrator": "Execution", "traits": ["azureml.StepRun"] if j.parent else [],
                      "attribution": "Aether" if j.parent else None, "computeType": "AmlcCompute"},
        "properties": _service_properties(ws, j),
        "parameters": {},
        "actionUris": {},
        "scriptName": None,
        "target": j.compute,
        "uniqueChildRunComputeTargets": [],
        "tags": j.tags,
        "settings": {},
        "services": {},
        "inputDatasets": [],
        "outputDatasets": [],
        "runDefinition": None,
        "jobSpecification": None,
        "primaryMetricName": None,
        "createdFrom": None,
        "cancelUri": None,
        "completeUri": None,
        "diagnosticsUri": None,
        "computeRequest": None,
        "compute": {"target": j.compute, "targetType": "AmlCompute",
                    "vmSize": compute.vm_size if compute else None, "instanceCount": 1, "gpuCount": 0,
                    "priority": None, "region": ws.location} if j.compute else None,
        "retainForLifetimeOfWorkspace": False,
        "queueingInfo": None,
        "activeChildRunId": None,
        "inputs": None,
        "outputs": None,
    }


# -- components -----------------------------------------------------------------------------


def component_version(ws: WorkspaceState, c: ComponentRecord) -> dict[str, Any]:
    spec = {
        "$schema": "https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json",
        "name": c.spec_name or c.name,
        "version": c.version,
        "display_name": c.display_name,
        "is_deterministic": True,
        "type": "command",
        "inputs": {name: {"type": kind, "optional": False} for name, kind in c.inputs.items()},
        "outputs": {name: {"type": kind} for name, kind in c.outputs.items()},
        # A component stores its references as azureml:<ARM id>, as the SDK registered them.
        "code": "azureml:" + asset_id(ws, "codes", str(uuid.uuid5(uuid.NAMESPACE_URL, c.name + c.version)), "1"),
        "environment": "azureml:" + str(resolve_reference(ws, "environments", c.environment)).removeprefix("azureml:"),
        "command": c.command,
        "_source": "YAML.COMPONENT",
    }
    return {
        "id": asset_id(ws, "components", c.name, c.version),
        "name": c.version,
        "type": f"{PROVIDER}/workspaces/components/versions",
        "properties": {
            "componentSpec": {k: v for k, v in spec.items() if v is not None},
            "description": None,
            "tags": {},
            "properties": {},
            "isAnonymous": c.name == ANONYMOUS_COMPONENT,
            "isArchived": False,
            "provisioningState": "Succeeded",
        },
        "systemData": system_data(c.created),
    }


# -- schedules ------------------------------------------------------------------------------


def schedule(ws: WorkspaceState, sc: ScheduleRecord) -> dict[str, Any]:
    return {
        "id": asset_id(ws, "schedules", sc.name),
        "name": sc.name,
        "type": f"{PROVIDER}/workspaces/schedules",
        "properties": {
            "displayName": sc.display_name,
            "description": sc.description,
            "tags": sc.tags,
            "properties": {},
            "isEnabled": sc.enabled,
            "trigger": sc.trigger,
            "action": sc.action,
            "provisioningState": "Succeeded",
        },
        "systemData": system_data(sc.created),
    }


# -- online endpoints -----------------------------------------------------------------------

_AUTH_MODES = {"key": "Key", "aml_token": "AMLToken", "aad_token": "AADToken"}


def online_endpoint(ws: WorkspaceState, e: EndpointRecord, *, base_url: str) -> dict[str, Any]:
    scoring_uri = f"{base_url}/score/{e.name}"
    return {
        "id": asset_id(ws, "onlineEndpoints", e.name),
        "name": e.name,
        "type": f"{PROVIDER}/workspaces/onlineEndpoints",
        "location": ws.location,
        "kind": "Managed",
        "tags": {},
        "identity": {"type": "SystemAssigned", "principalId": str(uuid.uuid5(uuid.NAMESPACE_URL, e.name)), "tenantId": TENANT_ID},
        "properties": {
            "description": e.description,
            "properties": {"azureml.onlineendpointid": asset_id(ws, "onlineEndpoints", e.name)},
            "authMode": _AUTH_MODES.get(e.auth_mode.lower(), e.auth_mode),
            "scoringUri": scoring_uri,
            "swaggerUri": f"{base_url}/score/{e.name}/swagger.json",
            "provisioningState": e.state,
            "traffic": e.traffic,
            "mirrorTraffic": {},
            "publicNetworkAccess": "Enabled",
        },
        "systemData": system_data(e.created),
    }


def online_deployment(ws: WorkspaceState, d: DeploymentRecord) -> dict[str, Any]:
    return {
        "id": f"{asset_id(ws, 'onlineEndpoints', d.endpoint)}/deployments/{d.name}",
        "name": d.name,
        "type": f"{PROVIDER}/workspaces/onlineEndpoints/deployments",
        "location": ws.location,
        "kind": "Managed",
        "tags": {},
        "sku": {"name": "Default", "tier": "Standard", "capacity": d.instance_count},
        "properties": {
            "endpointComputeType": "Managed",
            # Azure stores references as ARM ids (the SDK sends them so): azureml:name:version becomes one.
            "model": resolve_reference(ws, "models", d.model),
            "environmentId": resolve_reference(ws, "environments", d.environment),
            "codeConfiguration": {
                "codeId": asset_id(ws, "codes", str(uuid.uuid5(uuid.NAMESPACE_URL, d.endpoint + d.name)), "1"),
                "scoringScript": "score.py",
            },
            "instanceType": d.instance_type,
            "provisioningState": d.state,
            "scaleSettings": {"scaleType": "Default"},
            "requestSettings": {"requestTimeout": "PT5S", "maxConcurrentRequestsPerInstance": 1, "maxQueueWait": "PT0.5S"},
            "livenessProbe": {"initialDelay": "PT10M", "period": "PT10S", "timeout": "PT2S", "successThreshold": 1, "failureThreshold": 30},
            "readinessProbe": {"initialDelay": "PT10S", "period": "PT10S", "timeout": "PT2S", "successThreshold": 1, "failureThreshold": 30},
            "appInsightsEnabled": False,
            "egressPublicNetworkAccess": "Enabled",
            "environmentVariables": {},
            "properties": {},
            "description": None,
        },
        "systemData": system_data(d.created),
    }


def endpoint_keys(e: EndpointRecord) -> dict[str, Any]:
    return {"primaryKey": e.keys[0], "secondaryKey": e.keys[1]}
