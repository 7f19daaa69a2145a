"""Every target ohcheck knows, by name: the one list the CLI, ohcheck.yaml's and event.yaml's models,
bundles and `open_target` read. A new target is its module in ohcheck.targets and a line here.

It imports nothing of ohcheck, so the config model can read it before any target is loaded.
"""

from __future__ import annotations

from typing import Literal

# name -> "module:class"; each class is built as Class(config, repo_root, redactor, workspace=...).
TARGETS: dict[str, str] = {
    "local": "ohcheck.targets.local:LocalTarget",
    "azure": "ohcheck.targets.azure:AzureTarget",
}
NAMES: tuple[str, ...] = tuple(TARGETS)

# The names as a type for pydantic models (Literal of a tuple is the Literal of its items).
TargetLiteral = Literal["local", "azure"]
assert TargetLiteral.__args__ == NAMES, "TargetLiteral must list TARGETS' names"  # type: ignore[attr-defined]
