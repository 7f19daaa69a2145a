"""The results store: every verify attempt, one row per criterion, in SQLite.

It lives at `.ohcheck/results.db` in the team repo, in WAL mode so a coach
collecting results can read while a team verifies. Records are appended,
never rewritten. A file that is not a readable store is left exactly as it is
and reported in one sentence: nothing is lost.

Several writers at once (a team's terminal, its CI, a coach's collect) wait
for each other: the first to open a new file creates the tables inside one
`BEGIN IMMEDIATE` transaction, and the others, waiting on that lock (a busy
timeout of WAIT_SECONDS), find the store made when they get it; each attempt
is written in one immediate transaction too. WAL needs the processes to share
memory on one machine: it does not work on a network filesystem (NFS, SMB), so
a store belongs on the disk of the machine that verifies, as `.ohcheck/` in a
clone is. (The coach store, coach_store.py, opens through the same function.)

Results arrive already redacted by the runner; the store redacts once more
against credential-shaped text, so even a result built elsewhere cannot put
a key into the file.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ohcheck.criteria import Result, Summary
from ohcheck.errors import StoreError, writing
from ohcheck.i18n import msg
from ohcheck.redaction import Redactor

STORE_DIR = ".ohcheck"
STORE_NAME = "results.db"
SCHEMA_VERSION = 2
# What turns an older store into this version's, in place (user_version -> SQL).
_MIGRATIONS = {1: "ALTER TABLE results ADD COLUMN message_source TEXT NOT NULL DEFAULT ''"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    challenge TEXT NOT NULL,
    target TEXT NOT NULL,
    team TEXT NOT NULL,
    started_at TEXT NOT NULL,
    duration REAL NOT NULL,
    verdict TEXT NOT NULL,
    passed INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    error INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    ohcheck_version TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    attempt_id INTEGER NOT NULL REFERENCES attempts(id),
    challenge TEXT NOT NULL,
    criterion TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    hint TEXT NOT NULL,
    evidence TEXT NOT NULL,
    duration REAL NOT NULL,
    target TEXT NOT NULL,
    team TEXT NOT NULL,
    time TEXT NOT NULL,
    message_source TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS results_by_attempt ON results(attempt_id);
CREATE INDEX IF NOT EXISTS attempts_by_challenge ON attempts(challenge, id);
"""


@dataclass(frozen=True)
class Attempt:
    id: int
    challenge: str
    target: str
    team: str
    started_at: str
    duration: float
    verdict: str
    passed: int
    failed: int
    error: int
    skipped: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def store_path(repo_root: Path) -> Path:
    return repo_root / STORE_DIR / STORE_NAME


class ResultsStore:
    """Append-only attempts and results. Use as a context manager."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        if not path.exists():
            if not create:
                return  # reading a store that does not exist yet: no attempts
            with writing(path):  # a .ohcheck that is a file, a read-only folder: one sentence
                path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = open_store(
            path, schema=_SCHEMA, version=SCHEMA_VERSION, migrations={v: (sql,) for v, sql in _MIGRATIONS.items()},
            tables={"attempts", "results"}, create=create, refuse=self._refused, unreadable=self._unreadable)

    def _refused(self, version: int) -> StoreError:
        if version > SCHEMA_VERSION:
            return StoreError(
                msg("{path} was written by a newer ohcheck (store schema {version}; this one reads up to {known}); "
                    "it was left as it is.", path=self.path, version=version, known=SCHEMA_VERSION),
                hint=msg("Use the ohcheck version that wrote it, or move it aside to start a new store."),
            )
        if version == 0:  # tables, but no ohcheck version ever stamped: another program's database
            return StoreError(
                msg("{path} is not an ohcheck results store (it holds tables ohcheck did not make); "
                    "it was left as it is.", path=self.path),
                hint=msg("Move the file aside (e.g. rename it to results.db.bad) and ohcheck starts a new store."),
            )
        return StoreError(
            msg("{path} is not an ohcheck results store this version understands "
                "(schema {version}); it was left as it is.", path=self.path, version=version),
            hint=msg("Move it aside to start a new store, or use the ohcheck version that wrote it."),
        )

    def _unreadable(self, exc: Exception) -> StoreError:
        return StoreError(
            msg("The results store {path} cannot be read ({reason}); it was left as it is.", path=self.path,
                reason=str(exc)),
            hint=msg("Move the file aside (e.g. rename it to results.db.bad) and ohcheck starts a new store."),
        )

    def __enter__(self) -> "ResultsStore":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def record(
        self,
        challenge: str,
        results: Iterable[Result],
        summary: Summary,
        *,
        started_at: str,
        target: str,
        team: str,
    ) -> int:
        """Append one attempt and one row per criterion, all or nothing."""
        from ohcheck import __version__

        if self._conn is None:
            raise StoreError(msg("The results store {path} is not open for writing.", path=self.path))
        redactor = Redactor()
        try:
            with self._conn:
                cursor = self._conn.execute(
                    "INSERT INTO attempts (challenge, target, team, started_at, duration, verdict,"
                    " passed, failed, error, skipped, ohcheck_version) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        challenge,
                        target,
                        team,
                        started_at,
                        summary.duration,
                        summary.verdict,
                        summary.passed,
                        summary.failed,
                        summary.error,
                        summary.skipped,
                        __version__,
                    ),
                )
                attempt_id = int(cursor.lastrowid)
                self._conn.executemany(
                    "INSERT INTO results (attempt_id, challenge, criterion, title, status, message, hint,"
                    " evidence, duration, target, team, time, message_source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [
                        (
                            attempt_id,
                            r.challenge,
                            r.criterion,
                            r.title,
                            r.status.value,
                            redactor.text(r.message),
                            r.hint,
                            json.dumps(redactor.value(r.evidence), sort_keys=True),
                            r.duration,
                            r.target,
                            r.team,
                            r.time,
                            source_json(r, redactor),
                        )
                        for r in results
                    ],
                )
        except sqlite3.Error as exc:
            raise StoreError(msg("Could not write to the results store {path}: {reason}.", path=self.path,
                                 reason=str(exc))) from None
        return attempt_id

    def attempts(self, challenge: str | None = None, limit: int = 100) -> list[Attempt]:
        """Attempts, newest first."""
        if self._conn is None:
            return []
        sql = "SELECT id, challenge, target, team, started_at, duration, verdict, passed, failed, error, skipped FROM attempts"
        args: tuple = ()
        if challenge:
            sql += " WHERE challenge = ?"
            args = (challenge,)
        sql += " ORDER BY id DESC LIMIT ?"
        try:
            rows = self._conn.execute(sql, (*args, limit)).fetchall()
        except sqlite3.DatabaseError as exc:
            raise self._unreadable(exc) from None
        return [Attempt(*row) for row in rows]

    def latest_by_challenge(self) -> dict[str, Attempt]:
        """The newest attempt of each challenge."""
        if self._conn is None:
            return {}
        try:
            rows = self._conn.execute(
                "SELECT id, challenge, target, team, started_at, duration, verdict, passed, failed, error, skipped"
                " FROM attempts WHERE id IN (SELECT MAX(id) FROM attempts GROUP BY challenge)"
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise self._unreadable(exc) from None
        return {row[1]: Attempt(*row) for row in rows}

    def results(self, attempt_id: int) -> list[Result]:
        if self._conn is None:
            return []
        try:
            rows = self._conn.execute(
                "SELECT challenge, criterion, title, status, message, hint, evidence, duration, target, team, time,"
                " message_source FROM results WHERE attempt_id = ? ORDER BY id",
                (attempt_id,),
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise self._unreadable(exc) from None
        keys = ("challenge", "criterion", "title", "status", "message", "hint", "evidence", "duration", "target", "team",
                "time", "message_source")
        out = []
        for row in rows:
            data = dict(zip(keys, row))
            data["evidence"] = json.loads(data["evidence"] or "{}")
            data["message_source"] = source_from_json(data["message_source"])
            out.append(Result.from_dict(data))
        return out


# How long a writer waits for another to finish, in seconds. Writers hold the lock for milliseconds (one
# attempt, one transaction), so a wait this long means something else holds it: tests shorten it.
WAIT_SECONDS = 30.0


def open_store(
    path: Path,
    *,
    schema: str,
    version: int,
    migrations: dict[int, tuple[str, ...]],
    tables: set[str],
    create: bool,
    refuse: Callable[[int], StoreError],
    unreadable: Callable[[Exception], StoreError],
) -> sqlite3.Connection | None:
    """A connection to the SQLite store at `path`, made or brought up to `version` first, safe when several
    processes open a new file at once; None when `create` is False and there is no store yet.

    Creating and migrating happen inside one BEGIN IMMEDIATE transaction that reads user_version again
    once it holds the lock: a second opener waits for the first (busy timeout) and then finds the store
    made, never a half-made one. An open store writes in immediate transactions too (isolation_level), so
    writers queue on the lock at their first statement rather than fail upgrading a read.
    """
    try:
        conn = sqlite3.connect(str(path), timeout=WAIT_SECONDS, isolation_level="IMMEDIATE")
    except sqlite3.Error as exc:
        raise unreadable(exc) from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(WAIT_SECONDS * 1000)}")
        found, names = _stamp(conn)
        if found != version or not tables <= names:
            conn.execute("BEGIN IMMEDIATE")  # wait for whoever is making or migrating it, then look again
            found, names = _stamp(conn)
            if found == 0 and not names - {"sqlite_sequence"}:
                if not create:
                    conn.rollback()
                    conn.close()
                    return None
                statements: tuple[str, ...] = tuple(s for s in schema.split(";\n") if s.strip())
            elif found == version and tables <= names:
                statements = ()  # another process made it while we waited
            elif found in migrations and tables <= names:
                statements = migrations[found]
            else:
                conn.rollback()
                conn.close()
                raise refuse(found)
            # One statement at a time: executescript would COMMIT first, outside the lock.
            for statement in statements:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.commit()
        _into_wal(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise unreadable(exc) from None
    return conn


def _into_wal(conn: sqlite3.Connection) -> None:
    """Put the store in WAL mode (kept in the file: once, by whoever finds it unset). Switching needs the file
    to itself and SQLite answers "locked" at once rather than wait, so this waits here; a store that stays
    in rollback mode still works (readers then wait for writers), and the next opener tries again."""
    deadline = time.monotonic() + WAIT_SECONDS
    while conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        try:
            conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", 5) & 0xFF not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
            if time.monotonic() > deadline:
                return
            time.sleep(0.02)


def _stamp(conn: sqlite3.Connection) -> tuple[int, set[str]]:
    """The store's user_version and its tables."""
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    names = {str(row[0]) for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return found, names


def read_history(path: Path) -> list[tuple[str, str, str, dict[str, str]]]:
    """Every attempt of a results store as (challenge, started_at, verdict, {criterion: status}), oldest
    first, opened read-only: whoever reads another's store (the coach's collect) changes nothing in it."""
    if not path.is_file():
        return []
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=WAIT_SECONDS)
    except sqlite3.Error as exc:
        raise StoreError(msg("The results store {path} cannot be read ({reason}); it was left as it is.",
                             path=path, reason=str(exc))) from None
    try:
        attempts = conn.execute("SELECT id, challenge, started_at, verdict FROM attempts ORDER BY id").fetchall()
        statuses: dict[int, dict[str, str]] = {}
        for attempt_id, criterion, status in conn.execute("SELECT attempt_id, criterion, status FROM results"):
            statuses.setdefault(attempt_id, {})[str(criterion)] = str(status)
    except sqlite3.Error as exc:
        raise StoreError(msg("The results store {path} cannot be read ({reason}); it was left as it is.",
                             path=path, reason=str(exc))) from None
    finally:
        conn.close()
    return [(str(c), str(t), str(v), statuses.get(i, {})) for i, c, t, v in attempts]


def source_json(result: Result, redactor: Redactor) -> str:
    """A result's message template and values, redacted, as stored ('' for plain text)."""
    return json.dumps(redactor.strings(result.message_source), sort_keys=True) if result.message_source else ""


def source_from_json(text: str | None) -> dict | None:
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
