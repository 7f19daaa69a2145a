"""The coach's report and dashboard in the coach's language, whatever language the teams' results were stored in.

Two teams' challenge 01 is verified by the real CLI in English (`coach collect --lang en`: results stored with
their message templates), team-b also sends a signed bundle (`verify --export`, `coach import`: self-reported),
and the coach signs off. Then the report (Markdown and HTML) and the dashboard are made in Japanese: the pack's
Japanese titles (challenges/*.ja.md, checks/*.ja.yaml), the results' messages said again in Japanese, and none of
the English sentences ohcheck's coach pages are made of. The dashboard is opened in Debian's chromium (see
test_coach_dashboard.py) to see the Japanese really drawn with a font that has its glyphs: no empty boxes.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ohcheck.cli.app import app
from ohcheck.coach.store import CoachStore
from ohcheck.markdown_cells import md_cell
from ohcheck.pack import HackPack
from ohcheck.kit.repo_builder import build_team_repo

from .test_coach_dashboard import (  # noqa: F401 - browser and page are fixtures
    Served,
    _free_port,
    browser,
    cell,
    expect,
    page,
)

EVENT = """\
event:
  name: OpenHack for MLOps, Japanese test
  starts: 2026-12-01
  ends: 2026-12-03
teams:
  - name: team-a
    members: [Alice, Bob]
    repo: team-a
    target: local
  - name: team-b
    repo: team-b
    target: local
coaches:
  - name: Carol
    teams: [team-a, team-b]
"""

# Sentences (and labels) of the coach's pages in English: none may be left on a Japanese page.
ENGLISH_REPORT = [
    "— coach report", "· coach report", "Members", "Target", "Coaches", "none assigned",
    "results are the ones your own ohcheck verified",
    "the trusted record", "shown beside them, never merged", "Overview", "Coach-verified (trusted)", "Self-reported",
    "Attempts", "First pass", "Time spent", "Sign-off", "Forecast against the held-out days", "No forecast plot",
    "nothing answers at", "the model is not reachable", "(trusted)", "coach-verified", "self-reported",
    "First attempt", "Latest", " passed, ", " failed, ", "errors", "skipped", "attempts in all", "first passed",
    "time spent", "not passed yet", "Not attempted yet", "not signed off", "Not signed off", "approved by",
    "Approved", "forced", "not every criterion passed", "Criterion", "Hint", "no result", "Sign-off history",
    "Made by ohcheck coach report", " min", "so far", "(not in this hack pack)", "collected by", "bundle ",
]
ENGLISH_DASHBOARD = [
    "— dashboard", " teams · ", " challenges", "live: refreshes", "Generated ", "Cells show the", "never merged",
    "Click a cell for its criteria", "Teams × challenges", "signed off by a coach", "passed (coach-verified)",
    "in progress: the team has worked", "failing again: it passed before", "undecided", "self-reported only",
    "not started", "Last verified", "no members listed", "target local", "Stuck teams", "No newly passed criterion",
    "No team is stuck", "Completion funnel", "Teams passed", "Started", "Median time", "the team says passed",
    "self-reported", "teams passed", "Time on a challenge", "Bar: green", "times in UTC", "no sign of",
    "close ✕", "the latest coach-verified result", "Signed off by", "forced", "1 attempt", " attempts",
    "time to pass", "working on it for", "the trusted record", "Not verified by a coach yet", "sent by the team",
    "criteria passed", "time unknown", "Could not verify", "coach-verified", "click for the criteria",
    "✓ signed off", "self: ", " min", "live: updated", "not connected to ohcheck", "collected by",
    # the coach's view, the drill-down, the staleness line, the CSV link (issue 14)
    "All teams", "Whose teams", "Every team of the event", "None of these teams", "Last collect", "reported since",
    "No collect yet", "Download CSV", "Team report", "Coach guide", "Repo", "Azure ML studio", "Hint: ", "revoked",
    "not verified yet", "Last verified (UTC)",
]
# Fonts with Japanese glyphs that a page may be drawn with (the CSS names them after the system's own).
JAPANESE_FONTS = ("Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Hiragino Kaku Gothic ProN", "Yu Gothic",
                  "Meiryo", "IPAexGothic", "IPAGothic", "TakaoGothic", "VL Gothic")
KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def _run(*args: object, cwd: Path, env: dict[str, str] | None = None):
    """`ohcheck ...` in `cwd`, in-process, as the `cli` fixture runs it (this module's setup is module-wide)."""
    before = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(app, [str(a) for a in args], env=env)
    finally:
        os.chdir(before)


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where test_coach_dashboard.py keeps its screenshots ($OHCHECK_TEST_ARTIFACTS, else basetemp/artifacts)."""
    chosen = os.environ.get("OHCHECK_TEST_ARTIFACTS")
    folder = Path(chosen) if chosen else tmp_path_factory.getbasetemp() / "artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def pack() -> HackPack:
    return HackPack()


@pytest.fixture(scope="module")
def event_dir(tmp_path_factory: pytest.TempPathFactory, pack: HackPack) -> Path:
    """An event whose store holds, in English, team-a's passing and team-b's failing challenge 01, both trusts."""
    folder = tmp_path_factory.mktemp("i18n-coach") / "event"
    folder.mkdir()
    (folder / "event.yaml").write_text(EVENT)
    english = {"OHCHECK_LANG": "en", "LANG": "C.UTF-8"}
    for name, solved in (("team-a", True), ("team-b", False)):
        build_team_repo(pack, folder / name, pack.challenge("01"), solved=solved, team=name).cleanup()
        for leftover in (folder / name / ".ohcheck").glob("results.db*"):
            leftover.unlink()
    collected = _run("coach", "collect", "--challenge", "01", "--coach", "Carol", "--lang", "en", cwd=folder,
                     env=english)
    assert collected.exit_code in (0, 1), collected.output  # team-b fails, as its starter should
    # team-b also sends its own results: signed, exported, imported (self-reported).
    assert _run("coach", "key", cwd=folder, env=english).exit_code == 0
    (folder / "team-b" / ".ohcheck").mkdir(exist_ok=True)
    team_key = _run("coach", "key", "--team", "team-b", "--out", folder / "team-b" / ".ohcheck" / "team.key", cwd=folder,
                    env=english)
    assert team_key.exit_code == 0, team_key.output
    bundle = folder / "team-b-01.json"
    exported = _run("verify", "01", "--export", bundle, "--lang", "en", cwd=folder / "team-b", env=english)
    assert bundle.is_file(), exported.output
    imported = _run("coach", "import", bundle, cwd=folder, env=english)
    assert imported.exit_code == 0, imported.output
    approved = _run("coach", "approve", "team-a", "01", "--coach", "Carol", "--note", "demoed", cwd=folder, env=english)
    assert approved.exit_code == 0, approved.output
    forced = _run("coach", "approve", "team-b", "01", "--coach", "Carol", "--force", cwd=folder, env=english)
    assert forced.exit_code == 0, forced.output
    return folder


@pytest.fixture(scope="module")
def stored(event_dir: Path) -> dict[tuple[str, str], list]:
    """The results of each team's latest attempt under each trust, as the store holds them (in English)."""
    with CoachStore(event_dir / ".ohcheck-coach" / "coach.db") as store:
        attempts = store.attempts(with_results=True)
    latest = {}
    for attempt in sorted(attempts, key=lambda a: a.id):
        latest[(attempt.team, attempt.trust)] = list(attempt.results)
    assert set(latest) == {("team-a", "coach"), ("team-b", "coach"), ("team-b", "self")}
    return latest


def _japanese_messages(pack: HackPack, results: list) -> list[tuple[str, str]]:
    """(English, Japanese) of stored messages: each kept with its template, said again from the pack's catalogue."""
    catalogue = pack.catalogue("ja")
    said = []
    for r in results:
        if r.message_source:
            japanese = catalogue.say(r.message_source)
            if japanese != r.message:
                said.append((r.message, japanese))
    assert said, "no stored message has a Japanese form: the results were stored without their templates?"
    return said


def _without_code(source: str) -> str:
    """An HTML page without its style and script: the text, the attributes and the markup a reader meets."""
    return re.sub(r"<(style|script)\b.*?</\1>", "", source, flags=re.DOTALL)


def _text(source: str) -> str:
    """A page's text as a reader sees it: inline markup runs on, blocks are apart."""
    inline = re.sub(r"</?(strong|span|code|b|a|small)\b[^>]*>", "", _without_code(source))
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def _readable(source: str) -> str:
    """What a reader of an HTML page meets: its text, and the tooltips and labels of its markup."""
    said = re.findall(r'\b(?:title|alt|aria-label)="([^"]*)"', _without_code(source))
    return "\n".join([_text(source), *(html.unescape(s) for s in said)])


def _assert_no_english(text: str, sentences: list[str], where: str) -> None:
    left = [s for s in sentences if s in text]
    assert not left, f"English left on the Japanese {where}: {left}"


def test_the_markdown_report_in_japanese(event_dir, pack, stored):
    result = _run("coach", "report", "team-b", "--lang", "ja", cwd=event_dir)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("# team-b — コーチ レポート\n")
    # The pack's Japanese titles: every challenge (challenges/*.ja.md) and challenge 01's criteria (checks/*.ja.yaml).
    catalogue = pack.catalogue("ja")
    for challenge in pack.challenges:
        assert f"## {challenge.id} — {md_cell(challenge.title_in('ja'))}\n" in text, challenge.id
    for criterion in pack.criteria(pack.challenge("01")):
        title = catalogue.title(criterion.id, "")
        assert title and KANA_OR_KANJI.search(title), f"{criterion.id} has no Japanese title"
        assert f"**{criterion.id}** {md_cell(title)} |" in text
    # The results were stored in English; the report says their messages in Japanese, under both trusts.
    messages = _japanese_messages(pack, stored[("team-b", "coach")] + stored[("team-b", "self")])
    for english, japanese in messages:
        assert md_cell(japanese) in text
        assert md_cell(english) not in text or english in japanese
    # ohcheck's own sentences, said in Japanese.
    overview = next(line for line in text.splitlines() if line.startswith("| [challenge-01]"))
    assert overview.split(" | ")[1:3] == ["0/1 合格 · 6 件スキップ", "0/1 合格 · 6 件スキップ"]  # coach-verified, self-reported
    assert overview.endswith(" | Carol が承認（強制） |")
    assert "| チャレンジ | コーチ検証（信頼済み） | 自己申告 | 試行回数 | 初回の合格 | 所要時間 | 承認 |" in text
    assert "**承認状況: 承認**（Carol、" in text and "**強制**（合格していない成功基準があります）" in text
    assert "試行は全部で 2 回 · 初回の試行 " in text and "合格した試行の記録がないまま承認されています" in text
    assert "予測のプロットはありません: チーム リポジトリに、予測と比較する " in text  # team-b has no data yet
    assert "まだ試行がありません。" in text  # the challenges nobody tried
    _assert_no_english(text, ENGLISH_REPORT, "Markdown report")


def test_the_html_report_in_japanese(event_dir, pack, stored, tmp_path):
    out = tmp_path / "team-b.html"
    result = _run("coach", "report", "team-b", "--format", "html", "--out", out, "--lang", "ja", cwd=event_dir)
    assert result.exit_code == 0, result.output
    report = out.read_text(encoding="utf-8")
    assert '<html lang="ja">' in report
    assert '"Noto Sans CJK JP"' in report  # a Japanese font in the stack, after the system's own
    text = _text(report)
    assert text.startswith("team-b — OpenHack for MLOps, Japanese test — コーチ レポート team-b ")
    for challenge in pack.challenges:
        assert f"{challenge.id} — {challenge.title_in('ja')}" in text
    for _english, japanese in _japanese_messages(pack, stored[("team-b", "coach")] + stored[("team-b", "self")]):
        assert " ".join(japanese.split()) in text
    assert "コーチ検証（信頼済み）" in text and "承認（Carol、" in text
    _assert_no_english(_readable(report), ENGLISH_REPORT, "HTML report")


def test_the_language_comes_from_the_event_file_unless_asked_otherwise(event_dir):
    in_japanese = EVENT.replace("  ends: 2026-12-03\n", "  ends: 2026-12-03\n  language: ja\n")
    (event_dir / "event-ja.yaml").write_text(in_japanese)
    said = _run("coach", "report", "team-a", "--event", "event-ja.yaml", cwd=event_dir)
    assert said.exit_code == 0, said.output
    assert said.stdout.startswith("# team-a — コーチ レポート\n")
    assert "**承認状況: 承認**（Carol、" in said.stdout and ": “demoed”" in said.stdout
    english = _run("coach", "report", "team-a", "--event", "event-ja.yaml", "--lang", "en", cwd=event_dir)
    assert english.stdout.startswith("# team-a — coach report\n")
    assert "**Sign-off: approved** by Carol" in english.stdout
    from_env = _run("coach", "report", "team-a", cwd=event_dir, env={"OHCHECK_LANG": "ja"})
    assert from_env.stdout.startswith("# team-a — コーチ レポート\n")


def test_the_dashboard_in_japanese_in_a_browser(event_dir, pack, stored, page, shots, tmp_path):
    out = tmp_path / "dashboard.html"
    result = _run("coach", "dashboard", "--out", out, "--lang", "ja", cwd=event_dir)
    assert result.exit_code == 0, result.output
    source = out.read_text(encoding="utf-8")
    assert '<html lang="ja">' in source and '"Noto Sans CJK JP"' in source
    _assert_no_english(_readable(source), ENGLISH_DASHBOARD, "dashboard")
    messages = _japanese_messages(pack, stored[("team-b", "coach")])

    page.goto(out.as_uri())
    board = page.locator("body").inner_text()
    for words in ("チーム × チャレンジ", "停滞しているチーム", "チャレンジごとの完了状況と所要時間", "コーチが承認済み",
                  "作業中: チームが取り組んでいますが、まだ合格していない成功基準があります", "所要時間の中央値",
                  f"2 チーム · {len(pack.challenges)} チャレンジ"):
        assert words in board, words
    funnel = page.locator("table.funnel").inner_text()
    for challenge in pack.challenges:
        assert challenge.title_in("ja") in funnel, challenge.id
    assert cell(page, "team-a", "challenge-01").locator("summary").inner_text() == "✓ 承認済み\n1 件スキップ"
    assert cell(page, "team-b", "challenge-01").locator("summary").inner_text() == "✓ 承認済み ⚠\n6 件スキップ"

    # A cell's card: the criteria's Japanese titles and the stored messages said in Japanese.
    cell(page, "team-b", "challenge-01").locator("summary").click()
    card = cell(page, "team-b", "challenge-01").locator(".pop")
    card.wait_for(state="visible")
    said = card.inner_text()
    assert "コーチが承認済み" in said and "。最新のコーチ検証の結果: 作業中" in said and "信頼できる記録" in said
    for criterion in pack.criteria(pack.challenge("01")):
        assert pack.catalogue("ja").title(criterion.id, "") in said
    for _english, japanese in messages:
        assert " ".join(japanese.split())[:80] in " ".join(said.split())
    # A criterion's status word comes from the stylesheet, in Japanese too.
    before = card.locator("ul.crit li.failed").first.evaluate("e => getComputedStyle(e, '::before').content")
    assert before == '"不合格"'

    # Drawn with a font that has the glyphs: chromium says which fonts drew a heading, and a Japanese character
    # is a full em wide where a missing glyph's box is narrower.
    heading = "#h-stuck"
    fonts = _platform_fonts(page, heading)
    japanese = [c for c in page.locator(heading).inner_text() if KANA_OR_KANJI.match(c)]
    drawn = sum(count for family, count in fonts.items() if family in JAPANESE_FONTS)
    assert drawn >= len(japanese), (
        f"the Japanese heading was drawn with {fonts}: no Japanese font has its glyphs on this machine "
        "(`apt-get install -y fonts-noto-cjk`)")
    widths = page.evaluate("""() => {
        const probe = (text) => { const s = document.createElement("span"); s.textContent = text;
            s.style.fontSize = "20px"; document.body.appendChild(s); const w = s.getBoundingClientRect().width;
            s.remove(); return w; };
        return {japanese: probe("停滞しているチーム"), missing: probe("\\ue000".repeat(9))};
    }""")
    assert widths["japanese"] >= 9 * 20 * 0.9, widths  # full-width glyphs, not boxes
    assert abs(widths["japanese"] - widths["missing"]) > 20, widths
    shot = Path("/tmp/ohcheck-coach-dashboard-ja.png")
    page.screenshot(path=str(shot), full_page=True)
    shutil.copy(shot, shots / shot.name)
    assert page.problems == []


def _platform_fonts(tab, selector: str) -> dict[str, int]:
    """The fonts chromium drew an element's text with: family -> glyphs (DevTools' CSS.getPlatformFontsForNode)."""
    cdp = tab.context.new_cdp_session(tab)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts: dict[str, int] = {}
    for font in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]:
        fonts[font["familyName"]] = fonts.get(font["familyName"], 0) + font["glyphCount"]
    return fonts


def test_the_served_dashboard_and_its_script_speak_japanese(event_dir, page):
    served = Served(event_dir, "--port", str(_free_port()), "--lang", "ja")
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+/", served.first_line)
        assert url, served.first_line
        page.goto(url.group(0))
        assert page.locator("#live").inner_text() == "ライブ: 結果が届くと更新されます"
        # The page's script says when it last looked, in the page's language.
        expect(page.locator("#live")).to_have_text(re.compile(r"^ライブ: .+ に更新しました$"), timeout=30_000)
        assert "チーム × チャレンジ" in page.locator("#board").inner_text()
        assert page.problems == []
        page.close()  # before the server stops: a poll that finds no server is a console error
    finally:
        code, _, err = served.stop()
    assert code == 0, err


def test_the_forecast_plot_is_labelled_in_japanese_with_a_font_that_has_the_glyphs(shots):
    import base64

    import pandas as pd

    from ohcheck import i18n

    from ohcheck.coach import forecast as coach_forecast

    i18n.choose("ja")
    families = coach_forecast._font_families("ja")
    assert families and families[-1] in JAPANESE_FONTS, (
        "matplotlib knows no Japanese font, so the plot keeps English labels: `apt-get install -y fonts-noto-cjk` "
        "(and remove matplotlib's font cache if it was made before)")
    days = pd.date_range("2014-01-01", periods=40, freq="D")
    series = pd.Series([float(i % 7) for i in range(40)], index=days)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font")  # matplotlib's word for an empty box
        image = coach_forecast._png("team-b", "adventureworks-forecast:1", series.iloc[:28], series.iloc[28:],
                                    [(d.date(), 3.0, float(i % 7)) for i, d in enumerate(days[28:])])
    png = base64.b64decode(image.split(",", 1)[1])
    assert png.startswith(b"\x89PNG")
    (shots / "coach-forecast-ja.png").write_bytes(png)
    Path("/tmp/ohcheck-coach-forecast-ja.png").write_bytes(png)
