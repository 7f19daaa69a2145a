"""verify in Japanese, as a Japanese team sees it: a snapshot of a failing starter, JSON with stable ids,
JUnit, full-width text in rich's table, and how the language is chosen.

The snapshot is the plain output (not a terminal) of `ohcheck verify challenge-03 --lang ja` on the
challenge-03 starter: every criterion fails or is skipped, so every line is a message a team meets
first. Rewrite it after a deliberate change with OHCHECK_UPDATE_SNAPSHOTS=1.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rich.cells import cell_len

from ..conftest import SNAPSHOTS

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _starter_repo(cli, tmp_path: Path, challenge: str, *extra: str) -> Path:
    repo = tmp_path / "team"
    repo.mkdir()
    assert cli("init", "--dir", repo, "--team", "kaizen", *extra).exit_code == 0
    assert cli("start", challenge, "--dir", repo).exit_code == 0
    return repo


def _normalised(text: str) -> str:
    text = re.sub(r"（[0-9.]+ 秒）", "（N 秒）", text)
    return re.sub(r"in [0-9.]+ s$", "in N s", text, flags=re.MULTILINE)


def test_verify_in_japanese_on_a_failing_starter_matches_the_snapshot(cli, tmp_path):
    repo = _starter_repo(cli, tmp_path, "03")
    result = cli("verify", "challenge-03", "--lang", "ja", cwd=repo)
    assert result.exit_code == 1, result.output
    shown = _normalised(result.stdout)
    snapshot = SNAPSHOTS / "verify-challenge-03.ja.txt"
    if os.environ.get("OHCHECK_UPDATE_SNAPSHOTS"):
        snapshot.write_text(shown, encoding="utf-8")
    assert snapshot.is_file(), "no snapshot yet: run this test once with OHCHECK_UPDATE_SNAPSHOTS=1"
    assert shown == snapshot.read_text(encoding="utf-8")
    # Every line after the heading says something in Japanese, apart from the criteria's id column.
    for line in shown.splitlines()[1:]:
        assert JAPANESE.search(line), f"an English line in Japanese output: {line!r}"


def test_json_keeps_stable_ids_and_statuses_and_says_the_rest_in_japanese(cli, tmp_path):
    repo = _starter_repo(cli, tmp_path, "03")
    english = json.loads(cli("verify", "03", "--json", "--no-store", cwd=repo).stdout)
    japanese = json.loads(cli("verify", "03", "--json", "--no-store", "--lang", "ja", cwd=repo).stdout)
    assert (english["lang"], japanese["lang"]) == ("en", "ja")
    assert japanese["challenge"] == english["challenge"] == "challenge-03"
    assert japanese["summary"] == {**english["summary"], "duration": japanese["summary"]["duration"]}
    for en, ja in zip(english["results"], japanese["results"], strict=True):
        assert (ja["criterion"], ja["status"]) == (en["criterion"], en["status"])
        assert JAPANESE.search(ja["title"]) and not JAPANESE.search(en["title"])
        if en["message"]:
            assert JAPANESE.search(ja["message"]), ja
        assert "message_source" not in ja  # how a message is stored is not part of the report


def test_junit_follows_the_language(cli, tmp_path):
    repo = _starter_repo(cli, tmp_path, "03")
    out = tmp_path / "junit.xml"
    cli("verify", "03", "--junit-xml", out, "--lang", "ja", cwd=repo)
    suite = ET.parse(out).getroot().find("testsuite")
    assert "モデル" in suite.get("name")
    failure = suite.find("testcase/failure")
    assert JAPANESE.search(failure.get("message")) and "ヒント:" in failure.text


def test_language_comes_from_the_flag_the_environment_the_repo_or_the_locale(cli, tmp_path, monkeypatch):
    repo = _starter_repo(cli, tmp_path, "03")

    def said(*args: str, env: dict | None = None) -> str:
        return json.loads(cli("verify", "03", "--json", "--no-store", *args, cwd=repo, env=env).stdout)["lang"]

    assert said() == "en"
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    assert said() == "ja"  # the system locale
    assert said("--lang", "en") == "en"
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert said(env={"OHCHECK_LANG": "ja"}) == "ja"
    config = repo / "ohcheck.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "\nlanguage: ja\n", encoding="utf-8")
    assert said() == "ja"  # the repo's language:
    assert said(env={"OHCHECK_LANG": "en"}) == "en"  # the environment wins over the file
    assert said("--lang", "en", env={"OHCHECK_LANG": "ja"}) == "en"  # and the flag over both


def test_an_unknown_language_is_one_sentence_and_exit_2(cli, tmp_path):
    repo = _starter_repo(cli, tmp_path, "03")
    result = cli("verify", "03", "--lang", "fr", cwd=repo)
    assert result.exit_code == 2
    assert "'fr' in --lang is not a language ohcheck speaks: use one of en, ja." in result.output
    assert "Traceback" not in result.output
    config = repo / "ohcheck.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "\nlanguage: fr\n", encoding="utf-8")
    result = cli("verify", "03", cwd=repo)
    assert result.exit_code == 2 and "language" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("width", [80, 120])
def test_rich_table_lines_up_with_full_width_text(width):
    """Japanese characters take two cells: every row of the table must still end at the same column."""
    from rich.console import Console

    from ohcheck import i18n
    from ohcheck.criteria import Result, Status, Summary
    from ohcheck.render.terminal import print_results

    i18n.choose("ja")
    results = [
        Result("challenge-03", "03.1", "モデルがトレーニング ジョブの出力から登録されていることを確認する", Status.FAILED,
               "adventureworks-forecast という名前の登録済みモデルがありません", hint="ジョブの出力から登録してください"),
        Result("challenge-03", "03.2", "登録済みモデルにジョブのメトリックがタグとして付いていることを確認する",
               Status.SKIPPED, "前提の 03.1 が不合格です"),
        Result("challenge-03", "03.3", "ASCII only title", Status.PASSED, "ok"),
    ]
    console = Console(width=width, force_terminal=True, color_system=None, record=True, legacy_windows=False)
    print_results(console, "challenge-03 — モデルをデプロイする", results, Summary.of(results, 0.1))
    lines = console.export_text().splitlines()
    table = [line for line in lines if line[:1] in "┏┃┡│└╭╰┌├"]
    assert table, lines
    assert {cell_len(line) for line in table} == {cell_len(table[0])}, "\n".join(table)
    assert cell_len(table[0]) <= width
    assert any("合格" in line for line in lines)
