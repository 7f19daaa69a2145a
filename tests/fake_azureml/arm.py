"""The Azure Resource Manager routes azure-ai-ml calls, as one Flask app per fake.

Also the two run-history routes (`/history/v1.0/<workspace id>/runs/...`) the
SDK reads a pipeline's child jobs from: same host, another API.

Reads (GET) are served, plus the POSTs a reader needs:
`onlineEndpoints/{name}/listKeys` (and `/token`), `computes/{name}/listNodes`; and the few writes
`ohcheck event teardown` makes: DELETE of an online endpoint (its deployments
go with it), a deployment, a compute or a schedule, and PUT of an existing
schedule (how the SDK disables one). A DELETE completes at once: 200 with no
body and no Location / Azure-AsyncOperation header, which ARM may answer and
azure-core's pollers take as done without polling. Any other method or path
answers an ARM error body, so a checker that tried to write would fail loudly
(and `fake.requests` would show it). Every `api-version` is accepted: the SDK
mixes several.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask import Flask, Response, jsonify, request

from . import bodies, errors, subscription_routes
from .state import WorkspaceState

if TYPE_CHECKING:
    from .server import FakeAzureML

WS = "/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.MachineLearningServices/workspaces/<ws>"
HISTORY = "/history/v1.0" + WS
LOCATION = "/subscriptions/<sub>/providers/Microsoft.MachineLearningServices/locations/<location>"


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    response = jsonify(body)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def rbac_action(method: str, path: str) -> tuple[str, str]:
    """(action, scope) Azure would name in an AuthorizationFailed message for this request."""
    if path.startswith("/mlflow/"):
        scope = re.sub(r"^/mlflow/v[12]\.0", "", path).split("/api/", 1)[0]
        return "Microsoft.MachineLearningServices/workspaces/experiments/runs/read", scope
    if path.startswith("/history/"):
        scope = re.sub(r"^/history/v1\.0", "", path).split("/runs/", 1)[0]
        return "Microsoft.MachineLearningServices/workspaces/experiments/runs/read", scope
    segments = [s for s in path.split("/") if s]
    try:
        start = segments.index("Microsoft.MachineLearningServices") + 1
    except ValueError:
        return "Microsoft.Resources/subscriptions/resourceGroups/read", path
    rest = segments[start:]
    verb = {"DELETE": "delete", "PUT": "write"}.get(method, "read")
    if method == "POST" and len(rest) % 2 == 1:  # .../onlineEndpoints/NAME/listKeys
        verb = f"{rest[-1]}/action"
        rest = rest[:-1]
        path = path.rsplit("/", 1)[0]
    types = rest[0::2]
    return f"Microsoft.MachineLearningServices/{'/'.join(types)}/{verb}", path


def _page(items: list[Any], next_link: str | None = None) -> dict[str, Any]:
    return {"value": items, "nextLink": next_link}


def _order_versions(versions: list[Any]) -> list[Any]:
    """Honour `$orderBy=createdtime asc|desc` and `$top` (the SDK's "latest" asks for desc, top 1)."""
    order = request.args.get("$orderBy", "createdtime desc").lower()
    ordered = sorted(versions, key=lambda v: v.created, reverse=not order.endswith("asc"))
    top = request.args.get("$top")
    if top and top.isdigit():
        ordered = ordered[: int(top)]
    if request.args.get("listViewType", "ActiveOnly") == "ArchivedOnly":
        ordered = []  # nothing in the fake is archived
    return ordered


def _run_number(ws: WorkspaceState, job: Any) -> int:
    """Run history numbers runs in the order they were created."""
    return 1 + sum(1 for j in ws.jobs.values() if j.created < job.created)


def build_arm_app(fake: FakeAzureML) -> Flask:
    app = Flask("fake_azureml.arm")

    def workspace_or_error(sub: str, rg: str, ws_name: str) -> tuple[WorkspaceState, Response | None]:
        spaces = fake.workspaces
        in_sub = [w for w in spaces if w.subscription_id.lower() == sub.lower()]
        if not in_sub:
            return spaces[0], json_response(404, errors.subscription_not_found(sub))
        in_rg = [w for w in in_sub if w.resource_group.lower() == rg.lower()]
        if not in_rg:
            return spaces[0], json_response(404, errors.resource_group_not_found(rg))
        for ws in in_rg:
            if ws.name.lower() == ws_name.lower() and ws.exists:
                return ws, None
        return in_rg[0], json_response(404, errors.workspace_not_found(ws_name, rg))

    def in_workspace(rule: str, methods: tuple[str, ...] = ("GET",), prefix: str = WS) -> Callable:
        """Register a route under the workspace; the view gets the WorkspaceState first."""

        def register(view: Callable[..., Response]) -> Callable[..., Response]:
            def checked(sub: str, rg: str, ws: str, **kwargs: str) -> Response:
                state, problem = workspace_or_error(sub, rg, ws)
                return problem or view(state, **kwargs)

            app.add_url_rule(prefix + rule, view.__name__, checked, methods=list(methods))
            return view

        return register

    def not_found(kind: str, name: str, ws: WorkspaceState) -> Response:
        return json_response(404, errors.child_not_found(kind, name, ws.name))

    def deleted(record: object) -> Response:
        """ARM's answer to a DELETE that completed at once: 200, or 204 when there was nothing to delete."""
        return Response(status=200 if record is not None else 204)

    # -- workspace and computes ---------------------------------------------------------------

    @in_workspace("")
    def get_workspace(ws: WorkspaceState) -> Response:
        return json_response(200, bodies.workspace(ws, host=fake.host))

    @in_workspace("/computes")
    def list_computes(ws: WorkspaceState) -> Response:
        return json_response(200, _page([bodies.compute(ws, c) for c in ws.computes.values()]))

    @in_workspace("/computes/<name>")
    def get_compute(ws: WorkspaceState, name: str) -> Response:
        record = ws.computes.get(name)
        return json_response(200, bodies.compute(ws, record)) if record else not_found("Compute", name, ws)

    @in_workspace("/computes/<name>/listNodes", methods=("POST",))
    def list_nodes(ws: WorkspaceState, name: str) -> Response:
        # A cluster's nodes up now: as many as bodies.compute's currentNodeCount (its min_instances).
        record = ws.computes.get(name)
        if record is None:
            return not_found("Compute", name, ws)
        count = record.min_instances if record.kind == "AmlCompute" else 0
        nodes = [{"nodeId": f"tvmps_{name}_{i}_d", "privateIpAddress": f"10.0.1.{4 + i}", "publicIpAddress": None,
                  "port": 50000 + i, "nodeState": "idle", "runId": None} for i in range(count)]
        return json_response(200, {"nodes": nodes, "nextLink": None})

    @in_workspace("/computes/<name>", methods=("DELETE",))
    def delete_compute(ws: WorkspaceState, name: str) -> Response:
        return deleted(ws.computes.pop(name, None))

    # -- versioned assets ---------------------------------------------------------------------

    def versioned(kind: str, label: str, table: Callable[[WorkspaceState], dict[str, dict[str, Any]]],
                  render: Callable[[WorkspaceState, Any], dict[str, Any]],
                  container_extra: Callable[[Any], dict[str, Any]]) -> None:
        def list_containers(ws: WorkspaceState) -> Response:
            items = [bodies.container(ws, kind, n, v, container_extra(v)) for n, v in table(ws).items() if v]
            return json_response(200, _page(items))

        def get_container(ws: WorkspaceState, name: str) -> Response:
            versions = table(ws).get(name)
            if not versions:
                return not_found(label, name, ws)
            return json_response(200, bodies.container(ws, kind, name, versions, container_extra(versions)))

        def list_versions(ws: WorkspaceState, name: str) -> Response:
            versions = table(ws).get(name, {})
            return json_response(200, _page([render(ws, v) for v in _order_versions(list(versions.values()))]))

        def get_version(ws: WorkspaceState, name: str, version: str) -> Response:
            record = table(ws).get(name, {}).get(version)
            return json_response(200, render(ws, record)) if record else not_found(label, f"{name}:{version}", ws)

        for rule, view in (
            (f"/{kind}", list_containers),
            (f"/{kind}/<name>", get_container),
            (f"/{kind}/<name>/versions", list_versions),
            (f"/{kind}/<name>/versions/<version>", get_version),
        ):
            view.__name__ = f"{view.__name__}_{kind}"
            in_workspace(rule)(view)

    versioned("data", "Data asset", lambda ws: ws.data, bodies.data_version,
              lambda versions: {"dataType": max(versions.values(), key=lambda v: v.created).type})
    versioned("environments", "Environment", lambda ws: ws.environments, bodies.environment_version, lambda _: {})
    versioned("models", "Model", lambda ws: ws.models, bodies.model_version, lambda _: {})
    versioned("components", "Component", lambda ws: ws.components, bodies.component_version, lambda _: {})

    # -- jobs -----------------------------------------------------------------------------------

    @in_workspace("/jobs")
    def list_jobs(ws: WorkspaceState) -> Response:
        # Newest first, as Azure lists them; paged by fake.page_size with a $skipToken nextLink.
        # A pipeline's step jobs are not listed (as in the studio's job list): they are its children.
        jobs = sorted((j for j in ws.jobs.values() if not j.parent), key=lambda j: j.created, reverse=True)
        if request.args.get("listViewType", "ActiveOnly") == "ArchivedOnly":
            jobs = []
        token = request.args.get("$skipToken", "0")
        start = int(token) if token.isdigit() else 0
        end = start + fake.page_size
        next_link = None
        if end < len(jobs):
            query = {k: v for k, v in request.args.items() if k != "$skipToken"}
            query["$skipToken"] = str(end)
            next_link = f"{fake.url}{request.path}?{urlencode(query, safe='$')}"
        items = [bodies.job(ws, j, host=fake.host) for j in jobs[start:end]]
        return json_response(200, _page(items, next_link))

    @in_workspace("/jobs/<name>")
    def get_job(ws: WorkspaceState, name: str) -> Response:
        record = ws.jobs.get(name)
        return json_response(200, bodies.job(ws, record, host=fake.host)) if record else not_found("Job", name, ws)

    # -- run history: a pipeline's child jobs ---------------------------------------------------

    @in_workspace("/runs/<run_id>", prefix=HISTORY)
    def get_run(ws: WorkspaceState, run_id: str) -> Response:
        record = ws.jobs.get(run_id)
        if record is None:
            return json_response(404, errors.run_not_found(run_id))
        return json_response(200, bodies.run(ws, record, _run_number(ws, record)))

    @in_workspace("/runs/<run_id>/children", prefix=HISTORY)
    def get_children(ws: WorkspaceState, run_id: str) -> Response:
        if run_id not in ws.jobs:
            return json_response(404, errors.run_not_found(run_id))
        children = sorted((j for j in ws.jobs.values() if j.parent == run_id), key=lambda j: j.created)
        # One page: azure-ai-ml 1.35 reads only the first page of children (it ignores the
        # continuation token), so a fake that paged would hide steps the SDK never asks for.
        items = [bodies.run(ws, j, _run_number(ws, j)) for j in children]
        return json_response(200, {"value": items, "continuationToken": None, "count": len(items), "nextLink": None})

    # -- schedules ------------------------------------------------------------------------------

    @in_workspace("/schedules")
    def list_schedules(ws: WorkspaceState) -> Response:
        view = request.args.get("listViewType", "EnabledOnly").lower()
        wanted = {"enabledonly": (True,), "disabledonly": (False,), "all": (True, False)}.get(view, (True,))
        items = [bodies.schedule(ws, sc) for sc in ws.schedules.values() if sc.enabled in wanted]
        return json_response(200, _page(items))

    @in_workspace("/schedules/<name>")
    def get_schedule(ws: WorkspaceState, name: str) -> Response:
        record = ws.schedules.get(name)
        return json_response(200, bodies.schedule(ws, record)) if record else not_found("Schedule", name, ws)

    @in_workspace("/schedules/<name>", methods=("PUT",))
    def put_schedule(ws: WorkspaceState, name: str) -> Response:
        # Only an update of an existing schedule (schedules.begin_disable / begin_enable send the
        # whole schedule back with isEnabled changed); the fake makes no new schedule this way.
        record = ws.schedules.get(name)
        if record is None:
            return not_found("Schedule", name, ws)
        properties = (request.get_json(silent=True) or {}).get("properties") or {}
        if "isEnabled" in properties:
            record.enabled = bool(properties["isEnabled"])
        return json_response(200, bodies.schedule(ws, record))

    @in_workspace("/schedules/<name>", methods=("DELETE",))
    def delete_schedule(ws: WorkspaceState, name: str) -> Response:
        return deleted(ws.schedules.pop(name, None))

    # -- online endpoints -----------------------------------------------------------------------

    @in_workspace("/onlineEndpoints")
    def list_endpoints(ws: WorkspaceState) -> Response:
        items = [bodies.online_endpoint(ws, e, base_url=fake.url) for e in ws.endpoints.values()]
        return json_response(200, _page(items))

    @in_workspace("/onlineEndpoints/<name>")
    def get_endpoint(ws: WorkspaceState, name: str) -> Response:
        record = ws.endpoints.get(name)
        if record is None:
            return not_found("Online endpoint", name, ws)
        return json_response(200, bodies.online_endpoint(ws, record, base_url=fake.url))

    @in_workspace("/onlineEndpoints/<name>", methods=("DELETE",))
    def delete_endpoint(ws: WorkspaceState, name: str) -> Response:
        ws.deployments.pop(name, None)  # an endpoint's deployments are deleted with it
        return deleted(ws.endpoints.pop(name, None))

    @in_workspace("/onlineEndpoints/<name>/deployments")
    def list_deployments(ws: WorkspaceState, name: str) -> Response:
        if name not in ws.endpoints:
            return not_found("Online endpoint", name, ws)
        items = [bodies.online_deployment(ws, d) for d in ws.deployments.get(name, {}).values()]
        return json_response(200, _page(items))

    @in_workspace("/onlineEndpoints/<name>/deployments/<deployment>")
    def get_deployment(ws: WorkspaceState, name: str, deployment: str) -> Response:
        record = ws.deployments.get(name, {}).get(deployment)
        if record is None:
            return not_found("Online deployment", f"{name}/{deployment}", ws)
        return json_response(200, bodies.online_deployment(ws, record))

    @in_workspace("/onlineEndpoints/<name>/deployments/<deployment>", methods=("DELETE",))
    def delete_deployment(ws: WorkspaceState, name: str, deployment: str) -> Response:
        record = ws.deployments.get(name, {}).pop(deployment, None)
        if record is not None and name in ws.endpoints:
            ws.endpoints[name].traffic.pop(deployment, None)
        return deleted(record)

    @in_workspace("/onlineEndpoints/<name>/listKeys", methods=("POST",))
    def list_keys(ws: WorkspaceState, name: str) -> Response:
        record = ws.endpoints.get(name)
        if record is None:
            return not_found("Online endpoint", name, ws)
        if record.auth_mode.lower() != "key":
            return json_response(400, errors.error_body("UserError", f"Endpoint {name} does not use key authentication."))
        return json_response(200, bodies.endpoint_keys(record))

    @in_workspace("/onlineEndpoints/<name>/token", methods=("POST",))
    def get_token(ws: WorkspaceState, name: str) -> Response:
        record = ws.endpoints.get(name)
        if record is None:
            return not_found("Online endpoint", name, ws)
        return json_response(200, {"accessToken": record.keys[0], "tokenType": "Bearer",
                                   "expiryTimeUtc": 4102444800, "refreshAfterTimeUtc": 4102444800})

    # -- subscription-level quota -------------------------------------------------------------

    def location_or_error(sub: str) -> Response | None:
        if sub.lower() not in fake.subscriptions:
            return json_response(404, errors.subscription_not_found(sub))
        return None

    @app.get(LOCATION + "/usages")
    def list_usages(sub: str, location: str) -> Response:
        # Ids as in examples/Usage/list.json (2025-12-01): a family's row ends in its name with underscores.
        def row_id(u: dict[str, Any]) -> str:
            segment = "/" + u["name"]["value"].replace(" ", "_") if u["type"].endswith("/vmFamily/usages") else ""
            return f"/subscriptions/{sub}/usages{segment}"

        items = [{"id": row_id(u), **u} for u in fake.usages]
        return location_or_error(sub) or json_response(200, _page(items))

    @app.get(LOCATION + "/vmSizes")
    def list_vm_sizes(sub: str, location: str) -> Response:
        return location_or_error(sub) or json_response(200, {"value": list(fake.vm_sizes)})

    subscription_routes.register(app, fake)

    # -- anything else --------------------------------------------------------------------------

    @app.errorhandler(404)
    def no_route(_: Exception) -> Response:
        return json_response(404, errors.no_route(request.method, request.path))

    @app.errorhandler(405)
    def wrong_method(_: Exception) -> Response:
        return json_response(405, errors.method_not_allowed(request.method, request.path))

    return app
