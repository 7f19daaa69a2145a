"""Error answers in the shapes Azure Resource Manager and Azure ML really use.

ARM's error contract is `{"error": {"code", "message", "target", "details",
"additionalInfo"}}` (the ErrorResponse of azure-rest-api-specs' common types).
azure-core turns the status into the exception class (404 ->
ResourceNotFoundError, 401 -> ClientAuthenticationError, others ->
HttpResponseError) and keeps `code` and `message` on `exc.error`.
"""

from __future__ import annotations

from typing import Any


def error_body(code: str, message: str, *, target: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "target": target, "details": [], "additionalInfo": []}}


def workspace_not_found(workspace: str, resource_group: str) -> dict[str, Any]:
    return error_body(
        "ResourceNotFound",
        f"The Resource 'Microsoft.MachineLearningServices/workspaces/{workspace}' under resource group "
        f"'{resource_group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    )


def resource_group_not_found(resource_group: str) -> dict[str, Any]:
    return error_body("ResourceGroupNotFound", f"Resource group '{resource_group}' could not be found.")


def subscription_not_found(subscription_id: str) -> dict[str, Any]:
    return error_body("SubscriptionNotFound", f"The subscription '{subscription_id}' could not be found.")


def child_not_found(kind: str, name: str, workspace: str) -> dict[str, Any]:
    """Azure ML's own 404 for something inside a workspace (UserError with an inner NotFound)."""
    body = error_body("UserError", f"{kind} {name} not found in workspace {workspace}.")
    body["error"]["innerError"] = {"code": "NotFoundError"}
    return body


def run_not_found(run_id: str) -> dict[str, Any]:
    """The run-history service's 404 (its own error contract, close to ARM's)."""
    body = error_body("UserError", f"Run {run_id} was not found")
    body["error"]["innerError"] = {"code": "NotFoundError"}
    return body


def no_route(method: str, path: str) -> dict[str, Any]:
    return error_body(
        "NoRegisteredProviderFound" if "/providers/" not in path else "ResourceNotFound",
        f"The fake Azure ML server has no route for {method} {path}.",
    )


def method_not_allowed(method: str, path: str) -> dict[str, Any]:
    return error_body("MethodNotAllowed", f"The requested resource does not support http method '{method}'.")


def authorization_failed(action: str, scope: str, *, upn: str, object_id: str) -> dict[str, Any]:
    return error_body(
        "AuthorizationFailed",
        f"The client '{upn}' with object id '{object_id}' does not have authorization to perform action "
        f"'{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, "
        "please refresh your credentials.",
    )


def invalid_token() -> dict[str, Any]:
    return error_body("InvalidAuthenticationToken", "The access token is invalid.")


def missing_token() -> dict[str, Any]:
    return error_body("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")


def throttled() -> dict[str, Any]:
    return error_body(
        "TooManyRequests",
        "The request is being throttled as the limit has been reached for operation type - "
        "Read_ObservationWindow_00:05:00. For more information, refer to - https://aka.ms/srpthrottlinglimits",
    )


def server_error(status: int) -> dict[str, Any]:
    if status == 503:
        return error_body("ServiceUnavailable", "The service is temporarily unavailable. Please try again later.")
    if status == 504:
        return error_body("GatewayTimeout", "The gateway did not receive a response from the service in time.")
    if status == 502:
        return error_body("BadGateway", "The gateway received an invalid response from the service.")
    return error_body(
        "InternalServerError",
        "Encountered internal server error. Diagnose the issue using the request id in the response headers.",
    )
