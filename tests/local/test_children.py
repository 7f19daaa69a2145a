"""What ohcheck starts ends with it (issue 15, items 12 and 13).

A pipeline step that never ends is stopped at the step time limit, said, and failed; a score.py that spins
forever does not outlive `ohcheck verify 01 --timeout`. Each test finds the team's process by the pid file it
writes, and waits (generously: the machine may be loaded) for it to be gone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="process groups are POSIX")


def _alive(pid: int) -> bool:
    """Whether the process runs (a zombie, ended and not yet reaped by whoever adopted it, does not)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _pid_in(path: Path, wait: float = 60.0) -> int:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if path.is_file() and path.read_text().strip():
            return int(path.read_text())
        time.sleep(0.1)
    raise AssertionError(f"{path} was never written")


def _gone(pid: int, wait: float = 30.0) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def _kill(pid: int) -> None:
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass


SLOW_PIPELINE = """\
$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
type: pipeline
display_name: slow
jobs:
  sleepy:
    type: command
    command: python -c "import os, time; open('{pid}', 'w').write(str(os.getpid())); time.sleep(600)" ${{{{outputs.done}}}}
    environment: azureml:adventureworks-env@latest
    outputs:
      done:
        type: uri_folder
  after:
    type: command
    command: echo never ${{{{inputs.done}}}}
    environment: azureml:adventureworks-env@latest
    inputs:
      done: ${{{{parent.jobs.sleepy.outputs.done}}}}
"""


def test_a_step_that_never_ends_is_stopped_at_the_step_time_limit_and_said(cli, team_repo, tmp_path):
    repo = team_repo("starting-04")
    pid_file = tmp_path / "step.pid"
    (repo / "slow.yml").write_text(SLOW_PIPELINE.format(pid=pid_file))
    run = cli("pipeline", "run", repo / "slow.yml", "--step-timeout", "3", "--json", cwd=repo)
    pid = _pid_in(pid_file)
    try:
        assert run.exit_code == 1, run.output
        steps = {s["name"]: s for s in json.loads(run.stdout)["steps"]}
        assert steps["sleepy"]["status"] == "Failed"
        assert steps["sleepy"]["reason"] == ("stopped after 3 s: it ran longer than the step time limit "
                                             "(--step-timeout)")
        assert steps["after"]["status"] == "NotStarted"
        assert "stopped after 3 s" in (repo / steps["sleepy"]["log"]).read_text()
        assert _gone(pid), "the step's python (under its bash) outlived the time limit"
    finally:
        _kill(pid)
    shown = cli("pipeline", "run", repo / "slow.yml", "--step-timeout", "2", "--lang", "ja", cwd=repo)
    _kill(_pid_in(pid_file))
    assert shown.exit_code == 1
    assert "2 秒 で停止しました" in shown.stderr


def test_the_step_time_limit_has_a_default_and_is_in_the_help(cli):
    from ohcheck.local import pipeline as pipeline_local

    assert pipeline_local.STEP_TIMEOUT == 1800
    shown = cli("pipeline", "run", "--help")
    assert "--step-timeout" in shown.output and "1800" in shown.output


SPINNING_SCORE = """\
import os

def init():
    with open({pid!r}, "w") as handle:
        handle.write(str(os.getpid()))
    while True:  # a model that never finishes loading, at 100 % of a core
        pass

def run(raw):
    return {{"result": []}}
"""


def test_a_score_py_that_spins_forever_ends_with_verify(team_repo, tmp_path):
    """`verify 01 --timeout` gives up on 01.5 while score.py spins: when ohcheck exits, score.py is gone too."""
    repo = team_repo("solved-01")
    pid_file = tmp_path / "score.pid"
    (repo / "src" / "score.py").write_text(SPINNING_SCORE.format(pid=str(pid_file)))
    # A real process, not the in-process CLI: what matters is what is left when it exits. It runs the ohcheck
    # under test (PYTHONPATH may be relative, and the team repo has a src/ of its own).
    import ohcheck

    env = {**os.environ, "PYTHONPATH": str(Path(ohcheck.__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-m", "ohcheck", "verify", "01", "--timeout", "3", "--no-store",
                           "--json"], cwd=repo, capture_output=True, text=True, timeout=300, env=env)
    pid = _pid_in(pid_file, wait=5)
    try:
        assert done.returncode == 3, done.stdout + done.stderr  # undecided (timed out), nothing failed
        results = {r["criterion"]: r for r in json.loads(done.stdout)["results"]}
        assert results["01.5"]["status"] == "error"
        assert _gone(pid), "score.py was still running after ohcheck verify had exited"
    finally:
        _kill(pid)


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_a_pipeline_step_ends_when_ohcheck_is_terminated_or_its_terminal_closes(team_repo, tmp_path, signame):
    """The step runs in a process group of its own, so `kill` (SIGTERM) or a closed terminal (SIGHUP) reaches
    only ohcheck: ohcheck ends the step's group on its way out instead of leaving it running."""
    import signal

    repo = team_repo("starting-04")
    pid_file = tmp_path / "step.pid"
    (repo / "slow.yml").write_text(SLOW_PIPELINE.format(pid=pid_file))
    import ohcheck

    env = {**os.environ, "PYTHONPATH": str(Path(ohcheck.__file__).resolve().parents[1])}
    ohcheck_run = subprocess.Popen([sys.executable, "-m", "ohcheck", "pipeline", "run", "slow.yml"], cwd=repo,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        pid = _pid_in(pid_file)
        ohcheck_run.send_signal(getattr(signal, signame))
        _, stderr = ohcheck_run.communicate(timeout=120)
        assert ohcheck_run.returncode == 128 + getattr(signal, signame)
        assert b"Traceback" not in stderr
        assert _gone(pid), f"the step outlived ohcheck ended by {signame}"
    finally:
        ohcheck_run.kill()
        if pid_file.is_file() and pid_file.read_text().strip():
            _kill(int(pid_file.read_text()))
