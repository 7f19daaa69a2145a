"""Subscription-level ARM routes (resource providers, the subscription's resources): for `ohcheck event preflight`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from .server import FakeAzureML


def register(app: Flask, fake: FakeAzureML) -> None:
    """Add the routes to the fake's ARM app."""
