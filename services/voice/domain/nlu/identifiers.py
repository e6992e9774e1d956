"""Account tail digits, queue ticket numbers and deposit terms in normalised text.

Spoken digits have already been turned into Arabic digits by ``normalise`` (``尾号幺二三四`` -> ``尾号1234``,
"a zero two three" -> "a 023").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.voice.domain.nlu.numbers import ENGLISH_UNITS, parse_chinese_number


@dataclass(frozen=True, slots=True)
class Found:
    start: int
    end: int
    value: str


ACCOUNT_LAST4 = re.compile(
    r"(?:尾号|尾数|卡尾号|末尾|末四位|后四位|后4位|最后四位|最后4位|卡号后四位|账号后四位"
    r"|ending\s(?:in|with)|ends\s(?:in|with)|ending|last\s(?:four|4)(?:\sdigits?)?(?:\sof\s(?:my\s)?(?:card|account))?"
    r"|tail\snumber|account\snumber\send(?:ing|s)\s(?:in|with))"
    r"(?:\s?(?:是|为|:|are|is|being))?\s?(?P<digits>\d{4})(?!\d)"
)
TICKET = re.compile(r"(?<![a-z0-9])(?P<letter>[a-z])\s?-?\s?(?P<digits>\d{2,4})(?![\d.,]|\s?(?:元|块|万|k\b))")
_EN_COUNT = "|".join(sorted((w for w in ENGLISH_UNITS if len(w) > 2), key=len, reverse=True))
TERM_ZH = re.compile(r"(?P<count>\d{1,3}|[一二两三四五六七八九十]{1,3}|半)(?P<unit>个月|年)(?:期|定期)?")
TERM_EN = re.compile(
    rf"(?<![a-z])(?P<count>\d{{1,3}}|{_EN_COUNT}|a|half\sa|half)[\s-](?P<unit>months?|years?|yr)(?![a-z])"
)


def find_account_last4(text: str) -> Found | None:
    match = ACCOUNT_LAST4.search(text)
    return Found(match.start(), match.end(), match["digits"]) if match else None


def find_ticket_number(text: str) -> Found | None:
    """``A023`` style ticket numbers: one letter and two to four digits, digits zero-padded to three."""
    match = TICKET.search(text)
    if not match:
        return None
    return Found(match.start(), match.end(), match["letter"].upper() + match["digits"].zfill(3))


def _term_months(count_text: str, unit: str) -> int | None:
    if count_text in ("半", "half", "half a"):
        months = 6 if unit.startswith(("年", "y")) else None
        return months
    if count_text.isdigit():
        count = int(count_text)
    elif count_text == "a":
        count = 1
    elif count_text in ENGLISH_UNITS:
        count = ENGLISH_UNITS[count_text]
    else:
        parsed = parse_chinese_number(count_text)
        if parsed is None:
            return None
        count = int(parsed)
    months = count * 12 if unit.startswith(("年", "y")) else count
    return months if 0 < months <= 360 else None


def iso_duration(months: int) -> str:
    """``P3M``, ``P1Y``, ``P18M``: whole years are written in years."""
    return f"P{months // 12}Y" if months % 12 == 0 else f"P{months}M"


def find_term(text: str) -> Found | None:
    """Deposit or loan term: ``三个月``, ``一年期``, ``半年``, "six months", "1-year", "a year" -> ISO 8601."""
    for pattern in (TERM_ZH, TERM_EN):
        for match in pattern.finditer(text):
            months = _term_months(match["count"], match["unit"])
            if months is not None:
                return Found(match.start(), match.end(), iso_duration(months))
    return None
