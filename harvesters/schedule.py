"""Harvest schedules: when a source is due (`catalogue harvest --due`). Pure: no store, no clock of its own.

A schedule is one of (times are UTC):
  hourly [:MM]                 every hour, at minute MM (default :00)
  daily [HH:MM]                every day at HH:MM (default 00:00)
  weekly [DAY] [HH:MM]         every week on DAY (mon ... sun, default mon) at HH:MM (default 00:00)
  every N minutes|hours|days   N after the last finished run (also: every 30m, every 6h, every 2d)
A source is due when the schedule has come round since its last finished run (any outcome: complete, partial
or failed, so a broken source is retried at its next time, not on every call), or when it has never run.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
UNITS = {"m": "minutes", "min": "minutes", "mins": "minutes", "minute": "minutes", "minutes": "minutes",
         "h": "hours", "hour": "hours", "hours": "hours", "d": "days", "day": "days", "days": "days"}
EXAMPLES = "hourly, hourly :30, daily, daily 02:00, weekly sun 03:00, every 6 hours, every 30m"
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_MINUTE = re.compile(r"^:([0-5]\d)$")
_EVERY = re.compile(r"^every\s+(\d{1,4})\s*([a-z]+)$")


class ScheduleError(ValueError):
    """A schedule text that is not one of the forms above."""


@dataclass(frozen=True)
class Schedule:
    text: str
    period: timedelta  # between occurrences (fixed times) or after the last run (intervals)
    anchor: datetime | None  # one occurrence of a fixed-time schedule; None for an interval

    def latest(self, now: datetime) -> datetime:
        """The most recent fixed time at or before now."""
        assert self.anchor is not None
        return self.anchor + self.period * ((now - self.anchor) // self.period)

    def due(self, now: datetime, last_finished: datetime | None) -> bool:
        if last_finished is None:
            return True
        if self.anchor is None:
            return now - last_finished >= self.period
        return last_finished < self.latest(now)

    def next_due(self, now: datetime, last_finished: datetime | None) -> datetime:
        """When it is (or was) next due."""
        if last_finished is None:
            return now
        if self.anchor is None:
            return last_finished + self.period
        latest = self.latest(now)
        return latest if last_finished < latest else latest + self.period


def _time(text: str | None, schedule: str) -> tuple[int, int]:
    if text is None:
        return 0, 0
    m = _TIME.match(text)
    if not m:
        raise ScheduleError(f"{schedule!r}: {text!r} is not a time of day (HH:MM, 24-hour, UTC)")
    return int(m.group(1)), int(m.group(2))


def parse(text: str) -> Schedule:
    """The schedule a text names. Raises ScheduleError, naming the forms it takes."""
    words = " ".join(text.lower().split())
    monday = datetime(2024, 1, 1, tzinfo=timezone.utc)  # a Monday
    parts = words.split(" ")
    if parts[0] == "hourly" and len(parts) <= 2:
        minute = 0
        if len(parts) == 2:
            m = _MINUTE.match(parts[1])
            if not m:
                raise ScheduleError(f"{text!r}: give the minute as :MM, e.g. 'hourly :30'")
            minute = int(m.group(1))
        return Schedule(text, timedelta(hours=1), monday.replace(minute=minute))
    if parts[0] == "daily" and len(parts) <= 2:
        hour, minute = _time(parts[1] if len(parts) == 2 else None, text)
        return Schedule(text, timedelta(days=1), monday.replace(hour=hour, minute=minute))
    if parts[0] == "weekly" and len(parts) <= 3:
        rest = parts[1:]
        day = 0
        if rest and rest[0][:3] in DAYS and not _TIME.match(rest[0]):
            day, rest = DAYS.index(rest[0][:3]), rest[1:]
        if len(rest) > 1:
            raise ScheduleError(f"{text!r}: weekly takes a day and a time, e.g. 'weekly sun 03:00'")
        hour, minute = _time(rest[0] if rest else None, text)
        return Schedule(text, timedelta(weeks=1), monday + timedelta(days=day, hours=hour, minutes=minute))
    m = _EVERY.match(words)
    if m and m.group(2) in UNITS and int(m.group(1)) > 0:
        return Schedule(text, timedelta(**{UNITS[m.group(2)]: int(m.group(1))}), None)
    raise ScheduleError(f"{text!r} is not a schedule; use one of: {EXAMPLES} (times in UTC)")
