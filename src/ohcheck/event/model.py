"""The event file, event.yaml: the event, its Azure settings, its teams and its coaches.

One module reads it for everyone: the facilitator's `ohcheck event` commands
and the coach tools. `ohcheck event init` writes a commented example; in short:

    event:
      name: OpenHack for MLOps, Contoso
      starts: 2026-12-01
      ends: 2026-12-03
      stuck_after_minutes: 90        # the dashboard's "stuck" flag
      language: en                   # en or ja: the team kits and the summary page
    azure:                           # optional: what `ohcheck event setup` provisions
      subscriptions: [00000000-0000-0000-0000-000000000000]
      region: japaneast
      prefix: ohmlops                # every Azure name is derived from it and the team name
      vm_size: Standard_DS3_v2
      cluster_max_nodes: 2
    teams:
      - name: team1
        members:
          - name: Alice
            user: alice@contoso.com  # gets AzureML Data Scientist on the team's workspace
          - Bob                      # a name alone gets no role
        repo: teams/team1            # default teams/<name>: a folder (relative to this file) or a git URL
        target: azure                # local or azure
        workspace:                   # default: the one derived from azure:, else the repo's ohcheck.yaml
          subscription_id: 00000000-0000-0000-0000-000000000000
          resource_group: rg-openhack-team1
          name: mlw-team1
    coaches:
      - name: Carol
        user: carol@contoso.com      # Reader + AzureML Data Scientist on every team
        teams: [team1]               # whom Carol looks after: her dashboard view, whom she signs off

No secret belongs here: credentials come from `az login` like everywhere else.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ohcheck.azure.catalog import REGIONS, VM_SIZES, did_you_mean, vm_size
from ohcheck.errors import ConfigError
from ohcheck.i18n import msg
from ohcheck.targets.registry import TargetLiteral
from ohcheck.yaml_model import line_of, load_mapping, validate, where_in

EVENT_NAME = "event.yaml"
KITS = "teams"  # setup writes team kits to <out>/teams/<name>, where `repo:` looks by default
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")  # a team name is also a folder name
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_UPN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PREFIX = re.compile(r"^[a-z][a-z0-9-]{1,11}$")
_URL = re.compile(r"^(https?|ssh|git|file)://|^[\w.-]+@[\w.-]+:")


def _nearest(word: str, choices: list[str] | frozenset[str]) -> str | None:
    """The choice `did_you_mean` would suggest, alone (the sentence around it is a message of its own)."""
    hint = did_you_mean(word, choices)  # ' (did you mean X?)' or ''
    return hint.removeprefix(" (did you mean ").removesuffix("?)") or None


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EventInfo(_Section):
    name: str = Field(min_length=1)
    starts: dt.date
    ends: dt.date
    stuck_after_minutes: int = Field(default=90, gt=0)
    # Of the team kits and the summary page setup writes (English when unset); also the language the
    # commands speak when neither --lang nor OHCHECK_LANG chose, but only when set: an event file that
    # says nothing leaves that to the system locale.
    language: Literal["en", "ja"] | None = None

    @property
    def kit_language(self) -> str:
        return self.language or "en"

    @model_validator(mode="after")
    def _ends_after_start(self) -> EventInfo:
        if self.ends < self.starts:
            raise ValueError(msg("the event ends ({ends}) before it starts ({starts})", ends=self.ends, starts=self.starts))
        return self


class Workspace(_Section):
    subscription_id: str = Field(min_length=1)
    resource_group: str = Field(min_length=1)
    name: str = Field(min_length=1)


class Person(_Section):
    """A member or coach: a name, and the Entra ID user that gets the Azure roles (optional)."""

    name: str = Field(min_length=1)
    user: str | None = None  # a UPN (alice@contoso.com) or an object id; `az ad user show --id` takes both

    @model_validator(mode="before")
    @classmethod
    def _a_name_alone(cls, value: object) -> object:
        return {"name": value} if isinstance(value, str) else value

    @field_validator("user")
    @classmethod
    def _a_user(cls, value: str | None) -> str | None:
        if value is not None and not (_UPN.match(value) or _GUID.match(value)):
            raise ValueError(msg("must be a user principal name (alice@contoso.com) or an object id (a GUID)"))
        return value


class Azure(_Section):
    """Where and how the teams' workspaces are made (`ohcheck event setup` and `preflight`)."""

    subscriptions: list[str] = Field(min_length=1)  # teams are spread over them in turn
    region: str
    prefix: str  # every resource name starts from it and the team name
    vm_size: str = "Standard_DS3_v2"  # the compute cluster's nodes
    cluster_max_nodes: int = Field(default=2, ge=1, le=100)
    instance_vm_size: str = "Standard_DS3_v2"  # each team's compute instance
    instance_idle_minutes: int = Field(default=60, ge=15, le=1440)  # Azure's range for idle shutdown

    @field_validator("subscriptions")
    @classmethod
    def _guids(cls, value: list[str]) -> list[str]:
        for sub in value:
            if not _GUID.match(sub):
                raise ValueError(msg("{value!r} is not a subscription id (a GUID like 00000000-0000-0000-0000-000000000000)",
                                     value=sub))
        if len(set(s.lower() for s in value)) != len(value):
            raise ValueError(msg("a subscription is listed twice"))
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        name = value.replace(" ", "").lower()
        if name not in REGIONS:
            close = _nearest(name, REGIONS)
            if close:
                raise ValueError(msg("{value!r} is not an Azure region with Azure Machine Learning (did you mean "
                                     "{close}?); see `az account list-locations -o table`", value=value, close=close))
            raise ValueError(msg("{value!r} is not an Azure region with Azure Machine Learning; "
                                 "see `az account list-locations -o table`", value=value))
        return name

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not _PREFIX.match(value):
            raise ValueError(msg("must be 2-12 lowercase letters, digits or hyphens, starting with a letter "
                                 "(it goes into storage account and key vault names)"))
        return value

    @field_validator("vm_size", "instance_vm_size")
    @classmethod
    def _vm_size(cls, value: str) -> str:
        size = vm_size(value)
        if size is None:
            close = _nearest(value, [s.name for s in VM_SIZES.values()])
            if close:
                raise ValueError(msg("{value!r} is not a VM size Azure ML offers (did you mean {close}?)", value=value,
                                     close=close))
            raise ValueError(msg("{value!r} is not a VM size Azure ML offers", value=value))
        return size.name


class Team(_Section):
    name: str
    members: list[Person] = Field(default_factory=list)
    repo: str = Field(default="", validate_default=False)  # default: teams/<name>, where setup writes the kit
    target: TargetLiteral = "azure"
    subscription: str | None = None  # default: the azure: subscriptions in turn
    workspace: Workspace | None = None  # default: the names derived from azure: (see event_names.py)

    @model_validator(mode="before")
    @classmethod
    def _default_repo(cls, value: object) -> object:
        if isinstance(value, dict) and not value.get("repo") and isinstance(value.get("name"), str):
            value = {**value, "repo": f"{KITS}/{value['name']}"}
        return value

    @field_validator("subscription")
    @classmethod
    def _a_subscription(cls, value: str | None) -> str | None:
        if value is not None and not _GUID.match(value):
            raise ValueError(msg("{value!r} is not a subscription id (a GUID)", value=value))
        return value

    @property
    def member_names(self) -> list[str]:
        return [m.name for m in self.members]

    @field_validator("name")
    @classmethod
    def _a_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(msg("must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"))
        return value

    @property
    def repo_is_url(self) -> bool:
        return bool(_URL.match(self.repo))


class Coach(Person):
    teams: list[str] = Field(default_factory=list)  # whom they look after; the Azure roles cover every team


class Event(_Section):
    event: EventInfo
    azure: Azure | None = None
    teams: list[Team] = Field(min_length=1)
    coaches: list[Coach] = Field(default_factory=list)

    def team(self, name: str) -> Team:
        for team in self.teams:
            if team.name == name:
                return team
        raise ConfigError(msg("There is no team {name!r} in the event (its teams: {teams}).", name=name,
                              teams=[t.name for t in self.teams]))


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
                msg("No {file} here or in any parent folder.", file=EVENT_NAME),
                hint=msg("Pass --event path/to/event.yaml, or run the command in the event's folder."),
            )
    from ohcheck import user_files

    try:
        text = user_files.read_text(path)  # a FIFO or a device is refused, not waited on
    except FileNotFoundError:
        raise ConfigError(msg("{path} does not exist.", path=path)) from None
    except user_files.NotRegularFile as exc:
        raise ConfigError(exc.sentence) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(msg("Cannot read {path}: {error}.", path=path, error=exc)) from None
    data = load_mapping(text, str(path), expected="`event:`, `teams:` and `coaches:`")
    try:
        event = validate(Event, data, text, str(path))
        _names_agree(event, text, str(path))
    except ConfigError as exc:
        # A problem in the file is said in the file's language: the command adopts it (cli.options).
        exc.language = _language_named(data)
        raise
    return LoadedEvent(path=path.resolve(), event=_with_workspaces(event))


def _language_named(data: dict) -> str | None:
    """The `event.language` of a file not yet validated, when it names a language ohcheck speaks."""
    from ohcheck import i18n

    info = data.get("event")
    language = info.get("language") if isinstance(info, dict) else None
    try:
        return i18n.normalise(language) if isinstance(language, str) else None
    except i18n.LanguageError:
        return None  # validation says what is wrong with it


def _with_workspaces(event: Event) -> Event:
    """Azure teams without a workspace of their own get the one setup makes for them (event_names.py)."""
    if event.azure is None:
        return event
    from ohcheck.event.names import team_names

    teams = []
    for team in event.teams:
        if team.workspace is None and team.target == "azure":
            names = team_names(event, team)
            team = team.model_copy(update={"workspace": Workspace(
                subscription_id=names.subscription_id, resource_group=names.resource_group, name=names.workspace)})
        teams.append(team)
    return event.model_copy(update={"teams": teams})


def _names_agree(event: Event, text: str, source: str) -> None:
    """Team names are unique and coaches look after teams of the event; the message names the line."""

    def at(*loc: str | int) -> str:
        return where_in(source, line_of(text, loc))

    seen: set[str] = set()
    folded: dict[str, str] = {}
    for i, team in enumerate(event.teams):
        if team.name in seen:
            raise ConfigError(msg("{where}: two teams are named {team}.", where=at("teams", i, "name"), team=team.name))
        # team1 and Team1 would share a kit folder on Windows and macOS, and every Azure name.
        if team.name.lower() in folded:
            raise ConfigError(msg("{where}: teams {first} and {second} differ only in case; Azure names ignore case, "
                                  "so rename one.", where=at("teams", i, "name"), first=folded[team.name.lower()],
                                  second=team.name))
        seen.add(team.name)
        folded[team.name.lower()] = team.name
    for i, coach in enumerate(event.coaches):
        unknown = [t for t in coach.teams if t not in seen]
        if unknown:
            raise ConfigError(msg("{where}: coach {coach} looks after {teams}, which is not a team of the event.",
                                  where=at("coaches", i, "teams"), coach=coach.name, teams=unknown))
