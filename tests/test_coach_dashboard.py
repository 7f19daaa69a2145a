"""`ohcheck coach dashboard`, as a coach sees it: written and served, opened in a real headless chromium.

The browser is Debian's chromium (/usr/bin/chromium, or OHCHECK_CHROMIUM), driven by playwright; never
`playwright install`. Without it these tests fail and say how to get it (.ci/run installs it). Each
browser test keeps a screenshot, coach-dashboard*.png, in $OHCHECK_TEST_ARTIFACTS when set, else in
`<pytest's basetemp>/artifacts/` (/tmp/pytest-of-$USER/pytest-N/artifacts/, N the run's number).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ohcheck.coach_dashboard_data import build_dashboard
from ohcheck.coach_store import CoachStore
from ohcheck.criteria import Result, Status
from ohcheck.event import load_event

CHROMIUM = os.environ.get("OHCHECK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

EVENT = """\
event:
  name: OpenHack for MLOps, dashboard test
  starts: 2026-12-01
  ends: 2026-12-03
  stuck_after_minutes: 90
teams:
  - name: team-a
    members: [Alice, Bob]
    repo: team-a
    target: local
  - name: team-b
    repo: team-b
  - name: team-c
    repo: team-c
  - name: team-d
    repo: team-d
coaches:
  - name: Carol
    teams: [team-a, team-b]
"""
NOW = dt.datetime.now(dt.timezone.utc)
SECRET = "AccountKey=Zm9vYmFyc2VjcmV0a2V5MTIzNDU2Nzg5MA=="
INJECTED = '<img src=x onerror="window.pwned=1">'


def ago(minutes: float, now: dt.datetime = NOW) -> str:
    return (now - dt.timedelta(minutes=minutes)).isoformat(timespec="seconds")


def results(challenge: str, statuses: str, message: str = "") -> list[Result]:
    """'ppf' -> criteria NN.1 passed, NN.2 passed, NN.3 failed."""
    codes = {"p": Status.PASSED, "f": Status.FAILED, "e": Status.ERROR, "s": Status.SKIPPED}
    number = challenge[-2:]
    return [Result(challenge, f"{number}.{i + 1}", f"Criterion {number}.{i + 1} holds", codes[c],
                   message=message or f"{codes[c].value} as seeded") for i, c in enumerate(statuses)]


def record(store: CoachStore, team: str, challenge: str, statuses: str, minutes_ago: float, *, trust: str = "coach",
           now: dt.datetime = NOW, problem: str | None = None, message: str = "") -> None:
    store.record(team=team, challenge=challenge, target="local", trust=trust,
                 source="collected by Carol" if trust == "coach" else f"bundle {team}.json",
                 started_at=ago(minutes_ago, now), results=results(challenge, statuses, message), problem=problem)


def seed(store_path: Path, now: dt.datetime = NOW) -> None:
    """Every state the grid shows, one team and challenge each."""
    with CoachStore(store_path) as store:
        # team-a: 01 passed and signed off; 02 in progress and stuck (nothing newly passed for 3 h).
        record(store, "team-a", "challenge-01", "pff", 300, now=now)
        record(store, "team-a", "challenge-01", "ppp", 240, now=now)
        store.sign("team-a", "challenge-01", action="approve", coach="Carol", note=f"demoed it {INJECTED}")
        record(store, "team-a", "challenge-02", "pff", 200, now=now, message=f"model missing {INJECTED} {SECRET}")
        record(store, "team-a", "challenge-02", "pff", 100, now=now)
        # team-b: 01 only self-reported (passed): shown, marked, not counted as passed.
        record(store, "team-b", "challenge-01", "ppp", 30, trust="self", now=now)
        # team-c: 01 passed, then failed (a regression); 02 could not be verified at all (undecided).
        record(store, "team-c", "challenge-01", "ppp", 120, now=now)
        record(store, "team-c", "challenge-01", "pfp", 60, now=now)
        record(store, "team-c", "challenge-02", "", 20, now=now, problem="team team-c's repo does not exist")
        # team-d: nothing yet.


@pytest.fixture
def event_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "event"
    folder.mkdir()
    (folder / "event.yaml").write_text(EVENT)
    seed(folder / ".ohcheck-coach" / "coach.db")
    return folder


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: the dashboard's browser tests need Debian's chromium "
                    "(`apt-get install -y chromium`, which .ci/run does when it can).", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install '.[dev]'.", pytrace=False)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh tab that records console errors and uncaught exceptions."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    tab.problems = []
    tab.on("console", lambda m: tab.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    tab.on("pageerror", lambda e: tab.problems.append(f"page error: {e}"))
    yield tab
    context.close()


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go: $OHCHECK_TEST_ARTIFACTS (for a CI to keep), else pytest's basetemp/artifacts."""
    chosen = os.environ.get("OHCHECK_TEST_ARTIFACTS")
    if chosen:
        Path(chosen).mkdir(parents=True, exist_ok=True)
        return Path(chosen)
    return tmp_path_factory.mktemp("artifacts", numbered=False)


def expect(locator):
    """playwright's expect: it waits a little, as the page reacts to events."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def cell(tab, team: str, challenge: str):
    return tab.locator(f'details.cell[data-key="{team}/{challenge}"]')


def assert_seeded_board(tab) -> None:
    rows = tab.locator("table.grid tbody th.team")
    assert [t.split("stuck")[0].strip() for t in rows.all_inner_texts()] == ["team-a", "team-b", "team-c", "team-d"]
    expected = {
        ("team-a", "challenge-01"): ("signed-off", "✓ signed off"),
        ("team-a", "challenge-02"): ("in-progress", "1/3 passed"),
        ("team-b", "challenge-01"): ("in-progress", "in progress\nself: passed {self_time}, not verified yet"),
        ("team-c", "challenge-01"): ("failing-again", "failing again 2/3"),
        ("team-c", "challenge-02"): ("undecided", "undecided"),
    }
    self_time = (NOW - dt.timedelta(minutes=30)).strftime("%H:%M")
    for (team, challenge), (state, label) in expected.items():
        label = label.format(self_time=self_time)
        assert cell(tab, team, challenge).get_attribute("data-state") == state, (team, challenge)
        assert cell(tab, team, challenge).locator("summary").inner_text() == label, (team, challenge)
    assert tab.locator('tr[data-team="team-d"] details.cell').count() == 0  # nothing to open
    # The team's own word is in the cell itself, and looks less trusted: dashed, not the solid "passed" colours.
    line = cell(tab, "team-b", "challenge-01").locator("summary small.self")
    assert line.evaluate("e => getComputedStyle(e).borderTopStyle") == "dashed"
    assert tab.locator('tr[data-team="team-a"] .tag.stuck').is_visible()
    # team-c passed 01, and 01 fails again since: no criterion newly passed for 2 h, whatever 02 (undecided) is.
    assert tab.locator('tr[data-team="team-c"] .tag.stuck').is_visible()
    stuck = tab.locator("ul.stuck").inner_text()
    assert "team-a on challenge-02: no new passed criterion for 3 h" in stuck
    assert "team-c on challenge-01: no new passed criterion for 2 h" in stuck
    funnel = tab.locator('table.funnel tr[data-challenge="challenge-01"]').inner_text()
    assert "1 / 4" in funnel and "+1 self-reported" in funnel
    assert "4 teams" in tab.locator("header.top").inner_text()


def test_the_written_dashboard_in_a_browser_shows_every_state_and_a_cells_criteria(cli, event_dir, page, artifacts):
    result = cli("coach", "dashboard", "--out", "out/dashboard.html", cwd=event_dir)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Wrote out/dashboard.html (4 teams, ")
    html = (event_dir / "out" / "dashboard.html").read_text()
    assert "Zm9vYmFyc2VjcmV0a2V5MTIzNDU2Nzg5MA" not in html  # the key never reaches the page
    assert "<img src=x" not in html  # team-supplied text is text, not markup
    assert not list((event_dir / "out").glob(".dashboard.html.*"))  # written atomically: no leftovers

    page.goto((event_dir / "out" / "dashboard.html").as_uri())
    assert_seeded_board(page)
    assert page.locator(".pop").first.is_visible() is False  # criteria stay hidden until asked for

    # Clicking a cell shows its criteria: the coach-verified record, each criterion and its message.
    cell(page, "team-a", "challenge-02").locator("summary").click()
    popup = cell(page, "team-a", "challenge-02").locator(".pop")
    expect(popup).to_be_visible()
    criteria = popup.locator("ul.crit li")
    assert criteria.count() == 3
    assert [li.get_attribute("class") for li in criteria.all()] == ["passed", "failed", "failed"]
    assert "02.2 Criterion 02.2 holds" in criteria.nth(1).inner_text()
    assert "coach-verified" in popup.inner_text() and "2 attempts" in popup.inner_text()
    page.screenshot(path=str(artifacts / "coach-dashboard-cell.png"))

    # One cell at a time: opening another closes it; Escape closes the last.
    cell(page, "team-a", "challenge-01").locator("summary").click()
    expect(popup).to_be_hidden()
    signed = cell(page, "team-a", "challenge-01").locator(".pop").inner_text()
    assert "Signed off by Carol" in signed and INJECTED in signed  # the note shown as the text it is
    page.keyboard.press("Escape")
    expect(cell(page, "team-a", "challenge-01").locator(".pop")).to_be_hidden()

    # A self-reported-only cell says so; the trusted record is missing, and how to get it.
    cell(page, "team-b", "challenge-01").locator("summary").click()
    selfonly = cell(page, "team-b", "challenge-01").locator(".pop").inner_text()
    assert "Not verified by a coach yet" in selfonly and "self-reported" in selfonly
    assert page.evaluate("window.pwned") is None  # the injected markup never ran
    page.screenshot(path=str(artifacts / "coach-dashboard.png"), full_page=True)
    assert page.problems == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """`ohcheck coach dashboard --serve` in a process of its own, as a coach starts it."""

    def __init__(self, event_dir: Path, *args: str) -> None:
        env = {**os.environ, "COLUMNS": "200"}
        self.process = subprocess.Popen([sys.executable, "-m", "ohcheck", "coach", "dashboard", "--serve", *args],
                                        cwd=event_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
        self.first_line = ""
        reader = threading.Thread(target=self._read_first_line, daemon=True)
        reader.start()
        reader.join(timeout=60)

    def _read_first_line(self) -> None:
        self.first_line = self.process.stdout.readline()

    @property
    def url(self) -> str:
        assert self.first_line.startswith("Serving the dashboard at http://127.0.0.1:"), self.first_line
        return self.first_line.split(" at ", 1)[1].split(" ", 1)[0]

    def stop(self) -> tuple[int, str, str]:
        """Ctrl-C, as the coach stops it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            out, err = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
        return self.process.returncode, out, err


def test_the_served_dashboard_shows_a_result_recorded_while_it_runs(event_dir, page, artifacts):
    served = Served(event_dir, "--port", str(_free_port()))
    try:
        page.goto(served.url)
        assert_seeded_board(page)
        assert "live" in page.locator("#live").inner_text()
        cell(page, "team-a", "challenge-02").locator("summary").click()  # the coach is reading a cell

        with CoachStore(event_dir / ".ohcheck-coach" / "coach.db") as store:  # a collect lands meanwhile
            record(store, "team-d", "challenge-01", "ppp", 0, now=dt.datetime.now(dt.timezone.utc))
        arrived = page.locator('details.cell[data-key="team-d/challenge-01"][data-state="passed"]')
        arrived.wait_for(timeout=30_000)  # the page polls every 2 s; no restart, no reload by hand
        assert arrived.locator("summary").inner_text() == "passed"
        assert "2 / 4" in page.locator('table.funnel tr[data-challenge="challenge-01"]').inner_text()
        assert cell(page, "team-a", "challenge-02").locator(".pop").is_visible()  # still open after the refresh
        page.screenshot(path=str(artifacts / "coach-dashboard-served.png"), full_page=True)
        assert page.problems == []
        page.close()  # before the server stops: a poll that finds no server is a console error
    finally:
        code, out, err = served.stop()
    assert code == 0, err
    assert out.rstrip().endswith("Stopped.")


def test_the_server_answers_its_routes_and_nothing_else(event_dir):
    import requests

    served = Served(event_dir, "--port", "0")
    try:
        url = served.url
        page = requests.get(url, timeout=10)
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]
        assert page.headers["Content-Encoding"] == "gzip"  # requests asks for it; a big event's page is ~2 MB
        assert 'data-live="1"' in page.text
        version = requests.get(url + "version", timeout=10).json()["version"]
        assert version == requests.get(url + "version", timeout=10).json()["version"]  # nothing changed
        assert requests.get(url + "../event.yaml", timeout=10).status_code == 404
        # A page elsewhere reaching 127.0.0.1 through its own DNS name (DNS rebinding) is refused.
        assert requests.get(url, headers={"Host": "attacker.example"}, timeout=10).status_code == 403
    finally:
        code, _, _ = served.stop()
    assert code == 0


def test_a_port_in_use_is_one_sentence(cli, event_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("coach", "dashboard", "--serve", "--port", str(port), cwd=event_dir)
    assert result.exit_code == 2
    assert f"Cannot listen on 127.0.0.1:{port}" in result.stderr and "--port 0" in result.stderr
    assert "Traceback" not in result.output


def test_no_store_yet_is_an_empty_board_and_the_store_is_not_created(cli, tmp_path):
    (tmp_path / "event.yaml").write_text(EVENT)
    result = cli("coach", "dashboard", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    html = (tmp_path / "dashboard.html").read_text()
    assert html.count('<tr data-team="') == 4 and "<details" not in html
    assert not (tmp_path / ".ohcheck-coach").exists()


def test_an_unwritable_out_is_one_sentence(cli, event_dir):
    (event_dir / "a-file").write_text("")
    result = cli("coach", "dashboard", "--out", "a-file/dashboard.html", cwd=event_dir)
    assert result.exit_code == 2
    assert "Cannot write the dashboard to a-file/dashboard.html" in result.stderr
    assert "Traceback" not in result.output


def test_times_funnel_and_stuck_are_worked_out_as_the_page_says(tmp_path):
    """The figures, at a fixed `now`: the decisions written in coach_dashboard_data's docstring."""
    now = dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.timezone.utc)
    (tmp_path / "event.yaml").write_text(EVENT)
    store_path = tmp_path / "coach.db"
    with CoachStore(store_path) as store:
        # challenge-01: team-a 60 min to pass (self-reported first pass, confirmed by the coach later);
        # team-c 20 min; team-b 10 min but self-reported only, so not in the median.
        record(store, "team-a", "challenge-01", "pf", 200, now=now)
        record(store, "team-a", "challenge-01", "pp", 140, trust="self", now=now)
        record(store, "team-a", "challenge-01", "pp", 100, now=now)
        record(store, "team-c", "challenge-01", "fp", 50, now=now)
        record(store, "team-c", "challenge-01", "pp", 30, now=now)
        record(store, "team-b", "challenge-01", "pf", 40, trust="self", now=now)
        record(store, "team-b", "challenge-01", "pp", 30, trust="self", now=now)
        # team-a now on challenge-02: 02.1 passed 150 min ago, then nothing new (02.1 again, 02.2 never).
        record(store, "team-a", "challenge-02", "ff", 180, now=now)
        record(store, "team-a", "challenge-02", "pf", 150, now=now)
        record(store, "team-a", "challenge-02", "pf", 10, trust="self", now=now)
        # team-c on challenge-02: a new criterion passed 25 min ago: not stuck.
        record(store, "team-c", "challenge-02", "ff", 200, now=now)
        record(store, "team-c", "challenge-02", "pf", 25, now=now)
        # team-d: one collect of challenge-03 two hours ago found nothing passed: no sign of the team's work.
        record(store, "team-d", "challenge-03", "ff", 120, now=now)
    board = build_dashboard(load_event(tmp_path / "event.yaml"), store_path,
                            {"challenge-01": "One", "challenge-02": "Two", "challenge-03": "Three"}, now=now)
    one = board.challenges[0]
    # Started: team-a and team-c (collects saw criteria pass), team-b (its own verifies). Passed: a and c.
    # No time of 01 is exact (each starts at a collect's first look), so there is no median to give.
    assert (one.passed, one.self_only_passed, one.attempted, one.teams) == (2, 1, 3, 4)
    assert one.median_time is None and one.timed == 0
    teams = {t.name: t for t in board.teams}
    # team-a: first seen working by the collect at -200 (some time before), passed by its own verify at -140.
    spent = teams["team-a"].cells[0].time_spent
    assert (spent.low, spent.high, spent.exact) == (dt.timedelta(minutes=60), None, False)
    assert teams["team-b"].cells[0].state == "in-progress" and teams["team-b"].cells[0].self_passed_unverified
    assert teams["team-a"].current == "challenge-02"
    assert teams["team-a"].stuck_for == dt.timedelta(minutes=150)
    # team-a's 02 started between the collects at -180 and -150: so far 2 h 30 min to 3 h.
    so_far = teams["team-a"].cells[1].time_spent
    assert (so_far.low, so_far.high) == (dt.timedelta(minutes=150), dt.timedelta(minutes=180))
    assert not teams["team-a"].cells[1].time_done
    assert teams["team-c"].stuck_for is None and teams["team-c"].current == "challenge-02"
    # team-d: one collect found nothing of its own on 03: it has not started anything.
    assert teams["team-d"].cells[2].state == "not-started"
    assert teams["team-d"].status == "not-started" and teams["team-d"].stuck_for is None
    assert teams["team-b"].stuck_for is None  # its own verify passed a new criterion 30 min ago
    assert teams["team-a"].last_verified == now - dt.timedelta(minutes=100)  # coach-verified only
    assert teams["team-a"].last_reported == now - dt.timedelta(minutes=10)
    assert [t.name for t in board.stuck] == ["team-a"]
    assert [t.name for t in board.not_started] == ["team-d"]
