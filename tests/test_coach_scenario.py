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
import shutil
from pathlib import Path

import pytest

from ohcheck import clock

from .conftest import own_port

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
    """What the coach hands a team so its exports can be checked (the kit carries it)."""
    key = day.folder / ".ohcheck-coach" / "event.key"
    if not key.exists():
        assert day.cli("coach", "key", cwd=day.folder).exit_code == 0
    (day.repo(team) / ".ohcheck").mkdir(exist_ok=True)
    shutil.copy(key, day.repo(team) / ".ohcheck" / "event.key")


@pytest.fixture
def day(tmp_path, team_repo, cli, monkeypatch, pack):
    folder = tmp_path / "event"
    folder.mkdir()
    (folder / "event.yaml").write_text(EVENT)
    for team, built in (("finished", "solved-07"), ("crash03", "solved-03"), ("weak01", "solved-01"),
                        ("late03", "starting-03"), ("edited", "solved-01")):
        team_repo(built).rename(folder / team)
        _as_team(folder / team, team)
    # The idle team's repo is its kit, as the facilitator hands it out.
    assert cli("event", "setup", cwd=folder).exit_code == 0
    _set_run(folder / "weak01", WEAK_RUN)
    _set_run(folder / "crash03", CRASHING_RUN)
    running = Day(folder, cli, monkeypatch)
    running.set_time(at(8, 30))
    for team in ("finished", "crash03"):  # their endpoints, each on a port of its own
        own_port(folder / team)
        running.serve(team)
    yield running
    running.stop_serving()


def test_the_coachs_day_reads_true(day):
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

    # After the last collect: late03 passes 03 and exports it; `edited` exports 01 and edits the bundle.
    day.set_time(at(14, 10))
    # (late03's work: the solved repo, reaching the session's endpoint of solved-04.)
    _give_key(day, "late03")
    _give_key(day, "edited")
    day.set_time(at(14, 14))
    late = day.cli("verify", "03", "--export", "late03.json", cwd=day.repo("late03"))
    assert late.exit_code in (0, 1), late.output


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
