"""Ctrl-C, SIGTERM and SIGHUP stop a long-running command in the foreground (`ohcheck serve`,
`ohcheck coach dashboard --serve`), however it was started.

A job started in the background (`ohcheck ... &`, a CI step, a test runner's child) inherits SIGINT as
*ignored*, and Python then installs no KeyboardInterrupt handler: Ctrl-C would do nothing and only
SIGKILL would end the server. So the handlers are installed here, each raising KeyboardInterrupt, and
the previous ones put back on the way out.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def stopping_signals() -> Iterator[None]:
    """Within: SIGINT, SIGTERM and SIGHUP raise KeyboardInterrupt (in the main thread; elsewhere: no change)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may install handlers (in-process tests run commands in threads too)
        return
    wanted = [signal.SIGINT, signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    previous = {sig: signal.signal(sig, _interrupt) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def ending_children_with_ohcheck() -> None:
    """SIGTERM (`kill`, a CI job cancelled) and SIGHUP (the terminal closed) end what ohcheck started too.

    Every child runs in a process group of its own (ohcheck.children), so these signals, sent to ohcheck
    or to the terminal's group, no longer reach it; left at their default, they would end ohcheck without
    its exit handlers and leave a team's score.py or a pipeline step running. A signal already ignored
    (`nohup`) stays ignored; the long-running commands put `stopping_signals` over these while they run.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None and signal.getsignal(sig) is signal.SIG_DFL:
            signal.signal(sig, _end_with_children)


def _end_with_children(signum: int, frame: object) -> None:
    from ohcheck import children

    children.end_all()
    raise SystemExit(128 + signum)
