"""The results store: append-only SQLite in WAL mode; a broken store is reported, never touched."""

from __future__ import annotations

import sqlite3

import pytest

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
