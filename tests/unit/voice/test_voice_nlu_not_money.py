"""Account, card, ID and phone numbers are never read as amounts, and never leave unmasked."""

from __future__ import annotations

import pytest

from services.voice.domain.nlu import mask_slots
from services.voice.domain.nlu.amounts import find_amounts


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("转给欧阳明轩，账号6217001234567890123，五千元", [5000]),
        ("card number 6222 0212 3456 7890 withdraw 500", [500]),
        ("my phone is 13912345678 transfer 300 yuan", [300]),
        ("account 12345678 send 200 yuan", [200]),
        ("身份证320102199001011234", []),
        ("transfer 3,500 yuan", [3500]),
        ("存十亿", [1_000_000_000]),
    ],
)
def test_identifiers_are_not_amounts(text: str, amounts: list[int]) -> None:
    assert [int(m.value) for m in find_amounts(text.lower(), accept_bare=True)] == amounts


@pytest.mark.parametrize(
    ("slots", "masked"),
    [
        ({"amount": 62170012345678, "currency": "CNY"}, {"amount": "*" * 14, "currency": "CNY"}),
        ({"purpose": "acct 6217001234567890123"}, {"purpose": "acct 6217***********0123"}),
        ({"amount": 5000}, {"amount": 5000}),
        ({"payee": "欧阳明轩", "account_last4": "0123"}, {"payee": "欧***", "account_last4": "****"}),
    ],
)
def test_mask_slots_backstop(slots: dict[str, object], masked: dict[str, object]) -> None:
    assert mask_slots(slots) == masked
