"""Sandbox FX and interest rates: fixed, made-up numbers for demonstrations, never a bank's quotation."""

from __future__ import annotations

from typing import Any

SANDBOX_NOTE = "SANDBOX: illustrative numbers for demonstrations, not a quotation or an offer"

FX_RATES: dict[str, tuple[str, str]] = {
    "USD": ("7.1020", "7.1320"),
    "EUR": ("7.6810", "7.7420"),
    "HKD": ("0.9102", "0.9138"),
    "JPY": ("0.047210", "0.047580"),
}
"""Foreign currency -> (bank buys, bank sells) in CNY per unit, as exact decimal strings."""

INTEREST_RATES: tuple[tuple[str, str, str], ...] = (
    ("demand_deposit", "活期存款", "0.10"),
    ("time_deposit_3m", "三个月定期", "0.85"),
    ("time_deposit_1y", "一年定期", "1.10"),
    ("time_deposit_3y", "三年定期", "1.50"),
    ("personal_loan_1y", "一年期个人贷款", "3.45"),
    ("mortgage_5y_plus", "五年以上房贷", "3.95"),
)
"""(product, Chinese name, annual rate in percent as an exact decimal string)."""


def fx_table() -> dict[str, Any]:
    return {
        "sandbox": True,
        "note": SANDBOX_NOTE,
        "base": "CNY",
        "rates": [{"currency": c, "bank_buys": buy, "bank_sells": sell} for c, (buy, sell) in FX_RATES.items()],
    }


def interest_table() -> dict[str, Any]:
    return {
        "sandbox": True,
        "note": SANDBOX_NOTE,
        "rates": [{"product": p, "name_zh": zh, "annual_percent": rate} for p, zh, rate in INTEREST_RATES],
    }
