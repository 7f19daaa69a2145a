"""A coach's day, as issue 14 tells it: six local teams, collected four times over five hours.

The teams, each a real repo built from the pack (tests/conftest.py `team_repo`) and changed as a team would:

* `finished` — every challenge solved;
* `crash03` — 01 and 02 solved, 03 deployed with a score.py whose run() raises for a week's forecast (the
  request 03 sends), verifying 03 again and again; it fixes the bug after the third collect;
* `weak01` — a model worse than seasonal naive on 01, verifying it again and again;
* `idle` — the kit as the facilitator hands it out, nothing more;
* `late03` — at 03's starter during every collect; then it passes 03, verifies and exports it, after the
  coach's last collect;
* `edited` — its exported bundle was edited before it reached the coach.

The clock is set (ohcheck.clock), never slept on: verifies, collects and pages each happen at a time of the
day. The browser test renders the dashboards in Chromium and keeps the screenshots as artifacts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ohcheck import clock
from ohcheck.kit.starter import copy_files

from ..conftest import own_port
from .test_coach_dashboard import artifacts, browser  # noqa: F401 - the fixtures: chromium, the screenshots' folder

DAY = dt.datetime(2026, 12, 2, tzinfo=dt.timezone.utc)
EVENT = """\
event:
  name: OpenHack for MLOps, a coach's day
  starts: 2026-12-01
  ends: 2026-12-03
  stuck_after_minutes: 90
teams:
  - {name: finished, repo: finished, target: local}
  - {name: crash03, repo: crash03, target: local}
  - {name: weak01, repo: weak01, target: local}
  - {name: idle, target: local}  # teams/idle: the kit `ohcheck event setup` writes
  - {name: late03, repo: late03, target: local}
  - {name: edited, repo: edited, target: local}
coaches:
  - {name: Carol, teams: [crash03, weak01]}
  - {name: Dave, teams: [finished, idle, late03, edited]}
"""
# A week's forecast (03 asks for 7 days) reads the eighth day: IndexError in run(). 01 asks for 18 days.
CRASHING_RUN = '''
def run(raw_data):
    n = json.loads(raw_data)["data"][0]
    forecast = [float(value) for value in model.forecast(n)]
    return {"result": forecast, "week_on_week": forecast[7] / forecast[0]}
'''
# The forecast left on the log scale the team trained on (it forgot to transform it back): far worse than
# repeating last week.
WEAK_RUN = '''
def run(raw_data):
    import math

    n = json.loads(raw_data)["data"][0]
    return {"result": [math.log1p(max(float(value), 0.0)) for value in model.forecast(n)]}
'''


def at(hours: int, minutes: int = 0) -> dt.datetime:
    return DAY.replace(hour=hours, minute=minutes)


class Day:
    """The event folder, its teams' repos and the clock, driven as the day goes."""

    def __init__(self, folder: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder, self.cli, self.monkeypatch = folder, cli, monkeypatch
        self.served: list[Path] = []

    def set_time(self, moment: dt.datetime) -> None:
        self.monkeypatch.setattr(clock, "now", lambda: moment)

    def repo(self, team: str) -> Path:
        return self.folder / ("teams/idle" if team == "idle" else team)

    def verify(self, team: str, challenge: str, *extra: str) -> dict:
        result = self.cli("verify", challenge, "--json", *extra, cwd=self.repo(team))
        assert result.exit_code in (0, 1, 3), result.output
        return {r["criterion"]: r["status"] for r in json.loads(result.stdout)["results"]}

    def collect(self) -> dict:
        result = self.cli("coach", "collect", "--json", "--coach", "Carol", cwd=self.folder)
        assert result.exit_code == 0, result.output
        return {t["team"]: t for t in json.loads(result.stdout)["teams"]}

    def board(self, *extra: str) -> dict:
        result = self.cli("coach", "dashboard", "--json", *extra, cwd=self.folder)
        assert result.exit_code == 0, result.output
        document = json.loads(result.stdout)
        return {**document, "by_team": {t["team"]: t for t in document["teams"]}}

    def serve(self, team: str) -> None:
        result = self.cli("serve", "--detach", "--replace", cwd=self.repo(team))
        assert result.exit_code == 0, result.output
        self.served.append(self.repo(team))

    def page_at(self, moment: dt.datetime, *extra: str) -> Path:
        """The written dashboard as the coach would open it at `moment`."""
        self.set_time(moment)
        out = self.folder / f"dashboard-{moment:%H%M}{'-'.join(('',) + extra).replace('--', '-')}.html"
        result = self.cli("coach", "dashboard", "--out", out, *extra, cwd=self.folder)
        assert result.exit_code == 0, result.output
        return out

    def stop_serving(self) -> None:
        for repo in self.served:
            self.cli("serve", "--stop", cwd=repo)


def _as_team(repo: Path, team: str) -> Path:
    config = repo / "ohcheck.yaml"
    config.write_text(config.read_text().replace('team: "testers"', f'team: "{team}"'))
    return repo


def _set_run(repo: Path, body: str) -> None:
    """Replace score.py's run() with `body`, as a team edits it."""
    script = repo / "src" / "score.py"
    text = script.read_text()
    script.write_text(text[: text.index("def run(")] + body.lstrip("\n"))


def _give_key(day: Day, team: str) -> None:
    """What the coach hands a team so that its exports can be checked: its own key (a kit carries it)."""
    result = day.cli("coach", "key", "--team", team, "--out", day.repo(team) / ".ohcheck" / "team.key", cwd=day.folder)
    assert result.exit_code == 0, result.output


@pytest.fixture
def day(tmp_path, team_repo, cli, monkeypatch, pack):
    folder = tmp_path / "event"
    folder.mkdir()
    (folder / "event.yaml").write_text(EVENT)
    for team, built in (("finished", "solved-07"), ("crash03", "solved-03"), ("weak01", "solved-01"),
                        ("late03", "starting-03"), ("edited", "solved-01")):
        team_repo(built).rename(folder / team)
        _as_team(folder / team, team)
        own_port(folder / team)  # its own scoring URL: never another team's endpoint the session serves
    # The idle team's repo is its kit, as the facilitator hands it out.
    assert cli("event", "setup", cwd=folder).exit_code == 0
    _set_run(folder / "weak01", WEAK_RUN)
    _set_run(folder / "crash03", CRASHING_RUN)
    running = Day(folder, cli, monkeypatch)
    running.set_time(at(8, 30))
    for team in ("finished", "crash03"):  # the teams that have deployed 03
        running.serve(team)
    yield running
    running.stop_serving()


def test_the_coachs_day_reads_true(day, browser, artifacts, pack):
    # Morning: two teams verify their work themselves, before the coach's first collect.
    day.set_time(at(8, 40))
    crash = day.verify("crash03", "03")
    assert crash["03.3"] == "passed" and crash["03.6"] == "failed", crash  # deployed, and run() raises
    day.set_time(at(8, 50))
    assert day.verify("weak01", "01")["01.6"] == "failed"  # worse than seasonal naive

    day.set_time(at(9, 0))
    first = day.collect()
    # Collect stops one challenge past the first one a team has not passed: nothing it has not reached.
    verified = {team: [c["challenge"][-2:] for c in t["challenges"]] for team, t in first.items()}
    assert verified["idle"] == ["00", "01", "02"]
    assert verified["weak01"] == ["00", "01", "02"]
    assert verified["crash03"] == ["00", "01", "02", "03", "04"]
    assert verified["finished"] == ["00", "01", "02", "03", "04", "05", "06", "07"]

    for when, team, challenge in ((at(9, 30), "crash03", "03"), (at(9, 35), "weak01", "01")):
        day.set_time(when)
        day.verify(team, challenge)
    day.set_time(at(10, 40))
    day.collect()
    day.set_time(at(11, 10))
    day.verify("crash03", "03")
    day.set_time(at(12, 20))
    day.collect()

    day.set_time(at(12, 25))
    noon = day.board()
    noon_page = day.page_at(at(12, 25))
    teams = noon["by_team"]
    assert (teams["crash03"]["current"], teams["crash03"]["status"]) == ("challenge-03", "stuck")
    assert (teams["weak01"]["current"], teams["weak01"]["status"]) == ("challenge-01", "stuck")
    # Stuck is timed from the teams' own verifies: nothing newly passed since 08:40 and 08:50.
    assert teams["crash03"]["stuck_minutes"] == 225
    assert teams["weak01"]["stuck_minutes"] == 215
    assert (teams["idle"]["current"], teams["idle"]["status"]) == ("challenge-01", "not-started")
    assert teams["finished"]["status"] == "finished" and teams["finished"]["current"] is None
    assert (teams["late03"]["current"], teams["late03"]["status"]) == ("challenge-03", "not-started")
    _no_unopened_challenge_in_progress(noon)

    # The crashing team fixes run() and redeploys; it passes 03 by its own verify at 12:45.
    day.set_time(at(12, 40))
    _set_run(day.repo("crash03"), _solution_run())
    day.serve("crash03")
    day.set_time(at(12, 45))
    assert set(day.verify("crash03", "03").values()) <= {"passed", "skipped"}
    day.set_time(at(14, 0))
    day.collect()

    day.set_time(at(14, 5))
    after = day.board()["by_team"]
    # Fixed and passed through 03 (by its own verify at 12:45, confirmed by the collect): now on 04, not started.
    assert (after["crash03"]["current"], after["crash03"]["status"]) == ("challenge-04", "not-started")
    assert after["crash03"]["waiting_since"] == {"at": "2026-12-02T12:45:00+00:00",
                                                 "since": "2026-12-02T12:45:00+00:00", "how": "team"}
    assert after["weak01"]["status"] == "stuck" and after["weak01"]["stuck_minutes"] == 315

    # After the last collect: late03 does 03 and exports it; `edited` exports 01 and edits the bundle.
    day.set_time(at(14, 10))
    # Its work on 03, as the solution does it: register the trained model, serve it.
    copy_files(pack.challenge("03").solution, day.repo("late03"), overwrite=True)
    subprocess.run([sys.executable, "src/register.py", "--local"], cwd=day.repo("late03"), check=True,
                   capture_output=True, env={**os.environ, "OHCHECK_PACK": str(pack.root)})
    day.serve("late03")
    _give_key(day, "late03")
    _give_key(day, "edited")
    day.set_time(at(14, 14))
    late = day.cli("verify", "03", "--export", day.folder / "late03.json", cwd=day.repo("late03"))
    assert late.exit_code == 0, late.output
    day.set_time(at(14, 16))
    assert day.cli("verify", "01", "--export", day.folder / "edited.json", cwd=day.repo("edited")).exit_code == 0
    edited = json.loads((day.folder / "edited.json").read_text())
    edited["summary"]["passed"] += 1  # a team "improves" its numbers by hand
    (day.folder / "edited.json").write_text(json.dumps(edited))
    day.set_time(at(14, 20))
    imported = day.cli("coach", "import", "late03.json", "edited.json", cwd=day.folder)
    assert imported.exit_code == 2, imported.output  # one bundle was refused
    assert "late03.json: imported — late03, challenge-03, passed (self-reported" in imported.stdout
    assert "edited.json was changed after it was signed" in imported.stderr

    day.set_time(at(14, 25))
    final = day.board()
    teams = final["by_team"]
    late03 = next(c for c in teams["late03"]["challenges"] if c["challenge"] == "challenge-03")
    # The team's own pass shows, beside a state the coach's record decides: in progress, not passed.
    assert late03["state"] == "in-progress"
    assert late03["self_reported_since_collect"] == {"time": "2026-12-02T14:14:00+00:00", "verdict": "passed",
                                                     "passed": 5}
    funnel = {c["challenge"]: c for c in final["funnel"]}
    assert (funnel["challenge-03"]["passed"], funnel["challenge-03"]["self_reported_passed"]) == (2, 1)
    # Started counts the teams that did some work: never six for a challenge only two have opened.
    assert funnel["challenge-05"]["started"] == 1 and funnel["challenge-07"]["passed"] == 1
    assert "edited" not in {t for t, row in teams.items() if row["last_reported"]}  # nothing of it was stored
    _no_unopened_challenge_in_progress(final)
    # No time on what a team never opened; the report says "not started", never "so far".
    report = day.cli("coach", "report", "crash03", cwd=day.folder)
    assert report.exit_code == 0, report.output
    for challenge in ("04", "05", "06", "07"):
        row = next(line for line in report.stdout.splitlines() if line.startswith(f"| [challenge-{challenge}]"))
        assert "· **not started**" in row and row.split(" | ")[5] == "—", row
    assert "so far" not in report.stdout.split("## challenge-04")[1]

    final_page, final_ja = day.page_at(at(14, 25)), day.page_at(at(14, 25), "--lang", "ja")
    _what_a_coach_reads(browser, artifacts, noon_page, final_page, final_ja)


def _what_a_coach_reads(browser, artifacts: Path, noon: Path, final: Path, final_ja: Path) -> None:
    """The pages in Chromium, on a laptop and on a phone: what the coach reads, and the screenshots."""
    for width, height in ((1366, 900), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height})
        tab = context.new_page()
        problems: list[str] = []
        tab.on("pageerror", lambda e: problems.append(str(e)))
        tab.goto(noon.as_uri())
        stuck = tab.locator("ul.stuck").inner_text()
        assert "crash03 on challenge-03: no new passed criterion for 3 h 45 min" in stuck
        assert "weak01 on challenge-01: no new passed criterion for 3 h 35 min" in stuck
        assert not [name for name in ("finished", "idle", "late03", "edited") if name in stuck]
        waiting = tab.locator("ul.waiting").inner_text()
        # The idle team: the kit's 00 passed when the first collect looked; nothing of its own since.
        assert "idle: challenge-01 not started; passed challenge-00 by 12-02 09:00 UTC, when your first collect saw it" in waiting
        for challenge in ("01", "02", "03", "04", "05", "06", "07"):  # the idle team opened nothing
            cell = tab.locator(f'tr[data-team="idle"] details.cell[data-key="idle/challenge-{challenge}"]')
            assert cell.count() == 0 or cell.get_attribute("data-state") == "not-started", challenge
        assert tab.locator('tr[data-team="idle"] details.cell[data-state="in-progress"]').count() == 0
        assert tab.evaluate("document.documentElement.scrollWidth") <= width
        tab.screenshot(path=str(artifacts / f"coach-day-noon-{width}.png"), full_page=True)

        tab.goto(final.as_uri())
        assert "crash03" not in tab.locator("section[aria-labelledby=h-stuck] ul.stuck").inner_text()
        assert ("crash03: challenge-04 not started; passed challenge-03 at 12-02 12:45 UTC"
                in tab.locator("ul.waiting").inner_text())
        late = tab.locator('details.cell[data-key="late03/challenge-03"]')
        assert late.get_attribute("data-state") == "in-progress"
        assert late.locator("summary small.self").inner_text() == "self: passed 14:14, not verified yet"
        assert late.locator("summary small.self").is_visible()
        tab.screenshot(path=str(artifacts / f"coach-day-final-{width}.png"), full_page=True)

        tab.goto(final_ja.as_uri())
        stuck = tab.locator("ul.stuck").inner_text()
        assert "weak01" in stuck and "challenge-01" in stuck and " on " not in stuck
        late = tab.locator('details.cell[data-key="late03/challenge-03"] summary small.self')
        assert late.inner_text() == "自己申告: 14:14 に合格、未検証"
        tab.screenshot(path=str(artifacts / f"coach-day-final-ja-{width}.png"), full_page=True)
        assert problems == []
        context.close()


def _solution_run() -> str:
    from ohcheck.pack import HackPack

    text = (HackPack().root / "solutions" / "challenge-01" / "src" / "score.py").read_text()
    return text[text.index("def run("):]


def _no_unopened_challenge_in_progress(board: dict) -> None:
    """No cell the team has shown no work on says "in progress"; its current challenge is never beyond them."""
    for team in board["teams"]:
        for cell in team["challenges"]:
            if cell["state"] == "in-progress":
                assert cell["started"] is not None, (team["team"], cell["challenge"])
                assert cell["team_verifies"] or cell["collects"], (team["team"], cell["challenge"])
