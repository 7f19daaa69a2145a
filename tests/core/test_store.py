"""The results store: append-only SQLite in WAL mode; a broken store is reported, never touched."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ohcheck.coach.store import CoachStore
from ohcheck.criteria import Result, Status, Summary
from ohcheck.errors import StoreError
from ohcheck.store import ResultsStore


def _results(n: int = 3) -> list[Result]:
    return [
        Result("challenge-01", f"01.{i}", f"criterion {i}", Status.PASSED if i % 2 else Status.FAILED, message=f"m{i}",
               evidence={"i": i}, target="local", team="t")
        for i in range(1, n + 1)
    ]


def test_each_attempt_appends_one_row_per_criterion(tmp_path):
    path = tmp_path / ".ohcheck" / "results.db"
    with ResultsStore(path) as store:
        first = store.record("challenge-01", _results(3), Summary.of(_results(3)), started_at="t1", target="local", team="t")
        second = store.record("challenge-01", _results(3), Summary.of(_results(3)), started_at="t2", target="local", team="t")
        assert [a.id for a in store.attempts()] == [second, first]
        assert [r.criterion for r in store.results(first)] == ["01.1", "01.2", "01.3"]
        assert store.results(first)[0].evidence == {"i": 1}
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 6


def test_reading_a_missing_store_creates_nothing(tmp_path):
    path = tmp_path / ".ohcheck" / "results.db"
    with ResultsStore(path, create=False) as store:
        assert store.attempts() == [] and store.latest_by_challenge() == {}
    assert not path.exists() and not path.parent.exists()


@pytest.mark.parametrize("content", [b"this is not a database at all" * 50, b"SQLite format 3\x00" + b"\xff" * 500])
def test_a_corrupt_store_is_one_sentence_and_left_as_it_is(tmp_path, content):
    path = tmp_path / "results.db"
    path.write_bytes(content)
    with pytest.raises(StoreError) as caught:
        ResultsStore(path)
    assert "cannot be read" in caught.value.message and "left as it is" in caught.value.message
    assert path.read_bytes() == content


def test_a_store_of_another_schema_is_not_touched(tmp_path):
    path = tmp_path / "results.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE other (x)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError) as caught:
        ResultsStore(path)
    assert "not an ohcheck results store" in caught.value.message
    assert path.read_bytes() == before


def test_verify_with_a_corrupt_store_stops_before_checking_and_keeps_the_file(cli, team_repo):
    repo = team_repo("solved-01")
    db = repo / ".ohcheck" / "results.db"
    db.parent.mkdir(exist_ok=True)
    db.write_bytes(b"garbage" * 100)
    result = cli("verify", "01", cwd=repo)
    assert result.exit_code == 2
    assert "results store" in result.stderr and "left as it is" in result.stderr
    assert "Traceback" not in result.output
    assert db.read_bytes() == b"garbage" * 100
    # --no-store still lets the team see its results
    assert cli("verify", "01", "--no-store", cwd=repo).exit_code == 0


def test_credentials_never_enter_the_store(tmp_path):
    path = tmp_path / "results.db"
    leaky = Result("challenge-03", "03.3", "t", Status.FAILED,
                   message="POST failed with Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefgh",
                   evidence={"api_key": "supersecretvalue", "headers": {"Authorization": "Bearer zzz"}})
    with ResultsStore(path) as store:
        store.record("challenge-03", [leaky], Summary.of([leaky]), started_at="t", target="azure", team="t")
    raw = b"".join(f.read_bytes() for f in tmp_path.iterdir())  # the database and any WAL beside it
    for secret in (b"eyJhbGciOiJIUzI1NiJ9", b"supersecretvalue", b"Bearer zzz"):
        assert secret not in raw


def test_list_still_lists_the_challenges_when_the_store_is_broken(cli, team_repo):
    repo = team_repo("solved-01")
    (repo / ".ohcheck").mkdir(exist_ok=True)
    (repo / ".ohcheck" / "results.db").write_bytes(b"garbage" * 100)
    result = cli("list", cwd=repo)
    assert result.exit_code == 0
    assert "challenge-01" in result.stdout
    assert "cannot be read" in result.stderr and "Showing the challenges without your results" in result.stderr
    history = cli("history", cwd=repo)
    assert history.exit_code == 2 and "left as it is" in history.stderr


# -- many first writers at once (issue 15, item 5) -----------------------------------------------------


def _attempts_in(db) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT COUNT(*) FROM attempts").fetchone()[0]
    finally:
        conn.close()


def _record_one(kind: str, path: str, barrier, writer: int) -> None:
    """One process: wait for the others, then open the (new) store and record one attempt through its API.
    It imports nothing itself (a forked child must not take the import lock another thread may hold)."""
    result = Result("challenge-01", "01.1", "t", Status.PASSED, target="local", team=f"team-{writer}")
    barrier.wait(timeout=120)
    if kind == "results":
        with ResultsStore(Path(path)) as store:
            store.record("challenge-01", [result], Summary.of([result]), started_at=f"t{writer}", target="local",
                         team=f"team-{writer}")
    else:
        with CoachStore(Path(path)) as store:
            store.record(team=f"team-{writer}", challenge="challenge-01", target="local", trust="self",
                         source=f"bundle {writer}", started_at=f"t{writer}", results=[result])


@pytest.mark.parametrize("kind", ["results", "coach"])
def test_eight_first_writers_at_once_lose_no_record(tmp_path, kind):
    """Eight processes open the same new store at the same moment and each records one attempt: all eight
    are there. (Before, the first made the tables while the others read "schema 0" or hit "database is
    locked".) In the first round another connection holds the new file's write lock while they start, as
    a slow first writer would: they wait for it. Then a few free races, since one may happen to go well."""
    import multiprocessing
    import time

    context = multiprocessing.get_context("fork")  # the test's own imports, without starting Python again
    writers = 8
    for round_ in range(4):
        path = tmp_path / f"round-{round_}" / ".ohcheck" / "store.db"
        barrier = context.Barrier(writers + (round_ == 0))
        processes = [context.Process(target=_record_one, args=(kind, str(path), barrier, w)) for w in range(writers)]
        for process in processes:
            process.start()
        if round_ == 0:  # opened after the fork: a SQLite connection must not cross one
            path.parent.mkdir(parents=True)
            holder = sqlite3.connect(path, isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")
            barrier.wait(timeout=120)
            time.sleep(0.5)  # not a measurement: only lets the writers reach the lock before it is let go
            holder.rollback()
            holder.close()
        for process in processes:
            process.join(timeout=120)
        assert [p.exitcode for p in processes] == [0] * writers, f"round {round_}: a writer failed"
        conn = sqlite3.connect(path)
        teams = sorted(row[0] for row in conn.execute("SELECT team FROM attempts"))
        assert teams == sorted(f"team-{w}" for w in range(writers))
        assert conn.execute("SELECT COUNT(*) FROM results").fetchone()[0] == writers
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        conn.close()


def _held(path, seconds: float = 0.5):
    """Another writer holding a new store's write lock, as a slow first writer does; let go after `seconds`
    (not a measurement: a wait the command must sit out, however long it takes to get there)."""
    import threading

    path.parent.mkdir(parents=True, exist_ok=True)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")

    def let_go() -> None:
        holder.rollback()
        holder.close()

    timer = threading.Timer(seconds, let_go)
    timer.start()
    return timer


def test_a_verify_waits_for_another_writer_of_a_new_store_and_records(cli, team_repo):
    from ohcheck.store import store_path

    repo = team_repo("solved-01")
    db = store_path(repo)
    timer = _held(db)
    result = cli("verify", "01", cwd=repo)
    timer.join()
    assert result.exit_code == 0, result.output
    assert "database is locked" not in result.stderr and "not stored" not in result.stderr
    assert _attempts_in(db) == 1


def test_a_coach_import_waits_for_another_writer_of_a_new_coach_store(cli, tmp_path, pack):
    import hashlib
    import hmac
    import json

    from ohcheck import bundle

    (tmp_path / "event.yaml").write_text(
        "event:\n  name: imports\n  starts: 2026-12-01\n  ends: 2026-12-03\n"
        "teams:\n  - name: team-a\n    repo: team-a\n    target: local\n")
    assert cli("coach", "key", cwd=tmp_path).exit_code == 0
    key = bundle.team_key(bytes.fromhex((tmp_path / ".ohcheck-coach" / "event.key").read_text().strip()), "team-a")
    started = "2026-12-01T10:00:00+00:00"
    criteria = [c.id for c in pack.criteria(pack.challenge("challenge-00"))]
    document = {
        "format": "ohcheck-bundle/2", "team": "team-a", "challenge": "challenge-00", "target": "local",
        "started_at": started, "history": [], "ohcheck_version": "test",
        "summary": {"passed": len(criteria), "failed": 0, "error": 0, "skipped": 0, "duration": 1.0,
                    "verdict": "passed", "exit_code": 0},
        "results": [{"challenge": "challenge-00", "criterion": c, "title": c, "status": "passed", "message": "ok",
                     "hint": "", "evidence": {}, "duration": 0.1, "target": "local", "team": "team-a",
                     "time": started, "message_source": None} for c in criteria],
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    (tmp_path / "b.json").write_text(json.dumps({**document, "signature": hmac.new(key, text, hashlib.sha256)
                                                 .hexdigest()}))
    db = tmp_path / ".ohcheck-coach" / "coach.db"
    timer = _held(db)
    result = cli("coach", "import", "b.json", cwd=tmp_path)
    timer.join()
    assert result.exit_code == 0, result.output
    assert "b.json: imported — team-a, challenge-00, passed" in result.stdout
    assert _attempts_in(db) == 1


def test_a_store_of_a_newer_ohcheck_says_so_and_another_database_is_not_blamed_on_a_version(tmp_path):
    newer = tmp_path / "newer.db"
    conn = sqlite3.connect(newer)
    conn.execute("CREATE TABLE attempts (x)")
    conn.execute("CREATE TABLE results (x)")
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError) as caught:
        ResultsStore(newer)
    assert "was written by a newer ohcheck (store schema 99; this one reads up to 2)" in str(caught.value.message)
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError) as caught:
        ResultsStore(other)
    said = str(caught.value.message)
    assert "is not an ohcheck results store (it holds tables ohcheck did not make)" in said
    assert "schema" not in said
    with pytest.raises(StoreError) as caught:
        CoachStore(other)
    assert "is not a coach store (it holds tables ohcheck did not make)" in str(caught.value.message)
    assert "schema" not in str(caught.value.message)


# -- a finished verify the store cannot take (issue 15, item 6) ------------------------------------------


def test_a_verify_whose_store_stays_locked_shows_its_results_keeps_its_exit_code_and_says_not_stored(
        cli, team_repo, monkeypatch):
    import json

    from ohcheck import store as store_module

    repo = team_repo("solved-01")
    db = store_module.store_path(repo)
    ResultsStore(db).close()
    monkeypatch.setattr(store_module, "WAIT_SECONDS", 0.3)  # instead of 30 s: the lock is held throughout
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer that does not let go
    try:
        result = cli("verify", "01", cwd=repo)
        assert result.exit_code == 0, result.output  # all passed: the verdict's code, not 2
        assert "PASSED   01.6" in result.stdout and "passed, 0 failed" in result.stdout
        assert f"Could not write to the results store {db}: database is locked." in result.stderr
        assert "These results were not stored: verify again once the store can be written, or keep them with " \
               "--export FILE (for your coach) or --json > FILE." in result.stderr
        assert "Traceback" not in result.output and "error:" not in result.stderr
        as_json = cli("verify", "01", "--json", cwd=repo)
        assert as_json.exit_code == 0, as_json.output
        document = json.loads(as_json.stdout)
        assert document["stored"] is False and len(document["results"]) == 7
        assert document["warnings"][0].startswith("Could not write to the results store")
        assert "were not stored" in document["warnings"][1]
        japanese = cli("verify", "01", "--lang", "ja", cwd=repo)
        assert japanese.exit_code == 0
        assert "この結果は保存されていません" in japanese.stderr and "注意:" in japanese.stderr
    finally:
        holder.rollback()
        holder.close()
    assert _attempts_in(db) == 0
    stored = cli("verify", "01", "--json", cwd=repo)  # the lock let go: stored again, and said so
    assert json.loads(stored.stdout)["stored"] is True and "not stored" not in stored.stderr
    assert _attempts_in(db) == 1


class _FullDisk:
    """A store connection on a full disk: reading works, every write gets SQLite's SQLITE_FULL."""

    def __init__(self, conn):
        self._conn = conn

    def __getattr__(self, name):
        return getattr(self._conn, name)

    def __enter__(self):
        return self._conn.__enter__()

    def __exit__(self, *exc_info):
        return self._conn.__exit__(*exc_info)

    def _refuse(self, sql, *args):
        if sql.lstrip().upper().startswith("INSERT"):
            raise sqlite3.OperationalError("database or disk is full")
        return self._conn.execute(sql, *args)

    execute = _refuse

    def executemany(self, sql, rows):
        self._refuse(sql)


def test_a_verify_on_a_full_disk_shows_its_failures_and_exits_1_not_2(cli, team_repo, monkeypatch):
    from ohcheck import store as store_module

    repo = team_repo("starting-01")
    opened = store_module.open_store
    monkeypatch.setattr(store_module, "open_store", lambda *a, **k: _FullDisk(opened(*a, **k)))
    result = cli("verify", "01", cwd=repo)
    assert result.exit_code == 1, result.output  # something failed: 1, as if it had been stored
    assert "FAILED" in result.stdout
    assert "database or disk is full" in result.stderr and "These results were not stored" in result.stderr
    assert _attempts_in(store_module.store_path(repo)) == 0
