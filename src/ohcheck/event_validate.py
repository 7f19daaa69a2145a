"""`ohcheck event validate`: is the event file ready for setup?

The file's own shape (keys, types, dates, unique team names, region, VM sizes)
is event.py's job: a problem there is one sentence with the line. This adds
what only the whole event tells: every Azure name setup derives, against its
resource type's rules and the scope where Azure wants it unique
(event_names.py), and notes on what setup will not do (a member without an
Entra user gets no role).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ohcheck.errors import EXIT_USAGE
from ohcheck.event import LoadedEvent
from ohcheck.event_names import TeamNames, name_problems, team_names


@dataclass
class ValidationReport:
    loaded: LoadedEvent
    problems: list[str] = field(default_factory=list)  # each one sentence; any of them stops setup
    notes: list[str] = field(default_factory=list)  # worth knowing, not wrong
    names: list[TeamNames] = field(default_factory=list)
    exit_code: int = EXIT_USAGE

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        event = self.loaded.event
        return {
            "event": str(self.loaded.path),
            "name": event.event.name,
            "ok": self.ok,
            "problems": self.problems,
            "notes": self.notes,
            "teams": [{"team": t.name, "target": t.target, "members": t.member_names} for t in event.teams],
            "names": [n.as_dict() for n in self.names],
        }

    def render(self, console: Any) -> None:
        from rich.markup import escape
        from rich.table import Table

        event = self.loaded.event
        if self.names:
            # The names people type; all of them (storage, key vault, ...) are in --json.
            table = Table(title="Azure names, per team", title_justify="left")
            columns = ["Team", "Resource group", "Workspace", "Endpoint", "Compute instance"]
            several = len({n.subscription_id for n in self.names}) > 1
            if several:
                columns.insert(1, "Subscription")
            for column in columns:
                table.add_column(column, overflow="fold")
            for n in self.names:
                row = [n.team, n.resource_group, n.workspace, n.endpoint, n.compute_instance]
                if several:
                    row.insert(1, n.subscription_id[:8] + "…")
                table.add_row(*(escape(v) for v in row))
            console.print(table)
        for note in self.notes:
            console.print(f"[cyan]note:[/] {escape(note)}")
        for problem in self.problems:
            console.print(f"[bold red]error:[/] {escape(problem)}")
        if self.ok:
            console.print(escape(f"{self.loaded.path} is valid: {_count(len(event.teams), 'team')}, {_count(len(event.coaches), 'coach')}. "
                                 "Next: `ohcheck event setup`."))
        else:
            console.print(escape(f"{self.loaded.path}: {len(self.problems)} problem(s) to fix before setup."))


def validate_event(loaded: LoadedEvent) -> ValidationReport:
    event = loaded.event
    report = ValidationReport(loaded)
    if event.azure is None:
        report.notes.append("There is no azure: section: setup writes the team kits only, with no Azure templates, "
                            "and preflight has nothing to check.")
    else:
        azure_teams = [t for t in event.teams if t.target == "azure"]
        report.names = [team_names(event, t) for t in azure_teams]
        report.problems = [p.sentence() for p in name_problems(event) if p.team in {t.name for t in azure_teams}]
        for team in azure_teams:
            without = [m.name for m in team.members if not m.user]
            if without:
                report.notes.append(f"Team {team.name}: {', '.join(without)} without a user: no Azure role "
                                    "(add `user: name@domain` to give AzureML Data Scientist on the workspace).")
        coaches = [c.name for c in event.coaches if not c.user]
        if coaches:
            report.notes.append(f"Coach {', '.join(coaches)} without a user: no Reader role on the teams' workspaces.")
    coached = {name for c in event.coaches for name in c.teams}
    alone = [t.name for t in event.teams if t.name not in coached]
    if event.coaches and alone:
        report.notes.append(f"No coach looks after {', '.join(alone)}.")
    return report


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else ("es" if word.endswith("ch") else "s"))
