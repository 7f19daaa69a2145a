"""`ohcheck coach report TEAM` as a coach runs it: a store seeded with both trusts, then the report."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import pytest

from ohcheck.coach.store import CoachStore
from ohcheck.criteria import Result, Status

from ..fake_azureml import seed_passing_workspace
from ..targets.test_azure_target import ENDPOINT, point_at
from .test_coach_dashboard import artifacts, browser  # noqa: F401 - fixtures: chromium, the screenshots' folder

EVENT = """\
event:
  name: OpenHack for MLOps, report test
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
  - name: team-c
    repo: https://coach:s3cr3t-url-token@127.0.0.1:9/team-c.git
    target: local
coaches:
  - name: Carol
    teams: [team-a, team-b]
  - name: Dan
    teams: [team-a]
"""

SECRET = "sk-live-0123456789abcdef"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZWFtLWEifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


def _results(challenge: str, statuses: dict[str, Status], messages: dict[str, str] | None = None,
             evidence: dict[str, dict] | None = None) -> list[Result]:
    return [
        Result(challenge, cid, f"criterion {cid}", status, (messages or {}).get(cid, f"{cid} is {status.value}"),
               hint=f"hint for {cid}", evidence=(evidence or {}).get(cid, {}))
        for cid, status in statuses.items()
    ]


P, F, E = Status.PASSED, Status.FAILED, Status.ERROR


@pytest.fixture
def event_dir(tmp_path: Path) -> Path:
    """An event whose store holds team-a's attempts (both trusts), sign-offs, and another team's results."""
    folder = tmp_path / "event"
    folder.mkdir()
    (folder / "event.yaml").write_text(EVENT)
    with CoachStore(folder / ".ohcheck-coach" / "coach.db") as store:
        def record(challenge, trust, started, statuses, **kwargs):
            source = "collected by Carol" if trust == "coach" else "bundle team-a.json"
            store.record(team=kwargs.pop("team", "team-a"), challenge=challenge, target="local", trust=trust,
                         source=source, started_at=started, results=_results(challenge, statuses, **kwargs))

        # challenge-01: the team reports first and fails; the coach verifies (failed, then passed);
        # the team's newest self-reported run fails again: both shown, the coach's as the trusted one.
        record("challenge-01", "self", "2026-12-01T09:00:00+00:00", {"01.1": P, "01.2": F},
               messages={"01.2": f"series has gaps; api_key={SECRET}"})
        record("challenge-01", "coach", "2026-12-01T10:00:00+00:00", {"01.1": P, "01.2": F})
        record("challenge-01", "coach", "2026-12-01T11:30:00+00:00", {"01.1": P, "01.2": P},
               messages={"01.1": "data/mlops_forecast_data.csv has 730 rows <script>alert(1)</script> | ok"},
               evidence={"01.1": {"rows": 730, "token": "plain-token-value", "auth": f"Bearer {JWT}"}})
        record("challenge-01", "self", "2026-12-01T12:00:00+00:00", {"01.1": P, "01.2": F},
               messages={"01.2": "self-reported gaps again"})
        # challenge-02: two failing coach attempts, not passed yet.
        record("challenge-02", "coach", "2026-12-01T13:00:00+00:00", {"02.1": F})
        record("challenge-02", "coach", "2026-12-01T13:45:00+00:00", {"02.1": E},
               messages={"02.1": f"the endpoint refused api_key={SECRET}"})
        # challenge-03: passed only as the team reports it.
        record("challenge-03", "self", "2026-12-02T09:00:00+00:00", {"03.1": F})
        record("challenge-03", "self", "2026-12-02T09:20:00+00:00", {"03.1": P})
        # Another team's results never show in team-a's report.
        record("challenge-01", "coach", "2026-12-01T10:00:00+00:00", {"01.1": F}, team="team-b",
               messages={"01.1": "team-b's own message"})

        store.sign("team-a", "challenge-01", action="approve", coach="Carol", note="demoed the forecast")
        store.sign("team-a", "challenge-01", action="revoke", coach="Dan", note="wrong data file")
        store.sign("team-a", "challenge-01", action="approve", coach="Carol", note=f"fixed; client_secret={SECRET}")
        store.sign("team-a", "challenge-02", action="approve", coach="Dan", note="checked by hand", forced=True)
    return folder


def _section(page: str, challenge: str) -> str:
    start = page.index(f'<section id="{challenge}"')
    return page[start:page.index("</section>", start)]


def _text(fragment: str) -> str:
    inline = re.sub(r"</?code>", "", fragment)  # a hint's code spans read as the words they hold
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def _cells(page: str, challenge: str, criterion: str) -> dict[str, str]:
    """The text of a criterion's cells in the report, by trust."""
    section = _section(page, challenge)
    start = section.index(f'<tr id="{challenge}-{criterion}">')
    row = section[start:section.index("</tr>", start)]
    cells = re.findall(r'<td class="trust-(\w+)" data-trust="\w+">(.*?)</td>', row, re.S)
    return {trust: _text(body) for trust, body in cells}


def test_html_report_shows_what_the_coach_verified_beside_what_the_team_reported(cli, event_dir, tmp_path, pack,
                                                                                monkeypatch):
    import datetime as dt

    from ohcheck import clock

    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.timezone.utc))
    out = tmp_path / "reports" / "team-a.html"
    result = cli("coach", "report", "team-a", "--format", "html", "--out", out, cwd=event_dir)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"Wrote the report of team-a to {out}."
    page = out.read_text(encoding="utf-8")

    # The team header: members, target, the coaches looking after it.
    header = _text(page[:page.index('<h2 id="overview">')])
    assert "Members Alice, Bob" in header and "Target local" in header and "Coaches Carol, Dan" in header

    # Each criterion's latest status under each trust, side by side, the coach's marked trusted.
    assert _cells(page, "challenge-01", "01.2") == {
        "coach": "passed 01.2 is passed", "self": "failed self-reported gaps again"}
    coach_01_1 = _cells(page, "challenge-01", "01.1")["coach"]
    assert coach_01_1.startswith("passed data/mlops_forecast_data.csv has 730 rows <script>alert(1)</script> | ok")
    assert '"rows": 730' in coach_01_1  # the evidence, compact
    assert "<script>" not in page  # a team's text is escaped, never markup
    section = _section(page, "challenge-01")
    assert "coach-verified</span> (trusted)" in section and "self-reported</span>" in section
    hint = next(c.hint for c in pack.criteria(pack.challenge("01")) if c.id == "01.2")
    assert " ".join(hint.replace("`", "").split()) in _text(section)  # the criterion's hint, as the pack words it
    assert "<code>" in section  # its `code` shown as code

    # Attempts, first attempt and first pass, time spent.
    summary = _text(section)
    assert "Attempts 2 2" in summary  # coach-verified, self-reported
    assert "First pass 2026-12-01 11:30 UTC —" in summary  # the team's own runs never passed it
    # The team's own verify at 09:00 starts the clock; the pass happened between the collects at 10:00 and 11:30.
    assert ("4 attempts in all · first attempt 2026-12-01 09:00 UTC · first passed 2026-12-01 11:30 UTC "
            "(coach-verified) · time spent 1 h 00 min – 2 h 30 min") in summary

    # The sign-off that decides, and the history behind it.
    assert re.search(r"Approved by Carol, \d{4}-\d\d-\d\d \d\d:\d\d UTC: “fixed; client_secret=\*\*\*”", summary)
    history = re.findall(r"<li>(.*?)</li>", section, re.S)
    assert [re.sub(r"^.*? — ", "", _text(item)) for item in history] == [
        "approved by Carol: “demoed the forecast”",
        "revoked by Dan: “wrong data file”",
        "approved by Carol: “fixed; client_secret=***”",
    ]
    forced = _text(_section(page, "challenge-02"))
    assert "Approved by Dan" in forced and "forced (not every criterion passed): “checked by hand”" in forced
    assert "signed off without a passing attempt on record" in forced
    # Passed only in the team's own word: never a time to pass; the clock runs from its first verify (09:00).
    assert ("not passed yet (coach-verified) · the team reports a pass 2026-12-02 09:20 UTC · time spent so far "
            "1 h 00 min") in _text(_section(page, "challenge-03"))
    assert "Not attempted yet" in _text(_section(page, "challenge-04"))

    # Only team-a's record; its repo is not there, so no plot: one line, not an error.
    assert "team-b's own message" not in page
    assert f"No forecast plot: team team-a's repo {event_dir / 'team-a'} does not exist." in _text(page)
    assert "data:image/png" not in page


def test_markdown_report_keeps_the_two_trusts_apart_in_its_tables(cli, event_dir):
    result = cli("coach", "report", "team-a", cwd=event_dir)  # Markdown on stdout by default
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("# team-a — coach report\n")
    overview = next(line for line in text.splitlines() if line.startswith("| [challenge-01]"))
    assert overview.split(" | ")[0].endswith("· **signed off**")  # its state, in the dashboard's words
    # Each trust's latest attempt as the dashboard counts it, never a verdict word beside the state.
    assert overview.split(" | ")[1:] == ["2/2 passed", "1/2 passed", "4", "2026-12-01 11:30 UTC",
                                         "1 h 00 min – 2 h 30 min", "approved by Carol |"]
    unopened = next(line for line in text.splitlines() if line.startswith("| [challenge-05]"))
    assert "· **not started**" in unopened and unopened.split(" | ")[5] == "—"  # no time on what was never opened
    row = next(line for line in text.splitlines() if line.startswith("| **01.1**"))
    # One table row whatever the message holds: its | and its markup are escaped.
    assert row.count(" | ") == 3
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\| ok" in row
    assert "<script>" not in text
    assert "| | **coach-verified** (trusted) | *self-reported* |" in text
    assert "**Sign-off: approved** by Carol" in text
    assert "2. " in text and "revoked by Dan: “wrong data file”" in text


def test_no_key_or_token_reaches_the_report(cli, event_dir, tmp_path):
    for fmt in ("md", "html"):
        out = tmp_path / f"report.{fmt}"
        result = cli("coach", "report", "team-a", "--format", fmt, "--out", out, cwd=event_dir)
        assert result.exit_code == 0, result.output
        text = out.read_text(encoding="utf-8")
        for secret in (SECRET, JWT, "plain-token-value"):
            assert secret not in text, f"{secret} leaked into the {fmt} report"
        assert "refused api_key=***" in text  # masked where it was, so the coach sees something was there
        assert "client_secret=***" in text  # a sign-off note too
    # A repo URL's user and token stay out of the report, even when fetching it fails.
    result = cli("coach", "report", "team-c", cwd=event_dir)
    assert result.exit_code == 0, result.output
    assert "s3cr3t-url-token" not in result.output
    assert "https://127.0.0.1:9/team-c.git" in result.output


def test_an_unknown_team_is_one_sentence_and_writes_nothing(cli, event_dir, tmp_path):
    out = tmp_path / "team-z.html"
    result = cli("coach", "report", "team-z", "--format", "html", "--out", out, cwd=event_dir)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[0] == (
        "error: There is no team 'team-z' in the event (its teams: team-a, team-b, team-c).")
    assert "Traceback" not in result.output
    assert not out.exists()


def test_the_report_file_is_written_whole_or_not_at_all(cli, event_dir, tmp_path):
    out = tmp_path / "reports" / "team-a.md"
    first = cli("coach", "report", "team-a", "--out", out, cwd=event_dir)
    assert first.exit_code == 0, first.output
    before = out.read_bytes()
    # A store that cannot be read: the report fails in one sentence, the earlier file stays as it was.
    store = event_dir / ".ohcheck-coach" / "coach.db"
    for leftover in store.parent.glob("coach.db-*"):
        leftover.unlink()
    store.write_bytes(b"this is not a SQLite database" * 100)
    failed = cli("coach", "report", "team-a", "--out", out, cwd=event_dir)
    assert failed.exit_code == 2
    assert "cannot be read" in failed.stderr and "Traceback" not in failed.output
    assert out.read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["team-a.md"]  # no temporary file left behind


def test_a_team_with_no_store_yet_gets_a_report_and_no_store_is_made(cli, tmp_path):
    folder = tmp_path / "event"
    folder.mkdir()
    (folder / "event.yaml").write_text(EVENT)
    result = cli("coach", "report", "team-b", cwd=folder)
    assert result.exit_code == 0, result.output
    assert "Not attempted yet" in result.stdout
    assert not (folder / ".ohcheck-coach").exists()


def test_a_served_model_is_drawn_against_the_held_out_days(cli, event_dir, team_repo, tmp_path):
    # solved-04's local endpoint is up for the session: its copy reaches it at the same scoring URL.
    team_repo("solved-04").rename(event_dir / "team-a")
    out = tmp_path / "team-a.html"
    result = cli("coach", "report", "team-a", "--format", "html", "--out", out, cwd=event_dir)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 1
    assert base64.b64decode(images[0]).startswith(b"\x89PNG\r\n\x1a\n")
    note = _text(page[page.index('<h2 id="forecast">'):page.index('<section id="challenge-00"')])
    # Its training run logged train_end, so the forecast sits on its real dates.
    assert re.search(r"Forecast of adventureworks-forecast:\d+ for \d+ of the \d+ held-out days .* placed on its "
                     r"dates: adventureworks-forecast:\d+ was trained on data up to \d{4}-\d\d-\d\d", note), note
    assert re.search(r"RMSE [\d,]+, MAE [\d,]+ on those days\.", note), note
    # Markdown embeds the same image.
    md = cli("coach", "report", "team-a", cwd=event_dir)
    assert md.exit_code == 0, md.output
    assert "](data:image/png;base64," in md.stdout


def test_on_azure_the_endpoint_is_asked_with_its_key_and_the_key_never_shows(cli, event_dir, team_repo, fake, tmp_path):
    point_at(fake, cli, team_repo("solved-01")).rename(event_dir / "team-a")
    (event_dir / "event.yaml").write_text(EVENT.replace("    target: local", "    target: azure", 1))
    out = tmp_path / "team-a.html"

    # No endpoint yet: one line says so, the rest of the report is there.
    result = cli("coach", "report", "team-a", "--format", "html", "--out", out, cwd=event_dir)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert f"No forecast plot: the model is not reachable: there is no online endpoint {ENDPOINT}." in _text(page)
    assert '<section id="challenge-01"' in page

    seeded = seed_passing_workspace(fake, endpoint=ENDPOINT)
    result = cli("coach", "report", "team-a", "--format", "html", "--out", out, cwd=event_dir)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert '<img src="data:image/png;base64,' in page
    # The seeded training run logged no train_end: drawn from the first held-out day, and said so.
    assert re.search(r"Forecast of adventureworks-forecast:1 for \d+ of the \d+ held-out days .* drawn from the first "
                     r"held-out day \(its training run logged no train_end", _text(page)), _text(page)
    scored = [r for r in fake.requests if r.method == "POST" and "/score/" in r.path]
    assert len(scored) == 1
    for key in (seeded["primary_key"], seeded["secondary_key"]):
        assert key not in page and key not in result.output
    assert [r for r in fake.requests if r.method not in ("GET", "POST")] == []  # the report only reads


def test_the_html_report_needs_no_sideways_panning_on_a_phone(cli, event_dir, tmp_path, browser, artifacts):
    """Issue 14: at 390 px its tables stack, each cell labelled with its column, long words wrap."""
    out = tmp_path / "team-a.html"
    result = cli("coach", "report", "team-a", "--format", "html", "--out", out, cwd=event_dir)
    assert result.exit_code == 0, result.output
    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    tab = phone.new_page()
    tab.goto(out.as_uri())
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    wide = tab.evaluate("""() => [...document.querySelectorAll('table, pre, code, dl, img')]
        .filter(e => e.getBoundingClientRect().right > 390.5).map(e => e.tagName + '.' + e.className)""")
    assert wide == []
    # A stacked cell says which column it is: the trusted and the team's record are never confused.
    row = tab.locator('tr[id="challenge-01-01.2"]')
    coach = row.locator("td.trust-coach").evaluate("e => getComputedStyle(e, '::before').content")
    self_ = row.locator("td.trust-self").evaluate("e => getComputedStyle(e, '::before').content")
    assert (coach, self_) == ('"coach-verified"', '"self-reported"')
    assert "passed" in row.locator("td.trust-coach").inner_text()
    tab.screenshot(path=str(artifacts / "coach-report-390.png"), full_page=True)
    phone.close()

    laptop = browser.new_context(viewport={"width": 1366, "height": 900})
    tab = laptop.new_page()
    tab.goto(out.as_uri())
    assert tab.locator("table thead").first.is_visible()  # a wide screen keeps the tables as tables
    tab.screenshot(path=str(artifacts / "coach-report-1366.png"), full_page=True)
    laptop.close()
