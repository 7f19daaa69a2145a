"""The event file, event.yaml: the event, its teams and its coaches.

One module reads it for everyone (the coach tools now, the facilitator's
`ohcheck event` commands later). Example:

    event:
      name: OpenHack for MLOps, Contoso
      starts: 2026-12-01
      ends: 2026-12-03
      stuck_after_minutes: 90        # the dashboard's "stuck" flag
    teams:
      - name: team1
        members: [Alice, Bob]
        repo: ../teams/team1         # a folder (relative to this file) or a git URL
        target: azure                # local or azure
        workspace:                   # optional: else the team repo's ohcheck.yaml says
          subscription_id: 00000000-0000-0000-0000-000000000000
          resource_group: rg-openhack-team1
          name: mlw-team1
    coaches:
      - name: Carol
        teams: [team1]

No secret belongs here: credentials come from `az login` like everywhere else.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ohcheck.errors import ConfigError
from ohcheck.yaml_model import line_of, load_mapping, validate

EVENT_NAME = "event.yaml"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")  # a team name is also a folder name
_URL = re.compile(r"^(https?|ssh|git|file)://|^[\w.-]+@[\w.-]+:")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EventInfo(_Section):
    name: str = Field(min_length=1)
    starts: dt.date
    ends: dt.date
    stuck_after_minutes: int = Field(default=90, gt=0)

    @model_validator(mode="after")
    def _ends_after_start(self) -> EventInfo:
        if self.ends < self.starts:
            raise ValueError(f"the event ends ({self.ends}) before it starts ({self.starts})")
        return self


class Workspace(_Section):
    subscription_id: str = Field(min_length=1)
    resource_group: str = Field(min_length=1)
    name: str = Field(min_length=1)


class Team(_Section):
    name: str
    members: list[str] = Field(default_factory=list)
    repo: str = Field(min_length=1)
    target: Literal["local", "azure"] = "azure"
    workspace: Workspace | None = None

    @field_validator("name")
    @classmethod
    def _a_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        return value

    @property
    def repo_is_url(self) -> bool:
        return bool(_URL.match(self.repo))


class Coach(_Section):
    name: str = Field(min_length=1)
    teams: list[str] = Field(default_factory=list)


class Event(_Section):
    event: EventInfo
    teams: list[Team] = Field(min_length=1)
    coaches: list[Coach] = Field(default_factory=list)

    def team(self, name: str) -> Team:
        for team in self.teams:
            if team.name == name:
                return team
        raise ConfigError(f"There is no team {name!r} in the event (its teams: {', '.join(t.name for t in self.teams)}).")


class LoadedEvent(BaseModel):
    """An event and where its file is: relative repo paths are relative to that folder."""

    model_config = ConfigDict(frozen=True)
    path: Path
    event: Event

    @property
    def folder(self) -> Path:
        return self.path.parent

    def repo_path(self, team: Team) -> Path | None:
        """A team's repo folder, when the event names a folder rather than a URL."""
        if team.repo_is_url:
            return None
        path = Path(team.repo).expanduser()
        return path if path.is_absolute() else (self.folder / path).resolve()


def find_event(start: Path | None = None) -> Path | None:
    """The nearest event.yaml at or above `start`."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / EVENT_NAME).is_file():
            return folder / EVENT_NAME
    return None


def load_event(path: Path | None = None) -> LoadedEvent:
    """Read and validate an event file (by default the nearest event.yaml); problems are one sentence."""
    if path is None:
        path = find_event()
        if path is None:
            raise ConfigError(
                f"No {EVENT_NAME} here or in any parent folder.",
                hint="Pass --event path/to/event.yaml, or run the command in the event's folder.",
            )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read {path}: {exc}.") from None
    data = load_mapping(text, str(path), expected="`event:`, `teams:` and `coaches:`")
    event = validate(Event, data, text, str(path))
    _names_agree(event, text, str(path))
    return LoadedEvent(path=path.resolve(), event=event)


def _names_agree(event: Event, text: str, source: str) -> None:
    """Team names are unique and coaches look after teams of the event; the message names the line."""

    def at(*loc: str | int) -> str:
        line = line_of(text, loc)
        return f"{source}, line {line}" if line else source

    seen: set[str] = set()
    for i, team in enumerate(event.teams):
        if team.name in seen:
            raise ConfigError(f"{at('teams', i, 'name')}: two teams are named {team.name}.")
        seen.add(team.name)
    for i, coach in enumerate(event.coaches):
        unknown = [t for t in coach.teams if t not in seen]
        if unknown:
            raise ConfigError(f"{at('coaches', i, 'teams')}: coach {coach.name} looks after "
                              f"{', '.join(unknown)}, which is not a team of the event.")
