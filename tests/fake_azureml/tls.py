"""TLS for the fake: a throw-away certificate authority and a server certificate for 127.0.0.1.

azure-ai-ml only sends its bearer token over https (some operation groups
refuse plain http), so the fake must speak TLS. Generating keys costs tens of
milliseconds, so one CA and one server certificate are made per test process
and reused by every fake.
"""

from __future__ import annotations

import functools
import ssl
from pathlib import Path

import trustme


@functools.lru_cache(maxsize=1)
def _authority() -> tuple[trustme.CA, trustme.LeafCert]:
    ca = trustme.CA(organization_name="fake-azureml test CA")
    return ca, ca.issue_cert("127.0.0.1", "localhost")


def write_ca_bundle(path: Path) -> Path:
    """Write the CA certificate (PEM) to `path`, for REQUESTS_CA_BUNDLE or `server_cert_path`."""
    ca, _ = _authority()
    path.parent.mkdir(parents=True, exist_ok=True)
    ca.cert_pem.write_to_path(str(path))
    return path


def server_context() -> ssl.SSLContext:
    """An SSL context that serves the 127.0.0.1 certificate."""
    _, leaf = _authority()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    return context
