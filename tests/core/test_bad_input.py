"""Bad input gets one clear sentence, never a hang, a traceback or silence (issue 15, items 8, 9, 11, 14).

ohcheck's own files (event.yaml, ohcheck.yaml, a result bundle) nested thousands of levels deep, with a key
given twice, or that are a named pipe instead of a file; `data prepare` given a file that is not the data.
Each is run through the CLI as a user would.
"""

from __future__ import annotations

import json
import os
import threading
import zipfile
from pathlib import Path

import pytest

DEEP = 3000  # levels: far past Python's recursion limit, as a hostile or generated file can be

EVENT = """\
event:
  name: OpenHack for MLOps
  starts: 2026-12-01
  ends: 2026-12-03
teams:
  - name: team1
    repo: team1
    target: local
coaches:
  - name: Carol
    teams: [team1]
"""


def _nested(key: str) -> str:
    return f"{key}: " + "[" * DEEP + "]" * DEEP + "\n"


def _one_sentence(result, *expected: str) -> str:
    said = result.stderr
    assert "Traceback" not in result.output and "RecursionError" not in said, said
    for text in expected:
        assert text in said, said
    assert len([line for line in said.splitlines() if line.strip()]) <= 2, said  # the error, and perhaps a hint
    return said


@pytest.fixture
def event_dir(tmp_path: Path, cli) -> Path:
    folder = tmp_path / "event"
    folder.mkdir()
    (folder / "event.yaml").write_text(EVENT)
    return folder


# -- 8. nesting too deep ----------------------------------------------------------------------------------
def test_an_event_yaml_nested_too_deep_is_one_sentence_naming_the_file(cli, event_dir):
    (event_dir / "event.yaml").write_text(EVENT + _nested("extra"))
    result = cli("event", "validate", cwd=event_dir)
    assert result.exit_code == 2
    _one_sentence(result, "event.yaml, line 12: this is not valid YAML (nested deeper than 100 levels).")


def test_an_ohcheck_yaml_nested_too_deep_is_one_sentence_naming_the_file(cli, tmp_path):
    (tmp_path / "ohcheck.yaml").write_text("team: t\n" + _nested("paths"))
    result = cli("verify", "00", "--no-store", cwd=tmp_path)
    assert result.exit_code == 2
    _one_sentence(result, "ohcheck.yaml, line 2: this is not valid YAML (nested deeper than 100 levels).")


@pytest.mark.parametrize("levels", [DEEP, 150])  # past json's own limit, and within it (signing recurses too)
def test_a_bundle_nested_too_deep_is_refused_in_one_sentence(cli, event_dir, tmp_path, levels):
    assert cli("coach", "key", cwd=event_dir).exit_code == 0
    bundle = tmp_path / "deep.json"
    bundle.write_text('{"format": "ohcheck-bundle/2", "team": "team1", "evidence": ' + "[" * levels + "]" * levels
                      + "}")
    result = cli("coach", "import", bundle, cwd=event_dir)
    assert result.exit_code == 2
    _one_sentence(result, f"{bundle} is not a result bundle (its JSON is nested deeper than 100 levels).")


# -- 9. a key given twice ----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, where", [
    (EVENT + "teams:\n  - name: team2\n    repo: team2\n", "event.yaml, line 12: this is not valid YAML "
     "(the key `teams` is given twice, first on line 5)."),
    (EVENT.replace("  - name: team1\n", "  - name: team1\n    name: team2\n"), "event.yaml, line 7: this is not "
     "valid YAML (the key `name` is given twice, first on line 6)."),
])
def test_a_key_given_twice_in_event_yaml_is_refused_naming_its_line(cli, event_dir, text, where):
    (event_dir / "event.yaml").write_text(text)
    result = cli("event", "validate", cwd=event_dir)
    assert result.exit_code == 2
    _one_sentence(result, where)


def test_a_key_given_twice_in_ohcheck_yaml_is_refused_naming_its_line(cli, tmp_path):
    (tmp_path / "ohcheck.yaml").write_text("team: first\ntarget: local\nteam: second\n")
    result = cli("verify", "00", "--no-store", cwd=tmp_path)
    assert result.exit_code == 2
    _one_sentence(result, "ohcheck.yaml, line 3: this is not valid YAML (the key `team` is given twice, first on "
                  "line 1).")


def test_a_key_given_twice_is_said_in_japanese(cli, tmp_path):
    (tmp_path / "ohcheck.yaml").write_text("team: first\nteam: second\n")
    result = cli("verify", "00", "--no-store", "--lang", "ja", cwd=tmp_path)
    assert result.exit_code == 2
    assert "キー `team` が 2 回書かれています（最初は 1 行目）" in result.stderr


def test_a_yaml_merge_key_may_be_overridden(cli, event_dir):
    """`<<: *defaults` then the same key is YAML's own way to override: not a key given twice."""
    text = EVENT.replace("teams:\n  - name: team1\n    repo: team1\n    target: local\n",
                         "x-team: &team\n  target: local\nteams:\n  - <<: *team\n    name: team1\n    repo: team1\n"
                         "    target: local\n")
    (event_dir / "event.yaml").write_text(text)
    result = cli("event", "validate", cwd=event_dir)
    assert "given twice" not in result.output + result.stderr


# -- 11. a named pipe given as a file -------------------------------------------------------------------------
def _bounded(call, fifo: Path, seconds: float = 20.0):
    """call() in a thread; if it still waits on `fifo` after `seconds`, release it (open the writing end) and fail."""
    box: dict = {}
    worker = threading.Thread(target=lambda: box.setdefault("result", call()), daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # the reader waiting on it sees an empty file
        except OSError:
            pass
        worker.join(30)
        pytest.fail(f"ohcheck waited on the named pipe {fifo}")
    return box["result"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_fifo_given_as_the_event_file_is_refused_not_waited_on(cli, event_dir):
    fifo = event_dir / "pipe.yaml"
    os.mkfifo(fifo)
    result = _bounded(lambda: cli("event", "validate", fifo, cwd=event_dir), fifo)
    assert result.exit_code == 2
    _one_sentence(result, f"{fifo} is a named pipe (FIFO), not a regular file: ohcheck reads only regular files.")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_fifo_given_as_a_bundle_is_refused_not_waited_on(cli, event_dir):
    assert cli("coach", "key", cwd=event_dir).exit_code == 0
    fifo = event_dir / "bundle.json"
    os.mkfifo(fifo)
    result = _bounded(lambda: cli("coach", "import", fifo, cwd=event_dir), fifo)
    assert result.exit_code == 2
    _one_sentence(result, f"{fifo} is a named pipe (FIFO), not a regular file")


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_a_device_given_as_the_workspace_config_is_refused(cli, tmp_path):
    # /dev/null, not /dev/zero: read before this was fixed, /dev/zero filled the memory of the machine.
    result = cli("init", "--team", "t", "--config-json", "/dev/null", cwd=tmp_path)
    assert result.exit_code == 2
    _one_sentence(result, "/dev/null is a device, not a regular file: ohcheck reads only regular files.")


# -- 14. data prepare names the file it was given ----------------------------------------------------------------
def test_data_prepare_blames_the_file_it_was_given(cli, tmp_path):
    garbage = tmp_path / "garbage.csv"
    garbage.write_text("this,is,not\nthe,data,at all\n")
    result = cli("data", "prepare", "--source", garbage, "--out", tmp_path / "out", cwd=tmp_path)
    assert result.exit_code == 2
    said = _one_sentence(result, f"{garbage} is not in the TransactionHistory format")
    assert "TransactionHistory.csv is" not in said
    assert not (tmp_path / "out").exists(), "nothing was written"


@pytest.mark.parametrize("content", [b"PK\x03\x04 not really a zip", b"\x00\x01binary\xff\xfe"])
def test_data_prepare_names_a_zip_that_is_not_one(cli, tmp_path, content):
    bad = tmp_path / "adventureworks.zip"
    bad.write_bytes(content)
    result = cli("data", "prepare", "--source", bad, "--out", tmp_path / "out", cwd=tmp_path)
    assert result.exit_code == 2
    said = _one_sentence(result, str(bad))
    assert "TransactionHistory.csv is" not in said and "internal error" not in said


def test_data_prepare_names_a_broken_zip(cli, tmp_path):
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as archive:
        archive.writestr("AdventureWorks/TransactionHistory.csv", "1\t2\t3\n" * 2000)
    broken = tmp_path / "broken.zip"
    raw = good.read_bytes()
    broken.write_bytes(raw[:40] + b"\x00" * 200 + raw[240:])  # the member's data torn, the directory intact
    result = cli("data", "prepare", "--source", broken, "--out", tmp_path / "out", cwd=tmp_path)
    assert result.exit_code == 2
    said = _one_sentence(result, str(broken))
    assert "internal error" not in said
