"""The target protocol: read-only questions about where a team's work lives.

This is the cut between checks and the outside world. Above it, checks ask
questions in the hack's own words (`computes()`, `data_asset(name)`,
`runs(experiment)`, `latest_model(name)`); below it, only `targets/local.py`
knows MLflow's SQLite store and only `targets/azure.py` knows azure-ai-ml.
Answers are the plain types below, never SDK objects. A new target is one
file implementing `Target`.

Targets never create, update or delete anything.

Two kinds of exception cross the cut:
* `NotOnThisTarget` — the question has no meaning here (a compute cluster on
  the local target); the runner reports the criterion as skipped, with the reason.
* `TargetError` — the target could not answer (no credential, 403, not
  reachable); the runner reports the criterion as error, never as failed.
  Its subclasses `AccessDenied` and `NotFound` let the few criteria whose
  question they answer fail instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


class NotOnThisTarget(Exception):
    """The question means nothing on this target; the message says why."""


class TargetError(Exception):
    """The target could not answer; the message says what to do about it."""


class AccessDenied(TargetError):
    """No credential, or the credential may not read the workspace (401/403).

    Reported as error by most criteria; a criterion whose very question is
    "can the credential reach the workspace" catches it and fails instead.
    """


class NotFound(TargetError):
    """The workspace itself does not exist (as configured).

    Reported as error by most criteria (they cannot look inside it); the
    criterion "the workspace exists" catches it and fails instead.
    """


@dataclass(frozen=True)
class Workspace:
    name: str
    location: str = ""
    resource_group: str = ""
    subscription_id: str = ""
    tracking_uri: str = ""


@dataclass(frozen=True)
class Identity:
    """Who the credential is, as far as the target can tell (never a token)."""

    description: str


@dataclass(frozen=True)
class Compute:
    name: str
    kind: str  # "cluster" (AmlCompute) or "instance" (ComputeInstance) or the service's type
    state: str = ""
    vm_size: str = ""
    min_instances: int | None = None
    max_instances: int | None = None
    idle_seconds_before_scale_down: int | None = None


@dataclass(frozen=True)
class DataAsset:
    name: str
    version: str
    type: str  # uri_file, uri_folder, mltable
    path: str = ""


@dataclass(frozen=True)
class Run:
    """A training run: an MLflow run locally, a job's MLflow run on Azure."""

    id: str
    name: str
    experiment: str
    status: str  # FINISHED / FAILED / RUNNING ... as MLflow says it
    start_time: float | None = None  # seconds since the epoch
    end_time: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    artifacts: tuple[str, ...] = ()
    parent_id: str | None = None


@dataclass(frozen=True)
class ModelVersion:
    name: str
    version: str
    source: str = ""
    run_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    created: float | None = None


@runtime_checkable
class Target(Protocol):
    """What every target answers. Methods raise NotOnThisTarget or TargetError."""

    name: str

    def workspace(self) -> Workspace:
        """The workspace the team works in."""
        ...

    def identity(self) -> Identity:
        """Prove the credential reaches the workspace; say who it is."""
        ...

    def computes(self) -> list[Compute]:
        """Compute instances and clusters of the workspace."""
        ...

    def data_asset(self, name: str, version: str | None = None) -> DataAsset | None:
        """A registered data asset (the latest version unless one is named), or None."""
        ...

    def runs(self, experiment: str) -> list[Run]:
        """The runs of an experiment, newest first (empty if there is none)."""
        ...

    def latest_model(self, name: str) -> ModelVersion | None:
        """The newest registered version of a model, or None."""
        ...

    def close(self) -> None:
        """Release connections; the target is not used afterwards."""
        ...

