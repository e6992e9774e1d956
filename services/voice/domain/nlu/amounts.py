"""Money amounts and currencies in normalised (NFKC, lower-case) text.

``find_amounts("转账三千五百元给张三")`` -> one ``AmountMatch`` of 3500 CNY. Amounts are written with Arabic
numerals (``3,500``, ``3.5万``, ``¥3500``, ``2k``), Chinese numerals (``三千五百元``, ``两千块``, ``一万二``)
or English words (``two thousand dollars``). A number counts as an amount when it carries a currency or a
scale word; bare numbers (``取500``) only when the caller says the intent expects an amount.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from services.voice.domain.nlu.lexicon import CURRENCIES, canonical, lexicon_pattern
from services.voice.domain.nlu.numbers import (
    CHINESE_NUMERAL_CHARS,
    ENGLISH_SCALES,
    ENGLISH_UNITS,
    parse_chinese_number,
    parse_english_number,
)

CURRENCY_PATTERN = lexicon_pattern(CURRENCIES)
_CURRENCY_ALTERNATION = CURRENCY_PATTERN.pattern
_SCALES: dict[str, int] = {
    "万": 10_000,
    "w": 10_000,
    "千": 1000,
    "k": 1000,
    "thousand": 1000,
    "grand": 1000,
    "百": 100,
    "hundred": 100,
    "亿": 100_000_000,
    "million": 1_000_000,
    "m": 1_000_000,
}

ARABIC_AMOUNT = re.compile(
    rf"(?P<prefix>hk\$|us\$|[¥$€£])?\s?"
    r"(?P<number>(?<![\d.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\d.,])\d+(?:\.\d+)?)"
    r"(?:\s?(?P<scale>万|千|百|亿|thousand|million|grand|hundred|k(?![a-z])|w(?![a-z])|m(?![a-z])))?"
    rf"(?:\s?(?P<currency>{_CURRENCY_ALTERNATION}))?"
)
CHINESE_AMOUNT = re.compile(rf"(?P<number>[{CHINESE_NUMERAL_CHARS}]+)(?P<currency>{_CURRENCY_ALTERNATION})?")
_ENGLISH_WORD = "|".join(sorted((w for w in [*ENGLISH_UNITS, *ENGLISH_SCALES] if len(w) > 2), key=len, reverse=True))
ENGLISH_AMOUNT = re.compile(
    rf"(?<![a-z])(?P<number>(?:a\s)?(?:{_ENGLISH_WORD})"
    rf"(?:[\s-]+(?:and\s)?(?:point\s)?(?:{_ENGLISH_WORD})|\s+and\s+a\s+half)*)"
    rf"(?![a-z])(?:\s(?P<currency>{_CURRENCY_ALTERNATION}))?"
)
_COUNTED_NOUN = re.compile(
    r"^\s*(?:more\b|of\b|other\b|accounts?\b|cards?\b|tickets?\b|people\b|persons?\b|times?\b|minutes?\b"
    r"|hours?\b|days?\b|weeks?\b|months?\b|years?\b|bills?\b|things?\b|questions?\b|o'?clock\b|pm\b|am\b)"
)
"""A number word followed by these counts things or tells the time (``one account``, ``two days``): no money."""
_ORDINAL_CUE = re.compile(r"(?:number|no\.?|option|window|counter|step|#)\s*$")
"""A number word after these names an item (``number one``, ``window three``): no money."""


@dataclass(frozen=True, slots=True)
class AmountMatch:
    start: int
    end: int
    value: Decimal
    currency: str | None
    explicit: bool
    """True when a currency or scale word marks the number as money (not a bare number)."""


def _currency(surface: str | None) -> str | None:
    return canonical(CURRENCIES, surface) if surface else None


MAX_PLAIN_DIGITS = 10
"""A run of more plain digits (a mobile number has 11) is an account, card, ID or phone number, not money."""
_IDENTIFIER_CUE = re.compile(
    r"(账号|账户|卡号|帐号|户号|身份证|手机|电话|account|card|acct|a/c|phone|mobile|no\.?|number)"
    r"\s*(?:is|是|为|[:：#])?\s*$"
)


def _arabic_matches(text: str) -> list[AmountMatch]:
    found = []
    for match in ARABIC_AMOUNT.finditer(text):
        digits = match["number"].replace(",", "").split(".")[0]
        if len(digits) > MAX_PLAIN_DIGITS or _IDENTIFIER_CUE.search(text[max(0, match.start() - 12) : match.start()]):
            continue
        value = Decimal(match["number"].replace(",", ""))
        scale = match["scale"]
        if scale:
            value *= _SCALES[scale]
        currency = _currency(match["currency"]) or _currency(match["prefix"])
        explicit = bool(scale or currency or "," in match["number"])
        end = match.end() if match["currency"] or scale else match.end("number")
        found.append(AmountMatch(match.start(), end, value, currency, explicit))
    return found


def _chinese_matches(text: str) -> list[AmountMatch]:
    found = []
    for match in CHINESE_AMOUNT.finditer(text):
        run = match["number"]
        for offset in range(len(run)):  # 张三五百块 -> the longest valid numeral suffix, 五百
            candidate = run[offset:]
            value = parse_chinese_number(candidate)
            if value is None or candidate in ("点", "万", "千", "百", "十"):
                continue
            currency = _currency(match["currency"])
            has_unit = any(c in "十拾百佰千仟万萬亿" for c in candidate)
            if not currency and not has_unit:
                break  # a lone digit such as 一 in 查一下 is not money
            explicit = bool(currency) or any(c in "百佰千仟万萬亿" for c in candidate)
            found.append(AmountMatch(match.start() + offset, match.end(), value, currency, explicit))
            break
    return found


def _english_matches(text: str) -> list[AmountMatch]:
    """English number words: ``eighty``, ``one hundred and twenty``, ``fifty-five``, ``three point five``,
    ``two and a half thousand``. Not money: a number word naming an item (``number one``), counting things
    or telling the time (``one account``, ``two days``), and a lone ``one`` without a currency."""
    found = []
    for match in ENGLISH_AMOUNT.finditer(text):
        words = match["number"]
        value = parse_english_number(re.sub(r"^a\s", "one ", words.replace(" and a half", " point five")))
        if value is None or value == 0:
            continue
        currency = _currency(match["currency"])
        if not currency and (
            _ORDINAL_CUE.search(text[max(0, match.start() - 10) : match.start()])
            or _COUNTED_NOUN.match(text[match.end("number") :])
            or words in ("one", "a")
        ):
            continue
        explicit = bool(currency) or any(
            scale in words.split() for scale in ("hundred", "thousand", "million", "grand")
        )
        found.append(AmountMatch(match.start(), match.end(), value, currency, explicit))
    return found


_DIGIT_RUN = re.compile(r"(?<![\d.])\d(?:[ -]?\d){10,}(?![\d.])")
"""Eleven or more digits, possibly grouped by spaces or dashes: a card, account, ID or phone number."""


def find_amounts(text: str, *, accept_bare: bool) -> list[AmountMatch]:
    """Non-overlapping amounts in text order; ``accept_bare`` admits numbers without currency or scale."""
    identifiers = [m.span() for m in _DIGIT_RUN.finditer(text)]
    candidates = [
        c
        for c in _arabic_matches(text) + _chinese_matches(text) + _english_matches(text)
        if not any(c.start < end and start < c.end for start, end in identifiers)
    ]
    candidates.sort(key=lambda m: (m.start, -(m.end - m.start)))
    chosen: list[AmountMatch] = []
    for candidate in candidates:
        if not (candidate.explicit or accept_bare) or candidate.value <= 0:
            continue
        if chosen and candidate.start < chosen[-1].end:
            continue
        chosen.append(candidate)
    return chosen


def find_currencies(text: str) -> list[str]:
    """ISO 4217 codes of every currency mentioned, in text order (duplicates removed)."""
    codes: list[str] = []
    for match in CURRENCY_PATTERN.finditer(text):
        code = canonical(CURRENCIES, match.group(0))
        if code not in codes:
            codes.append(code)
    return codes


def amount_as_number(value: Decimal) -> int | float:
    """JSON-friendly amount: an int when whole, else a float rounded to cents."""
    return int(value) if value == value.to_integral_value() else float(round(value, 2))
