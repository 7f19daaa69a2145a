"""`ohcheck event init` in Japanese, and setup's file errors said in Japanese.

`event init --language ja` writes templates/event.yaml.ja.j2: the English file's
keys and values with Japanese comments, valid as it stands. `--language en`
writes the English file as before. A file setup cannot write is one sentence in
the reader's language, its English unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from ohcheck import i18n
from ohcheck.errors import UserError
from ohcheck.event.files import KitWriter
from ohcheck.event.init_file import render_example

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def comments(text: str) -> list[str]:
    return [line.split("#", 1)[1] for line in text.splitlines() if "#" in line]


def without_comments(text: str) -> list[str]:
    lines = (re.sub(r"\s*#.*$", "", line) for line in text.splitlines())
    return [line for line in lines if line.strip()]


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_init_in_japanese_writes_japanese_comments_and_validates(cli, tmp_path):
    result = cli("event", "init", "--language", "ja", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    text = (tmp_path / "event.yaml").read_text(encoding="utf-8")
    assert text.startswith("# event.yaml: OpenHack for MLOps のイベント 1 回分の設定です。")
    notes = [note for note in comments(text) if note.strip()]
    assert notes and all(JAPANESE.search(note) for note in notes), [n for n in notes if not JAPANESE.search(n)]
    assert "ここにシークレットを書かないでください" in text
    assert "No secret belongs here" not in text
    data = yaml.safe_load(text)
    assert data["event"]["language"] == "ja" and data["azure"]["region"] == "japaneast"

    result = cli("event", "validate", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "は有効です（2 チーム、コーチ 1 人）" in one_line(result.output)  # the file's language: ja


def test_the_japanese_file_has_the_english_keys_and_values():
    today = dt.date(2026, 11, 17)
    english = render_example(language="en", today=today)
    japanese = render_example(language="ja", today=today)
    expected = english.replace("language: en", "language: ja").replace("region: eastus", "region: japaneast")
    assert without_comments(japanese) == without_comments(expected)


def test_init_in_english_is_unchanged(cli, tmp_path):
    from jinja2 import Environment, PackageLoader, StrictUndefined

    result = cli("event", "init", "--language", "en", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    text = (tmp_path / "event.yaml").read_text(encoding="utf-8")
    starts = dt.date.today() + dt.timedelta(days=14)
    env = Environment(loader=PackageLoader("ohcheck", "templates"), undefined=StrictUndefined,
                      keep_trailing_newline=True, autoescape=False)
    assert text == env.get_template("event.yaml.j2").render(
        starts=starts.isoformat(), ends=(starts + dt.timedelta(days=2)).isoformat(), language="en", region="eastus")
    assert text.startswith("# event.yaml: one OpenHack for MLOps event. Written by `ohcheck event init`.")
    assert not JAPANESE.search(text)
    assert "Wrote" in result.output
    assert cli("event", "validate", cwd=tmp_path).exit_code == 0


def test_a_file_in_the_way_is_said_in_japanese_and_its_english_is_unchanged(tmp_path):
    (tmp_path / "summary.md").mkdir()
    with pytest.raises(UserError) as caught:
        KitWriter(tmp_path).write("summary.md", "x\n")
    target = tmp_path.resolve() / "summary.md"
    assert str(caught.value.message) == f"{target} is in the way: setup wants to write a file there."
    said = i18n.framework("ja").say(caught.value.message)
    assert said == f"{target} にファイル以外のものがあるため、setup がそこにファイルを書き出せません。"


def test_setup_says_a_file_in_the_way_in_japanese(cli, tmp_path):
    assert cli("event", "init", "--language", "ja", cwd=tmp_path).exit_code == 0
    (tmp_path / "event-summary.md").mkdir()  # a folder where setup writes the summary page
    result = cli("event", "setup", cwd=tmp_path)
    assert result.exit_code == 2
    out = one_line(result.output)
    assert "event-summary.md にファイル以外のものがあるため、setup がそこにファイルを書き出せません。" in out
    assert "Traceback" not in result.output
    english = cli("event", "setup", "--lang", "en", cwd=tmp_path)
    assert english.exit_code == 2
    assert "event-summary.md is in the way: setup wants to write a file there." in one_line(english.output)


def test_a_file_setup_cannot_read_is_said_in_japanese(tmp_path, monkeypatch):
    (tmp_path / "kit.txt").write_text("mine\n", encoding="utf-8")

    def unreadable(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", unreadable)
    with pytest.raises(UserError) as caught:
        KitWriter(tmp_path).write("kit.txt", "x\n")
    target = tmp_path.resolve() / "kit.txt"
    assert str(caught.value.message) == f"Cannot read {target}: Permission denied."
    assert i18n.framework("ja").say(caught.value.message) == f"{target} を読み取れません: Permission denied。"
