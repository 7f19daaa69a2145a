"""The coach's store: every team's results, who vouches for them, and the sign-offs.

A SQLite file (by default `.ohcheck-coach/coach.db` beside event.yaml), WAL
mode, append-only. Each attempt says how far it can be trusted:

* `coach`  — the coach's own ohcheck verified it (`ohcheck coach collect`);
* `self`   — the team verified it and sent the result (`ohcheck coach import`):
  convenient, but the team could have edited it.

The two are never merged: every query takes the trust it wants. Besides attempts, the store keeps
the team's own verify history (`team_history`): when and how the team verified each challenge itself,
as its bundles carry it and as `coach collect` reads it from a team folder's `.ohcheck/results.db`.
It is self-reported too; the progress model (coach_progress.py) times a team's work from it, never
from when the coach happened to collect. Sign-offs
(approve / revoke) are rows too, with the coach's name and the time; the latest
one for a team and challenge decides.

Several writers at once (a collect and a few imports) each hold their own
connection; SQLite's lock with a generous busy timeout orders them, and each
attempt is written in one immediate transaction, so none is lost or half-written.
A new file is made inside such a transaction too, so the second of two first
writers waits and then finds it made (store.open_store: why, and why WAL).
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ohcheck.criteria import Result, Summary, utc_now
from ohcheck.errors import StoreError, writing
from ohcheck.i18n import Msg, msg
from ohcheck.redaction import Redactor
from ohcheck.store import open_store, source_from_json, source_json

COACH_DIR = ".ohcheck-coach"
COACH_DB = "coach.db"
SCHEMA_VERSION = 4
_HISTORY = ("""
CREATE TABLE IF NOT EXISTS team_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    team TEXT NOT NULL,
    challenge TEXT NOT NULL,
    started_at TEXT NOT NULL,        -- when the team verified, by its own clock
    verdict TEXT NOT NULL,           -- passed, failed, error, skipped
    statuses TEXT NOT NULL,          -- JSON {criterion: status}
    source TEXT NOT NULL,            -- where it was read: a bundle, the team's results.db
    recorded_at TEXT NOT NULL,
    UNIQUE (team, challenge, started_at)  -- one verify of the team's, however many times it is seen
)""", "CREATE INDEX IF NOT EXISTS team_history_by_team ON team_history(team, challenge, started_at)")
# What brings an older store up to this version, in place: user_version -> the statements, in order.
_ADD_SAID = "ALTER TABLE attempts ADD COLUMN said TEXT NOT NULL DEFAULT ''"
_MIGRATIONS = {
    1: ("ALTER TABLE results ADD COLUMN message_source TEXT NOT NULL DEFAULT ''", _ADD_SAID, *_HISTORY),
    2: (_ADD_SAID, *_HISTORY),
    3: _HISTORY,
}
TRUSTS = ("coach", "self")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    team TEXT NOT NULL,
    challenge TEXT NOT NULL,
    target TEXT NOT NULL,
    trust TEXT NOT NULL CHECK (trust IN ('coach', 'self')),
    source TEXT NOT NULL,            -- who verified: the coach's ohcheck, or the bundle it came in
    started_at TEXT NOT NULL,
    duration REAL NOT NULL,
    verdict TEXT NOT NULL,           -- passed, failed, error, skipped
    passed INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    error INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    problem TEXT,                    -- why nothing could be verified (an unreachable repo...), else NULL
    digest TEXT UNIQUE,              -- an imported bundle's digest: the same bundle twice is one attempt
    recorded_at TEXT NOT NULL,
    said TEXT NOT NULL DEFAULT ''    -- source and problem as messages (JSON), to say them in any language
);
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    attempt_id INTEGER NOT NULL REFERENCES attempts(id),
    criterion TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    hint TEXT NOT NULL,
    evidence TEXT NOT NULL,
    duration REAL NOT NULL,
    time TEXT NOT NULL,
    message_source TEXT NOT NULL DEFAULT ''  -- the message's template and values, to say it in any language
);
CREATE TABLE IF NOT EXISTS signoffs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    team TEXT NOT NULL,
    challenge TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('approve', 'revoke')),
    coach TEXT NOT NULL,
    note TEXT NOT NULL,
    forced INTEGER NOT NULL,         -- approved although not every criterion passed
    time TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_by_team ON attempts(team, challenge, id);
CREATE INDEX IF NOT EXISTS results_by_attempt ON results(attempt_id);
CREATE INDEX IF NOT EXISTS signoffs_by_team ON signoffs(team, challenge, id);
""" + ";\n".join(_HISTORY) + ";\n"

_ATTEMPT_COLUMNS = ("id, team, challenge, target, trust, source, started_at, duration, verdict, "
                    "passed, failed, error, skipped, problem, recorded_at, said")


@dataclass(frozen=True)
class StoredAttempt:
    id: int
    team: str
    challenge: str
    target: str
    trust: str
    source: str
    started_at: str
    duration: float
    verdict: str
    passed: int
    failed: int
    error: int
    skipped: int
    problem: str | None
    recorded_at: str
    said: str = ""  # JSON: the source and problem as message sources (ohcheck.i18n), "" when stored as text
    results: tuple[Result, ...] = field(default=(), compare=False)

    def to_dict(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if k not in ("results", "said")}
        data["results"] = [r.to_dict() for r in self.results]
        return data

    def in_language(self, catalogue: Any) -> StoredAttempt:
        """This attempt with its source, problem and results said in `catalogue`'s language (an i18n.Catalogue)."""
        said = source_from_json(self.said) or {}
        return dataclasses.replace(
            self,
            source=catalogue.say(said["source"]) if said.get("source") else self.source,
            problem=catalogue.say(said["problem"]) if said.get("problem") and self.problem else self.problem,
            results=tuple(_said(r, catalogue) for r in self.results),
        )


def _sayable(source: dict) -> bool:
    """A stored message source renders (English, Japanese, its warnings too): one that does not, from a bundle
    an older ohcheck imported unchecked, must not break a page that says it."""
    from ohcheck.i18n import framework

    try:
        for lang in ("en", "ja"):
            said = framework(lang)
            said.say(source)
            for warning in source.get("warnings") or []:
                said.say(warning)
    except Exception:  # noqa: BLE001 - whatever a forged template raises, the answer is "no"
        return False
    return True


def _said(result: Result, catalogue: Any) -> Result:
    """A result in `catalogue`'s language; one whose stored message source cannot be said (a bundle an older
    ohcheck imported unchecked) keeps its plain message rather than break the page."""
    try:
        return result.in_language(catalogue)
    except Exception:  # noqa: BLE001 - whatever a forged template raises, the page goes on
        return dataclasses.replace(result, message_source=None).in_language(catalogue)


@dataclass(frozen=True)
class SignOff:
    team: str
    challenge: str
    action: str
    coach: str
    note: str
    forced: bool
    time: str

    @property
    def approved(self) -> bool:
        return self.action == "approve"


@dataclass(frozen=True)
class TeamVerify:
    """One verify the team ran itself: when (its own clock), its verdict, each criterion's status."""

    team: str
    challenge: str
    started_at: str
    verdict: str
    statuses: dict[str, str]  # criterion id -> passed / failed / error / skipped
    source: str = ""

    @property
    def passed(self) -> frozenset[str]:
        return frozenset(c for c, s in self.statuses.items() if s == "passed")


def _said_json(source: str, problem: str | None, redactor: Redactor) -> str:
    """The source and problem as messages, when they are (i18n.Msg): what says them again in another language."""
    said = {name: redactor.strings(value.source()) for name, value in (("source", source), ("problem", problem))
            if isinstance(value, Msg)}
    return json.dumps(said, sort_keys=True) if said else ""


def coach_store_path(event_folder: Path) -> Path:
    return event_folder / COACH_DIR / COACH_DB


class CoachStore:
    """Use as a context manager; one per thread (SQLite connections are not shared)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with writing(path):  # a .ohcheck that is a file, a read-only folder: one sentence
            path.parent.mkdir(parents=True, exist_ok=True)
        # Made, migrated and written as the team's results store is (store.open_store): writers wait for each
        # other, and a second opener of a new file finds it made.
        conn = open_store(path, schema=_SCHEMA, version=SCHEMA_VERSION, migrations=_MIGRATIONS,
                          tables={"attempts", "results", "signoffs"}, create=True, refuse=self._refused,
                          unreadable=self._unreadable)
        assert conn is not None  # create=True always opens one
        self._conn = conn

    def _refused(self, version: int) -> StoreError:
        if version > SCHEMA_VERSION:
            return StoreError(
                msg("{path} was written by a newer ohcheck (coach store schema {version}; this one reads up to "
                    "{known}); it was left as it is.", path=self.path, version=version, known=SCHEMA_VERSION),
                hint=msg("Use the ohcheck version that wrote it, or point --store at another file."),
            )
        if version == 0:  # tables, but no ohcheck version ever stamped: another program's database
            return StoreError(
                msg("{path} is not a coach store (it holds tables ohcheck did not make); it was left as it is.",
                    path=self.path),
                hint=msg("Point --store at another file, or move this one aside and ohcheck starts a new store."),
            )
        return StoreError(
            msg("{path} is not a coach store this version of ohcheck understands (schema {version}); "
                "it was left as it is.", path=self.path, version=version),
            hint=msg("Point --store at another file, or use the ohcheck version that wrote it."),
        )

    def _unreadable(self, exc: Exception) -> StoreError:
        return StoreError(msg("The coach store {path} cannot be read ({reason}); it was left as it is.",
                              path=self.path, reason=str(exc)))

    def __enter__(self) -> CoachStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    # -- writing ----------------------------------------------------------------------
    def record(
        self,
        *,
        team: str,
        challenge: str,
        target: str,
        trust: str,
        source: str,
        started_at: str,
        results: Iterable[Result] = (),
        summary: Summary | None = None,
        problem: str | None = None,
        digest: str | None = None,
    ) -> int | None:
        """Append one attempt with its results, all or nothing; None if this bundle was already imported."""
        if trust not in TRUSTS:
            raise ValueError(f"trust must be one of {TRUSTS}")
        results = list(results)
        summary = summary or Summary.of(results, 0.0)
        redactor = Redactor()  # results arrive redacted; this catches credential-shaped text once more
        verdict = "error" if problem else summary.verdict
        try:
            with self._conn:
                cursor = self._conn.execute(
                    "INSERT OR IGNORE INTO attempts (team, challenge, target, trust, source, started_at, duration,"
                    " verdict, passed, failed, error, skipped, problem, digest, recorded_at, said)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (team, challenge, target, trust, source, started_at, summary.duration, verdict,
                     summary.passed, summary.failed, summary.error, summary.skipped,
                     redactor.text(problem) if problem else None, digest, utc_now(),
                     _said_json(source, problem, redactor)),
                )
                if cursor.rowcount == 0:
                    return None
                attempt_id = int(cursor.lastrowid)
                self._conn.executemany(
                    "INSERT INTO results (attempt_id, criterion, title, status, message, hint, evidence, duration, time,"
                    " message_source) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    [(attempt_id, r.criterion, r.title, r.status.value, redactor.text(r.message), r.hint,
                      json.dumps(redactor.value(r.evidence), sort_keys=True), r.duration, r.time,
                      source_json(r, redactor)) for r in results],
                )
        except sqlite3.Error as exc:
            raise self._unwritable(exc) from None
        return attempt_id

    def sign(self, team: str, challenge: str, *, action: str, coach: str, note: str = "", forced: bool = False) -> SignOff:
        signoff = SignOff(team, challenge, action, coach, note, forced, utc_now())
        try:
            with self._conn:
                self._conn.execute(
                    "INSERT INTO signoffs (team, challenge, action, coach, note, forced, time) VALUES (?,?,?,?,?,?,?)",
                    (team, challenge, action, coach, note, int(forced), signoff.time),
                )
        except sqlite3.Error as exc:
            raise self._unwritable(exc) from None
        return signoff

    def record_history(self, entries: Iterable[TeamVerify]) -> int:
        """Add the team's own verifies; one already known (same team, challenge and time) is kept as it is.
        Returns how many were new."""
        rows = [(e.team, e.challenge, e.started_at, e.verdict, json.dumps(e.statuses, sort_keys=True), e.source,
                 utc_now()) for e in entries]
        try:
            with self._conn:
                before = self._conn.total_changes
                self._conn.executemany(
                    "INSERT OR IGNORE INTO team_history (team, challenge, started_at, verdict, statuses, source,"
                    " recorded_at) VALUES (?,?,?,?,?,?,?)", rows)
                return self._conn.total_changes - before
        except sqlite3.Error as exc:
            raise self._unwritable(exc) from None

    # -- reading ----------------------------------------------------------------------
    def history(self, *, team: str | None = None) -> list[TeamVerify]:
        """The teams' own verifies, in the order they ran (by their time, then as recorded)."""
        sql = "SELECT team, challenge, started_at, verdict, statuses, source FROM team_history"
        args: list = []
        if team is not None:
            sql += " WHERE team = ?"
            args.append(team)
        found = []
        for row in self._read(sql + " ORDER BY started_at, id", args):
            try:
                statuses = json.loads(row[4])
            except ValueError:
                statuses = {}
            if not isinstance(statuses, dict):
                statuses = {}
            found.append(TeamVerify(str(row[0]), str(row[1]), str(row[2]), str(row[3]),
                                    {str(k): str(v) for k, v in statuses.items()}, str(row[5])))
        return found

    def attempts(self, *, team: str | None = None, challenge: str | None = None, trust: str | None = None,
                 with_results: bool = False) -> list[StoredAttempt]:
        """Attempts, oldest first, filtered as asked."""
        where, args = [], []
        for column, value in (("team", team), ("challenge", challenge), ("trust", trust)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        sql = f"SELECT {_ATTEMPT_COLUMNS} FROM attempts"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._read(sql + " ORDER BY id", args)
        attempts = [self._attempt(row) for row in rows]
        if with_results:
            attempts = [self._with_results(a) for a in attempts]
        return attempts

    def latest(self, *, trust: str) -> dict[tuple[str, str], StoredAttempt]:
        """The newest attempt of each (team, challenge) with this trust, with its results."""
        rows = self._read(
            f"SELECT {_ATTEMPT_COLUMNS} FROM attempts WHERE id IN "
            "(SELECT MAX(id) FROM attempts WHERE trust = ? GROUP BY team, challenge)",
            [trust],
        )
        return {(row[1], row[2]): self._with_results(self._attempt(row)) for row in rows}

    def statuses(self, *, team: str | None = None) -> dict[int, dict[str, str]]:
        """Each attempt's criteria and their statuses (attempt id -> criterion -> status): all the progress
        model needs of the results, read in one query."""
        sql = "SELECT r.attempt_id, r.criterion, r.status FROM results r"
        args: list = []
        if team is not None:
            sql += " JOIN attempts a ON a.id = r.attempt_id WHERE a.team = ?"
            args.append(team)
        found: dict[int, dict[str, str]] = {}
        for attempt_id, criterion, status in self._read(sql, args):
            found.setdefault(int(attempt_id), {})[str(criterion)] = str(status)
        return found

    def signoffs(self, *, team: str | None = None) -> dict[tuple[str, str], SignOff]:
        """The latest sign-off of each (team, challenge): it decides."""
        sql = ("SELECT team, challenge, action, coach, note, forced, time FROM signoffs WHERE id IN "
               "(SELECT MAX(id) FROM signoffs GROUP BY team, challenge)")
        args: list = []
        if team is not None:
            sql += " AND team = ?"
            args.append(team)
        return {(r[0], r[1]): SignOff(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6]) for r in self._read(sql, args)}

    def signoff_history(self, team: str) -> list[SignOff]:
        rows = self._read("SELECT team, challenge, action, coach, note, forced, time FROM signoffs WHERE team = ? "
                          "ORDER BY id", [team])
        return [SignOff(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6]) for r in rows]

    def _attempt(self, row: tuple) -> StoredAttempt:
        """An attempt as its row says, made safe to show: an older ohcheck imported bundles unchecked, so a
        count that is not a whole number ≥ 0 is recounted from the attempt's results, a duration that is not
        a number is 0, a verdict that is none is recomputed; an unreadable time stays text (it reads as no time)."""
        (id_, team, challenge, target, trust, source, started_at, duration, verdict, passed, failed, error, skipped,
         problem, recorded_at, said) = row
        counts = (passed, failed, error, skipped)
        if not all(type(n) is int and n >= 0 for n in counts):
            recounted = Summary.of(list(self._results(int(id_), str(challenge), str(target), str(team))))
            counts = (recounted.passed, recounted.failed, recounted.error, recounted.skipped)
        if type(duration) not in (int, float) or duration != duration or duration < 0:  # not a number, NaN, < 0
            duration = 0.0
        problem = None if problem is None else str(problem)
        if verdict not in ("passed", "failed", "error", "skipped"):
            verdict = "error" if problem else Summary(*counts, 0.0).verdict
        return StoredAttempt(int(id_), str(team), str(challenge), str(target), str(trust), str(source),
                             str(started_at), float(duration), str(verdict), *counts, problem, str(recorded_at),
                             str(said or ""))

    def _results(self, attempt_id: int, challenge: str, target: str, team: str) -> tuple[Result, ...]:
        rows = self._read("SELECT criterion, title, status, message, hint, evidence, duration, time, message_source "
                          "FROM results WHERE attempt_id = ? ORDER BY id", [attempt_id])
        results = []
        for r in rows:
            try:
                evidence = json.loads(r[5] or "{}")
            except ValueError:
                evidence = {}
            source = source_from_json(r[8]) if isinstance(r[8], str) else None
            if source is not None and not _sayable(source):
                source = None  # said as its plain message instead
            try:
                results.append(Result.from_dict({
                    "challenge": challenge, "criterion": str(r[0]), "title": str(r[1]), "status": r[2],
                    "message": str(r[3]), "hint": str(r[4]), "evidence": evidence if isinstance(evidence, dict) else {},
                    "duration": r[6] if type(r[6]) in (int, float) else 0.0, "target": target, "team": team,
                    "time": str(r[7]), "message_source": source if isinstance(source, dict) else None}))
            except ValueError:  # a status no ohcheck writes: not a result anyone can read
                continue
        return tuple(results)

    def _with_results(self, attempt: StoredAttempt) -> StoredAttempt:
        results = self._results(attempt.id, attempt.challenge, attempt.target, attempt.team)
        return dataclasses.replace(attempt, results=results)

    def _unwritable(self, exc: Exception) -> StoreError:
        return StoreError(msg("Could not write to the coach store {path}: {reason}.", path=self.path,
                              reason=str(exc)))

    def _read(self, sql: str, args: list) -> list[tuple]:
        try:
            return self._conn.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise self._unreadable(exc) from None
