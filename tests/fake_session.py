"""The fake Azure ML server with ohcheck pointed at it: what every azure test starts from."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

import ohcheck.azure.identity as azure_identity
from ohcheck.targets.azure import ENV_NAMES

from .fake_azureml import FakeAzureML


@contextlib.contextmanager
def pointed_fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAzureML]:
    """Serve the fake; azure-ai-ml and ohcheck's ARM calls go to it, with its token as the credential.

    The AZURE_* workspace variables of the shell running the tests are cleared, and preflight's
    DNS look-up of endpoint names is off: tests never touch the network.
    """
    with FakeAzureML(tmp_path / "fake") as server:
        for key, value in server.env().items():
            monkeypatch.setenv(key, value)
        for name in ENV_NAMES:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("OHCHECK_ENDPOINT_DNS", "off")
        monkeypatch.setattr(azure_identity, "default_credential", server.credential)
        yield server
