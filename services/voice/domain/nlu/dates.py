"""Dates and date ranges, resolved against a given ``today`` (never the clock).

Weeks run Monday to Sunday. ``下周一`` / "next Monday" is the Monday of next week; a bare weekday
(``周五``, "on Friday") is the next such day from today (today included). ``上个月`` / "last month" is the
whole previous calendar month; ``最近三个月`` / "the last 3 months" is the rolling window ending today.
A day and month without a year take ``prefer`` into account: ``past`` moves a future date back one year
(statements), ``future`` moves a past date forward one year (appointments).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Preference = Literal["past", "future", "none"]
Resolver = Callable[[re.Match[str], date, Preference], tuple[date, date] | None]


@dataclass(frozen=True, slots=True)
class DateMatch:
    start: int
    end: int
    first: date
    last: date

    @property
    def is_range(self) -> bool:
        return self.first != self.last

    def as_slot(self) -> tuple[str, str]:
        """``("date", "2024-05-06")`` or ``("date_range", "2024-04-01/2024-04-30")`` (ISO 8601 interval)."""
        if self.is_range:
            return "date_range", f"{self.first.isoformat()}/{self.last.isoformat()}"
        return "date", self.first.isoformat()


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekday_in_week(today: date, weeks_ahead: int, weekday: int) -> date:
    return week_start(today) + timedelta(weeks=weeks_ahead, days=weekday)


def upcoming_weekday(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day))


def month_range(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def relative_month(today: date, months: int) -> tuple[date, date]:
    shifted = add_months(today.replace(day=1), months)
    return month_range(shifted.year, shifted.month)


def relative_week(today: date, weeks: int) -> tuple[date, date]:
    start = week_start(today) + timedelta(weeks=weeks)
    return start, start + timedelta(days=6)


def rolling_window(today: date, count: int, unit: str) -> tuple[date, date]:
    """The window of ``count`` units ending today (``unit`` in day, week, month, year)."""
    if unit == "day":
        return today - timedelta(days=max(count - 1, 0)), today
    if unit == "week":
        return today - timedelta(weeks=count), today
    if unit == "month":
        return add_months(today, -count), today
    return add_months(today, -12 * count), today


def safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def day_month_with_preference(today: date, month: int, day: int, prefer: Preference) -> date | None:
    """A day of a month in today's year, moved one year back or forward according to ``prefer``."""
    resolved = safe_date(today.year, month, day)
    if resolved is None:
        return None
    if prefer == "past" and resolved > today:
        return safe_date(today.year - 1, month, day)
    if prefer == "future" and resolved < today:
        return safe_date(today.year + 1, month, day)
    return resolved


def month_with_preference(today: date, month: int, prefer: Preference) -> tuple[date, date]:
    year = today.year
    if prefer == "past" and month > today.month:
        year -= 1
    if prefer == "future" and month < today.month:
        year += 1
    return month_range(year, month)


def merge_into_ranges(matches: list[DateMatch], text: str, connectors: tuple[str, ...]) -> list[DateMatch]:
    """Join ``A 到 B`` / "A to B" (any connector between two matches) into one range from A to B."""
    merged: list[DateMatch] = []
    for match in sorted(matches, key=lambda m: m.start):
        if merged:
            previous = merged[-1]
            between = text[previous.end : match.start].strip()
            if between in connectors and previous.first <= match.last:
                merged[-1] = DateMatch(previous.start, match.end, previous.first, match.last)
                continue
        merged.append(match)
    return merged


def scan_dates(
    patterns: Sequence[tuple[re.Pattern[str], Resolver]],
    text: str,
    today: date,
    prefer: Preference,
    connectors: tuple[str, ...],
) -> list[DateMatch]:
    """Try ``patterns`` in order; a later pattern never takes characters an earlier one took; join ranges."""
    taken = [False] * len(text)
    matches: list[DateMatch] = []
    for pattern, resolve in patterns:
        for match in pattern.finditer(text):
            if any(taken[match.start() : match.end()]):
                continue
            resolved = resolve(match, today, prefer)
            if resolved is None:
                continue
            matches.append(DateMatch(match.start(), match.end(), *resolved))
            taken[match.start() : match.end()] = [True] * (match.end() - match.start())
    return merge_into_ranges(matches, text, connectors)
