"""English number words as amounts (issue 19 leftovers): bare answers to "how much?" and what is not money."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.voice.domain.nlu.amounts import find_amounts
from services.voice.domain.nlu.extractor import extract_slots
from services.voice.domain.nlu.normalise import normalise

TODAY = date.today() - timedelta(days=3)  # any day: nothing here may depend on the date


@pytest.mark.parametrize(
    ("phrase", "amount"),
    [
        ("eighty", 80),
        ("one hundred and twenty", 120),
        ("two thousand five hundred", 2500),
        ("a hundred", 100),
        ("fifty-five", 55),
        ("fifty five", 55),
        ("three point five", 3.5),
        ("twenty one", 21),
        ("twenty five hundred", 2500),
        ("a thousand two hundred yuan", 1200),
        ("two and a half thousand", 2500),
        ("one and a half million", 1_500_000),
        ("1.2 thousand", 1200),
        ("2k", 2000),
        ("eighty please", 80),
        ("one dollar", 1),
    ],
)
def test_english_amount_phrases(phrase: str, amount: float) -> None:
    found = find_amounts(normalise(phrase), accept_bare=True)
    assert [float(m.value) for m in found] == [amount]


@pytest.mark.parametrize(
    "phrase",
    [
        "one account",
        "number one",
        "one",  # a lone "one" is no amount without a currency
        "in two days",
        "one of my cards",
        "come at three pm",
        "window three",
        "two tickets",
        "I have one more question",
    ],
)
def test_number_words_that_are_not_money(phrase: str) -> None:
    assert find_amounts(normalise(phrase), accept_bare=True) == []


def test_a_bare_number_word_is_an_amount_only_where_one_is_expected() -> None:
    """utility_payment is not an amount intent: "eighty" counts only as the answer to the amount question."""
    words = normalise("eighty")
    assert "amount" not in extract_slots(words, "utility_payment", TODAY)
    assert extract_slots(words, "utility_payment", TODAY, expecting="amount")["amount"] == 80
    assert "amount" not in extract_slots(words, "utility_payment", TODAY, expecting="bill_reference")
    assert extract_slots(normalise("one hundred and twenty"), "utility_payment", TODAY)["amount"] == 120
    assert extract_slots(normalise("three point five"), "transfer", TODAY)["amount"] == 3.5
