"""FakeAzureML: an https server on 127.0.0.1 that answers azure-ai-ml like an Azure ML workspace.

Every request goes through one WSGI function, `_handle`, in this order:
record it -> added latency -> an injected fault, if one matches -> the
authorization rules (deny / bearer token) -> the route: MLflow's REST API
(`/mlflow/v2.0/<workspace id>/api/...`, and v1.0), a scoring URI (`/score/<endpoint>`),
or the ARM routes of arm.py. See __init__.py for the public interface.
"""

from __future__ import annotations

import json
import math
import re
import socket
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request

from . import errors, quota, scoring, subscription_routes, tls
from .arm import build_arm_app, rbac_action
from .faults import Fault, FaultPlan, Injection
from .identity import USER_OBJECT_ID, USER_PRINCIPAL_NAME, FakeCredential, make_token
from .mlflow_backend import MlflowBackend
from .state import WorkspaceState

# The workspace names its tracking URI with /mlflow/v1.0 (bodies.mlflow_tracking_uri); azureml-mlflow
# sends MLflow >= 2 clients to /mlflow/v2.0 instead (AzureMLAbstractRestStore.get_host_credentials),
# 1.x clients to v1.0: the service answers both.
_MLFLOW_PREFIX = re.compile(
    r"^/mlflow/v[12]\.0/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)"
    r"/providers/Microsoft\.MachineLearningServices/workspaces/(?P<ws>[^/]+)(?P<rest>/.*)?$"
)
_SCORE = re.compile(r"^/score/(?P<endpoint>[^/]+)/?$")


@dataclass
class Recorded:
    """One request as the fake saw it. `status` is 0 until answered, and stays 0 for a dropped connection.

    The Authorization header is never kept: `authorized` says whether it carried
    the fake's token (ARM and MLflow routes) or one of the endpoint's keys (scoring).
    """

    method: str
    path: str
    query: dict[str, str]
    status: int
    authorized: bool


class _QuietHandler(WSGIRequestHandler):
    """werkzeug's handler without the access log on stderr (fake.requests is the log)."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:
        if type == "error":
            super().log(type, message, *args)


class _Dropped(ConnectionAbortedError):
    """Raised after closing the socket on purpose; werkzeug treats it as a client disconnect."""


def _json(start_response: Any, status: int, body: Any, headers: dict[str, str] | None = None) -> list[bytes]:
    payload = json.dumps(body).encode()
    all_headers = [
        ("Content-Type", "application/json; charset=utf-8"),
        ("Content-Length", str(len(payload))),
        ("x-ms-request-id", str(uuid.uuid4())),
        *(headers or {}).items(),
    ]
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:  # a scoring behaviour may answer any status
        reason = "Unknown"
    start_response(f"{status} {reason}", all_headers)
    return [payload]


class FakeAzureML:
    """A fake Azure ML workspace behind https on 127.0.0.1:<free port>. Use as a context manager."""

    def __init__(self, root: Path | str, *, page_size: int = 50) -> None:
        self.root = Path(root)
        self._workspace = WorkspaceState()
        self._others: list[WorkspaceState] = []  # more workspaces (other teams), served beside the first
        # Subscriptions with no workspace yet (before `ohcheck event setup` has been deployed).
        self.empty_subscriptions: set[str] = set()
        self.usages: list[dict[str, Any]] = quota.default_usages()
        self.vm_sizes: list[dict[str, Any]] = quota.default_vm_sizes()
        # Resource provider namespace -> registrationState (GET .../providers/<namespace>); set "NotRegistered".
        self.providers: dict[str, str] = subscription_routes.default_providers()
        self.subscription_states: dict[str, str] = {}  # subscription -> state (GET /subscriptions/<sub>); default Enabled
        self.page_size = page_size
        self.requests: list[Recorded] = []
        self.token, self._expires_on = make_token()
        self._faults = FaultPlan()
        self._latency = 0.0
        self._deny: int | None = None
        self._settings_lock = threading.Lock()
        self._closing = threading.Event()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._mlflow = MlflowBackend(self.root / "mlflow")
        self._workspace.run_logger = self._mlflow
        self.ca_bundle = str(tls.write_ca_bundle(self.root / "fake-azureml-ca.pem"))
        self._arm = build_arm_app(self)

    # -- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> FakeAzureML:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        if self._server is not None:
            return
        self._closing.clear()
        self._server = make_server(
            "127.0.0.1", 0, self._handle, threaded=True, request_handler=_QuietHandler,
            ssl_context=tls.server_context(),
        )
        # A short poll interval so that stop() (server.shutdown) returns in milliseconds, not 0.5 s.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-azureml", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, wake any request sleeping in a latency/slow fault, free the port."""
        if self._server is None:
            return
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None
        self._mlflow.close()

    # -- what tests read ------------------------------------------------------------------------

    @property
    def workspace(self) -> WorkspaceState:
        """The workspace served; change it in place, or assign a new WorkspaceState (e.g. other names)."""
        return self._workspace

    @workspace.setter
    def workspace(self, state: WorkspaceState) -> None:
        state.run_logger = self._mlflow  # its jobs' runs go to this fake's MLflow store
        self._workspace = state

    @property
    def workspaces(self) -> list[WorkspaceState]:
        """Every workspace served: `workspace` first, then those `add_workspace` added."""
        return [self._workspace, *self._others]

    @property
    def subscriptions(self) -> set[str]:
        """Every subscription the fake knows (lowercase): the workspaces' and the empty ones."""
        return {w.subscription_id.lower() for w in self.workspaces} | {s.lower() for s in self.empty_subscriptions}

    def add_workspace(self, state: WorkspaceState) -> WorkspaceState:
        """Serve another workspace too (another team's), by its subscription, resource group and name."""
        state.run_logger = self._mlflow
        self._others.append(state)
        return state

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake is not started: use `with FakeAzureML(tmp_path) as fake:`")
        return self._server.server_port

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"https://{self.host}"

    def discovery(self) -> dict[str, str]:
        """The workspace's discovery document: every regional service at this fake's URL."""
        keys = ("api", "catalog", "experimentation", "gallery", "history", "hyperdrive", "labeling",
                "modelmanagement", "pipelines", "studiotrack")
        return {key: self.url for key in keys}

    def env(self) -> dict[str, str]:
        """Environment variables that point azure-ai-ml (and requests) at this fake; set before MLClient()."""
        return {"AZUREML_DEV_URL_MFE": self.url, "REQUESTS_CA_BUNDLE": self.ca_bundle}

    def credential(self) -> FakeCredential:
        return FakeCredential(self.token, self._expires_on)

    @property
    def mlflow_store_uri(self) -> str:
        """sqlite:/// URI of the MLflow store behind the workspace (created on first use)."""
        self._mlflow.tracking_store  # noqa: B018 - make sure it exists for whoever opens it
        return self._mlflow.store_uri

    @property
    def mlflow_tracking_url(self) -> str:
        """The https host an MLflow >= 2 REST client is given for the workspace (/mlflow/v2.0, as azureml-mlflow)."""
        ws = self.workspace
        return (f"{self.url}/mlflow/v2.0/subscriptions/{ws.subscription_id}/resourceGroups/{ws.resource_group}"
                f"/providers/Microsoft.MachineLearningServices/workspaces/{ws.name}")

    # -- what tests change ----------------------------------------------------------------------

    def set_latency(self, seconds: float) -> None:
        with self._settings_lock:
            self._latency = max(0.0, float(seconds))

    def inject(self, pattern: str, fault: Fault, times: int | None = 1) -> Injection:
        """Give the next `times` requests whose path matches `pattern` this fault (None: all of them)."""
        return self._faults.add(pattern, fault, times)

    def clear_faults(self) -> None:
        self._faults.clear()

    def deny(self, status: int | None) -> None:
        """403: every ARM/MLflow route answers AuthorizationFailed; 401: InvalidAuthenticationToken; None: normal."""
        if status not in (None, 401, 403):
            raise ValueError("deny() takes 401, 403 or None")
        with self._settings_lock:
            self._deny = status

    # -- serving --------------------------------------------------------------------------------

    def _handle(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        path = request.path
        record = Recorded(request.method, path, request.args.to_dict(), 0, False)
        self.requests.append(record)

        def recording_start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            record.status = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        with self._settings_lock:
            latency, deny = self._latency, self._deny
        if latency:
            self._closing.wait(latency)

        fault = self._faults.take(path)
        if fault is not None:
            answered = self._answer_fault(fault, environ, recording_start_response)
            if answered is not None:
                return answered

        if path == "/discovery":
            # The workspace's discoveryUrl: where its other services live. Anonymous, as Azure's is.
            # azure-ai-ml reads it before the run-history API (a pipeline's child jobs).
            return _json(recording_start_response, 200, self.discovery())

        score = _SCORE.match(path)
        if score is not None:
            status, body, record.authorized = scoring.score(
                self.workspace, score["endpoint"], request.headers.get("Authorization"), request.get_data()
            )
            if request.method != "POST" and status == 200:
                status, body = 405, {"message": "Scoring takes POST."}
            return _json(recording_start_response, status, body)

        record.authorized = request.headers.get("Authorization", "") == f"Bearer {self.token}"
        refused = self._refuse(request, record.authorized, deny, recording_start_response)
        if refused is not None:
            return refused
        mlflow = _MLFLOW_PREFIX.match(path)
        if mlflow is not None:
            return self._serve_mlflow(environ, mlflow, recording_start_response)
        return self._arm.wsgi_app(environ, recording_start_response)

    def _answer_fault(self, fault: Fault, environ: dict[str, Any], start_response: Any) -> list[bytes] | None:
        """The fault's answer; None when the request should go on (after a slow fault's wait)."""
        if fault.kind == "drop":
            self._drop(environ)
        if fault.kind == "throttle":
            # ARM says how long to wait in whole seconds ("Retry-After: the number of seconds you
            # should wait", learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling;
            # RFC 9110 delta-seconds, which urllib3, under MLflow's client, insists on). A wait of
            # less than a second also goes as retry-after-ms, which azure-core reads first.
            wait = fault.retry_after or 0
            headers = {"Retry-After": str(math.ceil(wait)), "x-ms-ratelimit-remaining-subscription-reads": "0"}
            if wait != math.ceil(wait):
                headers["retry-after-ms"] = str(round(wait * 1000))
            return _json(start_response, 429, errors.throttled(), headers)
        if fault.kind == "server_error":
            return _json(start_response, fault.status, errors.server_error(fault.status))
        if fault.kind == "slow":
            self._closing.wait(fault.seconds)
        return None

    def _refuse(self, request: Request, authorized: bool, deny: int | None, start_response: Any) -> list[bytes] | None:
        """ARM and MLflow want the Azure AD bearer token, then RBAC: the 401/403 answer, or None."""
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            challenge = 'Bearer authorization_uri="https://login.microsoftonline.com/common"'
            return _json(start_response, 401, errors.missing_token(), {"WWW-Authenticate": challenge})
        if deny == 401 or not authorized:
            challenge = 'Bearer error="invalid_token", error_description="The access token is invalid."'
            return _json(start_response, 401, errors.invalid_token(), {"WWW-Authenticate": challenge})
        if deny == 403:
            action, scope = rbac_action(request.method, request.path)
            body = errors.authorization_failed(action, scope, upn=USER_PRINCIPAL_NAME, object_id=USER_OBJECT_ID)
            return _json(start_response, 403, body)
        return None

    def _serve_mlflow(self, environ: dict[str, Any], match: re.Match[str], start_response: Any) -> Iterable[bytes]:
        ws = self.workspace
        same = (match["sub"].lower(), match["rg"].lower(), match["ws"].lower()) == (
            ws.subscription_id.lower(), ws.resource_group.lower(), ws.name.lower())
        if not same or not ws.exists:
            return _json(start_response, 404, errors.workspace_not_found(match["ws"], match["rg"]))
        # MLflow's app sees only what follows the workspace id: /api/2.0/mlflow/...
        environ = dict(environ)
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + environ["PATH_INFO"][: match.end("ws")]
        environ["PATH_INFO"] = match["rest"] or "/"
        return self._mlflow.serve(environ, start_response)

    def _drop(self, environ: dict[str, Any]) -> None:
        """Close the TCP connection with nothing sent (no status line, no TLS close_notify)."""
        connection = environ.get("werkzeug.socket")
        if connection is not None:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        raise _Dropped("fake_azureml: connection dropped on purpose")


