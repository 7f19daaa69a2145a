"""Which errors are worth another try, and how long the server asked us to wait.

A connection that dropped, a timeout, HTTP 429 and 5xx are transient: the
runner retries them a bounded number of times, honouring Retry-After. This
module recognises them from requests and azure-core without importing either
(both are heavy, and a check may never touch them).
"""

from __future__ import annotations

import email.utils
import time
from typing import Any

TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class TransientError(Exception):
    """Raised by ohcheck's own code for a failure worth retrying."""

    def __init__(self, message: str, *, retry_after: float | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


def status_of(exc: BaseException) -> int | None:
    """The HTTP status an exception carries, if any (requests, azure-core, ours)."""
    for attr in ("status_code", "status"):
        value = getattr(exc, attr, None)
        if isinstance(value, int):
            return value
    response = getattr(exc, "response", None)
    value = getattr(response, "status_code", None)
    return value if isinstance(value, int) else None


def is_transient(exc: BaseException) -> bool:
    """True for errors that may well go away if we try again shortly."""
    if isinstance(exc, TransientError):
        return True
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    names = {cls.__name__ for cls in type(exc).__mro__}
    module = type(exc).__module__
    if module.startswith("requests") and names & {"ConnectionError", "Timeout", "ChunkedEncodingError"}:
        return True
    if module.startswith("azure") and names & {"ServiceRequestError", "ServiceResponseError"}:
        return True
    status = status_of(exc)
    return status in TRANSIENT_STATUS


def retry_after(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait (Retry-After / retry-after-ms), if it said."""
    explicit = getattr(exc, "retry_after", None)
    if isinstance(explicit, (int, float)):
        return float(explicit)
    response = getattr(exc, "response", None)
    headers: Any = getattr(response, "headers", None)
    if not headers:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("x-ms-retry-after-ms", 0.001), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw is None:
            continue
        seconds = parse_retry_after(str(raw))
        if seconds is not None:
            return seconds * scale
    return None


def parse_retry_after(raw: str, now: float | None = None) -> float | None:
    """Parse a Retry-After value: delta-seconds or an HTTP date."""
    raw = raw.strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
