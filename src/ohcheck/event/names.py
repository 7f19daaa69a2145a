"""Every Azure name a team gets, derived from the event's prefix and the team name, and Azure's rules for them.

One function (`team_names`) decides the names; setup writes them into the
team kit and the templates, preflight and teardown look for them, and the
coach tools find the workspace by them. `name_problems` checks each against
the length and character rules of its resource type and the scope in which
Azure wants it unique, so `ohcheck event validate` catches a name Azure would
refuse an hour into the deployment.

Names that must be unique across all of Azure (storage account, key vault,
container registry) carry a short hash of the subscription, prefix and team,
so two events with the same prefix do not collide; they are shortened to fit
and still differ. The names people type (workspace, endpoint, compute
instance) are never shortened: a name too long is an error to fix in the
prefix or the team name.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from collections.abc import Sequence
from typing import Protocol

from ohcheck.i18n import Msg, msg


# What naming reads of an event (ohcheck.event.model's Event, Azure and Team have it), said as
# protocols so that this module needs nothing of the model, which derives workspaces from it.
class _AzureSection(Protocol):
    @property
    def prefix(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def subscriptions(self) -> Sequence[str]: ...


class TeamLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def subscription(self) -> str | None: ...


class EventLike(Protocol):
    @property
    def azure(self) -> _AzureSection | None: ...
    @property
    def teams(self) -> Sequence[TeamLike]: ...

COMPUTE_CLUSTER = "cpu-cluster"  # what ohcheck.yaml and the challenges call it (one per workspace)


@dataclass(frozen=True)
class NameRule:
    kind: str  # the resource type, as a person says it (a message)
    min_len: int
    max_len: int
    pattern: str  # a regular expression the whole name must match
    chars: str  # the same rule in words (a message)
    unique: str  # where Azure wants it unique: "global", "region", "subscription" or "workspace"


RULES: dict[str, NameRule] = {
    "resource_group": NameRule(msg("resource group"), 1, 90, r"[-\w.()]*[-\w()]",
                               msg("letters, digits, '-', '_', '.', '(' or ')', not ending in '.'"), "subscription"),
    "workspace": NameRule(msg("Azure ML workspace"), 3, 33, r"[A-Za-z0-9][A-Za-z0-9_-]*",
                          msg("letters, digits, '-' or '_', starting with a letter or digit"), "region"),
    "storage_account": NameRule(msg("storage account"), 3, 24, r"[a-z0-9]+", msg("lowercase letters and digits"),
                                "global"),
    "key_vault": NameRule(msg("key vault"), 3, 24, r"[A-Za-z](?:[A-Za-z0-9]|-(?!-))*[A-Za-z0-9]",
                          msg("letters, digits and single hyphens, starting with a letter"), "global"),
    "container_registry": NameRule(msg("container registry"), 5, 50, r"[A-Za-z0-9]+", msg("letters and digits"),
                                   "global"),
    "app_insights": NameRule(msg("Application Insights"), 1, 255, r"[^%&\\?/]+", msg("no '%', '&', '\\', '?' or '/'"),
                             "subscription"),
    "log_analytics": NameRule(msg("Log Analytics workspace"), 4, 63, r"[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]",
                              msg("letters, digits and hyphens, starting and ending with a letter or digit"),
                              "subscription"),
    "compute_cluster": NameRule(msg("compute cluster"), 2, 16, r"[A-Za-z][A-Za-z0-9-]*",
                                msg("letters, digits and hyphens, starting with a letter"), "workspace"),
    "compute_instance": NameRule(msg("compute instance"), 3, 24, r"[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]",
                                 msg("letters, digits and hyphens, starting with a letter"), "region"),
    "endpoint": NameRule(msg("online endpoint"), 3, 32, r"[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]",
                         msg("letters, digits and hyphens, starting with a letter"), "region"),
}


@dataclass(frozen=True)
class TeamNames:
    team: str
    subscription_id: str
    region: str
    resource_group: str
    workspace: str
    storage_account: str
    key_vault: str
    container_registry: str
    app_insights: str
    log_analytics: str
    compute_cluster: str
    compute_instance: str
    endpoint: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def resource_names(self) -> dict[str, str]:
        """The names `RULES` applies to, by kind."""
        return {kind: getattr(self, kind) for kind in RULES}


@dataclass(frozen=True)
class NameProblem:
    team: str
    kind: str
    name: str
    problem: str  # a message: what is wrong, as a predicate ("is 40 characters, ...")

    def sentence(self) -> Msg:
        return msg("Team {team}: the {kind} name {name!r} {problem}.", team=self.team, kind=RULES[self.kind].kind,
                   name=self.name, problem=self.problem)


def slug(text: str) -> str:
    """Lowercase, '-' for anything but letters and digits, no doubled or trailing hyphens."""
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9]", "-", text.lower())).strip("-")


def _alnum(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _hash(*parts: str, length: int = 6) -> str:
    """A short, stable, lowercase suffix: the same inputs always give the same names (re-running setup)."""
    return hashlib.sha256("/".join(p.lower() for p in parts).encode()).hexdigest()[:length]


def subscription_of(event: EventLike, team: TeamLike) -> str:
    """The team's own subscription, else the event's subscriptions in turn (team 1 → first, ...)."""
    if team.subscription:
        return team.subscription
    assert event.azure is not None
    index = [t.name for t in event.teams].index(team.name)
    return event.azure.subscriptions[index % len(event.azure.subscriptions)]


def team_names(event: EventLike, team: TeamLike) -> TeamNames:
    """The names of everything setup makes for `team` (the event must have an `azure:` section)."""
    if event.azure is None:
        raise ValueError("the event has no azure: section to derive names from")
    prefix, name = event.azure.prefix, slug(team.name)
    sub = subscription_of(event, team)
    digest = _hash(sub, prefix, team.name)
    both = _alnum(prefix + team.name)
    return TeamNames(
        team=team.name,
        subscription_id=sub,
        region=event.azure.region,
        resource_group=f"rg-{prefix}-{name}",
        workspace=f"mlw-{prefix}-{name}",
        storage_account=f"st{both[:16]}{digest}",
        key_vault=f"kv-{slug(prefix + '-' + name)[:14].strip('-')}-{digest}",
        container_registry=f"cr{both[:40]}{digest}",
        app_insights=f"appi-{prefix}-{name}",
        log_analytics=f"log-{prefix}-{name}",
        compute_cluster=COMPUTE_CLUSTER,
        compute_instance=f"ci-{prefix}-{name}",
        endpoint=f"{prefix}-{name}-forecast",
    )


def check_name(kind: str, name: str) -> Msg | None:
    """What is wrong with `name` for a resource of `kind` (a predicate: "is 40 characters, ..."), or None."""
    rule = RULES[kind]
    if len(name) > rule.max_len:
        return msg("is {length} characters, {over} more than the {max} Azure allows", length=len(name),
                   over=len(name) - rule.max_len, max=rule.max_len)
    if len(name) < rule.min_len:
        return msg("is shorter than the {min} characters Azure needs", min=rule.min_len)
    if not re.fullmatch(rule.pattern, name):
        return msg("breaks Azure's rule for it: {rule}", rule=rule.chars)
    return None


def name_problems(event: EventLike) -> list[NameProblem]:
    """Every derived name that breaks its rule or collides with another team's where Azure wants it unique."""
    problems: list[NameProblem] = []
    seen: dict[tuple[str, str, str], str] = {}  # (kind, scope, lowercased name) -> team
    for team in event.teams:
        names = team_names(event, team)
        for kind, value in names.resource_names().items():
            wrong = check_name(kind, value)
            if wrong:
                problems.append(NameProblem(team.name, kind, value, _with_fix(kind, wrong)))
                continue
            scope = {"global": "", "region": names.region, "subscription": names.subscription_id,
                     "workspace": f"{names.subscription_id}/{names.resource_group}"}[RULES[kind].unique]
            key = (kind, scope, value.lower())
            if key in seen and seen[key] != team.name:
                unique = RULES[kind].unique
                where = (msg("in all of Azure") if unique == "global" else
                         msg("in region {region}", region=names.region) if unique == "region" else
                         msg("in a subscription") if unique == "subscription" else msg("in a workspace"))
                problems.append(NameProblem(team.name, kind, value,
                                            msg("is also team {other}'s; Azure wants it unique {where}: rename one team",
                                                other=seen[key], where=where)))
            seen.setdefault(key, team.name)
    return problems


def _with_fix(kind: str, problem: Msg) -> Msg:
    if kind == "compute_cluster":
        return problem
    return msg("{problem}: shorten the event's prefix or the team's name", problem=problem)
