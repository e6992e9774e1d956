"""Numerals spoken in Mandarin and English, parsed into numbers.

Pure functions: ``parse_chinese_number("三千五百") == 3500``, ``parse_english_number("two thousand") == 2000``.
Colloquial Mandarin forms are understood: ``两千``, ``一万二`` (12,000), ``三千五`` (3,500), ``幺`` (1),
and digit-by-digit readings such as ``一二三四`` ("1234").
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

CHINESE_DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "一": 1,
    "幺": 1,
    "壹": 1,
    "二": 2,
    "两": 2,
    "贰": 2,
    "三": 3,
    "叁": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
SMALL_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
LARGE_UNITS: dict[str, int] = {"万": 10_000, "萬": 10_000, "亿": 100_000_000}
CHINESE_NUMERAL_CHARS = "".join(CHINESE_DIGITS) + "".join(SMALL_UNITS) + "".join(LARGE_UNITS) + "点"
CHINESE_NUMERAL_RUN = re.compile(f"[{CHINESE_NUMERAL_CHARS}]+")

ENGLISH_UNITS: dict[str, int] = {
    "zero": 0,
    "oh": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "a": 1,
}
ENGLISH_SCALES: dict[str, int] = {
    "hundred": 100,
    "thousand": 1000,
    "k": 1000,
    "grand": 1000,
    "million": 1_000_000,
    "m": 1_000_000,
}
ENGLISH_NUMBER_WORDS = set(ENGLISH_UNITS) | set(ENGLISH_SCALES) | {"and", "point"}


def _parse_below_10000(text: str) -> int | None:
    """``三千五百零二`` -> 3502; colloquial trailing digit after a unit (``三千五``) scales down one unit."""
    if not text:
        return 0
    total = 0
    pending: int | None = None
    last_unit = 10_000
    for char in text:
        if char in CHINESE_DIGITS:
            if pending is not None and pending != 0 and CHINESE_DIGITS[char] != 0:
                return None  # two digits in a row inside a positional number: not a number
            pending = CHINESE_DIGITS[char]
        elif char in SMALL_UNITS:
            unit = SMALL_UNITS[char]
            if unit >= last_unit:
                return None
            total += (1 if pending is None and unit == 10 else pending or 0) * unit
            if pending is None and unit != 10:
                return None
            pending = None
            last_unit = unit
        else:
            return None
    if pending:
        # 三千五 -> 3500, 两百五 -> 250, but 三千零五 -> 3005 (a zero was spoken before the digit)
        spoke_zero = any(CHINESE_DIGITS.get(c) == 0 for c in text)
        scale = last_unit // 10 if last_unit < 10_000 and last_unit > 10 and not spoke_zero else 1
        total += pending * scale
    return total


def _parse_integer(text: str) -> int | None:
    """Integer part in Chinese numerals, with 万 and 亿."""
    for unit_char, unit in sorted(LARGE_UNITS.items(), key=lambda item: -item[1]):
        if unit_char in text:
            head, _, tail = text.partition(unit_char)
            head_value = _parse_integer(head) if head else 1
            if head_value is None:
                return None
            tail_value = _parse_tail_after_large_unit(tail, unit)
            if tail_value is None:
                return None
            return head_value * unit + tail_value
    return _parse_below_10000(text)


def _parse_tail_after_large_unit(tail: str, unit: int) -> int | None:
    """The part after 万: ``一万二`` -> 2000 (colloquial), ``一万零五十`` -> 50."""
    if tail and all(c in CHINESE_DIGITS for c in tail) and len(tail) == 1 and CHINESE_DIGITS[tail] != 0:
        return CHINESE_DIGITS[tail] * unit // 10
    return _parse_integer(tail.lstrip("零〇○")) if tail else 0


def parse_chinese_number(text: str) -> Decimal | None:
    """Parse a run of Chinese numerals (``三千五百``, ``三点五万``, ``一二三四``); ``None`` if invalid."""
    if not text or not CHINESE_NUMERAL_RUN.fullmatch(text):
        return None
    if all(c in CHINESE_DIGITS for c in text) and len(text) > 1:
        return Decimal("".join(str(CHINESE_DIGITS[c]) for c in text))
    if "点" in text:
        whole, _, rest = text.partition("点")
        scale_chars = "".join(c for c in rest if c in LARGE_UNITS or c in SMALL_UNITS)
        decimals = "".join(c for c in rest if c in CHINESE_DIGITS)
        if not decimals or len(scale_chars) > 1 or not rest.startswith(decimals):
            return None
        whole_value = _parse_integer(whole) if whole else 0
        if whole_value is None:
            return None
        value = Decimal(f"{whole_value}.{''.join(str(CHINESE_DIGITS[c]) for c in decimals)}")
        if scale_chars:
            value *= LARGE_UNITS.get(scale_chars) or SMALL_UNITS[scale_chars]
        return value
    integer = _parse_integer(text)
    return Decimal(integer) if integer is not None else None


def spoken_digits_to_arabic(text: str) -> str:
    """Replace runs of two or more Chinese digit characters (``幺二三四``) with Arabic digits."""
    return re.sub(
        f"[{''.join(CHINESE_DIGITS)}]{{2,}}",
        lambda match: "".join(str(CHINESE_DIGITS[c]) for c in match.group(0)),
        text,
    )


def parse_english_number(words: str) -> Decimal | None:
    """``two thousand five hundred`` -> 2500, ``three point five thousand`` -> 3500; ``None`` if invalid."""
    tokens = [t for t in re.split(r"[\s-]+", words.lower().strip()) if t and t != "and"]
    if not tokens or not any(t in ENGLISH_UNITS or t in ENGLISH_SCALES for t in tokens):
        return None
    if tokens == ["a"]:
        return None
    total = Decimal(0)
    current = Decimal(0)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token == "point" and index + 1 < len(tokens) and tokens[index + 1] in ENGLISH_UNITS:
            digits = []
            index += 1
            while index < len(tokens) and tokens[index] in ENGLISH_UNITS and ENGLISH_UNITS[tokens[index]] < 10:
                digits.append(str(ENGLISH_UNITS[tokens[index]]))
                index += 1
            current += Decimal("0." + "".join(digits))
            continue
        if token in ENGLISH_UNITS:
            current += ENGLISH_UNITS[token]
        elif token in ENGLISH_SCALES:
            scale = ENGLISH_SCALES[token]
            current = (current or Decimal(1)) * scale
            if scale >= 1000:
                total += current
                current = Decimal(0)
        else:
            try:
                current += Decimal(token)
            except InvalidOperation:
                return None
        index += 1
    return total + current
