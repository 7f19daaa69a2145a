"""`ohcheck event preflight`: before the event, is every subscription and region ready for the teams?

The teams whose workspaces setup makes are grouped by (subscription, region);
for each group, in order: the credential (a token for ARM, the subscription
readable and Enabled), the resource providers a workspace needs, the VM sizes
and the vCPU quota for every team's cluster at its maximum plus every team's
compute instance, and that the endpoint and compute instance names are free.
If the credential check does not pass, the group's other checks are "not
checked" (error), never problems. Strictly read-only: GETs only.

Exit codes: 0 ready (warnings allowed), 1 a problem to fix, 3 something could
not be checked and no problem was found; 2 (ConfigError) for an event with no
`azure:` section.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any

from ohcheck.errors import EXIT_FAILED, EXIT_OK, EXIT_UNDECIDED, ConfigError
from ohcheck.event.model import Event, LoadedEvent, Team
from ohcheck.event.infra import provisioned
from ohcheck.event.names import TeamNames, team_names
from ohcheck.i18n import Catalogue, framework, msg
from ohcheck.event.preflight.checks import (
    ERROR,
    OK,
    PROBLEM,
    Check,
    check_credential,
    check_providers,
    not_checked,
)
from ohcheck.event.preflight.names import Resolver, check_names
from ohcheck.event.preflight.quota import check_quota, client
from ohcheck.azure import identity


@dataclass
class Group:
    """The teams of one subscription and region, and the rows checked for them."""

    subscription: str
    region: str
    teams: list[tuple[Team, TeamNames]]
    checks: list[Check] = field(default_factory=list)

    def to_dict(self, catalogue: Catalogue | None = None) -> dict[str, Any]:
        return {"subscription": self.subscription, "region": self.region,
                "teams": [t.name for t, _ in self.teams], "checks": [c.to_dict(catalogue) for c in self.checks]}


def main(loaded: LoadedEvent, *, as_json: bool, console: Any) -> int:
    """Check every (subscription, region) of the event; print the table (or JSON); the exit code."""
    event = loaded.event
    if event.azure is None:
        raise ConfigError(msg("{path} has no `azure:` section: preflight checks the subscriptions and region "
                              "it names. Add one (`ohcheck event init` writes an example).", path=loaded.path))
    groups = group_teams(event)
    elsewhere = [t.name for t in event.teams if t.target == "azure" and not provisioned(event, t)]
    from ohcheck.i18n import t
    from ohcheck.render.progress import StepProgress

    with StepProgress(len(groups), t("checking"), enabled=not as_json and len(groups) > 1) as advance:
        credential = _credential() if groups else None
        for group in groups:
            group.checks = check_group(event, group, credential)
            advance(f"{group.subscription} {group.region}")
    code = exit_code(groups)
    if as_json:
        from ohcheck.render.console import echo_json as _echo_json

        said = framework()  # check and status stay stable; what was found and the fix are said in `lang`
        _echo_json({"event": event.event.name, "lang": said.lang, "groups": [g.to_dict(said) for g in groups],
                    "ok": code == EXIT_OK, "not_checked_teams": elsewhere})
    else:
        from ohcheck.render.event_views import print_preflight

        print_preflight(console, groups, elsewhere, code)
    return code


def _credential() -> Any:
    """The facilitator's credential; one that cannot even be made fails its first get_token (a row, not a crash)."""
    try:
        return identity.default_credential()  # through the module: tests hand out the fake's
    except Exception as exc:  # noqa: BLE001
        failure = exc  # `exc` is unbound when the except block ends

        class Unusable:
            def get_token(self, *scopes: str, **kwargs: Any) -> Any:
                raise failure

        return Unusable()


def group_teams(event: Event) -> list[Group]:
    """The teams setup makes workspaces for, by (subscription, region), in the event's order."""
    groups: dict[tuple[str, str], Group] = {}
    for team in event.teams:
        if not provisioned(event, team):  # local teams, and teams that bring their own workspace
            continue
        names = team_names(event, team)
        key = (names.subscription_id.lower(), names.region)
        groups.setdefault(key, Group(names.subscription_id, names.region, [])).teams.append((team, names))
    return list(groups.values())


def check_group(event: Event, group: Group, credential: Any, *, resolver: Resolver = socket.getaddrinfo) -> list[Check]:
    """The rows of one group: the credential first; the rest only if it passed."""
    from ohcheck.azure.arm import ArmReader

    assert event.azure is not None
    sub, region = group.subscription, group.region
    arm = ArmReader(credential)
    first = check_credential(credential, arm, sub)
    if first.status != OK:
        return [first, *not_checked(msg("the credential check did not pass"))]
    rows = [first, *check_providers(arm, sub)]
    rows += check_quota(client(credential, sub), sub, region, event.azure, len(group.teams))
    rows += check_names(arm, event, sub, region, group.teams, resolver=resolver)
    return rows


def exit_code(groups: list[Group]) -> int:
    statuses = {c.status for g in groups for c in g.checks}
    if PROBLEM in statuses:
        return EXIT_FAILED
    if ERROR in statuses:
        return EXIT_UNDECIDED
    return EXIT_OK
