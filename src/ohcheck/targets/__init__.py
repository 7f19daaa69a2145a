"""Targets: where a team's work lives. `open_target` picks one from the config."""

from __future__ import annotations

from pathlib import Path

from ohcheck.config import Config
from ohcheck.errors import ConfigError
from ohcheck.redaction import Redactor
from ohcheck.targets.base import Target


def open_target(config: Config, repo_root: Path, redactor: Redactor | None = None) -> Target:
    """The target named by the (already overridden) config.

    The redactor learns every secret the target obtains (an endpoint key, a
    token), so that nothing rendered or stored afterwards can show it.
    """
    if config.target == "local":
        from ohcheck.targets.local import LocalTarget

        return LocalTarget(config, repo_root, redactor)
    if config.target == "azure":
        from ohcheck.targets.azure import AzureTarget

        return AzureTarget(config, repo_root, redactor)
    raise ConfigError(f"Unknown target {config.target!r}.")
