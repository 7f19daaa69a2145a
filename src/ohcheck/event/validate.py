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
from ohcheck.i18n import framework, msg


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
