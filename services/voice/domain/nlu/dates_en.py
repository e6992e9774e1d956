"""English date expressions: today, tomorrow, next Monday, on Friday, last month, this week,
the past 3 months, May 3rd, 3 May 2024, 2024-05-03, in March, from May 1 to May 10."""

from __future__ import annotations

import re
from datetime import date, timedelta

from services.voice.domain.nlu.dates import (
    DateMatch,
    Preference,
    Resolver,
    day_month_with_preference,
    month_range,
    month_with_preference,
    relative_month,
    relative_week,
    rolling_window,
    safe_date,
    scan_dates,
    upcoming_weekday,
    weekday_in_week,
)
from services.voice.domain.nlu.numbers import ENGLISH_UNITS

WEEKDAYS = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
    "weekend": 5,
}
MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
RELATIVE_DAYS = {
    "the day before yesterday": -2,
    "day before yesterday": -2,
    "yesterday": -1,
    "today": 0,
    "tonight": 0,
    "this morning": 0,
    "this afternoon": 0,
    "the day after tomorrow": 2,
    "day after tomorrow": 2,
    "tomorrow": 1,
    "tmrw": 1,
    "tomorow": 1,
}
OFFSETS = {"last": -1, "previous": -1, "past": -1, "this": 0, "current": 0, "next": 1, "coming": 1, "following": 1}
UNITS = {
    "day": "day",
    "days": "day",
    "week": "week",
    "weeks": "week",
    "month": "month",
    "months": "month",
    "year": "year",
    "years": "year",
}

_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_COUNT = r"\d{1,3}|" + "|".join(sorted((w for w in ENGLISH_UNITS if len(w) > 2), key=len, reverse=True))
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"

_YEAR = r"(?P<year>(?:19|20)\d{2})"
RELATIVE_DAY = re.compile(r"(?<![a-z])(?:" + "|".join(sorted(RELATIVE_DAYS, key=len, reverse=True)) + r")(?![a-z])")
ROLLING = re.compile(
    rf"(?<![a-z])(?:the\s)?(?:last|past|previous)\s(?P<count>{_COUNT})\s(?P<unit>days?|weeks?|months?|years?)"
)
PERIOD = re.compile(
    r"(?<![a-z])(?P<offset>last|previous|this|current|next|coming|following|past)\s"
    r"(?P<unit>week|month|year)(?![a-z])"
)
WEEKDAY = re.compile(rf"(?<![a-z])(?:(?P<offset>next|this|last|coming|previous)\s)?(?P<day>{_WEEKDAY})(?![a-z])")
ISO_DATE = re.compile(r"(?P<year>(?:19|20)\d{2})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})")
MONTH_DAY = re.compile(rf"(?<![a-z])(?P<month>{_MONTH})\.?\s(?:the\s)?{_DAY}(?:,?\s{_YEAR})?(?![a-z\d])")
DAY_MONTH = re.compile(rf"(?<![a-z\d])(?:the\s)?{_DAY}\s(?:of\s)?(?P<month>{_MONTH})(?:,?\s{_YEAR})?(?![a-z])")
MONTH_ONLY = re.compile(rf"(?<![a-z])(?:(?P<lead>in|for|of|since|during)\s)?(?P<month>{_MONTH})(?:\s{_YEAR})?(?![a-z])")
RANGE_CONNECTORS = ("to", "until", "till", "through", "and", "-", "~")


def _count(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    return ENGLISH_UNITS.get(text)


def _relative_day(match: re.Match[str], today: date, prefer: Preference) -> tuple[date, date] | None:
    day = today + timedelta(days=RELATIVE_DAYS[match.group(0)])
    return day, day


def _rolling(match: re.Match[str], today: date, prefer: Preference) -> tuple[date, date] | None:
    count = _count(match["count"])
    return rolling_window(today, count, UNITS[match["unit"]]) if count else None


def _period(match: re.Match[str], today: date, prefer: Preference) -> tuple[date, date] | None:
    offset, unit = match["offset"], match["unit"]
    if offset == "past":  # "the past week": rolling window ending today
        return rolling_window(today, 1, unit)
    if unit == "week":
        return relative_week(today, OFFSETS[offset])
    if unit == "month":
        return relative_month(today, OFFSETS[offset])
    year = today.year + OFFSETS[offset]
    return date(year, 1, 1), date(year, 12, 31)


def _weekday(match: re.Match[str], today: date, prefer: Preference) -> tuple[date, date] | None:
    weekday = WEEKDAYS[match["day"]]
    offset = match["offset"]
    if offset is None or offset == "coming":
        day = upcoming_weekday(today, weekday)
    else:
        day = weekday_in_week(today, OFFSETS[offset], weekday)
    return day, day


def _explicit_date(match: re.Match[str], today: date, prefer: Preference) -> tuple[date, date] | None:
    month = MONTHS.get(match["month"]) or int(match["month"])
    day_number = int(match["day"])
    if match["year"]:
        day = safe_date(int(match["year"]), month, day_number)
    else:
        day = day_month_with_preference(today, month, day_number, prefer)
    return (day, day) if day else None


def _month_only(match: re.Match[str], today: date, prefer: Preference) -> tuple[date, date] | None:
    name = match["month"]
    if name in ("may", "mar", "jun", "sun", "dec") and not (match["lead"] or match["year"]):
        return None  # "may I ...", "mar" and friends are usually not months without a lead word
    if match["year"]:
        return month_range(int(match["year"]), MONTHS[name])
    return month_with_preference(today, MONTHS[name], prefer)


PATTERNS: tuple[tuple[re.Pattern[str], Resolver], ...] = (
    (ISO_DATE, _explicit_date),
    (MONTH_DAY, _explicit_date),
    (DAY_MONTH, _explicit_date),
    (ROLLING, _rolling),
    (RELATIVE_DAY, _relative_day),
    (PERIOD, _period),
    (WEEKDAY, _weekday),
    (MONTH_ONLY, _month_only),
)


def find_dates_en(text: str, today: date, prefer: Preference = "none") -> list[DateMatch]:
    """Non-overlapping English date expressions, ranges joined ("from May 1 to May 10")."""
    return scan_dates(PATTERNS, text, today, prefer, RANGE_CONNECTORS)
