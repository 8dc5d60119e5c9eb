"""Lead time in weeks: parse the free-text note ("3 to 6 months") and read a record's structured access.leadTimeWeeks.

A lead time is (min_weeks, max_weeks). max_weeks is None when the text gives no upper bound ("6 months or more").
Months become weeks at 52/12 a month, the minimum rounded down and the maximum rounded up, so a plan never promises
access sooner than the text does.
"""
from __future__ import annotations

import math
import re

WEEKS_PER = {"day": 1 / 7, "week": 1.0, "month": 52 / 12, "year": 52.0}
_NUMBER = r"(\d+(?:\.\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve)"
_UNIT = r"(days?|weeks?|months?|years?)"
_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "twelve": 12}
_AMOUNT = re.compile(rf"(about|around|approximately|up to|within|less than|less|under|at least|over|more than|more)?\s*{_NUMBER}\s*"
                     rf"(?:(?:to|-|–|—|and)\s*{_NUMBER}\s*)?{_UNIT}\b(\s*(?:or more|\+|or longer))?")
UPPER_BOUND_ONLY = ("up to", "within", "less than", "less", "under")  # "LESS 1 WEEK" (HDR UK): 0 to 1 week
LOWER_BOUND_ONLY = ("at least", "over", "more than", "more")  # "MORE 6 MONTHS" (HDR UK): 26 weeks, no upper bound
_IMMEDIATE = re.compile(r"^\s*(immediate(ly)?|instant(ly)?|same day|none|no wait)\b")


def _number(text: str) -> float:
    return float(_WORDS.get(text, text)) if text in _WORDS else float(text)


def _weeks(amount: float, unit: str) -> float:
    return amount * WEEKS_PER[unit.rstrip("s")]


def parse_lead_time(text: str | None) -> tuple[int, int | None] | None:
    """(min_weeks, max_weeks) from free text such as "3 to 6 months" or "2 weeks"; None when it cannot tell.

    Several spans ("2 weeks (EUL) to 3 months (Special Licence)", "2 to 4 weeks for ...; about 3 months for ...")
    give the shortest start and the longest end. Remarks after a comma ("including DWP and HMRC sign-off") are ignored.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    lowered = text.casefold()
    if _IMMEDIATE.match(lowered):
        return 0, 0
    spans = list(_AMOUNT.finditer(lowered))
    if not spans:
        return None
    lows, highs, open_ended = [], [], False
    for span in spans:
        prefix, first, second, unit, more = span.groups()
        low = _weeks(_number(first), unit)
        high = _weeks(_number(second), unit) if second else low
        lows.append(0 if prefix in UPPER_BOUND_ONLY else min(low, high))
        highs.append(max(low, high))
        open_ended = open_ended or bool(more) or prefix in LOWER_BOUND_ONLY
    low_weeks = math.floor(min(lows) + 1e-9)
    high_weeks = None if open_ended else math.ceil(max(highs) - 1e-9)
    return low_weeks, high_weeks


def record_lead_time(record: dict) -> tuple[int, int | None] | None:
    """A record's structured access.leadTimeWeeks as (min, max), or None when absent or malformed."""
    access = record.get("access") if isinstance(record, dict) else None
    weeks = access.get("leadTimeWeeks") if isinstance(access, dict) else None
    if not isinstance(weeks, dict):
        return None
    low, high = weeks.get("min"), weeks.get("max")
    if not _whole(low) or (high is not None and (not _whole(high) or high < low)):
        return None
    return low, high


def effective_lead_time(record: dict) -> tuple[int, int | None] | None:
    """access.leadTimeWeeks when recorded, else parsed from the access.leadTime text; None when neither says."""
    structured = record_lead_time(record)
    if structured is not None:
        return structured
    access = record.get("access") if isinstance(record, dict) else None
    return parse_lead_time(access.get("leadTime")) if isinstance(access, dict) else None


def describe_weeks(weeks: tuple[int, int | None]) -> str:
    """ "13 to 26 weeks", "26 weeks or more", "No wait". """
    low, high = weeks
    if high is None:
        return f"{low} weeks or more"
    if low == high == 0:
        return "No wait"
    if low == high:
        return f"{low} week" + ("" if low == 1 else "s")
    return f"{low} to {high} weeks"


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
