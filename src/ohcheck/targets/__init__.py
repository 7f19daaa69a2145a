"""Targets: where a team's work lives. `open_target` builds the one the config names (targets.registry).

Nothing here is imported at module level but the registry's names: ohcheck.config reads the registry,
and importing it runs this package's __init__ first.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ohcheck.targets.registry import TARGETS

if TYPE_CHECKING:
    from ohcheck.config import Config
    from ohcheck.redaction import Redactor
    from ohcheck.targets.base import Target


def open_target(config: Config, repo_root: Path, redactor: Redactor | None = None,
                workspace: Any = None) -> Target:
    """The target named by the (already overridden) config.

    The redactor learns every secret the target obtains (an endpoint key, a
    token), so that nothing rendered or stored afterwards can show it.
    `workspace` (a WorkspaceRef) pins the azure target's workspace, whatever the environment says.
    """
    where = TARGETS.get(config.target)
    if where is None:
        from ohcheck.errors import ConfigError

        raise ConfigError(f"Unknown target {config.target!r}.")
    module, _, name = where.partition(":")
    return getattr(importlib.import_module(module), name)(config, repo_root, redactor, workspace=workspace)
