"""The coach tools as a coach runs them: event.yaml, collect, approve and revoke, the coach store."""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from ohcheck.coach.store import CoachStore
from ohcheck.criteria import Result, Status
from ohcheck.kit.starter import copy_files


EVENT = """\
event:
  name: OpenHack for MLOps, test
  starts: 2026-12-01
  ends: 2026-12-03
teams:
  - name: team-a
    members: [Alice, Bob]
    repo: team-a
    target: local
  - name: team-b
    repo: nowhere
    target: local
  - name: team-c
    repo: {url}
    target: local
coaches:
  - name: Carol
    teams: [team-a, team-b]
"""


@pytest.fixture
def event_dir(tmp_path, team_repo):
    folder = tmp_path / "event"
    folder.mkdir()
    repo = team_repo("solved-01")
    repo.rename(folder / "team-a")
    config = folder / "team-a" / "ohcheck.yaml"
    config.write_text(config.read_text().replace('team: "testers"', 'team: "team-a"'))
    (folder / "event.yaml").write_text(EVENT.format(url="https://coach:s3cr3t-token@127.0.0.1:9/team-c.git"))
    return folder


def test_collect_verifies_each_team_itself_and_one_teams_trouble_is_only_its_own(cli, event_dir):
    result = cli("coach", "collect", "--challenge", "01", "--json", "--coach", "Carol", cwd=event_dir)
    assert result.exit_code == 3, result.output  # some team could not be verified
    document = json.loads(result.stdout)
    verdicts = {t["team"]: t["challenges"][0] for t in document["teams"]}
    assert verdicts["team-a"]["verdict"] == "passed"
    assert verdicts["team-b"]["verdict"] == "error"
    assert verdicts["team-b"]["problem"] == f"team team-b's repo {event_dir / 'nowhere'} does not exist"
    # A local-target team given by a URL: a clone lacks its git-ignored work, so it is undecided, not failed.
    assert verdicts["team-c"]["verdict"] == "error"
    assert verdicts["team-c"]["problem"].startswith("team team-c works on the local target and its repo is a git URL")
    assert "--export" in verdicts["team-c"]["problem"]
    assert not (event_dir / ".ohcheck-coach" / "repos" / "team-c").exists()  # not even cloned
    assert "s3cr3t-token" not in result.output
    # The coach store holds them, coach-verified; the team's repo got nothing written into it.
    with CoachStore(event_dir / ".ohcheck-coach" / "coach.db") as store:
        attempts = store.attempts(with_results=True)
    assert {(a.team, a.challenge, a.trust, a.verdict) for a in attempts} == {
        ("team-a", "challenge-01", "coach", "passed"),
        ("team-b", "challenge-01", "coach", "error"),
        ("team-c", "challenge-01", "coach", "error"),
    }
    assert all(a.source == "collected by Carol" for a in attempts)
    assert len(next(a for a in attempts if a.team == "team-a").results) == 7
    assert "s3cr3t-token" not in (event_dir / ".ohcheck-coach" / "coach.db").read_bytes().decode("latin-1")
    assert not (event_dir / "team-a" / ".ohcheck" / "results.db").exists()


def test_a_repo_out_of_reach_for_one_collect_leaves_the_team_where_it_was(cli, event_dir, pack):
    from ohcheck.coach.progress import event_progress, starter_passes
    from ohcheck.event.model import load_event

    assert cli("coach", "collect", "--team", "team-a", cwd=event_dir).exit_code == 0  # 00 and 01 pass
    (event_dir / "team-a").rename(event_dir / "team-a-moved")
    assert cli("coach", "collect", "--team", "team-a", cwd=event_dir).exit_code == 3
    with CoachStore(event_dir / ".ohcheck-coach" / "coach.db") as store:
        newest = store.attempts(team="team-a")[-1]
    assert (newest.challenge, newest.verdict) == ("challenge-02", "error")  # at its frontier, not at 00
    progress = event_progress(load_event(event_dir / "event.yaml"), event_dir / ".ohcheck-coach" / "coach.db",
                              [c.id for c in pack.challenges], starter_passes(pack))["team-a"]
    assert [c.state for c in progress.challenges[:3]] == ["passed", "passed", "undecided"]


def test_collect_fetches_a_repo_by_url_and_pulls_it_again(cli, event_dir, fake, tmp_path):
    from ..fake_azureml import seed_passing_workspace

    seed_passing_workspace(fake, endpoint="aw-forecast-team-c")
    ws = fake.workspace
    source = tmp_path / "team-c-source"
    (source / "src").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(source)], check=True)
    cli("init", "--team", "team-c", "--dir", source)
    subprocess.run(["git", "-C", str(source), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(source), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"],
                   check=True)
    # An azure team's work is in its workspace: its repo can come from a URL.
    azure = (f"target: azure\n    workspace: {{subscription_id: {ws.subscription_id}, "
             f"resource_group: {ws.resource_group}, name: {ws.name}}}")
    (event_dir / "event.yaml").write_text(
        EVENT.format(url=source.as_uri()).replace("team-c.git\n    target: local", "").replace(
            f"repo: {source.as_uri()}\n    target: local", f"repo: {source.as_uri()}\n    {azure}"))
    for _ in range(2):  # a clone, then a pull
        result = cli("coach", "collect", "--team", "team-c", "--challenge", "01", "--json", cwd=event_dir)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["teams"][0]["challenges"][0]["verdict"] == "failed"  # no data yet
    assert (event_dir / ".ohcheck-coach" / "repos" / "team-c" / "ohcheck.yaml").is_file()


def test_approve_rests_on_the_coachs_own_results_and_revoke_takes_it_back(cli, event_dir):
    cli("coach", "collect", "--challenge", "01", "--team", "team-a", "--team", "team-b", cwd=event_dir)
    approved = cli("coach", "approve", "team-a", "01", "--note", "demoed the forecast", "--coach", "Carol", cwd=event_dir)
    assert approved.exit_code == 0, approved.output
    assert approved.stdout.startswith("Approved challenge-01 for team-a (Carol, ")
    carol = {"OHCHECK_COACH": "Carol"}  # the coach of team-a and team-b (event.yaml)
    refused = cli("coach", "approve", "team-b", "01", cwd=event_dir, env=carol)
    assert refused.exit_code == 2
    assert "Not approved: your latest verification of challenge-01 for team-b" in refused.stderr
    assert "--force" in refused.stderr
    never = cli("coach", "approve", "team-a", "02", cwd=event_dir, env=carol)
    assert "you have not verified challenge-02 for team-a yet" in never.stderr
    forced = cli("coach", "approve", "team-b", "01", "--force", "--note", "verified by hand", cwd=event_dir, env=carol)
    assert forced.exit_code == 0 and "— forced" in forced.stdout
    revoked = cli("coach", "revoke", "team-a", "01", "--note", "wrong data", cwd=event_dir, env=carol)
    assert revoked.exit_code == 0, revoked.output
    again = cli("coach", "revoke", "team-a", "01", cwd=event_dir, env=carol)
    assert again.exit_code == 2 and "nothing to revoke" in again.stderr
    with CoachStore(event_dir / ".ohcheck-coach" / "coach.db") as store:
        latest = store.signoffs()
        history = store.signoff_history("team-a")
    assert not latest[("team-a", "challenge-01")].approved
    assert latest[("team-b", "challenge-01")].forced and latest[("team-b", "challenge-01")].note == "verified by hand"
    assert [(s.action, s.coach, s.note) for s in history] == [
        ("approve", "Carol", "demoed the forecast"), ("revoke", "Carol", "wrong data")
    ]


def test_unknown_teams_and_challenges_are_one_sentence(cli, event_dir):
    result = cli("coach", "approve", "team-z", "01", cwd=event_dir)
    assert result.exit_code == 2
    assert "There is no team 'team-z' in the event (its teams: team-a, team-b, team-c)." in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.replace("  ends: 2026-12-03\n", ""), "event.yaml, line 1: the key `event.ends` is required."),
        (lambda t: t.replace("repo: nowhere", "repo: nowhere\n    colour: blue"),
         "event.yaml, line 12: unknown key `teams[1].colour` (a typo?)."),
        (lambda t: t.replace("target: local\n  - name: team-c", "target: cloud\n  - name: team-c"),
         "event.yaml, line 12: `teams[1].target` input should be 'local' or 'azure' (found 'cloud')."),
        (lambda t: t.replace("name: team-b", "name: team-a"), "event.yaml, line 10: two teams are named team-a."),
        (lambda t: t.replace("teams: [team-a, team-b]", "teams: [team-a, team-x]"),
         "event.yaml, line 18: coach Carol looks after team-x, which is not a team of the event."),
        (lambda t: t.replace("ends: 2026-12-03", "ends: 2026-11-30"),
         "event.yaml, line 1: in `event`, the event ends (2026-11-30) before it starts (2026-12-01)."),
        (lambda t: t + "  - [\n", "event.yaml, line "),
        (lambda t: "", "event.yaml is empty."),
    ],
)
def test_a_bad_event_file_is_one_sentence_naming_the_line_and_key(cli, tmp_path, edit, expected):
    (tmp_path / "event.yaml").write_text(edit(EVENT.format(url="https://example.com/c.git")))
    result = cli("coach", "collect", cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert expected in result.stderr
    assert result.stderr.count("error:") == 1 and "Traceback" not in result.output


def test_no_event_file_says_where_it_looked(cli, tmp_path):
    result = cli("coach", "collect", cwd=tmp_path)
    assert result.exit_code == 2
    assert "No event.yaml here or in any parent folder." in result.stderr


def _write_attempts(args: tuple[str, int]) -> None:
    path, writer = args
    with CoachStore(Path(path)) as store:
        for i in range(40):
            result = Result("challenge-01", "01.1", "t", Status.PASSED, "ok", time="2026-12-01T00:00:00Z")
            store.record(team=f"team-{writer}", challenge="challenge-01", target="local", trust="self",
                         source=f"bundle {i}", started_at="2026-12-01T00:00:00Z", results=[result],
                         digest=f"{writer}-{i}")


def test_concurrent_writers_lose_no_record(tmp_path):
    path = tmp_path / "coach.db"
    CoachStore(path).close()
    with ProcessPoolExecutor(max_workers=4) as pool:
        list(pool.map(_write_attempts, [(str(path), w) for w in range(4)]))
    with CoachStore(path) as store:
        attempts = store.attempts(with_results=True)
    assert len(attempts) == 160 and all(len(a.results) == 1 for a in attempts)
    # The same bundle twice is one attempt.
    with CoachStore(path) as store:
        assert store.record(team="team-0", challenge="challenge-01", target="local", trust="self", source="again",
                            started_at="2026-12-01T00:00:00Z", digest="0-0") is None


def test_a_team_exports_signed_results_and_the_coach_imports_them_as_self_reported(cli, event_dir, tmp_path):
    made = cli("coach", "key", cwd=event_dir)
    assert made.exit_code == 0 and made.stdout.startswith("Made the event key: ")
    key_file = event_dir / ".ohcheck-coach" / "event.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert "already has" in cli("coach", "key", cwd=event_dir).stdout
    key = key_file.read_text().strip()
    team = event_dir / "team-a"
    (team / ".ohcheck").mkdir(exist_ok=True)
    # What the team kit gives the team: its own key, not the event's.
    assert cli("coach", "key", "--team", "team-a", "--out", team / ".ohcheck" / "team.key", cwd=event_dir).exit_code == 0
    team_key = (team / ".ohcheck" / "team.key").read_text().strip()
    bundle = tmp_path / "team-a-01.json"
    exported = cli("verify", "01", "--export", bundle, cwd=team)
    assert exported.exit_code == 0, exported.output
    assert key not in bundle.read_text() and key not in exported.output and team_key not in bundle.read_text()
    imported = cli("coach", "import", bundle, cwd=event_dir)
    assert imported.exit_code == 0, imported.output
    assert imported.stdout.startswith("team-a-01.json: imported — team-a, challenge-01, passed (self-reported, ")
    assert "already imported" in cli("coach", "import", bundle, cwd=event_dir).stdout
    # Edited after signing: refused, and nothing else is lost.
    tampered = tmp_path / "tampered.json"
    document = json.loads(bundle.read_text())
    document["results"][0]["message"] = "all good, trust me"
    tampered.write_text(json.dumps(document))
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    result = cli("coach", "import", tampered, garbage, bundle, cwd=event_dir)
    assert result.exit_code == 2
    assert "tampered.json was changed after it was signed, or signed with another event's key" in result.stderr
    assert "garbage.json is not a result bundle (not JSON" in result.stderr
    assert "team-a-01.json: already imported" in result.stdout
    with CoachStore(event_dir / ".ohcheck-coach" / "coach.db") as store:
        mine = store.attempts(trust="self", with_results=True)
        assert store.latest(trust="coach") == {}  # a self-reported result is never the coach's
    assert [(a.team, a.challenge, a.verdict, a.source) for a in mine] == [
        ("team-a", "challenge-01", "passed", "bundle team-a-01.json")
    ]
    assert len(mine[0].results) == 7
    for secret in (key, team_key):
        assert secret not in (event_dir / ".ohcheck-coach" / "coach.db").read_bytes().decode("latin-1")


def test_export_without_a_team_key_says_so_before_verifying(cli, team_repo, tmp_path, monkeypatch):
    monkeypatch.delenv("OHCHECK_EVENT_KEY", raising=False)
    monkeypatch.delenv("OHCHECK_TEAM_KEY", raising=False)
    repo = team_repo("solved-01")
    result = cli("verify", "01", "--export", tmp_path / "b.json", cwd=repo)
    assert result.exit_code == 2
    assert "There is no team key: --export needs" in result.stderr and "OHCHECK_TEAM_KEY" in result.stderr
    assert not (tmp_path / "b.json").exists()
    assert not (repo / ".ohcheck" / "results.db").exists()  # nothing was verified


def test_collect_checks_an_azure_team_in_the_workspace_the_event_names(cli, fake, team_repo, tmp_path):  # noqa: F811
    from ..fake_azureml import seed_passing_workspace

    seed_passing_workspace(fake, endpoint="aw-forecast-testers")
    ws = fake.workspace
    folder = tmp_path / "azure-event"
    folder.mkdir()
    team_repo("solved-03").rename(folder / "team-z")  # its ohcheck.yaml names no workspace: the event does
    (folder / "event.yaml").write_text(f"""\
event: {{name: azure, starts: 2026-12-01, ends: 2026-12-01}}
teams:
  - name: team-z
    repo: team-z
    target: azure
    workspace: {{subscription_id: {ws.subscription_id}, resource_group: {ws.resource_group}, name: {ws.name}}}
""")
    # The coach's shell names the coach's own workspace: the event file's still decides where the team is.
    shell = {"AZURE_SUBSCRIPTION_ID": "99999999-0000-0000-0000-000000000000",
             "AZURE_RESOURCE_GROUP": "rg-coach", "AZUREML_WORKSPACE_NAME": "mlw-coach"}
    result = cli("coach", "collect", "--challenge", "00", "--challenge", "02", "--json", cwd=folder, env=shell)
    assert result.exit_code == 0, result.output
    assert not any("99999999" in r.path for r in fake.requests)
    verdicts = {c["challenge"]: c["verdict"] for c in json.loads(result.stdout)["teams"][0]["challenges"]}
    assert verdicts == {"challenge-00": "passed", "challenge-02": "passed"}
    assert [r for r in fake.requests if r.method not in ("GET", "POST")] == []


KIT_EVENT = """\
event:
  name: OpenHack for MLOps, kits
  starts: 2026-12-01
  ends: 2026-12-03
teams:
  - name: team-k
    repo: teams/team-k
    target: local
coaches:
  - name: Carol
    teams: [team-k]
"""
PIPELINE = """\
$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
type: pipeline
jobs:
  train:
    type: command
    command: python train.py
    environment: azureml:adventureworks-env@latest
    compute: azureml:cpu-cluster
"""


def _collected(cli, folder: Path, challenge: str, team: str | None = None) -> dict:
    """The results of the coach's newest collect of `challenge` (of one team, if named)."""
    teams = ["--team", team] if team else []
    result = cli("coach", "collect", "--challenge", challenge, "--coach", "Carol", *teams, cwd=folder)
    assert result.exit_code in (0, 1), result.output
    with CoachStore(folder / ".ohcheck-coach" / "coach.db") as store:
        newest = [a for a in store.attempts(with_results=True) if a.challenge == f"challenge-{challenge}"][-1]
    return {r.criterion: r for r in newest.results}


def test_the_ci_workflow_setup_wrote_into_the_kit_is_not_the_teams_sign_in_or_trigger(cli, pack, tmp_path):
    folder = tmp_path / "event"
    folder.mkdir()
    (folder / "event.yaml").write_text(KIT_EVENT)
    assert cli("event", "setup", cwd=folder).exit_code == 0
    kit = folder / "teams" / "team-k"
    # The team takes the schedule route and writes no workflow of its own.
    (kit / "pipelines").mkdir()
    (kit / "pipelines" / "train-deploy.yml").write_text(PIPELINE)
    assert cli("start", "challenge-05", cwd=kit).exit_code == 0
    copy_files(pack.challenge("05").solution, kit, overwrite=True)
    (kit / ".github" / "workflows" / "retrain.yml").unlink()
    results = _collected(cli, folder, "05")
    assert results["05.1"].status == Status.PASSED
    for criterion in ("05.2", "05.3"):
        assert results[criterion].status == Status.SKIPPED, (criterion, results[criterion].message)
        assert results[criterion].message == (
            "no workflow of the team's in .github/workflows (.github/workflows/ohcheck.yml: written by `ohcheck "
            "event setup` into the kit, unchanged): the team took the schedule route"
        )
    # Once the team changes it, it is the team's workflow, judged like any other.
    workflow = kit / ".github" / "workflows" / "ohcheck.yml"
    workflow.write_text(workflow.read_text().replace("client-id: ${{ vars.AZURE_CLIENT_ID }}",
                                                     "creds: ${{ secrets.AZURE_CREDENTIALS }}"))
    results = _collected(cli, folder, "05")
    assert results["05.3"].status == Status.FAILED
    assert "azure/login uses `creds:`" in results["05.3"].message


def test_on_collect_the_packages_are_the_ones_the_teams_requirements_declare_not_the_coachs(cli, event_dir):
    # The coach's Python has every package; the team's declared environment lacks one and pins another too old.
    requirements = event_dir / "team-a" / "requirements.txt"
    text = requirements.read_text()
    requirements.write_text(text.replace("azure-ai-ml>=1.20\n", "").replace("pandas>=2.0", "pandas==1.5.3"))
    line = text.splitlines().index("pandas>=2.0") + 1
    results = _collected(cli, event_dir, "00", team="team-a")
    assert results["00.6"].status == Status.FAILED
    assert results["00.6"].message == (
        f"requirements.txt:{line}: pandas==1.5.3 allows no pandas as new as 2.0; azure-ai-ml is not in requirements.txt"
    )
    requirements.write_text(text)
    results = _collected(cli, event_dir, "00", team="team-a")
    assert results["00.6"].status == Status.PASSED
    assert results["00.6"].message == (
        "requirements.txt declares the 7 required packages (the team's Python itself is not visible to the coach)"
    )
    requirements.unlink()
    results = _collected(cli, event_dir, "00", team="team-a")
    assert results["00.6"].status == Status.SKIPPED
    assert results["00.6"].message == (
        "the coach's ohcheck cannot see the team's Python environment, and the repo declares none (no requirements.txt)"
    )


def test_a_collect_the_coach_store_cannot_take_is_still_shown_and_said_not_stored(cli, event_dir, monkeypatch):
    """A lock held past the wait (another coach's long import, say): the verifies are done, so they are shown,
    the exit code is the collect's own, and the warning says which teams' results the store did not take."""
    import sqlite3

    from ohcheck import store as store_module

    db = event_dir / ".ohcheck-coach" / "coach.db"
    CoachStore(db).close()
    monkeypatch.setattr(store_module, "WAIT_SECONDS", 0.3)  # instead of 30 s: the lock is held throughout
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer that does not let go
    try:
        result = cli("coach", "collect", "--challenge", "01", "--team", "team-a", "--json", cwd=event_dir)
        plain = cli("coach", "collect", "--challenge", "01", "--team", "team-a", "--lang", "ja", cwd=event_dir)
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == 0, result.output  # team-a passed: the collect's own code, not 2
    document = json.loads(result.stdout)
    (team,) = document["teams"]
    assert team["challenges"][0]["verdict"] == "passed" and team["stored"] is False
    assert document["warnings"][0] == f"Could not write to the coach store {db}: database is locked."
    assert document["warnings"][1].startswith("The results of team-a were not stored")
    assert "Traceback" not in result.output
    assert plain.exit_code == 0, plain.output
    assert "team-a の結果は保存されていません" in plain.stderr and "team-a" in plain.stdout
    with CoachStore(db) as store:
        assert store.attempts(team="team-a") == []
    stored = cli("coach", "collect", "--challenge", "01", "--team", "team-a", "--json", cwd=event_dir)
    assert json.loads(stored.stdout)["teams"][0]["stored"] is True and "warnings" not in json.loads(stored.stdout)


def test_piped_collect_says_where_each_team_stands_in_plain_columns(cli, event_dir):
    result = cli("coach", "collect", "--challenge", "01", "--coach", "Carol", cwd=event_dir)
    assert result.exit_code == 3, result.output
    assert not set(result.stdout) & set("┏┓┗┛┃━┡┩│─└┘"), result.stdout  # no box drawing when piped
    lines = result.stdout.splitlines()
    assert lines[lines.index("Where each team stands (coach-verified)") + 1].split() == [
        "team", "current", "state", "passed", "verified", "now"]
    assert next(line for line in lines if line.startswith("team-a")).split()[1] == "00"  # only 01 verified: 00 is current
