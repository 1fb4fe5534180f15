"""The one reader of dates and date-times a request carries (the collector's ``at``, the
changes feed's ``since``, OAI-PMH ``from``/``until``).

``datetime.fromisoformat`` and Django's ``parse_datetime`` raise ValueError or OverflowError on
dates the calendar lacks (2026-02-30, T25:61, year 0, +99:00), which ended in 500s. This reader
checks each part and says which one is wrong."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from marketplace.inputs import InputError

_ISO = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?"
    r"(?P<zone>Z|[+-]\d{2}(?::?\d{2})?)?)?",
    re.IGNORECASE | re.ASCII,
)
# Year 9999 leaves no room for the end of a day or of a range ("until 9999-12-31" is the
# first moment of year 10000), which neither Python nor the database can hold.
FIRST_YEAR, LAST_YEAR = 1, 9998
# Python's range (strictly less than a day). Real zones stay within ±14:00, but a moment with
# any such offset is still a moment: it is moved to UTC, where PostgreSQL (±15:59) takes it.
MAX_OFFSET = dt.timedelta(hours=23, minutes=59)
EXAMPLE = "2026-01-31T12:00:00Z"


def parse_datetime_input(
    text: str, *, field: str, allow_date: bool = True, require_zone: bool = False
) -> dt.datetime:
    """An ISO 8601 date (if ``allow_date``) or date-time, as an aware datetime in UTC.

    A date is its first moment; a date-time without an offset is UTC unless
    ``require_zone``. Anything else is an InputError naming ``field`` and the wrong part."""
    match = _ISO.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        kind = "a date or date-time" if allow_date else "a date-time"
        raise InputError(field, f"must be {kind} in ISO 8601, e.g. {EXAMPLE}")
    parts = match.groupdict()
    if parts["hour"] is None and not allow_date:
        raise InputError(field, f"must be a date-time with a time of day, e.g. {EXAMPLE}")
    day = _day(field, int(parts["year"]), int(parts["month"]), int(parts["day"]))
    if parts["hour"] is None:
        return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    hour, minute = int(parts["hour"]), int(parts["minute"])
    second = int(parts["second"] or 0)
    if hour > 23:
        raise InputError(field, f"hour {hour:02d} does not exist (00–23)")
    if minute > 59:
        raise InputError(field, f"minute {minute:02d} does not exist (00–59)")
    if second > 59:
        raise InputError(field, f"second {second:02d} does not exist (00–59)")
    microsecond = int((parts["fraction"] or "0")[:6].ljust(6, "0"))
    zone = _zone(field, parts["zone"], require_zone)
    moment = dt.datetime.combine(day, dt.time(hour, minute, second, microsecond), tzinfo=zone)
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:
        raise InputError(field, "is outside the calendar once moved to UTC") from None


def _day(field: str, year: int, month: int, day: int) -> dt.date:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InputError(field, f"year {year:04d} is outside {FIRST_YEAR:04d}–{LAST_YEAR}")
    if not 1 <= month <= 12:
        raise InputError(field, f"month {month:02d} does not exist (01–12)")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        name = calendar.month_name[month]
        raise InputError(field, f"{name} {year} has days 01–{days}, not {day:02d}")
    return dt.date(year, month, day)


def _zone(field: str, text: str | None, require_zone: bool) -> dt.tzinfo:
    if not text:
        if require_zone:
            raise InputError(field, "must carry a time zone (Z or +01:00)")
        return dt.UTC
    if text.upper() == "Z":
        return dt.UTC
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if minutes > 59:
        raise InputError(field, f"the time zone offset {text} has no minute {minutes}")
    offset = dt.timedelta(hours=hours, minutes=minutes)
    if offset > MAX_OFFSET:
        raise InputError(field, f"the time zone offset {text} is outside −23:59…+23:59")
    return dt.timezone(-offset if text[0] == "-" else offset)
