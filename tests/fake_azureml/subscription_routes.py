"""Subscription-level ARM routes (resource providers, the subscription's resources): for `ohcheck event preflight`.

    GET /subscriptions/<sub>                          Subscriptions_Get (404 SubscriptionNotFound if unknown)
    GET /subscriptions/<sub>/providers/<namespace>    Providers_Get: registrationState from `fake.providers`
    GET /subscriptions/<sub>/resources?$filter=resourceType eq '<type>'
                                                      Resources_List: the online endpoints or computes of
                                                      every workspace of `sub`, in the generic resource shape

A test changes `fake.providers` (namespace -> registrationState; a namespace
not in it is NotRegistered, as ARM answers for a namespace nobody registered)
and `fake.subscription_states` (subscription -> state; default Enabled).
Shapes follow azure-rest-api-specs' resources examples (GetSubscription.json,
GetProvider.json, GetResources).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from flask import Response, request

from . import errors
from .identity import TENANT_ID

if TYPE_CHECKING:
    from flask import Flask

    from .server import FakeAzureML

PROVIDER = "Microsoft.MachineLearningServices"
# What `ohcheck event setup`'s template needs; each Registered unless a test says otherwise.
DEFAULT_PROVIDERS = (
    PROVIDER, "Microsoft.Storage", "Microsoft.KeyVault", "Microsoft.ContainerRegistry",
    "Microsoft.Insights", "Microsoft.OperationalInsights", "Microsoft.Resources",
)
_FILTER = re.compile(r"^\s*resourceType\s+eq\s+'(?P<type>[^']+)'\s*$", re.IGNORECASE)


def default_providers() -> dict[str, str]:
    return {ns: "Registered" for ns in DEFAULT_PROVIDERS}


def register(app: Flask, fake: FakeAzureML) -> None:
    """Add the routes to the fake's ARM app."""
    from .arm import json_response  # arm.py imports this module: import at call time

    if not hasattr(fake, "providers"):
        fake.providers = default_providers()  # type: ignore[attr-defined]
    if not hasattr(fake, "subscription_states"):
        fake.subscription_states = {}  # type: ignore[attr-defined]

    def unknown(sub: str) -> Response | None:
        if sub.lower() not in fake.subscriptions:
            return json_response(404, errors.subscription_not_found(sub))
        return None

    @app.get("/subscriptions/<sub>")
    def get_subscription(sub: str) -> Response:
        state = {k.lower(): v for k, v in fake.subscription_states.items()}.get(sub.lower(), "Enabled")  # type: ignore[attr-defined]
        return unknown(sub) or json_response(200, {
            "id": f"/subscriptions/{sub}",
            "subscriptionId": sub,
            "tenantId": TENANT_ID,
            "displayName": f"Fake subscription {sub[-4:]}",
            "state": state,
            "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01",
                                     "quotaId": "Internal_2014-09-01", "spendingLimit": "Off"},
            "authorizationSource": "RoleBased",
            "managedByTenants": [],
            "tags": {},
        })

    @app.get("/subscriptions/<sub>/providers/<namespace>")
    def get_provider(sub: str, namespace: str) -> Response:
        states = {k.lower(): (k, v) for k, v in fake.providers.items()}  # type: ignore[attr-defined]
        name, state = states.get(namespace.lower(), (namespace, "NotRegistered"))
        return unknown(sub) or json_response(200, {
            "id": f"/subscriptions/{sub}/providers/{name}",
            "namespace": name,
            "registrationState": state,
            "registrationPolicy": "RegistrationRequired",
            "resourceTypes": [],
        })

    @app.get("/subscriptions/<sub>/resources")
    def list_resources(sub: str) -> Response:
        problem = unknown(sub)
        if problem is not None:
            return problem
        match = _FILTER.match(request.args.get("$filter", ""))
        if match is None:
            return json_response(400, errors.error_body(
                "InvalidFilterInQueryString", "The fake serves only $filter=resourceType eq '<type>'."))
        wanted = match["type"].lower()
        items: list[dict[str, Any]] = []
        for ws in fake.workspaces:
            if ws.subscription_id.lower() != sub.lower() or not ws.exists:
                continue
            children: dict[str, list[str]] = {
                f"{PROVIDER}/workspaces/onlineendpoints".lower(): list(ws.endpoints),
                f"{PROVIDER}/workspaces/computes".lower(): list(ws.computes),
            }
            kind = "onlineEndpoints" if wanted.endswith("onlineendpoints") else "computes"
            for name in children.get(wanted, []):
                items.append({
                    "id": (f"/subscriptions/{ws.subscription_id}/resourceGroups/{ws.resource_group}"
                           f"/providers/{PROVIDER}/workspaces/{ws.name}/{kind}/{name}"),
                    "name": f"{ws.name}/{name}",  # ARM names a child resource by its whole path
                    "type": f"{PROVIDER}/workspaces/{kind}",
                    "location": ws.location,
                    "tags": {},
                })
        return json_response(200, {"value": items})
