"""Property tests of the voice NLU's amount and date slot parsers (pure functions)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from services.voice.domain.nlu.amounts import find_amounts
from services.voice.domain.nlu.dates_en import find_dates_en
from services.voice.domain.nlu.dates_zh import find_dates_zh
from services.voice.domain.nlu.numbers import parse_chinese_number

FAST = settings(max_examples=150, deadline=None)
DIGIT_CHARS = "零一二三四五六七八九"
UNITS = ((1000, "千"), (100, "百"), (10, "十"))
days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2060, 12, 31))


def chinese_below_10000(n: int) -> str:
    """Formal Mandarin reading: 3502 -> 三千五百零二, 3050 -> 三千零五十, 10 -> 十."""
    if n == 0:
        return "零"
    out, zero_pending = "", False
    for unit, char in UNITS:
        digit = n // unit % 10
        if digit:
            if zero_pending:
                out += "零"
            if not (unit == 10 and digit == 1 and not out):
                out += DIGIT_CHARS[digit]
            out += char
            zero_pending = False
        elif out:
            zero_pending = True
    if n % 10:
        out += ("零" if zero_pending else "") + DIGIT_CHARS[n % 10]
    return out


@FAST
@given(st.integers(1, 9999))
def test_chinese_numerals_below_ten_thousand(n: int) -> None:
    assert parse_chinese_number(chinese_below_10000(n)) == n, chinese_below_10000(n)


@FAST
@given(st.integers(1, 9999), st.integers(1, 9999))
def test_chinese_numerals_with_wan(high: int, low: int) -> None:
    text = chinese_below_10000(high) + "万" + ("零" if low < 1000 else "") + chinese_below_10000(low)
    assert parse_chinese_number(text) == high * 10_000 + low, text


@FAST
@given(st.integers(1, 10**9))
def test_arabic_amount_with_currency(n: int) -> None:
    for text in (f"转账{n}元", f"transfer ¥{n:,} please", f"取{n}块钱"):
        found = find_amounts(text, accept_bare=False)
        assert [a.value for a in found] == [Decimal(n)], text


@FAST
@given(st.text(max_size=80), st.booleans())
def test_find_amounts_never_raises_and_spans_are_ordered(text: str, bare: bool) -> None:
    found = find_amounts(text.lower(), accept_bare=bare)
    for a, b in itertools.pairwise(found):
        assert a.end <= b.start
    for match in found:
        assert 0 <= match.start < match.end <= len(text.lower()) and match.value > 0


@FAST
@given(days, days)
def test_full_chinese_date(day: dt.date, today: dt.date) -> None:
    text = f"查{day.year}年{day.month}月{day.day}日的流水"
    found = find_dates_zh(text, today)
    assert [(m.first, m.last) for m in found] == [(day, day)], text


@FAST
@given(days, days)
def test_iso_date_in_english(day: dt.date, today: dt.date) -> None:
    found = find_dates_en(f"statement for {day.isoformat()} please", today)
    assert [(m.first, m.last) for m in found] == [(day, day)]


@FAST
@given(st.text(max_size=60), days)
def test_date_finders_never_raise_and_ranges_are_ordered(text: str, today: dt.date) -> None:
    for prefer in ("past", "future", "none"):
        for match in (*find_dates_zh(text, today, prefer), *find_dates_en(text.lower(), today, prefer)):
            assert match.first <= match.last
