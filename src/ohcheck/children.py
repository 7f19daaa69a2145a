"""The processes ohcheck starts end with it: each in a process group of its own, ended whole.

`subprocess.run(timeout=...)` kills only the process it started: a team's
`score.py` run through the harness, a pipeline step's `bash -c "python train.py"`
(and the python under it) or `git clone` (and git-remote-https) keep running.
And when ohcheck exits while a criterion it gave up on (timed out) still waits
on its child, nothing ends the child at all: a spinning score.py kept a core
busy after `verify 01 --timeout 5` had returned.

`run` is subprocess.run with the child in a new session (its own process
group, so the group is the child and everything it starts), and the group is
ended (SIGTERM, then SIGKILL after GRACE seconds) on a timeout, on Ctrl-C or
any other exception, and at ohcheck's exit for every child still running.
A child that finished normally is left alone, and so is what it detached
into a session of its own (`ohcheck serve --detach` in a pipeline step).
Because the child has its own group, Ctrl-C at the terminal reaches only
ohcheck, which ends the child's group itself.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from typing import Any

GRACE = 3.0  # seconds between SIGTERM and SIGKILL

_running: dict[int, subprocess.Popen] = {}
_lock = threading.Lock()


def run(command: Sequence[str], *, timeout: float | None = None, input: Any = None, **popen: Any
        ) -> subprocess.CompletedProcess:
    """subprocess.run(command, timeout=..., input=..., capture_output/stdout/stderr/text/cwd/env=...) whose
    child and all it starts end on a timeout (TimeoutExpired is raised), an exception, or ohcheck's exit."""
    if popen.pop("capture_output", False):
        popen["stdout"] = popen["stderr"] = subprocess.PIPE
    if input is not None:
        popen["stdin"] = subprocess.PIPE
    popen.pop("check", None)
    child = subprocess.Popen(command, start_new_session=True, **popen)
    with _lock:
        _running[child.pid] = child
    try:
        out, err = child.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        end(child)
        raise subprocess.TimeoutExpired(exc.cmd, exc.timeout) from None
    except BaseException:
        end(child)
        raise
    finally:
        with _lock:
            _running.pop(child.pid, None)
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def end(child: subprocess.Popen) -> None:
    """End the child's process group: SIGTERM, then SIGKILL for what is left after GRACE seconds."""
    _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + GRACE
    while child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    # Its children may outlive it: the group is killed whether or not the leader has gone.
    _signal_group(child, getattr(signal, "SIGKILL", signal.SIGTERM))
    try:
        child.communicate(timeout=GRACE)  # reap it and close its pipes
    except (subprocess.TimeoutExpired, ValueError, OSError):
        pass


def _signal_group(child: subprocess.Popen, sig: int) -> None:
    try:
        if hasattr(os, "killpg"):
            os.killpg(child.pid, sig)  # start_new_session: the group's id is the child's pid
        elif child.poll() is None:
            child.kill()  # Windows: no process groups to signal
    except (ProcessLookupError, PermissionError, OSError):
        pass  # the group has already gone


@atexit.register
def end_all() -> None:
    """At ohcheck's exit (and on SIGTERM/SIGHUP, see stop_signals), the children of criteria it gave up on
    (daemon threads) end too."""
    with _lock:
        left = list(_running.values())
        _running.clear()
    for child in left:
        _signal_group(child, getattr(signal, "SIGKILL", signal.SIGTERM))
