from datetime import date

import pytest

from services.kyc.domain.validity import (
    ValidityPeriod,
    is_expired,
    is_well_formed,
    matches_age_rule,
    parse_validity,
    period_years,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015.03.01-2025.03.01", ValidityPeriod(date(2015, 3, 1), date(2025, 3, 1))),
        ("有效期限 2015.03.01-2035.03.01", ValidityPeriod(date(2015, 3, 1), date(2035, 3, 1))),
        ("2010.01.05-长期", ValidityPeriod(date(2010, 1, 5), None)),
        ("2O15.O3.01一2025.03.01", ValidityPeriod(date(2015, 3, 1), date(2025, 3, 1))),  # O and 一 misread
        ("2015 .03. 01 - 2025.03.01", ValidityPeriod(date(2015, 3, 1), date(2025, 3, 1))),
        ("20150301-20250301", ValidityPeriod(date(2015, 3, 1), date(2025, 3, 1))),
        ("2015.13.01-2025.13.01", None),  # month 13
        ("签发机关 南京市公安局", None),
    ],
)
def test_parse_validity(text: str, expected: ValidityPeriod | None) -> None:
    assert parse_validity(text) == expected


@pytest.mark.parametrize(
    ("start", "end", "years", "well_formed"),
    [
        (date(2015, 3, 1), date(2020, 3, 1), 5, True),
        (date(2015, 3, 1), date(2025, 3, 1), 10, True),
        (date(2015, 3, 1), date(2035, 3, 1), 20, True),
        (date(2012, 2, 29), date(2022, 2, 28), 10, True),
        (date(2015, 3, 1), None, None, True),
        (date(2015, 3, 1), date(2025, 3, 2), None, False),  # a day off
        (date(2015, 3, 1), date(2030, 3, 1), None, False),  # 15 years is not a term
        (date(2015, 3, 1), date(2014, 3, 1), None, False),
    ],
)
def test_terms(start: date, end: date | None, years: int | None, well_formed: bool) -> None:
    period = ValidityPeriod(start, end)
    assert (period_years(period), is_well_formed(period)) == (years, well_formed)


@pytest.mark.parametrize(
    ("birth", "start", "end", "matches"),
    [
        (date(2010, 5, 1), date(2020, 6, 1), date(2025, 6, 1), True),  # 10 years old: 5 years
        (date(2000, 5, 1), date(2020, 6, 1), date(2030, 6, 1), True),  # 20: 10 years
        (date(1985, 5, 1), date(2020, 6, 1), date(2040, 6, 1), True),  # 35: 20 years
        (date(1960, 5, 1), date(2020, 6, 1), None, True),  # 60: long-term
        (date(1985, 5, 1), date(2020, 6, 1), None, False),  # 35 cannot hold a long-term card
        (date(1960, 5, 1), date(2020, 6, 1), date(2030, 6, 1), False),  # 60 gets long-term, not 10
        (date(2000, 5, 1), date(2020, 6, 1), date(2040, 6, 1), False),  # 20 gets 10, not 20
    ],
)
def test_age_rule(birth: date, start: date, end: date | None, matches: bool) -> None:
    assert matches_age_rule(ValidityPeriod(start, end), birth) is matches


@pytest.mark.parametrize(
    ("end", "today", "expired"),
    [
        (date(2025, 3, 1), date(2025, 3, 1), False),  # last valid day
        (date(2025, 3, 1), date(2025, 3, 2), True),
        (date(2025, 3, 1), date(2024, 1, 1), False),
        (None, date(2099, 1, 1), False),
    ],
)
def test_expiry_is_relative_to_today(end: date | None, today: date, expired: bool) -> None:
    assert is_expired(ValidityPeriod(date(2015, 3, 1), end), today) is expired
