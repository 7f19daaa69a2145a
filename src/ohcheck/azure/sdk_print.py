"""What azure-ai-ml prints, sent to the log: stdout is the `--json` document's.

The SDK's schedule operations print (to stdout) each schedule they cannot parse and leave
it out; the azure target and `ohcheck event teardown` both list schedules.
"""

from __future__ import annotations

import logging
from typing import Any


def log_print(*args: Any, **_: Any) -> None:
    """A stand-in for print(): the words go to the `ohcheck.azure` log at debug level."""
    logging.getLogger("ohcheck.azure").debug(" ".join(str(a) for a in args))


def schedule_prints_to_log() -> None:
    """Send what the SDK's schedule operations print to the log instead of stdout. Process-wide and idempotent."""
    from azure.ai.ml.operations import _schedule_operations

    _schedule_operations.print = log_print  # type: ignore[attr-defined]
