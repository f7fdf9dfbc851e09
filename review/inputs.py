"""Parsing what a request carries (dates, periods, weeks, ids, numbers) in one place. A value that does not
parse, or lies outside what the store and date arithmetic can hold, raises BadInput naming the field; the app
answers it 400 with that message. Routes never parse these themselves, so no malformed value reaches SQL or
datetime arithmetic (where it would overflow into a 500)."""
from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import Path

from callscore.analytics import query
from callscore.store.repository import parse_day

# Periods, trends and comparisons step back and forward by weeks and months from a date: keeping dates well
# inside datetime's years 1-9999 means that arithmetic never overflows.
EARLIEST, LATEST = datetime(1900, 1, 1), datetime(2999, 12, 31)
MAX_ID = 2 ** 31 - 1  # the widest id column (INTEGER on PostgreSQL); larger numbers overflow the driver
Id = Annotated[int, Path(ge=1, le=MAX_ID)]  # a path parameter that is a record id


class BadInput(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


def name(value: str | None, field: str, limit: int = 80, required: bool = False) -> str | None:
    """A team, agent or similar name to store (the columns hold `limit` characters); None when empty."""
    value = (value or "").strip()
    if len(value) > limit or (required and not value):
        raise BadInput(field, f"1 to {limit} characters" if required else f"at most {limit} characters")
    return value or None


def _in_range(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is not None:  # the store's times are naive UTC
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    if not EARLIEST <= moment <= LATEST + timedelta(days=1):
        raise BadInput(field, f"between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}")
    return moment


def day(value: str | None, field: str, end: bool = False) -> datetime | None:
    """A date (YYYY-MM-DD) or ISO time, or None when empty; `end`: a bare date means up to the end of that day."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = parse_day(value, end=end)
    except (ValueError, OverflowError):
        raise BadInput(field, "a date, YYYY-MM-DD") from None
    return _in_range(moment, field)


def calendar_day(value: str | None, field: str) -> date:
    """A required plain date, YYYY-MM-DD."""
    try:
        parsed = date.fromisoformat((value or "").strip())
    except ValueError:
        raise BadInput(field, "a date, YYYY-MM-DD") from None
    return _in_range(datetime.combine(parsed, datetime.min.time()), field).date()


def period(period_name: str | None, label: str | None, field: str = "at") -> tuple[str, str]:
    """(period, label) of a report: day 2026-11-16, week 2026-W47 or month 2026-11; the current one by default."""
    period_name = period_name or "week"
    if period_name not in query.PERIODS:
        raise BadInput("period", f"one of {', '.join(query.PERIODS)}")
    label = (label or "").strip() or query.period_of(period_name, date.today())
    try:
        if not label.isascii():  # int() takes other scripts' digits; the label goes into headers and file names
            raise ValueError(label)
        start, _ = query.period_bounds(period_name, label)
    except (ValueError, OverflowError):
        raise BadInput(field, f"a {period_name} written like {query.PERIOD_EXAMPLES[period_name]}") from None
    _in_range(start, field)
    return period_name, label


def week(value: str | None, field: str = "week") -> str:
    return period("week", value, field)[1]


def record_id(value: str | None, field: str) -> int | None:
    """A record id from a query or form value; None when empty."""
    value = (value or "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        raise BadInput(field, "not a known id")
    return int(value)


def number(value: str | None, field: str, default: float | None = None) -> float:
    """A finite number (NaN and infinities compare false with everything, so no target could use them)."""
    value = (value or "").strip()
    if not value and default is not None:
        return default
    try:
        parsed = float(value)
    except ValueError:
        parsed = math.nan
    if not math.isfinite(parsed) or abs(parsed) > 1e12:
        raise BadInput(field, "a number")
    return parsed


def whole(value: str | None, field: str, default: int, low: int = 0, high: int = 1_000_000) -> int:
    value = (value or "").strip()
    if not value:
        return default
    if not value.isascii() or not value.lstrip("-").isdigit() or not low <= int(value) <= high:
        raise BadInput(field, f"a whole number from {low} to {high}")
    return int(value)
