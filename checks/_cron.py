"""Cron expressions and Azure ML recurrences: are they valid, and how often do they fire?

Both GitHub Actions (`on.schedule[].cron`) and Azure ML schedules (`trigger.type:
cron`) take the classic five fields, `minute hour day-of-month month day-of-week`,
with `*`, `,`, `-`, `/` and month or day names; neither takes croniter's own
extensions (`@daily`, `L`, `#`, `?`, a seconds or a year field), so those are
refused here before croniter checks the ranges.

How often: the shortest gap between the next firings, computed with croniter
from a fixed instant (the same answer on every machine, every day).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from itertools import pairwise

from ohcheck import Msg, msg, msg_n

FIRINGS = 48  # enough to see the shortest gap of any sensible schedule, weekly ones included
_START = dt.datetime(2025, 1, 1)  # a fixed instant: the answer must not depend on when ohcheck runs
_NAMES = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
          "sun", "mon", "tue", "wed", "thu", "fri", "sat"}
_FIELD = re.compile(r"^[A-Za-z0-9*,/\-]+$")
FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")
_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))  # 7 is Sunday too, as in POSIX cron

# Azure ML recurrences: minutes per unit of `frequency`. A month counts as its shortest, 28 days.
_MINUTES = {"minute": 1, "hour": 60, "day": 1440, "week": 10080, "month": 28 * 1440}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Firing:
    """How often a schedule fires: the shortest gap between two firings."""

    gap: dt.timedelta

    @property
    def minutes(self) -> float:
        return self.gap.total_seconds() / 60

    def describe(self) -> Msg:
        return msg("every {gap}", gap=describe_gap(self.gap)) if self.gap else msg("never twice")


def cron_problem(expression: str) -> Msg | None:
    """Why a five-field cron expression is not valid, or None if it is."""
    from croniter import croniter  # imported lazily: only challenge 05 needs it

    text = expression.strip() if isinstance(expression, str) else ""
    if not text:
        return msg("the cron expression is empty")
    if text.startswith("@"):
        return msg("'{text}' is a shortcut that neither GitHub Actions nor Azure ML accepts: write the five fields",
                   text=text)
    fields = text.split()
    if len(fields) != 5:
        return msg_n("'{text}' has {count} field; expected 5: {fields}",
                     "'{text}' has {count} fields; expected 5: {fields}", len(fields), text=text, count=len(fields),
                     fields=" ".join(FIELDS))
    for name, field, (low, high) in zip(FIELDS, fields, _RANGES):
        words = {w.lower() for w in re.findall(r"[A-Za-z]+", field)}
        if not _FIELD.match(field) or words - _NAMES:
            return msg("'{text}': the {name} field '{field}' is not valid (use numbers, names, *, ',', '-' and '/')",
                       text=text, name=name, field=field)
        # Step sizes (after '/') are not values: only the values must be in range.
        values = [int(v) for part in field.split(",") for v in re.findall(r"\d+", part.split("/")[0])]
        if any(not low <= v <= high for v in values):
            return msg("'{text}': the {name} field '{field}' is out of range ({low}-{high})",
                       text=text, name=name, field=field, low=low, high=high)
    if not croniter.is_valid(text):
        return msg("'{text}' is not a valid cron expression (a value out of range?)", text=text)
    return None


def cron_firing(expression: str) -> Firing | None:
    """The shortest gap between the next FIRINGS firings; None if it never fires (30 February)."""
    from croniter import CroniterBadDateError, croniter

    try:
        times = croniter(expression, _START)
        fired = [times.get_next(dt.datetime) for _ in range(FIRINGS)]
    except CroniterBadDateError:
        return None
    return Firing(min(b - a for a, b in pairwise(fired)))


def azureml_effective_cron(expression: str) -> str:
    """The cron Azure ML runs: it documents that it ignores the day-of-month and month fields (read as *)."""
    fields = expression.split()
    if len(fields) != 5:
        return expression
    return " ".join([fields[0], fields[1], "*", "*", fields[4]])


def recurrence_problem(frequency: object, interval: object, pattern: object) -> Msg | None:
    """Why an Azure ML recurrence (frequency, interval, optional schedule pattern) is not valid."""
    if not isinstance(frequency, str) or frequency.lower() not in _MINUTES:
        return msg("frequency {frequency!r} is not one of {allowed}", frequency=frequency, allowed=list(_MINUTES))
    if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
        return msg("interval {interval!r} is not a whole number of {unit}s, 1 or more",
                   interval=interval, unit=frequency.lower())
    if pattern in (None, {}):
        return None
    if not isinstance(pattern, dict):
        return msg("schedule must be a mapping of hours, minutes and week_days")
    for key, low, high in (("hours", 0, 23), ("minutes", 0, 59)):
        values = _as_list(pattern.get(key))
        bad = [v for v in values if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high]
        if bad:
            return msg("schedule.{field} {value!r} is not a whole number from {low} to {high}",
                       field=key, value=bad[0], low=low, high=high)
    days = _as_list(pattern.get("week_days", pattern.get("weekdays")))
    bad_days = [d for d in days if not isinstance(d, str) or d.lower() not in WEEKDAYS]
    if bad_days:
        return msg("schedule.week_days {day!r} is not a day name (monday ... sunday)", day=bad_days[0])
    return None


def recurrence_firing(frequency: str, interval: int, pattern: dict | None) -> Firing:
    """The shortest gap of a valid recurrence: its period, or less when its pattern fires more often."""
    unit = frequency.lower()
    period = _MINUTES[unit] * interval
    if not pattern or unit not in ("day", "week", "month"):
        return Firing(dt.timedelta(minutes=period))  # Azure ML reads a pattern only for days, weeks and months
    # The pattern fires at hours x minutes on each of its week days: lay those instants
    # out on one cycle and take the closest two, the wrap to the next cycle included.
    hours = _as_list(pattern.get("hours")) or [0]
    minutes = _as_list(pattern.get("minutes")) or [0]
    times = {h * 60 + m for h in hours for m in minutes}
    days = [WEEKDAYS.index(d.lower()) for d in _as_list(pattern.get("week_days", pattern.get("weekdays")))]
    if days and unit in ("week", "month"):
        instants = sorted({d * 1440 + t for d in days for t in times})
        cycle = period if unit == "week" else _MINUTES["week"]  # a monthly pattern's week days recur weekly
    else:
        instants, cycle = sorted(times), period
    gaps = [b - a for a, b in pairwise(instants)] + [cycle - instants[-1] + instants[0]]
    return Firing(dt.timedelta(minutes=min(gaps)))


def describe_gap(gap: dt.timedelta) -> Msg:
    """A gap as people say it: 5 minutes, 2 hours, 7 days."""
    minutes = int(gap.total_seconds() // 60)
    for unit, size in (("day", 1440), ("hour", 60)):
        if minutes >= size and minutes % size == 0:
            return count_of(minutes // size, unit)
    return count_of(minutes, "minute")


UNITS = ("minute", "hour", "day", "week", "month")


def count_of(count: object, unit: str) -> Msg:
    """`count` of a unit of time (one of UNITS), as in "10 minutes": a template per unit and number,
    so that each language says it its own way."""
    if unit == "minute":
        return msg_n("{count} minute", "{count} minutes", count, count=count)
    if unit == "hour":
        return msg_n("{count} hour", "{count} hours", count, count=count)
    if unit == "day":
        return msg_n("{count} day", "{count} days", count, count=count)
    if unit == "week":
        return msg_n("{count} week", "{count} weeks", count, count=count)
    if unit == "month":
        return msg_n("{count} month", "{count} months", count, count=count)
    raise ValueError(f"not a unit of time: {unit!r}")


def _as_list(value: object) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
