"""Validity period of a resident identity card (有效期限) and its rules.

The Resident Identity Card Law (art. 5) sets the period by age at issue: under 16, 5 years; 16 to 25,
10 years; 26 to 45, 20 years; 46 and over, long-term (长期).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from services.kyc.domain.text_normalize import (
    add_years,
    age_on,
    compact,
    fix_digit_lookalikes,
    normalize_separators,
    safe_date,
)

LONG_TERM = "长期"
ALLOWED_YEARS = (5, 10, 20)
_LONG_TERM_SPELLINGS = ("长期", "长朝", "长其", "長期", "K期", "长")
_DATE8 = r"(\d{4})\.?(\d{2})\.?(\d{2})"
_PERIOD = re.compile(_DATE8 + r"-+(?:" + _DATE8 + r"|(LT))")


@dataclass(frozen=True)
class ValidityPeriod:
    valid_from: date
    valid_to: date | None  # None means long-term (长期)

    @property
    def valid_to_text(self) -> str:
        return LONG_TERM if self.valid_to is None else self.valid_to.isoformat()


def parse_validity(text: str) -> ValidityPeriod | None:
    """``2015.03.01-2025.03.01`` or ``2010.01.01-长期`` inside noisy OCR text; None when absent."""
    cleaned = compact(text)
    for spelling in _LONG_TERM_SPELLINGS:
        cleaned = cleaned.replace(spelling, "LT")
    cleaned = normalize_separators(cleaned)
    cleaned = re.sub(r"[^0-9A-Za-z.\-|!]", "", cleaned)
    cleaned = cleaned.replace("LT", "\0")
    cleaned = fix_digit_lookalikes(cleaned).replace("\0", "LT")
    match = _PERIOD.search(cleaned)
    if match is None:
        return None
    start = safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if start is None:
        return None
    if match.group(7):
        return ValidityPeriod(start, None)
    end = safe_date(int(match.group(4)), int(match.group(5)), int(match.group(6)))
    return None if end is None else ValidityPeriod(start, end)


def period_years(period: ValidityPeriod) -> int | None:
    """5, 10 or 20 when ``valid_to`` is that many years after ``valid_from`` to the day, else None."""
    if period.valid_to is None:
        return None
    for years in ALLOWED_YEARS:
        if add_years(period.valid_from, years) == period.valid_to:
            return years
    return None


def is_well_formed(period: ValidityPeriod) -> bool:
    """Long-term, or exactly 5/10/20 years to the day."""
    return period.valid_to is None or period_years(period) is not None


def expected_term(age_at_issue: int) -> int | None:
    """Years of validity the law gives at that age; None means long-term."""
    if age_at_issue < 16:
        return 5
    if age_at_issue <= 25:
        return 10
    if age_at_issue <= 45:
        return 20
    return None


def matches_age_rule(period: ValidityPeriod, birth_date: date) -> bool:
    """Whether the term fits the holder's age on the issue date (a 5-year card is also allowed a year early,
    since a child may renew shortly before turning 16)."""
    age = age_on(birth_date, period.valid_from)
    expected = expected_term(age)
    if period.valid_to is None:
        return expected is None
    years = period_years(period)
    return years == expected or (years == 5 and age <= 16)


def is_expired(period: ValidityPeriod, today: date) -> bool:
    """True once ``today`` is after the last valid day; a long-term card never expires."""
    return period.valid_to is not None and today > period.valid_to


def is_not_yet_valid(period: ValidityPeriod, today: date) -> bool:
    return today < period.valid_from


def looks_like_period(text: str) -> bool:
    return parse_validity(fix_digit_lookalikes(text)) is not None
