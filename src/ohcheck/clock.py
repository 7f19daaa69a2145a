"""The one clock ohcheck reads: every "now" (a verify's start, a collect's record, the dashboard's "so far",
a sign-off) asks `now()` here, so a test sets the time once (`monkeypatch.setattr(clock, "now", ...)`)
instead of sleeping, and every part of a multi-hour scenario agrees on what time it is."""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    """The current time, in UTC."""
    return dt.datetime.now(dt.timezone.utc)


def now_text() -> str:
    """The current time as ohcheck stores it: ISO 8601, UTC, to the second."""
    return now().isoformat(timespec="seconds")
