"""Misbehaviour on demand: throttling, server errors, dropped connections and slow answers.

`FakeAzureML.inject(pattern, fault, times)` arms a fault for the next `times`
requests whose path matches `pattern` (re.search). Requests run on many
threads at once (azure-core pages and polls concurrently), so taking a fault
is done under a lock: exactly `times` requests get it, then the route is
normal again.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Fault:
    """What to do instead of (or before) answering. Build one with the class methods."""

    kind: str  # "throttle", "server_error", "drop", "slow"
    status: int = 0
    retry_after: float | None = None
    seconds: float = 0.0

    @classmethod
    def throttle(cls, retry_after: float = 1) -> Fault:
        """429 Too Many Requests with `Retry-After` and ARM's throttling error body."""
        return cls("throttle", status=429, retry_after=retry_after)

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        """A 5xx (500, 502, 503, 504) with the official error body."""
        if not 500 <= status <= 599:
            raise ValueError(f"server_error wants a 5xx status, not {status}")
        return cls("server_error", status=status)

    @classmethod
    def drop(cls) -> Fault:
        """Close the connection without sending any response."""
        return cls("drop")

    @classmethod
    def slow(cls, seconds: float = 5) -> Fault:
        """Answer normally, but only after `seconds`."""
        return cls("slow", seconds=seconds)


@dataclass
class Injection:
    """One armed fault. `remaining` counts down to 0 (None: for ever); `hits` counts up."""

    pattern: re.Pattern[str]
    fault: Fault
    remaining: int | None
    hits: int = 0


@dataclass
class FaultPlan:
    """The armed faults, consulted once per request, oldest first."""

    injections: list[Injection] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, pattern: str, fault: Fault, times: int | None = 1) -> Injection:
        if times is not None and times < 1:
            raise ValueError("times must be at least 1, or None for every request")
        injection = Injection(re.compile(pattern), fault, times)
        with self._lock:
            self.injections.append(injection)
        return injection

    def take(self, path: str) -> Fault | None:
        """The fault this request gets, if any; uses up one of its `times`."""
        with self._lock:
            for injection in self.injections:
                if injection.remaining == 0 or not injection.pattern.search(path):
                    continue
                injection.hits += 1
                if injection.remaining is not None:
                    injection.remaining -= 1
                return injection.fault
        return None

    def clear(self) -> None:
        with self._lock:
            self.injections.clear()
