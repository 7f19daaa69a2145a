"""The record of the server `ohcheck serve` runs for a repo, and what holds a port: read by both sides.

`ohcheck serve` (local/serve.py) writes `.ohcheck/serve.json` and starts and stops the server; the
local target (targets/local.py) only reads what runs, to score it and say what it serves. Both read
through this module, so neither imports the other's side.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ohcheck.i18n import Msg, msg
from ohcheck.store import STORE_DIR

STATE_NAME = "serve.json"


@dataclass(frozen=True)
class Served:
    pid: int
    url: str  # the scoring URL
    model: str  # what is served: "name:version", or the folder given
    model_dir: str
    started: str


@dataclass(frozen=True)
class Holder:
    """What listens on a port: a process of this repo's server, an inference server started otherwise, or else."""

    pid: int | None  # None: the system would not say (another user's process)
    name: str
    ours: bool  # a process of this repo's `ohcheck serve` (its environment says so)
    inference: bool  # azmlinfsrv (Azure ML's inference server), whoever started it

    def said(self) -> Msg:
        if self.pid is None:
            return msg("a program ohcheck may not look at (another user's)")
        return msg("{name} (pid {pid})", name=self.name, pid=self.pid)


# Every process of a repo's server (gunicorn's master and workers, whatever score.py starts) inherits this
# variable: how `--status`/`--stop` know a leftover is this repo's (its master gone, a worker keeps the port).
OWNER_ENV = "OHCHECK_SERVE_REPO"


def state_path(repo_root: Path) -> Path:
    return repo_root / STORE_DIR / STATE_NAME


def running(repo_root: Path) -> Served | None:
    """The server `ohcheck serve` left running for this repo, if its master still runs."""
    path = state_path(repo_root)
    try:
        served = Served(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    # The record's pid must still be an inference server (not a pid the system has given to something
    # else since). It need not carry this very path: a repo moved or copied while its server runs is
    # still served by it at the same scoring URL.
    return served if is_alive(served.pid) and _a_server(served.pid) is not False else None


def port_of(scoring_url: str) -> int:
    parts = urlsplit(scoring_url)
    try:
        return parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # a port that is not a number: the URL's own problem, said where it is used
        return 0


def health_url(scoring_url: str) -> str:
    """azmlinfsrv answers its liveness probe at the server's root."""
    parts = urlsplit(scoring_url)
    return f"{parts.scheme}://{parts.netloc}/"


def port_holder(repo_root: Path, port: int) -> Holder | None:
    """What listens on `port` on this machine, if anything (psutil: /proc on Linux)."""
    import psutil

    try:
        listening = [c for c in psutil.net_connections("inet")
                     if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port]
    except psutil.AccessDenied:  # macOS lists every process's sockets to root only: look at ours one by one
        listening = []
        for process in psutil.process_iter():
            with contextlib.suppress(psutil.Error):
                listening += [c._replace(pid=process.pid) for c in process.net_connections("inet")
                              if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port]
    if not listening:
        return None if not _port_in_use(port) else Holder(None, "", False, False)
    pid = next((c.pid for c in listening if c.pid), None)
    if pid is None:
        return Holder(None, "", False, False)
    try:
        process = psutil.Process(pid)
        name = process.name()
        command = " ".join(process.cmdline())
    except psutil.Error:
        return Holder(pid, "?", False, False)
    inference = "azureml_inference_server_http" in command or "azmlinfsrv" in command
    return Holder(pid, name, bool(_ours(pid, repo_root)), inference)


def _a_server(pid: int) -> bool | None:
    """Whether a process is an inference server `ohcheck serve` started (for any repo) or azmlinfsrv; None
    when the system will not say."""
    import psutil

    try:
        process = psutil.Process(pid)
        if OWNER_ENV in process.environ():
            return True
        command = " ".join(process.cmdline())
        return "azmlinfsrv" in command or "azureml_inference_server_http" in command
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:
        return None


def _ours(pid: int, repo_root: Path) -> bool | None:
    """Whether a process belongs to this repo's server; None when the system will not say."""
    import psutil

    try:
        process = psutil.Process(pid)
        if process.environ().get(OWNER_ENV) == str(repo_root.resolve()):
            return True
        # A server an earlier ohcheck started carries no mark: azmlinfsrv running in this repo is this repo's.
        command = " ".join(process.cmdline())
        return ("azmlinfsrv" in command or "azureml_inference_server_http" in command) and \
            Path(process.cwd()).resolve().is_relative_to(repo_root.resolve())
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:
        return None


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
