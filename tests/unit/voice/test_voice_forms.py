"""Prepared forms (pure): every counter intent of docs/INTENTS.md maps to a typed form, values that do not fit
their type are left out, personal values are masked for events; times of day for appointments; slot choice
and the branch's opening hours."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

from services.voice.domain.dialogue.booking import BranchFacts, FreeSlot, choose_slot, opening_hours
from services.voice.domain.dialogue.catalogue import CATALOGUE, SELF_SERVICE
from services.voice.domain.dialogue.times import find_time
from services.voice.domain.forms import CONVERT, FORM_FIELDS, counter_intents, prepare_form

ROW = re.compile(r"^\| (\w+) \| [^|]+ \| [^|]+ \| ([^|]+) \| ([^|]+) \|$")


def intents_md() -> dict[str, tuple[list[str], str]]:
    """id -> (slot names, route) from the catalogue table of docs/INTENTS.md."""
    rows: dict[str, tuple[list[str], str]] = {}
    for line in Path("docs/INTENTS.md").read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match and match.group(1) != "id":
            slots = [s.strip().rstrip("?") for s in match.group(2).split(",") if s.strip() not in ("—", "")]
            rows[match.group(1)] = (slots, match.group(3).strip())
    return rows


def test_every_counter_intent_of_the_catalogue_has_a_form_with_its_slots() -> None:
    rows = intents_md()
    assert len(rows) == 43
    counter = {i for i, (_, route) in rows.items() if route != "self-service"} - {"queue_status"}
    assert counter == set(FORM_FIELDS) == counter_intents()
    for intent in counter:
        slots, _ = rows[intent]
        missing = [s for s in slots if s not in FORM_FIELDS[intent] and s not in ("ticket_number",)]
        assert not missing, f"{intent}: slots {missing} of docs/INTENTS.md are not on its form"
        assert all(name in CONVERT for name in FORM_FIELDS[intent]), intent
    for intent, spec in CATALOGUE.items():
        if spec.route == SELF_SERVICE or intent == "queue_status":
            assert prepare_form(intent, {"amount": 5}) is None, intent


def test_fields_are_typed_and_what_does_not_fit_is_left_out() -> None:
    form = prepare_form(
        "transfer", {"amount": 3500, "payee": "张三", "account_last4": "1234", "term": "P1Y", "colour": "red"}
    )
    assert form is not None
    assert form.fields == {"amount": Decimal("3500.00"), "currency": "CNY", "payee": "张三", "account_last4": "1234"}
    assert form.payload()["fields"] == {
        "amount": "3500.00",
        "currency": "CNY",
        "payee": "张三",
        "account_last4": "1234",
    }
    odd = prepare_form(
        "large_cash_appointment", {"amount": -5, "date": "next monday", "time": "25:00", "currency": "XXX"}
    )
    assert odd is not None and odd.fields == {}, "a value of the wrong type is never sent as something else"
    dated = prepare_form("appointment_booking", {"date": "2030-01-07", "time": "10:30", "service": "wealth"})
    assert dated is not None and dated.fields["date"] == dt.date(2030, 1, 7)
    assert dated.payload()["fields"] == {"service": "wealth", "date": "2030-01-07", "time": "10:30"}
    fx = prepare_form("fx_exchange", {"amount": 2000.555, "currency": "USD"})
    assert fx is not None and fx.payload()["fields"] == {"amount": "2000.56", "currency": "USD"}
    card = prepare_form("card_loss_report", {"card_type": "debit", "account_last4": "12345"})
    assert card is not None and card.fields == {"card_type": "debit"}


def test_masked_form_hides_payee_and_account_digits() -> None:
    form = prepare_form("international_remittance", {"amount": 100, "currency": "USD", "payee": "John Smith"})
    transfer = prepare_form("transfer", {"amount": 100, "payee": "张三", "account_last4": "1234"})
    assert form is not None and transfer is not None
    assert form.masked()["fields"] == {"amount": "100.00", "currency": "USD", "payee": "J*** S****"}
    assert transfer.masked()["fields"] == {
        "amount": "100.00",
        "currency": "CNY",
        "payee": "张*",
        "account_last4": "****",
    }
    assert "1234" not in str(transfer.masked()) and "张三" not in str(transfer.masked())


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("上午十点半", "10:30"),
        ("下午三点", "15:00"),
        ("改到下周二上午十点", "10:00"),
        ("十点十五分", "10:15"),
        ("中午一点", "13:00"),
        ("晚上八点三刻", "20:45"),
        ("at 10:30 am", "10:30"),
        ("3pm", "15:00"),
        ("14:00", "14:00"),
        ("取三点五万元", None),  # an amount, not a time
        ("12月14日", None),
        ("5000", None),
        ("25点", None),
    ],
)
def test_times_of_day(text: str, value: str | None) -> None:
    said = find_time(text)
    assert (said.value if said else None) == value


def test_slot_choice_books_the_holding_slot_or_offers_the_nearest_free_ones() -> None:
    slots = [FreeSlot(s, s not in ("10:00", "10:30")) for s in ("09:00", "09:30", "10:00", "10:30", "11:00", "11:30")]
    assert choose_slot(slots, "09:40").start == "09:30"
    assert choose_slot(slots, None).start == "09:00"
    full = choose_slot(slots, "10:00")
    assert full.start is None and full.offers == ("09:00", "09:30", "11:00"), "nearest first, said in time order"
    late = choose_slot(slots, "18:00")  # after the last slot: outside the opening hours
    assert late.start is None and late.offers == ("09:30", "11:00", "11:30")
    assert choose_slot([FreeSlot("09:00", False)], "09:00") == choose_slot([], "09:00")


def test_opening_hours_group_equal_weekdays() -> None:
    week = {d: [("09:00", "17:00")] for d in ("mon", "tue", "wed", "thu", "fri")}
    facts = BranchFacts("Demo", {**week, "sat": [("09:00", "12:00")]}, [("现金业务", "Cash")])
    assert opening_hours(facts, "zh") == "周一至周五 09:00-17:00；周六 09:00-12:00"
    assert opening_hours(facts, "en") == "Mon-Fri 09:00-17:00; Sat 09:00-12:00"
