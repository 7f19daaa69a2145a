"""Who asks Azure: the credential a user signs in with, and the name its token's claims give.

The azure target, `ohcheck doctor` and the event tools (preflight, teardown) all sign in
the same way and say who signed in the same way. Tests hand out the fake server's credential
by replacing `default_credential` here: every caller looks it up through this module.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from ohcheck.i18n import msg

NO_CREDENTIAL = msg(
    "no Azure credential was found: run `az login` (then `az account set --subscription <id>`), "
    "or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET for a service principal"
)


def default_credential() -> Any:
    """The credential a team signs in with (az login, a service principal, a managed identity)."""
    from azure.identity import DefaultAzureCredential  # imported lazily: slow to import

    return DefaultAzureCredential()


def token_owner(token: str) -> str:
    """Who a token belongs to, from its (unverified) claims; never the token itself."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return msg("an identity the token does not name")
    for claim in ("upn", "unique_name", "preferred_username", "email"):
        if claims.get(claim):
            return str(claims[claim])
    if claims.get("appid"):
        return msg("application {appid}", appid=claims["appid"])
    if claims.get("oid"):
        return msg("object {oid}", oid=claims["oid"])
    return msg("object unknown")
