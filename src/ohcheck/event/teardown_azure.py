"""What still costs money in one team's Azure ML workspace, and deleting it: the real azure-ai-ml SDK.

`ohcheck event teardown` (event_teardown.py) decides and renders; this module
only talks to Azure. It lists online endpoints with their deployments,
compute clusters and instances, and enabled schedules, and deletes (or, for a
schedule, disables) one resource at a time. Every way Azure says no becomes
one sentence (TeardownError); a missing workspace is NoWorkspace, which is not
an error: there is nothing to tear down.
"""

from __future__ import annotations

import contextlib
import io
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ohcheck.event.model import Workspace
from ohcheck.i18n import Msg, msg
from ohcheck.azure import identity
from ohcheck.azure.addresses import arm_base_url
from ohcheck.azure.sdk_print import schedule_prints_to_log
from ohcheck.azure.sdk_values import as_word

T = TypeVar("T")
LIST_ROLE = msg("Reader")
# AzureML Data Scientist may not delete computes; Contributor on the resource group may delete everything here.
DELETE_ROLE = msg("Contributor")
TIMEOUT = 60.0
READ_WORKSPACE = msg("read the workspace")


class TeardownError(Exception):
    """One sentence saying why a listing or a deletion could not be done (a message: args[0])."""


class NoWorkspace(TeardownError):
    """The workspace (or its resource group or subscription) does not exist: nothing to tear down."""


@dataclass(frozen=True)
class Resource:
    """Something in a workspace that costs money. `kind`: endpoint, deployment, cluster, instance, schedule."""

    kind: str
    name: str
    state: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def deletable(self) -> bool:
        """A deployment goes with its endpoint: it is listed (it is what bills) but not deleted on its own."""
        return self.kind != "deployment"


def client(ws: Workspace) -> Any:
    """An MLClient on the workspace, with the credential fetched at call time (tests hand out the fake's)."""
    from azure.ai.ml import MLClient  # imported lazily: slow to import

    # Bounded retries and timeouts, as the azure target's client: a throttled or silent
    # workspace ends as an error in seconds, not minutes.
    return MLClient(
        identity.default_credential(), ws.subscription_id, ws.resource_group, ws.name,
        retry_total=3, retry_connect=1, retry_read=1, retry_backoff_factor=0.5, retry_backoff_max=8,
        connection_timeout=15, read_timeout=TIMEOUT, show_progress=False, enable_telemetry=False,
    )


def list_resources(ml: Any, ws: Workspace) -> list[Resource]:
    """Endpoints (each followed by its deployments), computes, then enabled schedules."""
    call = _Caller(ws, LIST_ROLE)
    call(READ_WORKSPACE, lambda: ml.workspaces.get(ws.name))
    found: list[Resource] = []
    for ep in sorted(call(msg("list the online endpoints"), lambda: list(ml.online_endpoints.list())), key=_name):
        deployments = call(msg("list the deployments of endpoint {name}", name=ep.name),
                           lambda ep=ep: list(ml.online_deployments.list(ep.name)))
        found.append(Resource("endpoint", ep.name, _text(ep.provisioning_state), {
            "traffic": {str(k): int(v) for k, v in (ep.traffic or {}).items()},
            "deployments": [d.name for d in deployments],
        }))
        for d in sorted(deployments, key=_name):
            found.append(Resource("deployment", f"{ep.name}/{d.name}", _text(d.provisioning_state), {
                "endpoint": ep.name,
                "instance_type": str(getattr(d, "instance_type", "") or ""),
                "instance_count": getattr(d, "instance_count", None),
            }))
    computes = call(msg("list the computes"), lambda: list(ml.compute.list()))
    for c in sorted(computes, key=lambda c: (_text(c.type).lower() != "amlcompute", _name(c))):  # clusters first
        kind = _text(c.type).lower()
        if kind == "amlcompute":
            found.append(Resource("cluster", c.name, _text(c.provisioning_state), {
                "vm_size": _text(c.size), "min_nodes": c.min_instances, "max_nodes": c.max_instances,
                "current_nodes": _node_count(call, ml, c.name),
            }))
        elif kind == "computeinstance":
            found.append(Resource("instance", c.name, _text(getattr(c, "state", None) or c.provisioning_state),
                                  {"vm_size": _text(c.size)}))
    # The SDK prints (to stdout, the --json document's) each schedule it cannot parse: to the log instead.
    schedule_prints_to_log()
    # schedules.list() lists enabled schedules only (its default view): a disabled one submits no job.
    for sc in sorted(call(msg("list the schedules"), lambda: list(ml.schedules.list())), key=_name):
        if getattr(sc, "is_enabled", True):
            trigger = getattr(sc, "trigger", None)
            found.append(Resource("schedule", sc.name, "Enabled", {
                "trigger": _text(getattr(trigger, "type", None)).lower(),
                "cron": str(getattr(trigger, "expression", "") or ""),
            }))
    return found


def _node_count(call: _Caller, ml: Any, cluster: str) -> int | None:
    """How many nodes a cluster runs now; None when Azure will not say.

    listNodes is an action (POST), which the Reader role does not grant: a facilitator who may
    list everything else still gets the cluster listed (and deleted), its node count unknown.
    """
    try:
        return len(call(msg("list the nodes of cluster {name}", name=cluster), lambda: list(ml.compute.list_nodes(cluster))))
    except TeardownError:
        return None


def delete(ml: Any, ws: Workspace, resource: Resource) -> str:
    """Delete one resource and wait for Azure to finish; what was done ("deleted", "disabled")."""
    call = _Caller(ws, DELETE_ROLE)
    with _quiet_stdout():  # azure-ai-ml's pollers print a dot per poll to stdout (the --json document's)
        if resource.kind == "endpoint":  # its deployments are deleted with it
            call(msg("delete endpoint {name}", name=resource.name),
                 lambda: ml.online_endpoints.begin_delete(name=resource.name).result())
        elif resource.kind in ("cluster", "instance"):
            call(msg("delete compute {name}", name=resource.name), lambda: ml.compute.begin_delete(resource.name).result())
        elif resource.kind == "schedule":
            # Disabled, not deleted: what costs is the jobs it submits, and a disabled schedule submits
            # none. Azure ML deletes only a disabled schedule anyway, and keeping it leaves the team's
            # work (its trigger and pipeline) for the coaches to read; `az ml schedule delete` removes it.
            call(msg("disable schedule {name}", name=resource.name), lambda: ml.schedules.begin_disable(resource.name).result())
            return "disabled"
        else:
            raise TeardownError(msg("a {kind} is deleted with its endpoint", kind=resource.kind))
    return "deleted"


def az_command(ws: Workspace, resource: Resource) -> str | None:
    """The az CLI command that does what `delete` does; None for a deployment (its endpoint's goes)."""
    # Quoted for a POSIX shell: a resource group may hold '(' and ')', and the event file names it.
    q = shlex.quote
    name = q(resource.name)
    where = (f"--resource-group {q(ws.resource_group)} --workspace-name {q(ws.name)} "
             f"--subscription {q(ws.subscription_id)}")
    if resource.kind == "endpoint":
        return f"az ml online-endpoint delete --name {name} {where} --yes"
    if resource.kind in ("cluster", "instance"):
        return f"az ml compute delete --name {name} {where} --yes"
    if resource.kind == "schedule":
        return f"az ml schedule disable --name {name} {where}"
    return None


# -- errors ---------------------------------------------------------------------------------------
class _Caller:
    """Runs one SDK call; turns how it failed into one sentence (as the azure target does for reads)."""

    def __init__(self, ws: Workspace, role: str) -> None:
        self.ws, self.role = ws, role

    def __call__(self, what: Msg, operation: Callable[[], T]) -> T:
        try:
            return operation()
        except Exception as exc:  # noqa: BLE001 - every failure becomes a sentence
            raise self.translate(exc, what) from None

    def translate(self, exc: Exception, what: Msg) -> TeardownError:
        from ohcheck.azure.failures import classify, sentence

        ws = self.ws
        failure = classify(exc)
        code = failure.code
        if failure.kind == "no-credential":
            return TeardownError(identity.NO_CREDENTIAL)
        if failure.kind == "unauthorized":
            return TeardownError(msg("Azure refused the credential's token (401{code}) when asked to {what}: "
                                     "sign in again with `az login`", code=code, what=what))
        if failure.kind == "forbidden":
            return TeardownError(msg("the credential may not {what} (403{code}): give it the {role} role on "
                                     "resource group {group}", what=what, code=code, role=self.role,
                                     group=ws.resource_group))
        if failure.kind == "not-found" and what == READ_WORKSPACE:
            return NoWorkspace(msg("no workspace {workspace} in resource group {group}", workspace=ws.name,
                                   group=ws.resource_group))
        return TeardownError(sentence(failure, msg("when asked to {what}", what=what),
                                      arm_url=arm_base_url(), timeout=TIMEOUT))


# -- small helpers --------------------------------------------------------------------------------
def _text(value: Any) -> str:
    return as_word(value)  # SDK enums as their plain words ('Succeeded')


def _name(entity: Any) -> str:
    return str(getattr(entity, "name", "") or "")


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    with contextlib.redirect_stdout(io.StringIO()):
        yield
