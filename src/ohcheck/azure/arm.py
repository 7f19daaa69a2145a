"""Plain GETs on Azure Resource Manager: a subscription, a resource provider, the subscription's resources.

azure-ai-ml has no operation for these, and the azure-mgmt-resource package is
not a dependency, so they go through azure-core's pipeline (already installed
with azure-ai-ml): the same bearer-token policy, retries and TLS settings
(REQUESTS_CA_BUNDLE) as the SDK, and the same exception types, so one
translator words every failure. Read-only by construction: only `get` exists.
"""

from __future__ import annotations

from typing import Any

from ohcheck.azure.addresses import ARM_SCOPE, arm_base_url

TIMEOUT = 60.0
SUBSCRIPTION_API = "2022-12-01"
RESOURCES_API = "2021-04-01"  # providers and resources


class ArmReader:
    """GETs on ARM (at `arm_base_url()`, which tests move to the fake) with the credential given."""

    def __init__(self, credential: Any) -> None:
        from azure.core import (
            PipelineClient,  # imported lazily: keep `ohcheck --help` fast
        )
        from azure.core.pipeline.policies import (
            BearerTokenCredentialPolicy,
            HeadersPolicy,
            RetryPolicy,
        )

        self.base_url = arm_base_url().rstrip("/")
        # No logging policy: nothing of a request (its Authorization header least of all) reaches the log.
        # Bounded retries, as the azure target's MLClient: a throttled ARM ends as an error in seconds.
        self._client = PipelineClient(self.base_url, policies=[
            HeadersPolicy({"Accept": "application/json"}),
            RetryPolicy(retry_total=3, retry_connect=1, retry_read=1, retry_backoff_factor=0.5, retry_backoff_max=8),
            BearerTokenCredentialPolicy(credential, ARM_SCOPE),
        ])

    def get(self, path: str, api_version: str, **params: str) -> dict[str, Any]:
        """The JSON body of GET {arm}{path}; azure-core's exception for an answer that is not 2xx."""
        return self._send(f"{self.base_url}{path}", {"api-version": api_version, **params})

    def list(self, path: str, api_version: str, **params: str) -> list[dict[str, Any]]:
        """Every item of a paged ARM list (`value`, following `nextLink`)."""
        body = self.get(path, api_version, **params)
        items = list(body.get("value") or [])
        pages = 1
        while body.get("nextLink") and pages < 100:  # a bound, in case a service links a page to itself
            body = self._send(str(body["nextLink"]), None)
            items += body.get("value") or []
            pages += 1
        return items

    def subscription(self, subscription_id: str) -> dict[str, Any]:
        return self.get(f"/subscriptions/{subscription_id}", SUBSCRIPTION_API)

    def provider(self, subscription_id: str, namespace: str) -> dict[str, Any]:
        return self.get(f"/subscriptions/{subscription_id}/providers/{namespace}", RESOURCES_API)

    def resources_of_type(self, subscription_id: str, resource_type: str) -> list[dict[str, Any]]:
        return self.list(f"/subscriptions/{subscription_id}/resources", RESOURCES_API,
                         **{"$filter": f"resourceType eq '{resource_type}'"})

    def _send(self, url: str, params: dict[str, str] | None) -> dict[str, Any]:
        from azure.core.exceptions import (
            ClientAuthenticationError,
            HttpResponseError,
            ResourceNotFoundError,
            map_error,
        )
        from azure.core.rest import HttpRequest
        from azure.mgmt.core.exceptions import ARMErrorFormat

        request = HttpRequest("GET", url, params=params or {})
        response = self._client.send_request(request, connection_timeout=15, read_timeout=TIMEOUT)
        if response.status_code >= 400:
            # As the SDK's generated clients do: the class by status, ARM's error code kept on exc.error.
            map_error(response.status_code, response,
                      {401: ClientAuthenticationError, 404: ResourceNotFoundError})
            raise HttpResponseError(response=response, error_format=ARMErrorFormat)
        try:
            body = response.json()
        except ValueError:
            raise HttpResponseError(message=f"ARM answered {url.split('?')[0]} with no JSON",
                                    response=response) from None
        return body if isinstance(body, dict) else {}
