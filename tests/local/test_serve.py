"""`ohcheck serve`: the local endpoint, Azure ML's own inference server serving the team's score.py."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading

import pytest
import requests

from ..checks_helpers import verify_json
from ..conftest import own_port


def _listening_on(port: int) -> set[str]:
    """The local addresses listening on `port`, as the kernel has them (psutil reads /proc/net/tcp*)."""
    import psutil

    return {c.laddr.ip for c in psutil.net_connections("inet") if c.status == psutil.CONN_LISTEN
            and c.laddr.port == port}


def _answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200  # bounds a hang only
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
        status = cli("serve", "--status", cwd=repo)
        assert status.exit_code == 0 and "Serving adventureworks-forecast:1" in status.stdout
        again = cli("serve", "--detach", cwd=repo)
        assert again.exit_code == 2 and "already running for this repo" in again.stderr
        code, results = verify_json(cli, repo, "03")
        assert code == 0, results
        assert "deployment local (adventureworks-forecast:1)" in results["03.3"]["message"]
    finally:
        stopped = cli("serve", "--stop", cwd=repo)
    assert stopped.exit_code == 0 and "Stopped adventureworks-forecast:1" in stopped.stdout
    assert not _answers(port)
    status = cli("serve", "--status", cwd=repo)
    assert status.exit_code == 1 and status.stdout.strip() == "No server is running for this repo."
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
    from ohcheck.local import serve

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


def _serve_json(repo) -> dict:
    return json.loads((repo / ".ohcheck" / "serve.json").read_text())


def test_what_is_left_of_a_server_whose_master_died_is_found_said_and_stopped(cli, team_repo):
    import psutil

    repo = team_repo("starting-03")
    port = own_port(repo)
    assert cli("serve", "--detach", "--model-dir", "outputs", cwd=repo).exit_code == 0
    master = _serve_json(repo)["pid"]
    workers = [w.pid for w in psutil.Process(master).children()]
    try:
        os.kill(master, signal.SIGKILL)  # the master dies; gunicorn's worker looks for it only between requests
        os.waitpid(master, 0)  # (this test's process started it: reap it, as init would)
        assert _listening_on(port) == {"127.0.0.1"}  # the worker still holds the port
        status = cli("serve", "--status", cwd=repo)
        assert status.exit_code == 1, status.output
        assert status.stdout.split() == (
            f"No server is running for this repo, but what is left of one (pid {workers[0]}) still holds port "
            f"{port}: `ohcheck serve --stop` ends it.").split()
        started = cli("serve", "--detach", "--model-dir", "outputs", cwd=repo)
        assert started.exit_code == 2 and f"Port {port} is already in use" in started.stderr
        assert f"What is left of this repo's server (pid {workers[0]}) holds it" in started.stderr
        stopped = cli("serve", "--stop", cwd=repo)
        assert stopped.exit_code == 0, stopped.output
        assert f"Stopped what was left of this repo's server (pid {workers[0]})." in stopped.stdout
    finally:
        for pid in workers:
            with __import__("contextlib").suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert not _listening_on(port) and not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"
                                               for pid in workers)
    assert cli("serve", "--status", cwd=repo).stdout.strip() == "No server is running for this repo."


def _not_http(listener: socket.socket) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.recv(1024)
            conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")


@pytest.mark.parametrize("kind", ["silent", "not-http", "not-an-inference-server"])
def test_verify_03_when_something_else_holds_the_port_is_undecided_in_one_sentence(cli, team_repo, kind):
    from http.server import BaseHTTPRequestHandler, HTTPServer

    repo = team_repo("solved-03")  # all but the endpoint done
    port = own_port(repo)
    if kind == "not-an-inference-server":  # answers / with 200, as the liveness probe expects
        class Ok(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        server = HTTPServer(("127.0.0.1", port), Ok)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        close = lambda: (server.shutdown(), server.server_close())  # noqa: E731
    else:
        listener = socket.socket()
        listener.bind(("127.0.0.1", port))
        listener.listen()  # "silent": connections wait in the backlog, nothing ever answers
        if kind == "not-http":
            threading.Thread(target=_not_http, args=(listener,), daemon=True).start()
        close = listener.close
    try:
        result = cli("verify", "03", "--json", cwd=repo)
        status = cli("serve", "--status", cwd=repo)
    finally:
        close()
    assert result.exit_code == 3, result.output  # undecided, nothing failed
    assert "Traceback" not in result.output
    results = {r["criterion"]: r for r in json.loads(result.stdout)["results"]}
    assert results["03.3"]["status"] == "error"
    holder = f"port {port} is held by {psutil_name()} (pid {os.getpid()})"
    message = results["03.3"]["message"]
    if kind == "not-an-inference-server":
        assert message == (f"port {port} of http://127.0.0.1:{port}/score is held by {psutil_name()} (pid "
                           f"{os.getpid()}), which is not an inference server: stop it, or choose another port in "
                           "local.scoring_url")
    else:
        problem = "no answer within 5 s" if kind == "silent" else "the connection closed without an HTTP answer"
        assert message == f"http://127.0.0.1:{port}/score did not answer as an inference server does ({problem}); {holder}"
    assert status.exit_code == 1
    assert status.stdout.split() == f"No server is running for this repo; {holder}.".split()


def psutil_name() -> str:
    import psutil

    return psutil.Process().name()


def test_replace_keeps_the_working_server_until_the_new_one_answers(cli, team_repo):
    repo = team_repo("starting-03")
    port = own_port(repo)
    assert cli("serve", "--detach", "--model-dir", "outputs", cwd=repo).exit_code == 0
    old = _serve_json(repo)["pid"]
    score = repo / "src" / "score.py"
    working = score.read_text()
    try:
        # A redeploy whose score.py cannot start: the endpoint the team had goes on serving, untouched.
        score.write_text(working.replace("def init():\n", "def init():\n    raise RuntimeError('the model is corrupt')\n"))
        broken = cli("serve", "--detach", "--replace", "--model-dir", "outputs", cwd=repo)
        assert broken.exit_code == 2, broken.output
        assert "The inference server stopped while starting" in broken.stderr
        assert "RuntimeError: the model is corrupt" in broken.stderr
        assert (f"The server already running keeps serving outputs at http://127.0.0.1:{port}/score (pid {old})."
                in " ".join(broken.stderr.split()))
        assert _serve_json(repo)["pid"] == old and _answers(port)
        assert requests.post(f"http://127.0.0.1:{port}/score", json={"data": [2]}, timeout=10).status_code == 200
        # A redeploy that starts: the old one stops only then, and the new one serves on the same port.
        score.write_text(working)
        replaced = cli("serve", "--detach", "--replace", "--model-dir", "outputs", cwd=repo)
        assert replaced.exit_code == 0, replaced.output
        assert f"Stopped outputs (pid {old})." in replaced.stdout
        new = _serve_json(repo)["pid"]
        assert new != old and _answers(port) and _listening_on(port) == {"127.0.0.1"}
        with pytest.raises(ProcessLookupError):
            os.kill(old, 0)
    finally:
        cli("serve", "--stop", cwd=repo)
    assert not _answers(port)
