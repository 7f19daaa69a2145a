"""Writing what a user asked for (issue 15, item 7): an output ohcheck cannot write is one sentence naming the
path and the cause, exit 2, after the run's own results were shown (and stored) — never an internal error.

These tests run as root on the project's machines, where chmod does not stop a write: a read-only folder is
played by a path whose parent is a regular file (ENOTDIR/EEXIST), and a full disk by an OSError(ENOSPC) from
the shared writer (ohcheck.atomic), monkeypatched in-process.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

import pytest

from ohcheck import atomic
from ohcheck.store import store_path

EVENT = """\
event:
  name: OpenHack for MLOps, outputs
  starts: 2026-12-01
  ends: 2026-12-03
teams:
  - name: team-a
    repo: team-a
    target: local
"""


class _NoSpace:
    """The `os` the shared writer sees on a full disk: the last step of every write fails with ENOSPC."""

    def __getattr__(self, name: str):
        return getattr(os, name)

    @staticmethod
    def replace(src, dst) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))


def _attempts(repo: Path) -> int:
    conn = sqlite3.connect(store_path(repo))
    try:
        return conn.execute("SELECT COUNT(*) FROM attempts").fetchone()[0]
    finally:
        conn.close()


def test_a_junit_file_under_a_file_is_one_sentence_exit_2_after_the_results_were_shown_and_stored(
        cli, team_repo, tmp_path):
    repo = team_repo("solved-01")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = cli("verify", "01", "--junit-xml", blocker / "ohcheck.xml", cwd=repo)
    assert result.exit_code == 2, result.output
    assert "PASSED   01.6" in result.stdout  # the run's own results, shown first
    assert f"error: Cannot write {blocker / 'ohcheck.xml'}: {blocker} is a file, not a folder." in result.stderr
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert _attempts(repo) == 1
    japanese = cli("verify", "01", "--lang", "ja", "--junit-xml", blocker / "ohcheck.xml", cwd=repo)
    assert japanese.exit_code == 2
    assert f"{blocker} はフォルダーではなくファイルです" in japanese.stderr


def test_an_export_on_a_full_disk_is_one_sentence_exit_2_and_the_run_is_stored(cli, team_repo, monkeypatch):
    repo = team_repo("solved-01")
    (repo / ".ohcheck").mkdir(exist_ok=True)
    (repo / ".ohcheck" / "team.key").write_text("ab" * 32 + "\n")
    monkeypatch.setattr(atomic, "os", _NoSpace())
    result = cli("verify", "01", "--json", "--export", "results.json", cwd=repo)
    assert result.exit_code == 2, result.output
    assert '"criterion": "01.6"' in result.stdout
    assert "error: Cannot write results.json: No space left on device." in result.stderr
    assert "internal error" not in result.output and not (repo / "results.json").exists()
    assert not list(repo.glob(".results.json.*"))  # no half-written file left beside it
    assert _attempts(repo) == 1


def test_an_ohcheck_folder_that_is_a_file_is_one_sentence_naming_it(cli, team_repo):
    import shutil

    repo = team_repo("solved-01")
    shutil.rmtree(repo / ".ohcheck", ignore_errors=True)
    (repo / ".ohcheck").write_text("a file where the folder goes")
    result = cli("verify", "01", cwd=repo)
    assert result.exit_code == 2, result.output
    assert f"{repo / '.ohcheck'} is a file, not a folder." in result.stderr
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert (repo / ".ohcheck").read_text() == "a file where the folder goes"


@pytest.mark.parametrize("fault", ["parent is a file", "full disk"])
def test_a_coach_report_that_cannot_be_written_is_one_sentence_exit_2(cli, tmp_path, monkeypatch, fault):
    (tmp_path / "event.yaml").write_text(EVENT)
    if fault == "full disk":
        out, cause = "team-a.md", "No space left on device"
        monkeypatch.setattr(atomic, "os", _NoSpace())
    else:
        (tmp_path / "a-file").write_text("")
        out, cause = "a-file/team-a.md", "a-file is a file, not a folder"
    result = cli("coach", "report", "team-a", "--out", out, cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert f"error: Cannot write {out}: {cause}." in result.stderr
    assert "internal error" not in result.output and "Traceback" not in result.output


def test_data_prepare_into_a_folder_under_a_file_is_one_sentence(cli, tmp_path):
    (tmp_path / "a-file").write_text("")
    # Two days of TransactionHistory.csv (tab-separated, no header, nine columns): enough to reach the writing.
    (tmp_path / "history.csv").write_text(
        "1\t1\t1\t0\t2013-07-01 00:00:00\tS\t2\t10.5\t2013-07-01 00:00:00\n"
        "2\t1\t2\t0\t2014-05-31 00:00:00\tS\t3\t11.0\t2014-05-31 00:00:00\n")
    result = cli("data", "prepare", "--source", "history.csv", "--out", "a-file/data", cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert "error: Cannot write a-file/data/TransactionHistory.csv: a-file is a file, not a folder." in result.stderr
    assert "internal error" not in result.output


def test_start_into_a_repo_where_a_starter_folder_is_a_file_is_one_sentence(cli, tmp_path):
    (tmp_path / "src").write_text("a file where challenge 01's src/ goes")
    result = cli("start", "01", "--dir", tmp_path)
    assert result.exit_code == 2, result.output
    assert f"{tmp_path / 'src'} is a file, not a folder." in result.stderr and "error: Cannot write " in result.stderr
    assert "internal error" not in result.output
    assert (tmp_path / "src").read_text() == "a file where challenge 01's src/ goes"


def test_init_on_a_full_disk_is_one_sentence(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(atomic, "os", _NoSpace())
    result = cli("init", "--dir", tmp_path, "--team", "contoso")
    assert result.exit_code == 2, result.output
    assert f"error: Cannot write {tmp_path / 'ohcheck.yaml'}: No space left on device." in result.stderr
    assert not (tmp_path / "ohcheck.yaml").exists()
