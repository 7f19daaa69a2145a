"""Who the fake thinks is calling: a JWT-shaped bearer token and a credential that hands it out.

The token is never verified by anything (its signature is a fixed string), but
it must look real: azure-ai-ml decodes it with PyJWT to read the tenant id
(`tid`) for studio URLs, and tests use the whole string as a sentinel that
must never show up in ohcheck's output, logs or reports.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from dataclasses import dataclass, field

from azure.core.credentials import AccessToken

USER_PRINCIPAL_NAME = "student@contoso.com"
USER_DISPLAY_NAME = "Team Student"
USER_OBJECT_ID = "11111111-2222-3333-4444-555555555555"
TENANT_ID = "72f988bf-0000-4000-8000-00000000c0de"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_token(*, lifetime_seconds: int = 3600) -> tuple[str, int]:
    """A fresh JWT-shaped token for the fake user, and when it expires (epoch seconds)."""
    now = int(time.time())
    expires_on = now + lifetime_seconds
    header = {"typ": "JWT", "alg": "RS256", "kid": "fake-azureml-key"}
    claims = {
        "aud": "https://management.azure.com/",
        "iss": f"https://sts.windows.net/{TENANT_ID}/",
        "iat": now,
        "nbf": now,
        "exp": expires_on,
        "upn": USER_PRINCIPAL_NAME,
        "unique_name": USER_PRINCIPAL_NAME,
        "name": USER_DISPLAY_NAME,
        "oid": USER_OBJECT_ID,
        "tid": TENANT_ID,
        "idtyp": "user",
        # A random part makes every fake's token unique, so a leak test cannot
        # pass by accident on a string that happens to be elsewhere.
        "uti": uuid.uuid4().hex,
    }
    signature = _b64url(b"fake-azureml-signature-not-valid-" + uuid.uuid4().bytes)
    token = ".".join(
        [
            _b64url(json.dumps(header, separators=(",", ":")).encode()),
            _b64url(json.dumps(claims, separators=(",", ":")).encode()),
            signature,
        ]
    )
    return token, expires_on


@dataclass
class FakeCredential:
    """Implements azure-core's TokenCredential protocol with the fake's token.

    `scopes_asked` records the scopes of every `get_token` call (never the token),
    so a test can see which audiences the client asked for.
    """

    token: str
    expires_on: int
    scopes_asked: list[tuple[str, ...]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        with self._lock:
            self.scopes_asked.append(tuple(scopes))
        return AccessToken(self.token, self.expires_on)

    def close(self) -> None:  # some azure-core code paths call close() on credentials
        pass
