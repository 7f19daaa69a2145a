"""Times as the coach tools read and show them: one reading, one wording, for report and dashboard."""

from __future__ import annotations

import datetime as dt

from ohcheck.i18n import t


def parse_time(text: str | None) -> dt.datetime | None:
    """An attempt's ISO time, in UTC; None when it is not one (a hand-edited bundle, say)."""
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def duration_text(delta: dt.timedelta) -> str:
    """A duration as people say it, in the chosen language: `45 min`, `2 h 30 min`, `1 d 3 h 05 min`
    (`45 分`, `2 時間 30 分`, `1 日 3 時間 05 分`)."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return t("{days} d {hours} h {minutes:02d} min", days=days, hours=hours, minutes=minutes)
    if hours:
        return t("{hours} h {minutes:02d} min", hours=hours, minutes=minutes)
    return t("{minutes} min", minutes=minutes)
