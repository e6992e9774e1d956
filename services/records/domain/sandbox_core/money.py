"""Money as integers of minor units (fen, cents), never floats; the currencies the sandbox keeps."""

from __future__ import annotations

from services.records.domain.sandbox_core.errors import CoreRefused

MINOR_DIGITS: dict[str, int] = {"CNY": 2, "USD": 2, "EUR": 2, "HKD": 2, "JPY": 0}
"""Currency -> digits of its minor unit (ISO 4217)."""

MAX_AMOUNT_MINOR = 10**13
"""Above any single kiosk movement in any currency: the hard ceiling before limits are even looked at."""


def check_currency(currency: str) -> str:
    if currency not in MINOR_DIGITS:
        raise CoreRefused("currency_mismatch", f"the sandbox keeps {', '.join(MINOR_DIGITS)} only")
    return currency


def check_amount(amount_minor: int) -> int:
    """A movement's amount: a positive whole number of minor units (bools and floats refused)."""
    if type(amount_minor) is not int:
        raise CoreRefused("amount_out_of_range", "the amount is a whole number of minor units")
    if amount_minor <= 0:
        raise CoreRefused("amount_out_of_range", "the amount must be more than zero")
    if amount_minor > MAX_AMOUNT_MINOR:
        raise CoreRefused("amount_out_of_range", "the amount is larger than any movement the core takes")
    return amount_minor


def format_minor(amount_minor: int, currency: str) -> str:
    """``123456, "CNY"`` -> ``"1234.56"``; exact (integer arithmetic), sign kept."""
    digits = MINOR_DIGITS[currency]
    sign = "-" if amount_minor < 0 else ""
    whole, part = divmod(abs(amount_minor), 10**digits)
    return f"{sign}{whole}.{part:0{digits}d}" if digits else f"{sign}{whole}"
