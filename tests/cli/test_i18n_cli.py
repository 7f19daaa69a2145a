"""ohcheck's team commands in Japanese: init writes a Japanese ohcheck.yaml, and the commands speak it."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import yaml

from ohcheck.config import load_config, parse_config
from ohcheck.kit.team_init import render_config
from ohcheck.azure.workspace_config import WorkspaceRef

JA = {"OHCHECK_LANG": "ja"}
EN = {"OHCHECK_LANG": "en"}
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _no_azure_from_the_shell(monkeypatch):
    # doctor must find no workspace to ask, and the language is the one each test chooses, whatever the shell says.
    for name in ("AZURE_SUBSCRIPTION_ID", "AZURE_RESOURCE_GROUP", "AZUREML_WORKSPACE_NAME", "OHCHECK_TARGET", "OHCHECK_LANG"):
        monkeypatch.delenv(name, raising=False)


def _comments(text: str) -> list[str]:
    return [line.split("#", 1)[1] for line in text.splitlines() if "#" in line and line.split("#", 1)[1].strip()]


@pytest.mark.parametrize("how", ["--lang", "OHCHECK_LANG", "LANG"])
def test_init_in_japanese_writes_language_ja_and_japanese_comments(cli, tmp_path, how):
    args, env = ["init", "--team", "Contoso"], {}
    if how == "--lang":
        args += ["--lang", "ja"]
        env = {"OHCHECK_LANG": "", "LANG": "C.UTF-8", "LC_ALL": ""}
    elif how == "OHCHECK_LANG":
        env = {"OHCHECK_LANG": "ja", "LANG": "C.UTF-8", "LC_ALL": ""}
    else:  # the system locale
        env = {"OHCHECK_LANG": "", "LANG": "ja_JP.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
    result = cli(*args, cwd=tmp_path, env=env)
    assert result.exit_code == 0, result.output
    assert "を作成しました" in result.stdout and "Wrote" not in result.stdout
    assert "Next:" not in result.stdout and "ohcheck verify challenge-00" in result.stdout

    text = (tmp_path / "ohcheck.yaml").read_text(encoding="utf-8")
    assert re.search(r"^language: ja$", text, re.MULTILINE)
    assert load_config(tmp_path / "ohcheck.yaml").language == "ja"
    comments = _comments(text)
    assert "Never put a key" not in text and "Your team's name" not in text
    # Every comment that is a sentence is Japanese (a commented-out key such as `# workspace: ...` is not one).
    sentences = [c for c in comments if not re.match(r"\s*[a-z_]+: ", c)]
    assert sentences and all(_JAPANESE.search(c) for c in sentences), [c for c in sentences if not _JAPANESE.search(c)]


def test_init_in_english_writes_no_language(cli, tmp_path):
    result = cli("init", "--team", "Contoso", cwd=tmp_path, env=EN)
    assert result.exit_code == 0, result.output
    assert "Wrote " in result.stdout
    assert load_config(tmp_path / "ohcheck.yaml").language is None


@pytest.mark.parametrize("workspace", [None, WorkspaceRef("sub", "rg", "ws", source="config.json")])
def test_the_japanese_ohcheck_yaml_says_what_the_english_says(workspace):
    """Same keys, same values: only the comments and `language: ja` differ."""
    kwargs = {"team": "Team: \"東京\" #1", "target": "azure", "workspace": workspace,
              "scoring_url": "http://127.0.0.1:5002/score", "endpoint": "aw-forecast-tokyo",
              "compute_instance": "ci-tokyo"}
    english, japanese = render_config(**kwargs), render_config(**kwargs, lang="ja")
    as_data = yaml.safe_load(japanese)
    assert as_data.pop("language") == "ja"
    assert as_data == yaml.safe_load(english)
    assert parse_config(japanese).language == "ja"
    # The commented-out keys are the same too, so a team can uncomment either.
    commented = lambda text: sorted(re.findall(r"^\s*# ([a-z_]+):", text, re.MULTILINE))
    assert commented(japanese) == commented(english)


def test_event_setup_can_ask_for_the_japanese_file():
    text = render_config(team="t1", lang="ja")
    assert "language: ja" in text and "チーム名" in text
    assert "language:" not in render_config(team="t1")


@pytest.fixture
def ja_repo(cli, tmp_path):
    subprocess.run(["git", "init", "--quiet"], cwd=tmp_path, check=True)
    result = cli("init", "--team", "Contoso", "--lang", "ja", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    return tmp_path


def test_doctor_in_japanese(cli, ja_repo):
    # No --lang: the repo's `language: ja` decides.
    result = cli("doctor", cwd=ja_repo, env={"OHCHECK_LANG": "", "LANG": "C.UTF-8", "LC_ALL": ""})
    out = result.stdout
    assert "確認項目" in out and "チーム リポジトリ" in out and "未確認" in out
    for english in ("What ohcheck saw", "Team repo", "Python packages", "not checked: needs", "requirements are all",
                    "problem(s).", "No problem found.", "(team Contoso, target local)"):
        assert english not in out, english

    document = json.loads(cli("doctor", "--json", cwd=ja_repo).stdout)
    assert document["lang"] == "ja"
    by_check = {f["check"]: f for f in document["findings"]}  # the names stay stable ids
    assert by_check["Team repo"]["status"] == "ok" and "チーム Contoso" in by_check["Team repo"]["detail"]
    assert by_check["Credential"]["detail"].startswith("未確認")


def test_doctor_in_english_is_as_it_was(cli, ja_repo):
    result = cli("doctor", "--lang", "en", cwd=ja_repo)
    assert "What ohcheck saw" in result.stdout and "(team Contoso, target local)" in result.stdout
    assert not _JAPANESE.search(result.stdout.replace("ohcheck.yaml", ""))


def test_start_and_verify_in_japanese(cli, ja_repo):
    result = cli("start", "00", cwd=ja_repo)
    assert result.exit_code == 0, result.output
    assert "Starter files" not in result.stdout and "スターター ファイル" in result.stdout

    result = cli("verify", "00", "--export", ja_repo / "out.json", cwd=ja_repo)
    assert result.exit_code == 2
    assert "チームのキーがありません" in result.output and "There is no team key" not in result.output
    assert "ohcheck event setup" in result.output  # commands stay as they are

    result = cli("verify", "9", cwd=ja_repo)
    assert result.exit_code == 2
    assert "チャレンジ '9' はありません" in result.output and "There is no challenge" not in result.output

    result = cli("verify", "00", cwd=ja_repo)
    assert result.exit_code == 0, result.output
    result = cli("history", cwd=ja_repo)
    assert "の検証記録" in result.stdout and "Verify attempts" not in result.stdout and "When (UTC)" not in result.stdout
    assert "challenge-00" in result.stdout


def test_history_and_serve_in_japanese_before_anything_ran(cli, ja_repo):
    result = cli("history", cwd=ja_repo)
    assert "検証記録はまだありません" in result.stdout and "No attempts yet" not in result.stdout
    result = cli("serve", "--status", cwd=ja_repo)
    assert "サーバーは実行されていません" in result.stdout and "No server" not in result.stdout


def test_a_broken_ohcheck_yaml_is_explained_in_japanese(cli, tmp_path):
    (tmp_path / "ohcheck.yaml").write_text("team: Contoso\nendpoint: a_b\nfoo: 1\n", encoding="utf-8")
    result = cli("verify", "00", "--lang", "ja", cwd=tmp_path)
    assert result.exit_code == 2
    assert "2 行目" in result.output and "Azure ML のオンライン エンドポイント名の規則" in result.output
    assert "must be 3-32 characters" not in result.output

    (tmp_path / "ohcheck.yaml").write_text("team: Contoso\nfoo: 1\n", encoding="utf-8")
    result = cli("verify", "00", "--lang", "ja", cwd=tmp_path)
    assert "不明なキー `foo`" in result.output and "unknown key" not in result.output

    result = cli("verify", "00", "--lang", "en", cwd=tmp_path)
    assert "line 2: unknown key `foo` (a typo? see the comments `ohcheck init` writes)." in result.output


def test_init_refuses_in_japanese(cli, ja_repo):
    result = cli("init", cwd=ja_repo)  # the existing file's language: ja
    assert result.exit_code == 2
    assert "既に存在する" in result.output and "--force" in result.output and "already exists" not in result.output


def test_data_prepare_in_japanese(cli, ja_repo):
    result = cli("data", "prepare", "--source", "no-such-file", cwd=ja_repo)
    assert result.exit_code == 2
    assert "データ ソース" in result.output and "is neither" not in result.output
    result = cli("data", "prepare", "--source", "synthetic", "--out", "data", cwd=ja_repo)
    assert result.exit_code == 0, result.output
    assert "合成データ" in result.stdout and "行数" in result.stdout and "Source:" not in result.stdout


def test_help_is_said_in_the_chosen_language(cli, tmp_path, monkeypatch):
    english = cli("verify", "--help", cwd=tmp_path)
    assert english.exit_code == 0 and "Check every success criterion" in english.stdout
    for args, env in ((("verify", "--help", "--lang", "ja"), None), (("verify", "--help"), {"OHCHECK_LANG": "ja"})):
        # CliRunner does not set sys.argv: --lang reaches help through the parsed options or the environment.
        monkeypatch.setattr("sys.argv", ["ohcheck", *args])
        result = cli(*args, cwd=tmp_path, env=env)
        assert result.exit_code == 0, result.output
        assert "Check every success criterion" not in result.stdout
        assert "成功基準" in result.stdout and "--target" in result.stdout
    monkeypatch.setattr("sys.argv", ["ohcheck", "--help"])
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    group = cli("--help", cwd=tmp_path)
    assert "Check OpenHack challenges" not in group.stdout and "verify" in group.stdout
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert "Check OpenHack challenges" in cli("--help", cwd=tmp_path).stdout  # nothing stuck in Japanese


@pytest.mark.parametrize("command", [["verify"], ["event", "setup"], ["coach", "report"], []], ids=" ".join)
def test_japanese_help_folds_rather_than_cutting_at_80_columns(cli, tmp_path, monkeypatch, command):
    """Japanese has no spaces to wrap at: a sentence wider than the help column goes on, never ends in "…"."""
    monkeypatch.setenv("OHCHECK_LANG", "ja")
    result = cli(*command, "--help", cwd=tmp_path, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", result.stdout), "the help is not in Japanese"
    assert "…" not in result.stdout, result.stdout


def test_reading_a_file_never_changes_the_language(cli, ja_repo, tmp_path):
    # The language is the command's to choose, once; a coach's report that reads a team's ohcheck.yaml
    # must not go on in the team's language.
    from ohcheck import i18n
    from ohcheck.config import load_config
    from ohcheck.event.model import load_event

    event = tmp_path / "event.yaml"
    assert cli("event", "init", str(event), "--language", "ja").exit_code == 0
    i18n.choose(None)
    i18n.adopt(None)
    before = i18n.language()
    assert load_config(ja_repo / "ohcheck.yaml").language == "ja"
    assert i18n.language() == before
    assert load_event(event).event.event.language == "ja"
    assert i18n.language() == before


def test_verify_reads_ohcheck_yaml_once(cli, ja_repo, monkeypatch):
    import ohcheck.config

    read = []
    parse = ohcheck.config.parse_config
    monkeypatch.setattr(ohcheck.config, "parse_config", lambda text, **kw: read.append(kw) or parse(text, **kw))
    result = cli("verify", "00", "--no-store", cwd=ja_repo, env={"OHCHECK_LANG": "", "LANG": "C.UTF-8", "LC_ALL": ""})
    assert result.exit_code in (0, 1, 3), result.output
    assert len(read) == 1, read
    # The repo's language (ja) from that one read: the heading and the summary are Japanese.
    assert "challenge-00 — 前提条件（チーム" in result.stdout, result.stdout
    summary = [line for line in result.stdout.splitlines() if line.strip()][-1]
    assert summary.startswith("合格 ") and "、スキップ " in summary, summary


def test_a_wrong_language_is_said_to_be_wrong_where_it_was_written(cli, tmp_path):
    from_env = cli("list", cwd=tmp_path, env={"OHCHECK_LANG": "fr"})
    assert from_env.exit_code == 2
    assert "'fr' in OHCHECK_LANG is not a language ohcheck speaks: use one of en, ja." in from_env.output
    # Typed on the command line, it is --lang's, even when OHCHECK_LANG says the same.
    typed = cli("list", "--lang", "fr", cwd=tmp_path, env={"OHCHECK_LANG": "fr"})
    assert typed.exit_code == 2
    assert "'fr' in --lang is not a language ohcheck speaks: use one of en, ja." in typed.output
    assert "Traceback" not in from_env.output + typed.output
