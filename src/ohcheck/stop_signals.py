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
