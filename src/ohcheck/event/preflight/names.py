"""Preflight's name rows: are the teams' online endpoint and compute instance names free in the region?

Both must be unique per region across all of Azure. Two looks:
(a) the subscription's own resources (ARM's generic resource list, filtered by
    type): a name used in a workspace other than the team's is taken; in the
    team's own workspace it is fine (a re-run after setup);
(b) for endpoints, DNS: an online endpoint's scoring host is
    `{name}.{region}.inference.ml.azure.com`, so a name that resolves belongs
    to some endpoint somewhere (another subscription, another tenant). No
    answer (NXDOMAIN) means free; any other DNS failure only means "could not
    check", a warning. OHCHECK_ENDPOINT_DNS=off skips it (closed networks, tests).
Names two teams of the event share in one region come from event_names.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ohcheck.event.model import Event, Team
from ohcheck.event.names import TeamNames, name_problems
from ohcheck.i18n import Msg, msg
from ohcheck.event.preflight.checks import (
    OK,
    PROBLEM,
    WARNING,
    Check,
    CheckFailed,
    call,
    joined,
)

ENDPOINT_TYPE = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"
COMPUTE_TYPE = "Microsoft.MachineLearningServices/workspaces/computes"
DNS_TIMEOUT = 3.0
DNS_SWITCH = "OHCHECK_ENDPOINT_DNS"
Resolver = Callable[..., Any]  # socket.getaddrinfo's signature


@dataclass(frozen=True)
class Found:
    """A resource of the subscription, by the parts of its ARM id."""

    name: str
    location: str
    resource_group: str
    workspace: str


def dns_enabled() -> bool:
    return os.environ.get(DNS_SWITCH, "").strip().lower() not in ("off", "0", "false", "no")


def scoring_host(name: str, region: str) -> str:
    return f"{name}.{region}.inference.ml.azure.com"


def lookup(host: str, *, resolver: Resolver = socket.getaddrinfo, timeout: float | None = None) -> str:
    """'resolves', 'nxdomain', or why DNS could not tell (a timeout, a refused query...).

    getaddrinfo has no timeout of its own, so it runs in a daemon thread the
    check stops waiting for: a silent resolver cannot hold preflight up.
    """
    outcome: list[str] = []

    def ask() -> None:
        try:
            resolver(host, 443, proto=socket.IPPROTO_TCP)
            outcome.append("resolves")
        except socket.gaierror as exc:
            outcome.append("nxdomain" if exc.errno == socket.EAI_NONAME else
                           msg("DNS failed: {error}", error=exc.strerror or exc))
        except Exception as exc:  # noqa: BLE001 - any other failure is "could not tell"
            outcome.append(msg("DNS failed: {kind}: {error}", kind=type(exc).__name__, error=exc))

    wait = DNS_TIMEOUT if timeout is None else timeout
    thread = threading.Thread(target=ask, name="ohcheck-dns", daemon=True)
    thread.start()
    thread.join(wait)
    return outcome[0] if outcome else msg("DNS did not answer in {seconds:g} s", seconds=wait)


def endpoint_in_dns(name: str, region: str, *, resolver: Resolver = socket.getaddrinfo,
                    timeout: float | None = None) -> tuple[str, str]:
    """('taken' | 'free' | 'unknown', what was seen) for an endpoint name, from DNS alone.

    A name that resolves is checked against a random one: if that resolves too,
    the resolver answers every name (a wildcard, a captive portal) and tells nothing.
    """
    host = scoring_host(name, region)
    seen = lookup(host, resolver=resolver, timeout=timeout)
    if seen == "nxdomain":
        return "free", msg("{host} does not resolve", host=host)
    if seen != "resolves":
        return "unknown", seen
    control = scoring_host(f"ohcheck-{uuid.uuid4().hex[:12]}", region)
    if lookup(control, resolver=resolver, timeout=timeout) == "resolves":
        return "unknown", msg("this network's DNS resolves any name, so it cannot tell")
    return "taken", msg("{host} resolves: an online endpoint outside this subscription has the name", host=host)


def list_found(arm: Any, subscription: str, resource_type: str, what: Msg) -> list[Found]:
    """The resources of a type in the subscription; `what` says the listing ("list the computes of ...")."""
    items = call(what, subscription, lambda: arm.resources_of_type(subscription, resource_type))
    return [f for f in map(_found, items) if f is not None]


def check_names(arm: Any, event: Event, subscription: str, region: str, teams: list[tuple[Team, TeamNames]], *,
                resolver: Resolver = socket.getaddrinfo) -> list[Check]:
    """The endpoint rows, then the compute instance rows, for the teams of one subscription and region."""
    shared = {(p.team, p.kind): p.problem for p in name_problems(event) if p.kind in ("endpoint", "compute_instance")}
    rows: list[Check] = []
    for kind, resource_type, label, use_dns in (("endpoint", ENDPOINT_TYPE, msg("Endpoint names"), dns_enabled()),
                                                ("compute_instance", COMPUTE_TYPE, msg("Compute instance names"), False)):
        if kind == "endpoint":
            what = msg("list the online endpoints of subscription {subscription}", subscription=subscription)
        else:
            what = msg("list the computes of subscription {subscription}", subscription=subscription)
        try:
            found = list_found(arm, subscription, resource_type, what)
        except CheckFailed as failed:
            rows.append(failed.row(label))
            continue
        rows += _rows(kind, label, found, region, teams, shared, dns=resolver if use_dns else None)
    return rows


def _rows(kind: str, label: str, found: list[Found], region: str, teams: list[tuple[Team, TeamNames]],
          shared: dict[tuple[str, str], str], *, dns: Resolver | None) -> list[Check]:
    noun = msg("online endpoint") if kind == "endpoint" else msg("compute instance")  # both take "an"
    problems: list[Check] = []
    free: list[str] = []
    own: list[str] = []
    unknown: list[Msg] = []
    silent = ""
    for team, names in teams:
        name = getattr(names, kind)
        rename = msg("rename team {team} or change the event's prefix ({noun} names are unique per region)",
                     team=team.name, noun=noun)
        one = msg("Endpoint name {name}", name=name) if kind == "endpoint" else msg("Compute instance name {name}",
                                                                                    name=name)
        if (team.name, kind) in shared:
            problems.append(Check(one, PROBLEM, msg("team {team}: {name} {problem}", team=team.name, name=name,
                                                    problem=shared[(team.name, kind)]),
                                  msg("rename one of the teams, or change the prefix")))
            continue
        same = [f for f in found if f.name.lower() == name.lower() and _region(f.location) == region]
        theirs = [f for f in same if not _is_own(f, team)]
        if theirs:
            f = theirs[0]
            problems.append(Check(one, PROBLEM,
                                  msg("team {team}: an {noun} {name} already exists in workspace {workspace} "
                                      "(resource group {group}) in {region}", team=team.name, noun=noun, name=name,
                                      workspace=f.workspace, group=f.resource_group, region=region), rename))
        elif same:
            own.append(name)
        elif dns is not None:
            # A resolver that did not answer once will not for the next name either: do not wait 3 s per team.
            verdict, seen = ("unknown", silent) if silent else endpoint_in_dns(name, region, resolver=dns)
            if verdict == "unknown" and "did not answer" in seen:
                silent = seen
            if verdict == "taken":
                problems.append(Check(one, PROBLEM, msg("team {team}: {seen}", team=team.name, seen=seen), rename))
            elif verdict == "unknown":
                unknown.append(msg("{name} ({seen})", name=name, seen=seen))
            else:
                free.append(name)
        else:
            free.append(name)
    if not (free or own or unknown):
        return problems
    parts = [msg("{count} free in {region}", count=len(free), region=region)] if free else []
    if own:
        parts.append(msg("already the team's own: {names}", names=own))
    if kind == "endpoint":
        parts.append(msg("searched this subscription and DNS") if dns is not None else
                     msg("searched this subscription only ({switch}=off: no DNS look-up outside it)", switch=DNS_SWITCH))
    if unknown:
        names = joined(unknown, lambda first, second: msg("{first}, {second}", first=first, second=second))
        return [*problems, Check(label, WARNING, msg("{found}; could not check outside the subscription: {names}",
                                                     found=parts, names=names),
                                 msg("run preflight again on a network with DNS, or "
                                     "accept the risk that another subscription has the name"))]
    return [*problems, Check(label, OK, msg("{found}", found=parts))]


def _found(item: dict[str, Any]) -> Found | None:
    """The name, region, resource group and workspace of a workspace child, from its ARM id."""
    parts = str(item.get("id") or "").strip("/").split("/")
    lowered = [p.lower() for p in parts]
    try:
        rg = parts[lowered.index("resourcegroups") + 1]
        ws = parts[lowered.index("workspaces") + 1]
    except (ValueError, IndexError):
        return None
    return Found(parts[-1], str(item.get("location") or ""), rg, ws)


def _is_own(found: Found, team: Team) -> bool:
    ws = team.workspace
    return ws is not None and (found.resource_group.lower(), found.workspace.lower()) == (
        ws.resource_group.lower(), ws.name.lower())


def _region(location: str) -> str:
    return location.replace(" ", "").lower()  # ARM may say "East US" where the event says eastus
