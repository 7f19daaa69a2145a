"""Targets: where a team's work lives. `open_target` picks one from the config."""

from __future__ import annotations

from pathlib import Path

from ohcheck.config import Config
from ohcheck.errors import ConfigError
from ohcheck.targets.base import Target


def open_target(config: Config, repo_root: Path) -> Target:
    """The target named by the (already overridden) config."""
    if config.target == "local":
        from ohcheck.targets.local import LocalTarget

        return LocalTarget(config, repo_root)
    if config.target == "azure":
        raise ConfigError(
            "The azure target is not built yet in this version of ohcheck; use --target local.",
        )
    raise ConfigError(f"Unknown target {config.target!r}.")
