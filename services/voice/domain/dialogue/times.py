"""A time of day the customer said (上午十点半, 下午3点, 10:30, 3pm) as ``HH:MM``: the appointment's slot.

Pure. Returns the span it was read from too, so the caller can take it out of the text before reading an
amount (``10点`` is a time, never 10 yuan).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

ZH_DIGITS: Final = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_NUMBER = r"[0-9]{1,2}|[零一二两三四五六七八九十]{1,3}"
ZH_TIME: Final = re.compile(
    rf"(?P<part>上午|早上|早晨|中午|下午|傍晚|晚上)?\s*(?P<hour>{_ZH_NUMBER})\s*(?:点钟?|點|时|:|：)\s*"
    rf"(?P<minute>半|一刻|三刻|{_ZH_NUMBER})?\s*分?(?![万千百元块零一二两三四五六七八九十0-9.])"
)
EN_TIME: Final = re.compile(
    r"\b(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<part>a\.?m\.?|p\.?m\.?|o'?clock)(?![a-z])"
    r"|\b(?P<hour24>\d{1,2}):(?P<minute24>\d{2})\b",
    re.IGNORECASE,
)
AFTERNOON: Final = frozenset({"下午", "傍晚", "晚上"})


@dataclass(frozen=True)
class SaidTime:
    value: str  # HH:MM
    start: int
    end: int


def zh_number(text: str) -> int | None:
    """``十`` 10, ``十一`` 11, ``二十三`` 23, ``9`` 9; None when it is not a number of up to two digits."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return ZH_DIGITS.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    high = ZH_DIGITS.get(tens, -1) if tens else 1
    low = ZH_DIGITS.get(ones, -1) if ones else 0
    return None if high < 0 or low < 0 else high * 10 + low


def _minutes(text: str | None) -> int | None:
    if not text:
        return 0
    named = {"半": 30, "一刻": 15, "三刻": 45}.get(text)
    return named if named is not None else zh_number(text)


def _clock(hour: int | None, minute: int | None, afternoon: bool, noon: bool) -> str | None:
    if hour is None or minute is None:
        return None
    if (afternoon and hour < 12) or (noon and hour < 6):
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return f"{hour:02d}:{minute:02d}"


def find_time(text: str) -> SaidTime | None:
    """The first time of day in ``text``, or None."""
    zh = ZH_TIME.search(text)
    if zh:
        part = zh.group("part") or ""
        value = _clock(zh_number(zh.group("hour")), _minutes(zh.group("minute")), part in AFTERNOON, part == "中午")
        if value:
            return SaidTime(value, zh.start(), zh.end())
    en = EN_TIME.search(text)
    if en:
        if en.group("hour24"):
            value = _clock(int(en.group("hour24")), int(en.group("minute24")), False, False)
        else:
            part = en.group("part").lower().replace(".", "")
            hour = int(en.group("hour"))
            if part == "am" and hour == 12:
                hour = 0
            value = _clock(hour, int(en.group("minute") or 0), part == "pm", False)
        if value:
            return SaidTime(value, en.start(), en.end())
    return None
