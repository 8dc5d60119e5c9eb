"""The one clock: aware UTC datetimes, and naive ones (as SQLite returns them) read as UTC."""
from __future__ import annotations

from datetime import datetime, timezone


def utc_now() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """value with UTC as its zone if it has none (SQLite drops it); None stays None."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)
