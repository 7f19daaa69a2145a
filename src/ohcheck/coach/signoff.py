"""Signing a challenge off for a team (approve) or taking it back (revoke): who may, on what evidence, and
what the coach store records.

Only a coach the event lists signs, for a team they look after (or covering for its coaches, which the
note records). An approval rests on the coach's own verification: without one, or when it did not pass,
the coach is asked (or gives --force) and the sign-off is recorded as forced. The CLI supplies `confirm`,
its way of asking a yes/no question (False where nobody can answer, e.g. not a terminal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ohcheck.errors import UserError
from ohcheck.i18n import msg, t

Confirm = Callable[[str], bool]


@dataclass(frozen=True)
class Signed:
    """What was recorded, and for an approval the coach-verified attempt it rests on (None if there is none)."""

    team: str
    challenge: str
    coach: str
    time: str
    forced: bool = False
    latest: Any = None


def event_coach(loaded: Any, who: str) -> Any:
    """The coach of the event signing (an event.Coach): `who` matched to `coaches[].name` (any case) or
    `coaches[].user`; one sentence when it is nobody the event lists."""
    coaches = loaded.event.coaches
    if not coaches:
        raise UserError(msg("The event lists no coaches, and only a coach of the event signs challenges off: list "
                            "yourself under `coaches:` in {file}.", file=loaded.path.name))
    for listed in coaches:
        if listed.name.casefold() == who.casefold() or (listed.user and listed.user.casefold() == who.casefold()):
            return listed
    raise UserError(msg("{coach} is not a coach of the event (its coaches: {coaches}): only they sign challenges off.",
                        coach=who, coaches=[c.name for c in coaches]),
                    hint=msg("Give your name as event.yaml spells it: --coach NAME or $OHCHECK_COACH."))


def _covering(loaded: Any, coach: Any, team: str, *, cover: bool, revoke: bool, confirm: Confirm) -> str:
    """'' when `coach` looks after `team`; else what the note records of covering for its coaches, once the
    coach said so (--cover, or yes when asked). Refused otherwise."""
    if team in coach.teams:
        return ""
    others = [c.name for c in loaded.event.coaches if team in c.teams]
    fields = {"coach": coach.name, "team": team, "others": others or msg("no coach")}
    if not cover:
        question = (t("{coach} does not look after {team} ({others} does). Revoke anyway?", **fields) if revoke
                    else t("{coach} does not look after {team} ({others} does). Sign off anyway?", **fields))
        if not confirm(question):
            raise UserError(msg("{coach} does not look after {team} ({others} does): nothing was recorded.", **fields),
                            hint=msg("Add --cover when you cover for its coach (it is recorded in the note)."))
    return t("{coach} covering for {others}", **fields)


def _noted(note: str, covering: str) -> str:
    return f"[{covering}] {note}".strip() if covering else note


def approve(loaded: Any, store: Path, team: str, challenge: str, who: str, *, note: str = "", force: bool = False,
            cover: bool = False, confirm: Confirm) -> Signed:
    """Sign `challenge` (an id) off for `team` as `who`, on the strength of the coach's own latest verification."""
    from ohcheck.coach.store import CoachStore

    name = loaded.event.team(team).name
    signer = event_coach(loaded, who)
    covering = _covering(loaded, signer, name, cover=cover, revoke=False, confirm=confirm)
    with CoachStore(store) as coach_store:
        latest = coach_store.latest(trust="coach").get((name, challenge))
        problem = question = None
        if latest is None:
            problem = msg("you have not verified {challenge} for {team} yet (`ohcheck coach collect --team {team}`)",
                          challenge=challenge, team=name)
            question = t("You have not verified {challenge} for {team} yet (`ohcheck coach collect --team {team}`). "
                         "Approve anyway?", challenge=challenge, team=name)
        elif latest.verdict != "passed":
            fields = {"challenge": challenge, "team": name, "time": latest.started_at, "verdict": msg(latest.verdict),
                      "passed": latest.passed, "failed": latest.failed, "error": latest.error}
            problem = msg("your latest verification of {challenge} for {team} ({time}) is {verdict}: "
                          "{passed} passed, {failed} failed, {error} errors", **fields)
            question = t("Your latest verification of {challenge} for {team} ({time}) is {verdict}: "
                         "{passed} passed, {failed} failed, {error} errors. Approve anyway?", **fields)
        forced = False
        if problem:
            if not force and not confirm(question):
                raise UserError(msg("Not approved: {problem}.", problem=problem),
                                hint=msg("Approve anyway with --force (it is recorded)."))
            forced = True
        signed = coach_store.sign(name, challenge, action="approve", coach=signer.name, note=_noted(note, covering),
                                  forced=forced)
    return Signed(name, challenge, signed.coach, signed.time, forced=forced, latest=latest)


def revoke(loaded: Any, store: Path, team: str, challenge: str, who: str, *, note: str = "", cover: bool = False,
           confirm: Confirm) -> Signed:
    """Take the sign-off of `challenge` for `team` back (the approval stays in the record, this after it)."""
    from ohcheck.coach.store import CoachStore

    name = loaded.event.team(team).name
    signer = event_coach(loaded, who)
    covering = _covering(loaded, signer, name, cover=cover, revoke=True, confirm=confirm)
    with CoachStore(store) as coach_store:
        current = coach_store.signoffs(team=name).get((name, challenge))
        if current is None or not current.approved:
            raise UserError(msg("{challenge} is not signed off for {team}: there is nothing to revoke.",
                                challenge=challenge, team=name))
        signed = coach_store.sign(name, challenge, action="revoke", coach=signer.name, note=_noted(note, covering))
    return Signed(name, challenge, signed.coach, signed.time)
