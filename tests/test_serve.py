"""`ohcheck serve`: the local endpoint, Azure ML's own inference server serving the team's score.py."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import pytest
import requests

from .checks_helpers import verify_json
from .conftest import own_port


def _listening_on(port: int) -> set[str]:
    """The local addresses listening on `port`, as the kernel has them (psutil reads /proc/net/tcp*)."""
    import psutil

    return {c.laddr.ip for c in psutil.net_connections("inet") if c.status == psutil.CONN_LISTEN
            and c.laddr.port == port}


def _answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def test_serve_detach_status_verify_stop(cli, team_repo):
    repo = team_repo("solved-03")
    port = own_port(repo)
    result = cli("serve", "--detach", cwd=repo)
    try:
        assert result.exit_code == 0, result.output
        assert f"Serving adventureworks-forecast:1 at http://127.0.0.1:{port}/score" in result.stdout
        assert _answers(port)
        # The team's score.py answers this machine only, not everyone on the event's Wi-Fi.
        assert _listening_on(port) == {"127.0.0.1"}
        assert "Serving adventureworks-forecast:1" in cli("serve", "--status", cwd=repo).stdout
        again = cli("serve", "--detach", cwd=repo)
        assert again.exit_code == 2 and "already running for this repo" in again.stderr
        code, results = verify_json(cli, repo, "03")
        assert code == 0, results
        assert "deployment local (adventureworks-forecast:1)" in results["03.3"]["message"]
    finally:
        stopped = cli("serve", "--stop", cwd=repo)
    assert stopped.exit_code == 0 and "Stopped adventureworks-forecast:1" in stopped.stdout
    assert not _answers(port)
    assert "No server is running" in cli("serve", "--status", cwd=repo).stdout
    _, results = verify_json(cli, repo, "03")
    assert results["03.3"]["status"] == "failed"
    assert results["03.3"]["message"] == f"nothing answers at http://127.0.0.1:{port}/score: start the local endpoint with `ohcheck serve`"


def test_serve_without_a_registered_model_says_what_to_do(cli, team_repo):
    repo = team_repo("starting-03")
    own_port(repo)
    result = cli("serve", "--detach", cwd=repo)
    assert result.exit_code == 2
    assert "There is no registered version of 'adventureworks-forecast' in the local registry" in result.stderr
    assert "--model-dir outputs" in result.stderr


def test_serve_a_folder_and_a_score_py_that_fails_to_start(cli, team_repo):
    repo = team_repo("starting-03")
    port = own_port(repo)
    result = cli("serve", "--detach", "--model-dir", "outputs", cwd=repo)
    try:
        assert result.exit_code == 0, result.output
        reply = requests.post(f"http://127.0.0.1:{port}/score", json={"data": [3]}, timeout=10)
        assert len(reply.json()["result"]) == 3
    finally:
        cli("serve", "--stop", cwd=repo)

    score = repo / "src" / "score.py"
    score.write_text(score.read_text().replace("def init():\n", "def init():\n    raise RuntimeError('the model is corrupt')\n"))
    result = cli("serve", "--detach", "--model-dir", "outputs", cwd=repo)
    assert result.exit_code == 2
    assert "The inference server stopped while starting" in result.stderr
    assert "RuntimeError: the model is corrupt" in result.stderr
    assert not _answers(port)


def test_serve_stops_a_server_that_listens_beyond_this_machine(cli, team_repo, monkeypatch):
    from ohcheck import serve

    repo = team_repo("starting-03")
    port = own_port(repo)
    # azmlinfsrv as its own command starts it: on 0.0.0.0, as a later version might again.
    monkeypatch.setattr(serve, "_LAUNCH", "import sys; sys.argv.pop(1); from azureml_inference_server_http "
                                          "import amlserver; amlserver.run()")
    result = cli("serve", "--detach", "--model-dir", "outputs", cwd=repo)
    assert result.exit_code == 2, result.output
    assert f"The inference server listened on 0.0.0.0:{port}, not on this machine only" in result.stderr
    assert not _answers(port) and not _listening_on(port)
    assert "No server is running" in cli("serve", "--status", cwd=repo).stdout


def test_serve_refuses_a_port_in_use(cli, team_repo):
    repo = team_repo("starting-03")
    port = own_port(repo)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        result = cli("serve", "--model-dir", "outputs", cwd=repo)
    assert result.exit_code == 2
    assert f"Port {port} is already in use" in result.stderr


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_in_the_foreground_stops_cleanly_on_ctrl_c_or_sigterm(cli, team_repo, stop_signal):
    repo = team_repo("starting-03")
    port = own_port(repo)
    child = subprocess.Popen(
        [sys.executable, "-m", "ohcheck", "serve", "--model-dir", "outputs"],
        cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        seen = []
        for line in child.stdout:  # until it says it serves (or stops)
            seen.append(line)
            if "Press Ctrl-C to stop." in line:
                break
        assert _answers(port), "".join(seen)
        assert "Serving outputs" in cli("serve", "--status", cwd=repo).stdout
        child.send_signal(stop_signal)
        out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
        cli("serve", "--stop", cwd=repo)  # whatever happened, leave no server behind
    assert child.returncode == 0, err
    assert "Stopped." in out
    assert not _answers(port)
    assert "No server is running" in cli("serve", "--status", cwd=repo).stdout
