"""Which errors are worth another try, and how long the server asked us to wait.

A connection that dropped, a timeout, HTTP 429 and 5xx are transient: the
runner retries them a bounded number of times, honouring Retry-After. This
module recognises them from requests and azure-core without importing either
(both are heavy, and a check may never touch them).
"""

from __future__ import annotations

import email.utils
import os
import time
from dataclasses import dataclass
from typing import Any

TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})
# Multiplies every back-off wait below (not what a Retry-After asks): for ohcheck's own tests only,
# which inject faults on every route and cannot wait seconds for each. Unset for users.
RETRY_SCALE_ENV = "OHCHECK_RETRY_SCALE"


def retry_scale() -> float:
    """The factor on back-off waits: 1, unless ohcheck's tests shortened them (OHCHECK_RETRY_SCALE)."""
    try:
        return max(0.0, float(os.environ.get(RETRY_SCALE_ENV, "1")))
    except ValueError:
        return 1.0


@dataclass(frozen=True)
class RetryPolicy:
    """How every Azure request is retried (the SDK's routes, listKeys, scoring): one bounded policy.

    Azure answers throttling with 429 and `Retry-After` in seconds ("When you reach the limit, you
    receive the HTTP status code 429 Too many requests. The response includes a Retry-After value,
    which specifies the number of seconds your application should wait": Azure Resource Manager,
    "Request limits and throttling", learn.microsoft.com/azure/azure-resource-manager/management/
    request-limits-and-throttling), and some services send it with 503 too. A wait it asks
    for up to `longest_wait` is honoured; a longer one is not waited out: the request is throttled,
    and said so at once, rather than running into the criterion's time limit.
    """

    retries: int = 3  # after the first try: 4 tries in all
    backoff: float = 0.5  # the first retry is at once, then backoff * 2, * 4 ... (azure-core's rule)
    longest_backoff: float = 8.0
    longest_wait: float = 30.0  # the longest Retry-After honoured

    def backoff_before(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (1, 2, ...) when the server asked for nothing."""
        if retry <= 1:
            return 0.0
        return min(self.longest_backoff, self.backoff * 2 ** (retry - 1)) * retry_scale()


AZURE_RETRY = RetryPolicy()


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
