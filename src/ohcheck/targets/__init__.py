"""Targets: where a team's work lives. `open_target` picks one from the config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ohcheck.config import Config
from ohcheck.errors import ConfigError
from ohcheck.redaction import Redactor
from ohcheck.targets.base import Target


def open_target(config: Config, repo_root: Path, redactor: Redactor | None = None,
                workspace: Any = None) -> Target:
    """The target named by the (already overridden) config.

    The redactor learns every secret the target obtains (an endpoint key, a
    token), so that nothing rendered or stored afterwards can show it.
    `workspace` (a WorkspaceRef) pins the azure target's workspace, whatever the environment says.
    """
    if config.target == "local":
        from ohcheck.targets.local import LocalTarget

        return LocalTarget(config, repo_root, redactor)
    if config.target == "azure":
        from ohcheck.targets.azure import AzureTarget

        return AzureTarget(config, repo_root, redactor, workspace=workspace)
    raise ConfigError(f"Unknown target {config.target!r}.")
