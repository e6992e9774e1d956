"""Mandarin date expressions: 今天, 明天, 下周一, 这周五, 上个月, 今年, 最近三个月, 5月1号, 2024年5月1日, 3月份."""

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
from services.voice.domain.nlu.numbers import parse_chinese_number

_NUM = r"[0-9]{1,4}|[零一二两三四五六七八九十]{1,3}"
RELATIVE_DAYS = {
    "大前天": -3,
    "前天": -2,
    "昨天": -1,
    "昨日": -1,
    "昨儿": -1,
    "今天": 0,
    "今日": 0,
    "今儿": 0,
    "当天": 0,
    "明天": 1,
    "明日": 1,
    "明儿": 1,
    "大后天": 3,
    "后天": 2,
}
WEEKDAYS = {
    "一": 0,
    "1": 0,
    "二": 1,
    "2": 1,
    "三": 2,
    "3": 2,
    "四": 3,
    "4": 3,
    "五": 4,
    "5": 4,
    "六": 5,
    "6": 5,
    "日": 6,
    "天": 6,
    "7": 6,
    "末": 5,
}
WEEK_OFFSETS = {"上上": -2, "上": -1, "这": 0, "本": 0, "这个": 0, "下": 1, "下下": 2, "": 0}
YEAR_OFFSETS = {"前年": -2, "去年": -1, "今年": 0, "本年": 0, "明年": 1}

RELATIVE_DAY = re.compile("|".join(sorted(RELATIVE_DAYS, key=len, reverse=True)))
WEEKDAY = re.compile(r"(?P<offset>上上|下下|上|这|本|下)?个?(?:周|星期|礼拜)(?P<day>[一二三四五六日天1-7末])")
WEEK = re.compile(r"(?P<offset>上上|下下|上|这|本|下)个?(?:周|星期|礼拜)(?![一二三四五六日天1-7末])")
MONTH = re.compile(r"(?P<offset>上上|下下|上|这|本|下)个?月(?!份?[0-9零一二两三四五六七八九十])")
YEAR = re.compile("|".join(YEAR_OFFSETS))
ROLLING = re.compile(
    rf"(?:最近|近|过去|前)(?:的)?(?P<count>{_NUM}|半)?个?(?P<unit>天|日|周|星期|礼拜|月|年)(?:以?来|内|里)?"
)
FULL_DATE = re.compile(r"(?P<year>(?:19|20)\d{2})(?:年|-|/|\.)(?P<month>\d{1,2})(?:月|-|/|\.)(?P<day>\d{1,2})[日号]?")
DAY_MONTH = re.compile(rf"(?P<month>{_NUM})月(?P<day>{_NUM})[日号]")
MONTH_ONLY = re.compile(rf"(?:(?P<year>(?:19|20)\d{{2}})年)?(?P<month>{_NUM})月份?(?![0-9零一二两三四五六七八九十])")
DAY_ONLY = re.compile(rf"(?<![0-9a-z月个])(?P<day>{_NUM})[号日](?!窗|柜|楼|线)")
RANGE_CONNECTORS = ("到", "至", "-", "~", "—", "到了")
UNIT_NAMES = {"天": "day", "日": "day", "周": "week", "星期": "week", "礼拜": "week", "月": "month", "年": "year"}


def _number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    value = parse_chinese_number(text)
    return int(value) if value is not None and value == int(value) else None


def _relative_day(match: re.Match[str], today: date, prefer: Preference) -> tuple[date, date] | None:
    day = today + timedelta(days=RELATIVE_DAYS[match.group(0)])
    return day, day


def _weekday(match: re.Match[str], today: date, prefer: Preference) -> tuple[date, date] | None:
    weekday = WEEKDAYS[match["day"]]
    offset = match["offset"]
    day = upcoming_weekday(today, weekday) if offset is None else weekday_in_week(today, WEEK_OFFSETS[offset], weekday)
    return day, day


def _week(match: re.Match[str], today: date, prefer: Preference) -> tuple[date, date] | None:
    return relative_week(today, WEEK_OFFSETS[match["offset"]])


def _month(match: re.Match[str], today: date, prefer: Preference) -> tuple[date, date] | None:
    return relative_month(today, WEEK_OFFSETS[match["offset"]])


def _year(match: re.Match[str], today: date, prefer: Preference) -> tuple[date, date] | None:
    year = today.year + YEAR_OFFSETS[match.group(0)]
    return date(year, 1, 1), date(year, 12, 31)


def _rolling(match: re.Match[str], today: date, prefer: Preference) -> tuple[date, date] | None:
    unit = UNIT_NAMES[match["unit"]]
    raw_count = match["count"]
    if raw_count is None:
        if not match.group(0).startswith(("近", "最近")) or unit == "day":
            return None
        count = 1
    elif raw_count == "半":
        if unit != "year" and unit != "month":
            return None
        return rolling_window(today, 6, "month") if unit == "year" else (today - timedelta(days=15), today)
    else:
        parsed = _number(raw_count)
        if parsed is None or parsed <= 0:
            return None
        count = parsed
    return rolling_window(today, count, unit)


def _full_date(match: re.Match[str], today: date, prefer: Preference) -> tuple[date, date] | None:
    day = safe_date(int(match["year"]), int(match["month"]), int(match["day"]))
    return (day, day) if day else None


def _day_month(match: re.Match[str], today: date, prefer: Preference) -> tuple[date, date] | None:
    month, day_number = _number(match["month"]), _number(match["day"])
    if month is None or day_number is None:
        return None
    day = day_month_with_preference(today, month, day_number, prefer)
    return (day, day) if day else None


def _month_only(match: re.Match[str], today: date, prefer: Preference) -> tuple[date, date] | None:
    month = _number(match["month"])
    if month is None or not 1 <= month <= 12:
        return None
    if match["year"]:
        return month_range(int(match["year"]), month)
    return month_with_preference(today, month, prefer)


def _day_only(match: re.Match[str], today: date, prefer: Preference) -> tuple[date, date] | None:
    day_number = _number(match["day"])
    if day_number is None or not 1 <= day_number <= 31:
        return None
    day = safe_date(today.year, today.month, day_number)
    if day is not None and prefer == "future" and day < today:
        day = safe_date(today.year + (today.month == 12), today.month % 12 + 1, day_number)
    return (day, day) if day else None


PATTERNS: tuple[tuple[re.Pattern[str], Resolver], ...] = (
    (FULL_DATE, _full_date),
    (DAY_MONTH, _day_month),
    (ROLLING, _rolling),
    (WEEKDAY, _weekday),
    (WEEK, _week),
    (MONTH, _month),
    (YEAR, _year),
    (RELATIVE_DAY, _relative_day),
    (MONTH_ONLY, _month_only),
    (DAY_ONLY, _day_only),
)


def find_dates_zh(text: str, today: date, prefer: Preference = "none") -> list[DateMatch]:
    """Non-overlapping Mandarin date expressions, ranges joined (``5月1号到5月10号``)."""
    return scan_dates(PATTERNS, text, today, prefer, RANGE_CONNECTORS)
