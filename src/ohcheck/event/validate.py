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
from ohcheck.event.model import LoadedEvent
from ohcheck.event.names import TeamNames, name_problems, team_names
from ohcheck.i18n import framework, msg, msg_n


@dataclass
class ValidationReport:
    loaded: LoadedEvent
    problems: list[str] = field(default_factory=list)  # each one sentence (a message); any of them stops setup
    notes: list[str] = field(default_factory=list)  # worth knowing, not wrong (messages)
    names: list[TeamNames] = field(default_factory=list)
    exit_code: int = EXIT_USAGE

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """Keys, names and `ok` are stable; the problems and notes are in the chosen language (`lang`)."""
        event = self.loaded.event
        said = framework()
        return {
            "event": str(self.loaded.path),
            "name": event.event.name,
            "lang": said.lang,
            "ok": self.ok,
            "problems": [said.say(p) for p in self.problems],
            "notes": [said.say(n) for n in self.notes],
            "teams": [{"team": t.name, "target": t.target, "members": t.member_names} for t in event.teams],
            "names": [n.as_dict() for n in self.names],
        }

    def render(self, console: Any) -> None:
        from rich.markup import escape

        from ohcheck.i18n import t
        from ohcheck.render.tables import print_table

        event = self.loaded.event
        said = framework()
        if self.names:
            # The names people type; all of them (storage, key vault, ...) are in --json.
            columns = [t("Team"), t("Resource group"), t("Workspace"), t("Endpoint"), t("Compute instance")]
            several = len({n.subscription_id for n in self.names}) > 1
            if several:
                columns.insert(1, t("Subscription"))
            rows = []
            for n in self.names:
                row = [n.team, n.resource_group, n.workspace, n.endpoint, n.compute_instance]
                if several:
                    row.insert(1, n.subscription_id[:8] + "…")
                rows.append([escape(v) for v in row])
            headings = [escape(column) for column in columns]
            print_table(console, headings, rows, title=t("Azure names, per team"), title_style="",
                        column_options={heading: {"overflow": "fold"} for heading in headings})
        for note in self.notes:
            console.print(f"[cyan]{escape(t('note:'))}[/] {escape(said.say(note))}")
        for problem in self.problems:
            console.print(f"[bold red]{escape(t('error:'))}[/] {escape(said.say(problem))}")
        if self.ok:
            teams, coaches = len(event.teams), len(event.coaches)
            console.print(escape(t("{path} is valid: {teams}, {coaches}. Next: `ohcheck event setup`.",
                                   path=str(self.loaded.path),
                                   teams=msg_n("1 team", "{count} teams", teams, count=teams),
                                   coaches=msg_n("1 coach", "{count} coaches", coaches, count=coaches))))
        else:
            console.print(escape(t("{path}: {count} problem(s) to fix before setup.", path=str(self.loaded.path),
                                   count=len(self.problems))))


def validate_event(loaded: LoadedEvent) -> ValidationReport:
    event = loaded.event
    report = ValidationReport(loaded)
    if event.azure is None:
        report.notes.append(msg("There is no azure: section: setup writes the team kits only, with no Azure templates, "
                                "and preflight has nothing to check."))
    else:
        azure_teams = [t for t in event.teams if t.target == "azure"]
        report.names = [team_names(event, t) for t in azure_teams]
        report.problems = [p.sentence() for p in name_problems(event) if p.team in {t.name for t in azure_teams}]
        for team in azure_teams:
            without = [m.name for m in team.members if not m.user]
            if without:
                report.notes.append(msg("Team {team}: {members} without a user: no Azure role "
                                        "(add `user: name@domain` to give AzureML Data Scientist on the workspace).",
                                        team=team.name, members=without))
        coaches = [c.name for c in event.coaches if not c.user]
        if coaches:
            report.notes.append(msg("Coach {coaches} without a user: no Reader role on the teams' workspaces.",
                                    coaches=coaches))
    coached = {name for c in event.coaches for name in c.teams}
    alone = [t.name for t in event.teams if t.name not in coached]
    if event.coaches and alone:
        report.notes.append(msg("No coach looks after {teams}.", teams=alone))
    return report
