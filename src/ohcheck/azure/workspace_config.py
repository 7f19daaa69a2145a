"""The Azure ML workspace's coordinates, from the config.json the portal downloads.

Search rules are those of `MLClient.from_config`: a file given explicitly, or
`config.json` / `.azureml/config.json` in the start folder or any parent.
The file holds no secret: a subscription id, a resource group, a workspace name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ohcheck.errors import ConfigError
from ohcheck.i18n import msg


@dataclass(frozen=True)
class WorkspaceRef:
    subscription_id: str
    resource_group: str
    workspace: str
    source: str  # where these came from, for messages: a path, or a message ("the environment")


def find_config_json(start: Path) -> Path | None:
    start = start.resolve()
    for folder in (start, *start.parents):
        for candidate in (folder / "config.json", folder / ".azureml" / "config.json"):
            if candidate.is_file():
                return candidate
    return None


def read_config_json(path: Path) -> WorkspaceRef:
    from ohcheck import user_files

    try:
        data = json.loads(user_files.read_text(path))  # a FIFO or a device is refused, not waited on
    except FileNotFoundError:
        raise ConfigError(msg("{path} does not exist.", path=path)) from None
    except user_files.NotRegularFile as exc:
        raise ConfigError(exc.sentence) from None
    except RecursionError:
        raise ConfigError(msg("{path} is not a workspace config.json (expected a JSON object).", path=path)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(msg("{path} is not a workspace config.json: {error}.", path=path, error=exc)) from None
    if not isinstance(data, dict):
        raise ConfigError(msg("{path} is not a workspace config.json (expected a JSON object).", path=path))
    # The portal writes workspace_name; older SDKs wrote Workspace_name / subscription_id.
    lowered = {str(k).lower(): v for k, v in data.items()}
    values = [lowered.get("subscription_id"), lowered.get("resource_group"), lowered.get("workspace_name")]
    missing = [name for name, v in zip(("subscription_id", "resource_group", "workspace_name"), values) if not v]
    if missing:
        raise ConfigError(msg("{path} lacks {missing}: download config.json again from the Azure ML portal.",
                              path=path, missing=missing))
    return WorkspaceRef(str(values[0]), str(values[1]), str(values[2]), source=str(path))
