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
from ohcheck.event import Event, LoadedEvent, Team
from ohcheck.event_infra import provisioned
from ohcheck.event_names import TeamNames, team_names
from ohcheck.preflight_checks import (
    CREDENTIAL,
    ERROR,
    OK,
    PROBLEM,
    WARNING,
    Check,
    check_credential,
    check_providers,
    not_checked,
)
from ohcheck.preflight_names import Resolver, check_names
from ohcheck.preflight_quota import check_quota, client
from ohcheck.targets import azure as azure_target


@dataclass
class Group:
    """The teams of one subscription and region, and the rows checked for them."""

    subscription: str
    region: str
    teams: list[tuple[Team, TeamNames]]
    checks: list[Check] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"subscription": self.subscription, "region": self.region,
                "teams": [t.name for t, _ in self.teams], "checks": [c.to_dict() for c in self.checks]}


def main(loaded: LoadedEvent, *, as_json: bool, console: Any) -> int:
    """Check every (subscription, region) of the event; print the table (or JSON); the exit code."""
    event = loaded.event
    if event.azure is None:
        raise ConfigError(f"{loaded.path} has no `azure:` section: preflight checks the subscriptions and region "
                          "it names. Add one (`ohcheck event init` writes an example).")
    groups = group_teams(event)
    elsewhere = [t.name for t in event.teams if t.target == "azure" and not provisioned(event, t)]
    from ohcheck.step_progress import StepProgress

    with StepProgress(len(groups), "checking", enabled=not as_json and len(groups) > 1) as advance:
        credential = _credential() if groups else None
        for group in groups:
            group.checks = check_group(event, group, credential)
            advance(f"{group.subscription} {group.region}")
    code = exit_code(groups)
    if as_json:
        from ohcheck.cli_common import _echo_json

        _echo_json({"event": event.event.name, "groups": [g.to_dict() for g in groups], "ok": code == EXIT_OK,
                    "not_checked_teams": elsewhere})
    else:
        render(console, groups, elsewhere, code)
    return code


def _credential() -> Any:
    """The facilitator's credential; one that cannot even be made fails its first get_token (a row, not a crash)."""
    try:
        return azure_target.default_credential()  # through the module: tests hand out the fake's
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
    from ohcheck.arm_reader import ArmReader

    assert event.azure is not None
    sub, region = group.subscription, group.region
    arm = ArmReader(credential)
    first = check_credential(credential, arm, sub)
    if first.status != OK:
        return [first, *not_checked(f"the {CREDENTIAL.lower()} check did not pass")]
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


# -- rendering --------------------------------------------------------------------------------
_STYLE = {OK: "green", PROBLEM: "red", ERROR: "yellow", WARNING: "magenta"}


def render(console: Any, groups: list[Group], elsewhere: list[str], code: int) -> None:
    from rich.markup import escape
    from rich.table import Table

    if not groups:
        console.print("No team gets its workspace from setup (every team is local or brings its own): "
                      "nothing to check.")
        return
    # One table per subscription and region, named above it: a GUID column would take a third of
    # an 80-column terminal from the sentences that say what to fix.
    for group in groups:
        teams = ", ".join(team.name for team, _ in group.teams)
        console.print(f"[bold]Subscription {escape(group.subscription)}, region {escape(group.region)}[/]"
                      + (f" [dim](teams: {escape(teams)})[/]" if teams else ""))
        table = Table(show_edge=False)
        table.add_column("Check", no_wrap=True)
        table.add_column("Status", no_wrap=True)
        table.add_column("Found", overflow="fold", ratio=3)
        table.add_column("Fix", overflow="fold", ratio=2)
        for check in group.checks:
            table.add_row(escape(check.check), f"[{_STYLE[check.status]}]{check.status}[/]",
                          escape(check.found), escape(check.fix))
        console.print(table)
    # A table cell wraps a long command; printed again whole, it can be copied and pasted.
    commands = [c.fix for g in groups for c in g.checks if c.status == PROBLEM and c.fix.startswith("az ")]
    if commands:
        console.print("\nCommands that fix problems above:")
        for command in dict.fromkeys(commands):
            console.print(f"  {escape(command)}")
    if elsewhere:
        console.print(f"[dim]Not checked (they bring their own workspace): {escape(', '.join(elsewhere))}[/]")
    console.print(verdict(groups, code))


def verdict(groups: list[Group], code: int) -> str:
    rows = [c for g in groups for c in g.checks]
    skipped = sum(1 for c in rows if c.status == ERROR and c.found.startswith("not checked"))
    counts = {s: sum(1 for c in rows if c.status == s) for s in (PROBLEM, ERROR, WARNING)}
    counts[ERROR] -= skipped  # rows a failed credential check left undone are counted apart
    where = f"{len(groups)} subscription/region{'s' if len(groups) != 1 else ''}"
    tally = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items() if n)
    if skipped:
        tally += f"{', ' if tally else ''}{skipped} not checked"
    if code == EXIT_FAILED:
        return f"[red]Not ready:[/] {tally} in {where}. Fix the problems, then run preflight again."
    if code == EXIT_UNDECIDED:
        return f"[yellow]Not decided:[/] {tally} in {where}: some checks could not run; fix what the errors say and run again."
    if counts[WARNING]:
        return f"[green]Ready[/] ({tally}): every check of {where} passed."
    return f"[green]Ready:[/] every check of {where} passed."
