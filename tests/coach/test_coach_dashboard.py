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

from ohcheck.coach.dashboard_data import build_dashboard
from ohcheck.coach.store import CoachStore
from ohcheck.criteria import Result, Status
from ohcheck.event.model import load_event

from ..conftest import ROOT

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
    folder = tmp_path_factory.getbasetemp() / "artifacts"  # shared with test_coach_report.py, which imports this
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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
    # What does not pass comes first (what the coach is there to talk about), then the rest.
    assert [li.get_attribute("class") for li in criteria.all()] == ["failed", "failed", "passed"]
    assert "02.2 Criterion 02.2 holds" in criteria.nth(0).inner_text()
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

    def __init__(self, event_dir: Path, *args: str, sigint_ignored: bool = False) -> None:
        env = {**os.environ, "COLUMNS": "200"}
        # A job started in the background (`ohcheck ... &`, CI) inherits SIGINT as ignored.
        ignore = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if sigint_ignored else None
        self.process = subprocess.Popen([sys.executable, "-m", "ohcheck", "coach", "dashboard", "--serve", *args],
                                        cwd=event_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, preexec_fn=ignore)
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


def test_the_served_dashboard_stops_on_ctrl_c_even_when_started_with_sigint_ignored(event_dir):
    served = Served(event_dir, "--port", "0", sigint_ignored=True)
    assert served.url  # it serves
    served.process.send_signal(signal.SIGINT)
    try:
        out, err = served.process.communicate(timeout=60)  # bounds a hang only: it ends at once
    except subprocess.TimeoutExpired:
        served.process.kill()
        served.process.communicate()
        pytest.fail("the served dashboard ignored Ctrl-C (SIGINT inherited as ignored)")
    assert served.process.returncode == 0, err
    assert out.rstrip().endswith("Stopped.")


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


# -- issue 14, item 3: a dashboard a coach of two teams wants to open ---------------------------------------

T = dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.timezone.utc)  # "now" for the tests below (ohcheck.clock)
COACHED = """\
event:
  name: OpenHack for MLOps, coach view test
  starts: 2026-12-01
  ends: 2026-12-03
  stuck_after_minutes: 90
teams:
  - name: team-a
    members: [Alice, Bob]
    repo: team-a
    target: local
  - name: team-b
    repo: https://carol:ghp-s3cr3t-url-token@127.0.0.1:9/org/team-b.git
    target: local
  - name: team-c
    repo: team-c
    target: azure
    workspace:
      subscription_id: 00000000-0000-0000-0000-00000000000c
      resource_group: rg-team-c
      name: mlw-team-c
  - name: team-d
    repo: team-d
    target: local
coaches:
  - name: Carol
    teams: [team-a, team-b]
  - name: Dave
    teams: [team-c]
"""


def hinted(challenge: str, statuses: str) -> list[Result]:
    """Like results(), each criterion with a hint of its own ("hint for NN.k")."""
    return [Result(r.challenge, r.criterion, r.title, r.status, message=r.message, hint=f"hint for {r.criterion}")
            for r in results(challenge, statuses)]


@pytest.fixture
def coached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two coaches, four teams, the clock at T: team-a stuck on 02 (Carol's), team-c failing 01 with a
    revoked sign-off and a self-reported pass on top (Dave's), team-b only self-reported, team-d nothing."""
    from ohcheck import clock

    monkeypatch.setattr(clock, "now", lambda: T)
    monkeypatch.delenv("OHCHECK_COACH", raising=False)
    folder = tmp_path / "event"
    folder.mkdir()
    (folder / "event.yaml").write_text(COACHED)
    with CoachStore(folder / ".ohcheck-coach" / "coach.db") as store:
        def put(team: str, challenge: str, statuses: str, minutes_ago: float, trust: str = "coach") -> None:
            store.record(team=team, challenge=challenge, target="local", trust=trust,
                         source="collected by Carol" if trust == "coach" else f"bundle {team}.json",
                         started_at=ago(minutes_ago, T), results=hinted(challenge, statuses))

        put("team-a", "challenge-01", "ppp", 300)
        put("team-a", "challenge-02", "pfe", 200)
        put("team-a", "challenge-02", "pfe", 100)
        put("team-b", "challenge-01", "ppp", 30, trust="self")
        put("team-c", "challenge-01", "ppp", 180)
        store.sign("team-c", "challenge-01", action="approve", coach="Dave")
        store.sign("team-c", "challenge-01", action="revoke", coach="Dave", note="wrong data file")
        put("team-c", "challenge-01", "pfp", 42)  # the last collect: 42 min before T
        put("team-c", "challenge-01", "ppp", 20, trust="self")  # the team says it fixed it since
        put("team-d", "challenge-00", "pp", 5, trust="self")
    return folder


def visible_teams(tab) -> list[str]:
    return [row.get_attribute("data-team") for row in tab.locator("table.grid tbody tr").all() if row.is_visible()]


def test_a_coach_opens_on_their_own_teams_and_every_team_is_one_click_away(cli, coached, browser, artifacts,
                                                                             monkeypatch):
    result = cli("coach", "dashboard", "--out", "board.html", "--coach", "Dave", cwd=coached)
    assert result.exit_code == 0, result.output
    page_url = (coached / "board.html").as_uri()
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    tab = context.new_page()
    tab.goto(page_url)
    nav = tab.locator("nav.coaches")
    assert " ".join(nav.inner_text().split()) == "All teams · Carol (2) · Dave (1)"
    assert visible_teams(tab) == ["team-c"]  # opened on Dave's teams (--coach Dave)
    assert "Showing the teams Dave looks after: 1 of 4." in tab.locator("#view").inner_text()
    assert tab.locator("p.none-mine").inner_text() == "None of these teams is stuck."
    assert tab.locator("ul.stuck").is_hidden()
    # The funnel stays event-wide and says so.
    assert "Every team of the event" in tab.locator("section[aria-labelledby=h-funnel]").inner_text()
    assert "/ 4" in tab.locator('table.funnel tr[data-challenge="challenge-01"]').inner_text()

    nav.get_by_text("All teams").click()  # one click to every team
    assert visible_teams(tab) == ["team-a", "team-b", "team-c", "team-d"]
    assert tab.locator("#view").is_hidden()
    nav.get_by_text("Carol (2)").click()
    assert tab.url.endswith("#coach=Carol")  # what a coach bookmarks
    assert visible_teams(tab) == ["team-a", "team-b"]
    assert [li.get_attribute("data-team") for li in tab.locator("ul.stuck li").all() if li.is_visible()] == ["team-a"]
    tab.screenshot(path=str(artifacts / "coach-dashboard-carol.png"), full_page=True)
    tab.goto(page_url + "#coach=Dave")  # a bookmark opens on its coach
    assert visible_teams(tab) == ["team-c"]
    tab.goto(page_url + "#coach=Nobody")  # not a coach of the event: every team, nothing breaks
    assert visible_teams(tab) == ["team-a", "team-b", "team-c", "team-d"]
    context.close()

    # Without its script the page shows every team: the view only hides rows.
    bare = browser.new_context(java_script_enabled=False)
    plain = bare.new_page()
    plain.goto(page_url + "#coach=Dave")
    assert visible_teams(plain) == ["team-a", "team-b", "team-c", "team-d"]
    bare.close()

    # $OHCHECK_COACH chooses the view when it names a coach of the event, else every team.
    monkeypatch.setenv("OHCHECK_COACH", "Carol")
    assert cli("coach", "dashboard", "--out", "carol.html", cwd=coached).exit_code == 0
    assert 'data-coach="Carol"' in (coached / "carol.html").read_text()
    monkeypatch.setenv("OHCHECK_COACH", "zoe")
    assert cli("coach", "dashboard", "--out", "zoe.html", cwd=coached).exit_code == 0
    assert '<body data-live="0" data-coach="">' in (coached / "zoe.html").read_text()
    # --coach naming someone else is one sentence.
    wrong = cli("coach", "dashboard", "--coach", "Zoe", cwd=coached)
    assert wrong.exit_code == 2
    assert "Zoe is not a coach of this event (its coaches: Carol, Dave)." in wrong.stderr
    assert "Traceback" not in wrong.output


def test_a_cell_lists_what_fails_first_with_hints_and_links_to_report_guide_repo_and_studio(cli, coached, page,
                                                                                             artifacts):
    result = cli("coach", "dashboard", "--out", "out/board.html", cwd=coached)
    assert result.exit_code == 0, result.output
    files = coached / "out" / "board-files"
    assert sorted(p.name for p in (files / "reports").iterdir()) == [f"team-{x}.html" for x in "abcd"]
    assert (files / "guides" / "challenge-02.html").is_file()
    assert not [p for p in (coached / "out").rglob(".*.tmp")]  # written atomically
    html = (coached / "out" / "board.html").read_text()
    assert "ghp-s3cr3t-url-token" not in html  # the repo URL without its credentials

    page.goto((coached / "out" / "board.html").as_uri())
    cell(page, "team-a", "challenge-02").locator("summary").click()
    pop = cell(page, "team-a", "challenge-02").locator(".pop")
    expect(pop).to_be_visible()
    items = pop.locator("ul.crit li")
    assert [li.get_attribute("class") for li in items.all()] == ["failed", "error", "passed"]
    assert "Hint: hint for 02.2" in items.nth(0).inner_text() and "Hint: hint for 02.3" in items.nth(1).inner_text()
    assert "hint for 02.1" not in items.nth(2).inner_text()  # a passing criterion needs no hint
    links = {a.inner_text(): a.get_attribute("href") for a in pop.locator("p.links a").all()}
    assert links == {"Team report": "board-files/reports/team-a.html",
                     "Coach guide for challenge-02": "board-files/guides/challenge-02.html",
                     "Repo": (coached / "team-a").resolve().as_uri()}
    page.screenshot(path=str(artifacts / "coach-dashboard-drilldown.png"))

    # A URL repo: its address without user and token. An azure team: its studio workspace.
    cell(page, "team-b", "challenge-01").locator("summary").click()
    repo = cell(page, "team-b", "challenge-01").locator("p.links").get_by_role("link", name="Repo", exact=True)
    assert repo.get_attribute("href") == "https://127.0.0.1:9/org/team-b.git"
    cell(page, "team-c", "challenge-01").locator("summary").click()
    studio = cell(page, "team-c", "challenge-01").locator("p.links a", has_text="Azure ML studio")
    assert studio.get_attribute("href") == (
        "https://ml.azure.com/?wsid=/subscriptions/00000000-0000-0000-0000-00000000000c/resourcegroups/rg-team-c"
        "/providers/Microsoft.MachineLearningServices/workspaces/mlw-team-c")
    # Its sign-off was revoked: the cell says so; the team's newer self-reported pass shows in the cell.
    summary = cell(page, "team-c", "challenge-01").locator("summary")
    assert summary.locator(".revoked-mark").inner_text() == "revoked"
    assert summary.locator("small.self").inner_text() == "self: passed 14:40, not verified yet"
    assert "revoked\na coach revoked its sign-off" in page.locator("ul.legend").inner_text()  # in the legend
    page.keyboard.press("Escape")

    # The links work: the report and the guide open, and the guide links back and on.
    cell(page, "team-a", "challenge-02").locator("summary").click()
    cell(page, "team-a", "challenge-02").locator("p.links a", has_text="Team report").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "team-a"
    page.go_back()
    cell(page, "team-a", "challenge-02").locator("summary").click()
    cell(page, "team-a", "challenge-02").locator("p.links a", has_text="Coach guide").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Challenge 02")
    assert page.locator("a", has_text="Next Challenge").get_attribute("href") == "challenge-03.html"
    assert page.locator("nav.back a").get_attribute("href") == "../../board.html"
    page.screenshot(path=str(artifacts / "coach-guide.png"), full_page=True)
    assert page.problems == []


def test_a_guide_is_rendered_without_raw_html_and_keeps_its_links(pack, monkeypatch):
    import ohcheck.coach.guide_html as guide

    challenge = pack.challenge("03")
    page = guide.render_guide(challenge, back="../", guide_href=lambda cid: f"/guide/{cid}")
    assert 'href="/guide/challenge-02"' in page and 'href="/guide/challenge-04"' in page  # Previous / Next
    assert 'href="./README.md"' in page  # any other link as the guide wrote it
    assert "<h2>Notes &amp; Guidance</h2>" in page

    # A guide with markup in it: shown as text, never run; a javascript: link is no link.
    # The original hack's own page names (Challenge-02.md) link to the guide page as well.
    text = ("# Hi\n\n<script>alert(1)</script> [x](javascript:alert(1)) [ok](https://learn.microsoft.com/azure/)"
            " [back](./Challenge-02.md)\n")
    monkeypatch.setattr(guide, "guide_markdown", lambda c, lang: text)
    hostile = guide.render_guide(challenge, back="../", guide_href=lambda cid: f"{cid}.html")
    assert 'href="challenge-02.html"' in hostile
    assert "<script>" not in hostile and "&lt;script&gt;" in hostile
    assert 'href="javascript:' not in hostile
    assert 'href="https://learn.microsoft.com/azure/"' in hostile


def test_the_served_dashboard_serves_reports_and_guides_and_a_coachs_view(coached, page):
    import requests

    served = Served(coached, "--port", "0", "--coach", "Carol")
    try:
        url = served.url
        report = requests.get(url + "report/team-a", timeout=60)
        assert report.status_code == 200 and report.headers["Content-Type"].startswith("text/html")
        assert "default-src 'none'" in report.headers["Content-Security-Policy"]
        assert "<h1>team-a</h1>" in report.text
        guide = requests.get(url + "guide/challenge-02", timeout=10)
        assert guide.status_code == 200 and "default-src 'none'" in guide.headers["Content-Security-Policy"]
        assert "Challenge 02" in guide.text and 'href="challenge-03"' in guide.text
        missing = requests.get(url + "report/team-z", timeout=10)
        assert (missing.status_code, missing.text) == (404, "No team team-z in this event.\n")
        missing = requests.get(url + "guide/challenge-99", timeout=10)
        assert (missing.status_code, missing.text) == (404, "No coach guide for challenge-99 in this hack pack.\n")
        assert requests.get(url + "report/../event.yaml", timeout=10).status_code == 404

        page.goto(url)
        assert visible_teams(page) == ["team-a", "team-b"]  # --coach Carol
        with CoachStore(coached / ".ohcheck-coach" / "coach.db") as store:  # a collect lands meanwhile
            record(store, "team-d", "challenge-01", "ppp", 0, now=dt.datetime.now(dt.timezone.utc))
        page.locator('details.cell[data-key="team-d/challenge-01"]').wait_for(state="attached", timeout=30_000)
        assert visible_teams(page) == ["team-a", "team-b"]  # the refreshed board keeps the coach's view
        cell(page, "team-a", "challenge-02").locator("summary").click()
        links = cell(page, "team-a", "challenge-02").locator("p.links")
        assert links.locator("a", has_text="Team report").get_attribute("href") == "report/team-a"
        # A served page cannot open file:// links: the repo folder is shown as its path.
        assert links.locator("code").inner_text() == str((coached / "team-a").resolve())
        links.locator("a", has_text="Coach guide").click()
        page.wait_for_load_state()
        assert page.url == url + "guide/challenge-02"
        page.locator("nav.back a").click()
        page.wait_for_load_state()
        page.goto(url + "#all")
        assert visible_teams(page) == ["team-a", "team-b", "team-c", "team-d"]
        assert page.problems == []
        page.close()  # before the server stops: a poll that finds no server is a console error
    finally:
        code, _, err = served.stop()
    assert code == 0, err


def test_the_staleness_line_says_how_old_the_picture_is(cli, coached, page, tmp_path, monkeypatch):
    result = cli("coach", "dashboard", "--out", "board.html", cwd=coached)
    assert result.exit_code == 0, result.output
    page.goto((coached / "board.html").as_uri())
    line = page.locator("#staleness").inner_text()
    # The last collect 42 min before T (14:18 UTC); team-b, team-c and team-d sent results since.
    assert line == ("Last collect 42 min ago (14:18 UTC) · 3 teams reported since: team-b 14:30, team-c 14:40, "
                    "team-d 14:55")
    assert "Generated 12-02 15:00 UTC." in page.locator("main").inner_text()
    assert "Last verified (UTC)" in page.locator("table.grid thead").inner_text()
    from ohcheck import clock

    monkeypatch.setattr(clock, "now", lambda: T + dt.timedelta(days=1))  # the next morning: the day is said too
    assert cli("coach", "dashboard", "--out", "board.html", cwd=coached).exit_code == 0
    page.goto((coached / "board.html").as_uri())
    assert page.locator("#staleness").inner_text().startswith("Last collect 1 d 0 h 42 min ago (12-02 14:18 UTC) · ")
    assert page.locator("#staleness").inner_text().endswith("team-d 12-02 14:55")

    (tmp_path / "fresh").mkdir()
    (tmp_path / "fresh" / "event.yaml").write_text(COACHED)
    assert cli("coach", "dashboard", cwd=tmp_path / "fresh").exit_code == 0
    page.goto((tmp_path / "fresh" / "dashboard.html").as_uri())
    assert page.locator("#staleness").inner_text() == "No collect yet: run ohcheck coach collect"


def test_the_grid_downloads_as_csv_from_the_page_and_from_the_command(cli, coached, page):
    import csv

    formula = '=HYPERLINK("http://evil.example","x")'
    text = COACHED + f"  - name: '{formula}'\n    teams: [team-d]\n  - name: '@SUM(1+1)'\n    teams: [team-d]\n"
    (coached / "event.yaml").write_text(text)
    result = cli("coach", "dashboard", "--out", "board.html", "--csv", "out/grid.csv", cwd=coached)
    assert result.exit_code == 0, result.output
    assert "Wrote the grid of 4 teams to out/grid.csv." in result.stdout and (coached / "board.html").is_file()
    assert not [p for p in (coached / "out").iterdir() if p.name != "grid.csv"]  # atomic: nothing left over
    written = (coached / "out" / "grid.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(written.splitlines()))
    assert rows[0][:7] == ["Team", "Coaches", "Target", "Current challenge", "Stuck (minutes)",
                           "challenge-00 state", "challenge-00 passed/decided (skipped)"]
    by_team = {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert list(by_team) == ["team-a", "team-b", "team-c", "team-d"]
    a = by_team["team-a"]
    assert (a["Coaches"], a["Target"], a["Current challenge"], a["Stuck (minutes)"]) == (
        "Carol", "local", "challenge-02", "200")
    assert (a["challenge-02 state"], a["challenge-02 passed/decided (skipped)"]) == ("in-progress", "1/3 (0)")
    assert a["challenge-03 state"] == "not-started" and a["challenge-03 passed/decided (skipped)"] == ""
    # Spreadsheet formulas are neutralised: the cell starts with a quote, shown as text.
    assert by_team["team-d"]["Coaches"] == f"'{formula}, @SUM(1+1)"
    assert by_team["team-d"]["Coaches"][:1] == "'"

    # The page's link: the same CSV, downloaded by the browser from the file:// page (no script needed).
    page.goto((coached / "board.html").as_uri())
    with page.expect_download() as info:
        page.get_by_text("Download CSV").click()
    download = info.value
    assert download.suggested_filename == "openhack-for-mlops-coach-view-test.csv"
    assert Path(download.path()).read_text(encoding="utf-8-sig") == written
    assert page.problems == []
    assert cli("coach", "dashboard", "--csv", "x.csv", "--serve", cwd=coached).exit_code == 2


def test_the_dashboard_on_a_phone_and_on_a_laptop(cli, coached, browser, artifacts):
    result = cli("coach", "dashboard", "--out", "board.html", cwd=coached)
    assert result.exit_code == 0, result.output
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    tab = context.new_page()
    tab.goto((coached / "board.html").as_uri())
    # The page itself never scrolls sideways; the grid does, in its box.
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    wrap = tab.locator("section[aria-labelledby=h-grid] .wrap")
    assert wrap.evaluate("e => e.scrollWidth > e.clientWidth")
    team = tab.locator('tr[data-team="team-c"] th.team')
    left = team.bounding_box()["x"]
    wrap.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    assert abs(team.bounding_box()["x"] - left) < 1  # the team column stays where it was
    assert team.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 255, 255)"
    hit = tab.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('th') !== null",
                       [left + 5, team.bounding_box()["y"] + team.bounding_box()["height"] / 2])
    assert hit  # on top of the cells that slid under it
    tab.screenshot(path=str(artifacts / "coach-dashboard-390.png"), full_page=True)
    # The funnel: nothing cut, no sideways scrolling, the bar shrunk to fit.
    funnel = tab.locator("table.funnel")
    assert funnel.evaluate("e => e.parentElement.scrollWidth <= e.parentElement.clientWidth")
    assert tab.locator("table.funnel .bar").first.bounding_box()["width"] < 16 * 14
    # An open cell fits the screen.
    wrap.evaluate("e => { e.scrollLeft = 0; }")
    cell(tab, "team-a", "challenge-02").locator("summary").click()
    pop = cell(tab, "team-a", "challenge-02").locator(".pop")
    expect(pop).to_be_visible()
    box = pop.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["y"] >= 0 and box["y"] + box["height"] <= 844
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    tab.screenshot(path=str(artifacts / "coach-dashboard-390-cell.png"))
    context.close()

    laptop = browser.new_context(viewport={"width": 1366, "height": 900})
    wide = laptop.new_page()
    wide.goto((coached / "board.html").as_uri())
    assert wide.evaluate("document.documentElement.scrollWidth") <= 1366
    assert wide.locator("section[aria-labelledby=h-grid] .wrap").evaluate("e => e.scrollWidth <= e.clientWidth")
    wide.screenshot(path=str(artifacts / "coach-dashboard-1366.png"), full_page=True)
    laptop.close()


def test_the_new_parts_of_the_dashboard_speak_japanese(cli, coached, page):
    result = cli("coach", "dashboard", "--out", "board.html", "--csv", "grid.csv", "--coach", "Carol",
                 "--lang", "ja", cwd=coached)
    assert result.exit_code == 0, result.output
    page.goto((coached / "board.html").as_uri())
    text = page.locator("body").inner_text()
    for english in ("All teams", "Showing the teams", "Last collect", "reported since", "Download CSV",
                    "Every team of the event", "Last verified", "None of these teams"):
        assert english not in text, english
    assert " ".join(page.locator("nav.coaches").inner_text().split()) == "すべてのチーム · Carol（2） · Dave（1）"
    assert page.locator("#view").inner_text() == "Carol が担当するチームを表示しています（4 チーム中 2 チーム）。"
    assert page.locator("#staleness").inner_text() == (
        "最後の収集は 42 分前（14:18 UTC） · その後に結果を送ったチーム（3 チーム）: team-b 14:30, team-c 14:40, "
        "team-d 14:55")
    cell(page, "team-a", "challenge-02").locator("summary").click()
    pop = cell(page, "team-a", "challenge-02").locator(".pop").inner_text()
    assert "チーム レポート" in pop and "challenge-02 のコーチ ガイド" in pop and "ヒント: " in pop
    for english in ("Team report", "Coach guide", "Repo", "Hint:"):
        assert english not in pop, english
    page.keyboard.press("Escape")
    summary = cell(page, "team-c", "challenge-01").locator("summary")
    assert summary.locator(".revoked-mark").inner_text() == "取り消し"
    assert summary.locator("small.self").inner_text() == "自己申告: 14:40 に合格、未検証"
    # The guide in the page's language: the pack's coach/challenge-02.ja.md.
    guide = (coached / "board-files" / "guides" / "challenge-02.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in guide and "← ダッシュボード" in guide and "コーチ ガイド: challenge-02" in guide
    japanese_title = (ROOT / "coach" / "challenge-02.ja.md").read_text().splitlines()[0]
    assert japanese_title.lstrip("# ").strip() in guide
    header = (coached / "grid.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("チーム,コーチ,ターゲット,現在のチャレンジ,停滞（分）,challenge-00 状態,")
    assert result.stdout.splitlines()[0] == "4 チームの一覧を grid.csv に書き出しました。"
    assert "チーム レポートとコーチ ガイドの書き出し先: board-files" in result.stdout
