"""Trust a coach can lean on (issue 14): one key per team, bundles checked field by field before anything is
stored, a store that never breaks the coach's pages, and sign-offs only by the team's coach."""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import stat
from pathlib import Path

import pytest

from ohcheck import bundle
from ohcheck.coach.store import CoachStore
from ohcheck.criteria import Result, Status

EVENT = """\
event:
  name: OpenHack for MLOps, trust
  starts: 2026-12-01
  ends: 2026-12-03
teams:
  - name: team-a
    repo: team-a
    target: local
  - name: team-b
    repo: team-b
    target: local
  - name: team3
    repo: team3
    target: local
coaches:
  - name: Carol
    user: carol@contoso.com
    teams: [team-a, team-b]
  - name: Dave
    teams: [team3]
"""
STARTED = "2026-12-01T10:00:00+00:00"


@pytest.fixture
def event_dir(tmp_path: Path, cli) -> Path:
    folder = tmp_path / "event"
    folder.mkdir()
    (folder / "event.yaml").write_text(EVENT)
    assert cli("coach", "key", cwd=folder).exit_code == 0
    return folder


def _event_key(folder: Path) -> bytes:
    return bytes.fromhex((folder / ".ohcheck-coach" / "event.key").read_text().strip())


def _sign(document: dict, key: bytes) -> dict:
    unsigned = {k: v for k, v in document.items() if k != "signature"}
    text = json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return {**unsigned, "signature": hmac.new(key, text, hashlib.sha256).hexdigest()}


def _document(pack, team: str = "team-a", challenge: str = "challenge-00") -> dict:
    """A bundle as `verify --export` writes one: every criterion passed, an earlier failed verify."""
    criteria = [c.id for c in pack.criteria(pack.challenge(challenge))]
    results = [{"challenge": challenge, "criterion": c, "title": f"criterion {c}", "status": "passed",
                "message": "ok", "hint": "", "evidence": {}, "duration": 0.1, "target": "local", "team": team,
                "time": STARTED, "message_source": None} for c in criteria]
    return {
        "format": "ohcheck-bundle/2", "team": team, "challenge": challenge, "target": "local", "started_at": STARTED,
        "summary": {"passed": len(criteria), "failed": 0, "error": 0, "skipped": 0, "duration": 1.5,
                    "verdict": "passed", "exit_code": 0},
        "results": results,
        "history": [{"started_at": "2026-12-01T09:00:00Z", "verdict": "failed",
                     "statuses": {criteria[0]: "passed", criteria[1]: "failed"}}],
        "ohcheck_version": "test",
    }


def _write(path: Path, document: dict) -> Path:
    path.write_text(json.dumps(document))
    return path


def _self_reported(folder: Path) -> list:
    with CoachStore(folder / ".ohcheck-coach" / "coach.db") as store:
        return [(a.team, a.challenge, a.source) for a in store.attempts(trust="self")]


# -- 1. one key per team ------------------------------------------------------------------------


def test_each_kit_holds_only_its_teams_key_and_setup_takes_an_old_event_key_out(cli, tmp_path):
    (tmp_path / "event.yaml").write_text(EVENT.replace("repo: team-a", "repo: teams/team-a")
                                         .replace("repo: team-b", "repo: teams/team-b")
                                         .replace("repo: team3", "repo: teams/team3"))
    assert cli("event", "setup", cwd=tmp_path).exit_code == 0
    event_key = _event_key(tmp_path)
    keys = {}
    for team in ("team-a", "team-b", "team3"):
        kit = tmp_path / "teams" / team / ".ohcheck"
        keys[team] = (kit / "team.key").read_text().strip()
        assert keys[team] == bundle.team_key(event_key, team).hex()
        assert stat.S_IMODE((kit / "team.key").stat().st_mode) == 0o600
        assert not (kit / "event.key").exists()  # never the event key
    assert len(set(keys.values())) == 3 and event_key.hex() not in keys.values()
    # A kit an older setup wrote still holds the event key: setup takes it out, and says so.
    old = tmp_path / "teams" / "team-b" / ".ohcheck" / "event.key"
    old.write_text(event_key.hex() + "\n")
    result = cli("event", "setup", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert not old.exists()
    said = " ".join(result.output.split())
    assert "removed .ohcheck/event.key, the copy of the event key an older setup wrote" in said
    assert said.count("removed .ohcheck/event.key") == 1
    assert event_key.hex() not in result.output and keys["team-a"] not in result.output


def test_export_with_only_the_old_event_key_asks_for_the_team_key_before_verifying(cli, team_repo, tmp_path,
                                                                                   monkeypatch):
    monkeypatch.delenv("OHCHECK_TEAM_KEY", raising=False)
    monkeypatch.delenv("OHCHECK_EVENT_KEY", raising=False)
    repo = team_repo("solved-01")
    (repo / ".ohcheck").mkdir(exist_ok=True)
    (repo / ".ohcheck" / "event.key").write_text("ab" * 32 + "\n")  # what an older kit held
    result = cli("verify", "01", "--export", tmp_path / "b.json", cwd=repo)
    assert result.exit_code == 2
    assert "This repo has only the old event-wide key" in result.stderr
    assert "ask your coach for your team's key" in " ".join(result.stderr.split())
    assert "Traceback" not in result.output
    assert not (tmp_path / "b.json").exists() and not (repo / ".ohcheck" / "results.db").exists()


def test_coach_key_writes_one_teams_key_for_a_team_without_a_kit(cli, event_dir, tmp_path):
    out = tmp_path / "team3.key"
    result = cli("coach", "key", "--team", "team3", "--out", out, cwd=event_dir)
    assert result.exit_code == 0, result.output
    assert "Wrote team team3's key to" in " ".join(result.stdout.split())
    key = out.read_text().strip()
    assert key == bundle.team_key(_event_key(event_dir), "team3").hex() and key not in result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "already holds team team3's key" in " ".join(cli("coach", "key", "--team", "team3", "--out", out,
                                                            cwd=event_dir).stdout.split())
    other = tmp_path / "notes.txt"
    other.write_text("my notes\n")
    refused = cli("coach", "key", "--team", "team3", "--out", other, cwd=event_dir)
    assert refused.exit_code == 2
    assert "already exists and holds something else than team team3's key" in " ".join(refused.stderr.split())
    assert other.read_text() == "my notes\n"
    alone = cli("coach", "key", "--team", "team3", cwd=event_dir)
    assert alone.exit_code == 2 and "--team and --out go together" in alone.stderr


def test_a_bundle_signed_with_another_teams_key_or_the_event_key_is_refused(cli, event_dir, pack, tmp_path):
    event_key = _event_key(event_dir)
    document = _document(pack, team="team-a")
    as_b = _write(tmp_path / "as-b.json", _sign(document, bundle.team_key(event_key, "team-b")))
    as_event = _write(tmp_path / "as-event.json", _sign(document, event_key))
    old = _write(tmp_path / "old.json", _sign({**document, "format": "ohcheck-bundle/1"}, event_key))
    good = _write(tmp_path / "good.json", _sign(document, bundle.team_key(event_key, "team-a")))
    result = cli("coach", "import", as_b, as_event, old, good, cwd=event_dir)
    assert result.exit_code == 2, result.output
    said = " ".join(result.stderr.split())
    assert "as-b.json names team team-a but was signed with team team-b's key: it was not imported." in said
    assert "as-event.json names team team-a but was signed with the event-wide key, not the team's" in said
    assert "old.json is a bundle of an older ohcheck (ohcheck-bundle/1)" in said and "export it again" in said
    assert "good.json: imported — team-a, challenge-00, passed" in result.stdout
    assert _self_reported(event_dir) == [("team-a", "challenge-00", "bundle good.json")]


# -- 2. the bundle carries the team's verify history -----------------------------------------------


def test_the_bundle_carries_the_teams_verify_history_and_import_keeps_it(cli, event_dir, team_repo, tmp_path,
                                                                        monkeypatch):
    import datetime as dt

    from ohcheck import clock

    def set_time(minute: int) -> None:  # verifies a minute apart, however fast this machine is
        moment = dt.datetime(2026, 12, 2, 10, minute, tzinfo=dt.timezone.utc)
        monkeypatch.setattr(clock, "now", lambda: moment)

    team = team_repo("solved-01")
    team.rename(event_dir / "team-a")
    team = event_dir / "team-a"
    config = team / "ohcheck.yaml"
    config.write_text(config.read_text().replace('team: "testers"', 'team: "team-a"'))
    out = tmp_path / "key"
    assert cli("coach", "key", "--team", "team-a", "--out", out, cwd=event_dir).exit_code == 0
    (team / ".ohcheck").mkdir(exist_ok=True)
    out.rename(team / ".ohcheck" / "team.key")
    set_time(0)
    cli("verify", "00", cwd=team)  # another challenge: not in 01's history
    set_time(1)
    first = cli("verify", "01", cwd=team)
    assert first.exit_code == 0, first.output
    set_time(2)
    exported = cli("verify", "01", "--export", tmp_path / "a-01.json", cwd=team)
    assert exported.exit_code == 0, exported.output
    document = json.loads((tmp_path / "a-01.json").read_text())
    assert document["format"] == "ohcheck-bundle/2"
    assert [h["verdict"] for h in document["history"]] == ["passed"]
    assert set(document["history"][0]["statuses"]) == {f"01.{i}" for i in range(1, 8)}
    assert document["history"][0]["started_at"] < document["started_at"]

    imported = cli("coach", "import", tmp_path / "a-01.json", cwd=event_dir)
    assert imported.exit_code == 0, imported.output
    with CoachStore(event_dir / ".ohcheck-coach" / "coach.db") as store:
        history = store.history(team="team-a")
    assert [(h.challenge, h.started_at, h.source) for h in history] == [
        ("challenge-01", document["history"][0]["started_at"], "bundle a-01.json"),
        ("challenge-01", document["started_at"], "bundle a-01.json"),
    ]
    assert history[1].statuses == {r["criterion"]: r["status"] for r in document["results"]}
    # One verify is one row however it is written: a bundle's "Z" is the store's "+00:00".
    key = bundle.team_key(_event_key(event_dir), "team-a")
    again = {**document, "history": [{**document["history"][0],
                                      "started_at": document["history"][0]["started_at"].replace("+00:00", "Z")}]}
    assert cli("coach", "import", _write(tmp_path / "z.json", _sign(again, key)), cwd=event_dir).exit_code == 0
    again = cli("coach", "import", tmp_path / "a-01.json", cwd=event_dir)
    assert again.exit_code == 0 and "a-01.json: already imported" in again.stdout
    with CoachStore(event_dir / ".ohcheck-coach" / "coach.db") as store:
        assert len(store.history(team="team-a")) == 2 and len(store.attempts(trust="self")) == 2


# -- 3. import checks every field ------------------------------------------------------------------


def _results(d: dict) -> list:
    return d["results"]


BAD = [
    (lambda d: d["summary"].update(passed="many"), "`summary.passed` must be a whole number (found 'many')"),
    (lambda d: d["summary"].update(passed=True), "`summary.passed` must be a whole number (found True)"),
    (lambda d: d["summary"].update(failed=-1), "`summary.failed` must be 0 or more (found -1)"),
    (lambda d: d["summary"].update(duration="long"), "`summary.duration` must be a number (found 'long')"),
    (lambda d: d["summary"].update(duration=float("inf")), "`summary.duration` must be a finite number (found inf)"),
    (lambda d: d.pop("summary"), "`summary` is missing"),
    (lambda d: d.update(challenge="challenge-99"), "`challenge` 'challenge-99' is not a challenge of this hack pack"),
    (lambda d: d.update(target="cloud"), "`target` must be one of local, azure (found 'cloud')"),
    (lambda d: d.update(started_at="yesterday"),
     "`started_at` must be an ISO 8601 time with a time zone (found 'yesterday')"),
    (lambda d: d.update(started_at="2026-12-01T10:00:00"),
     "`started_at` must be an ISO 8601 time with a time zone (found '2026-12-01T10:00:00')"),
    (lambda d: d.update(results={}), "`results` must be a list (found dict)"),
    (lambda d: _results(d)[2].update(status="great"),
     "`results[2].status` must be one of passed, failed, error, skipped (found 'great')"),
    (lambda d: _results(d)[0].update(criterion="01.1"), "`results[0].criterion` '01.1' is not a criterion of challenge-00"),
    (lambda d: _results(d)[1].update(criterion="00.1"), "criterion 00.1 is there twice"),
    (lambda d: _results(d).pop(), "it has no result for 00.7 of challenge-00 (a verify checks every criterion)"),
    (lambda d: _results(d)[0].update(challenge="challenge-01"),
     "`results[0].challenge` is 'challenge-01', not the bundle's challenge-00"),
    (lambda d: _results(d)[0].update(message=42), "`results[0].message` must be text (found 42)"),
    (lambda d: _results(d)[0].update(evidence=[1]), "`results[0].evidence` must be a mapping (found list)"),
    (lambda d: _results(d)[0].update(time="noon"), "`results[0].time` must be an ISO 8601 time with a time zone"),
    (lambda d: _results(d)[0].update(message_source={"template": "{", "values": {"x": 1}}),
     "`results[0]` holds a message ohcheck cannot say"),
    (lambda d: _results(d)[0].update(status="failed"),
     "its summary (7/0/0/0) is not what its results count (6/1/0/0)"),
    (lambda d: d["history"][0].update(verdict="passed"), "`history[0].verdict` is passed, but its statuses say failed"),
    (lambda d: d["history"][0].update(started_at=1), "`history[0].started_at` must be text (found 1)"),
    (lambda d: d["history"][0]["statuses"].update({"99.1": "passed"}), "`history[0]` names 99.1, not criteria of"),
    (lambda d: d["history"].extend([d["history"][0]] * 200), "`history` may hold at most 200 entries"),
]


@pytest.mark.parametrize(("edit", "expected"), BAD, ids=[e for _, e in BAD])
def test_import_checks_every_field_and_refuses_a_bad_one_in_one_sentence(cli, event_dir, pack, tmp_path, edit,
                                                                         expected):
    key = bundle.team_key(_event_key(event_dir), "team-a")
    document = _document(pack)
    edit(document)
    bad = _write(tmp_path / "bad.json", _sign(document, key))
    good = _write(tmp_path / "good.json", _sign(_document(pack, team="team-b"), bundle.team_key(_event_key(event_dir),
                                                                                                   "team-b")))
    result = cli("coach", "import", bad, good, cwd=event_dir)
    assert result.exit_code == 2, result.output
    said = " ".join(result.stderr.split())
    assert said.startswith("refused: bad.json: ") and said.endswith(": it was not imported."), said
    assert expected in said, said
    assert said.count("refused:") == 1 and "Traceback" not in result.output
    assert _self_reported(event_dir) == [("team-b", "challenge-00", "bundle good.json")]  # nothing of bad.json
    with CoachStore(event_dir / ".ohcheck-coach" / "coach.db") as store:
        assert {h.team for h in store.history()} == {"team-b"}


def test_a_refusal_is_said_in_japanese(cli, event_dir, pack, tmp_path):
    key = bundle.team_key(_event_key(event_dir), "team-a")
    document = _document(pack)
    document["summary"]["passed"] = "many"
    bad = _write(tmp_path / "bad.json", _sign(document, key))
    result = cli("coach", "import", bad, "--lang", "ja", cwd=event_dir)
    assert result.exit_code == 2
    said = " ".join(result.stderr.split())
    assert "bad.json: `summary.passed` は整数でなければなりません（値: 'many'）" in said, said
    assert "インポートしませんでした" in said and "must be" not in said


def test_a_row_an_older_ohcheck_let_in_never_breaks_the_dashboard_or_the_report(cli, event_dir):
    store_path = event_dir / ".ohcheck-coach" / "coach.db"
    with CoachStore(store_path) as store:
        results = [Result("challenge-00", f"00.{i}", "t", Status.PASSED if i < 4 else Status.FAILED, "m",
                          time=STARTED) for i in range(1, 8)]
        store.record(team="team-a", challenge="challenge-00", target="local", trust="self", source="bundle old.json",
                     started_at=STARTED, results=results, digest="old")
        store.record(team="team-b", challenge="challenge-00", target="local", trust="coach", source="collected",
                     started_at=STARTED, results=results)
    # What an older `coach import` stored from a signed bundle it did not check.
    with sqlite3.connect(store_path) as conn:
        conn.execute("UPDATE attempts SET passed = 'many', failed = 'none', duration = 'long', "
                     "started_at = 'yesterday', verdict = 'great' WHERE team = 'team-a'")
        conn.execute("UPDATE attempts SET skipped = -3 WHERE team = 'team-b'")
        conn.execute("UPDATE results SET message_source = '[1, 2]' WHERE criterion = '00.1'")
        conn.execute("UPDATE results SET evidence = '{not json' WHERE criterion = '00.2'")
        conn.execute("""UPDATE results SET message_source = '{"template": "{", "values": {"x": 1}}'"""
                     " WHERE criterion = '00.3'")
        conn.execute("""UPDATE results SET message_source = '{"template": "ok", "warnings": 3}'"""
                     " WHERE criterion = '00.4'")
    with CoachStore(store_path) as store:
        attempts = {a.team: a for a in store.attempts(with_results=True)}
    assert (attempts["team-a"].passed, attempts["team-a"].failed, attempts["team-a"].duration) == (3, 4, 0.0)
    assert attempts["team-a"].verdict == "failed" and attempts["team-a"].started_at == "yesterday"
    assert attempts["team-b"].skipped == 0
    dashboard = cli("coach", "dashboard", "--out", event_dir / "board.html", cwd=event_dir)
    assert dashboard.exit_code == 0, dashboard.output
    for team in ("team-a", "team-b", "team3"):
        for fmt in ("md", "html"):
            report = cli("coach", "report", team, "--format", fmt, cwd=event_dir)
            assert report.exit_code == 0, (team, fmt, report.output)


# -- 4. sign-offs only by the team's coach ----------------------------------------------------------


def _verified(folder: Path, team: str, statuses: str, challenge: str = "challenge-00", target: str = "local") -> None:
    """A coach-verified attempt: `statuses` one letter per criterion (p passed, f failed, s skipped)."""
    words = {"p": Status.PASSED, "f": Status.FAILED, "s": Status.SKIPPED}
    results = [Result(challenge, f"{challenge[-2:]}.{i}", "t", words[s], "m", time=STARTED)
               for i, s in enumerate(statuses, 1)]
    with CoachStore(folder / ".ohcheck-coach" / "coach.db") as store:
        store.record(team=team, challenge=challenge, target=target, trust="coach", source="collected by Carol",
                     started_at=STARTED, results=results)


def _signoffs(folder: Path, team: str) -> list:
    with CoachStore(folder / ".ohcheck-coach" / "coach.db") as store:
        return [(s.action, s.coach, s.note) for s in store.signoff_history(team)]


def test_only_a_coach_of_the_event_signs_off_and_is_recorded_as_the_event_spells_them(cli, event_dir):
    _verified(event_dir, "team-a", "ppppppp")
    stranger = cli("coach", "approve", "team-a", "00", "--coach", "mallory", cwd=event_dir)
    assert stranger.exit_code == 2
    assert ("mallory is not a coach of the event (its coaches: Carol, Dave): only they sign challenges off."
            in " ".join(stranger.stderr.split()))
    assert cli("coach", "revoke", "team-a", "00", "--coach", "mallory", cwd=event_dir).exit_code == 2
    by_name = cli("coach", "approve", "team-a", "00", "--coach", "carol", cwd=event_dir)
    assert by_name.exit_code == 0, by_name.output
    assert by_name.stdout.startswith("Approved challenge-00 for team-a (Carol, ")
    by_user = cli("coach", "revoke", "team-a", "00", cwd=event_dir, env={"OHCHECK_COACH": "Carol@Contoso.com"})
    assert by_user.exit_code == 0, by_user.output
    assert _signoffs(event_dir, "team-a") == [("approve", "Carol", ""), ("revoke", "Carol", "")]


def test_a_coach_signs_off_a_team_they_do_not_look_after_only_covering_for_its_coach(cli, event_dir):
    _verified(event_dir, "team3", "ppppppp")
    refused = cli("coach", "approve", "team3", "00", "--coach", "Carol", cwd=event_dir)
    assert refused.exit_code == 2
    said = " ".join(refused.stderr.split())
    assert "Carol does not look after team3 (Dave does): nothing was recorded." in said and "--cover" in said
    assert _signoffs(event_dir, "team3") == []
    covered = cli("coach", "approve", "team3", "00", "--coach", "Carol", "--cover", "--note", "demoed", cwd=event_dir)
    assert covered.exit_code == 0, covered.output
    assert _signoffs(event_dir, "team3") == [("approve", "Carol", "[Carol covering for Dave] demoed")]
    assert cli("coach", "revoke", "team3", "00", "--coach", "Carol", cwd=event_dir).exit_code == 2
    assert cli("coach", "revoke", "team3", "00", "--coach", "Dave", cwd=event_dir).exit_code == 0


def test_an_event_without_coaches_lets_nobody_sign_off(cli, event_dir):
    (event_dir / "event.yaml").write_text(EVENT.split("coaches:")[0])
    _verified(event_dir, "team-a", "ppppppp")
    result = cli("coach", "approve", "team-a", "00", "--coach", "Carol", cwd=event_dir)
    assert result.exit_code == 2
    assert "list yourself under `coaches:` in event.yaml" in " ".join(result.stderr.split())


def test_approving_a_challenge_mostly_skipped_says_what_the_sign_off_rests_on(cli, event_dir):
    _verified(event_dir, "team-a", "ppsssss")
    result = cli("coach", "approve", "team-a", "00", "--coach", "Carol", cwd=event_dir)
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert "Approved challenge-00 for team-a (Carol, " in said
    assert "5 of 7 criteria of challenge-00 were skipped on the local target: this sign-off rests on 2." in said
    _verified(event_dir, "team-b", "ppppsss")
    quiet = cli("coach", "approve", "team-b", "00", "--coach", "Carol", cwd=event_dir)
    assert quiet.exit_code == 0 and "were skipped" not in quiet.stdout
