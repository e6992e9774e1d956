"""The sandbox core's self-service rules (pure): PINs (format, weak ones, salted scrypt), enrolments, SMS
alerts, card activation, the wallet's cap, the demo customers' phones, pensions and card states."""

from __future__ import annotations

import hashlib

import pytest

from services.records.domain.sandbox_core import enrolments, pins, postings
from services.records.domain.sandbox_core.accounts import WALLET_CAP_MINOR, Account, Kind, in_bounds
from services.records.domain.sandbox_core.errors import CoreRefused
from services.records.domain.sandbox_core.postings import Movement
from services.records.domain.sandbox_core.seed import PENSION_DAYS_AGO, demo_customers, demo_services

SALT = bytes(range(16))
DEBIT = Account("c1-a1", "c1", "6222000011112222", Kind.DEBIT_CARD, "CNY", 50_000)
CARD = Account("c1-a3", "c1", "6258000011113333", Kind.CREDIT_CARD, "CNY", -100, 10_000)
WALLET = Account("c1-wallet", "c1", "0031000011114444", Kind.DIGITAL_WALLET, "CNY", 0)


@pytest.mark.parametrize(
    "pin", ["000000", "999999", "123456", "654321", "012345", "121212", "123123", "112233", "111222"]
)
def test_weak_pins_are_refused_with_the_rule_not_the_pin(pin: str) -> None:
    with pytest.raises(CoreRefused) as refused:
        pins.check_pin(pin)
    assert refused.value.reason == "weak_pin" and pin not in refused.value.detail


@pytest.mark.parametrize("pin", ["12345", "1234567", "12 456", "１２３４５６", "", None, 582914])
def test_a_pin_is_six_ascii_digits(pin: object) -> None:
    with pytest.raises(CoreRefused) as refused:
        pins.check_pin(pin)
    assert refused.value.reason == "bad_pin"


@pytest.mark.parametrize("pin", ["582914", "902817", "135790"])
def test_good_pins_pass(pin: str) -> None:
    assert pins.check_pin(pin) == pin


def test_a_pin_is_hashed_with_scrypt_and_its_salt() -> None:
    stored = pins.hash_pin("582914", SALT)
    assert stored.pin_hash == hashlib.scrypt(b"582914", salt=SALT, n=2**14, r=8, p=1, dklen=32)
    assert pins.hash_pin("582914", bytes(16)).pin_hash != stored.pin_hash
    assert pins.matches("582914", stored) and not pins.matches("582915", stored)
    with pytest.raises(CoreRefused) as refused:
        pins.check_not_current("582914", stored)
    assert refused.value.reason == "weak_pin"
    pins.check_not_current("902817", stored)
    pins.check_not_current("902817", None)
    with pytest.raises(ValueError):
        pins.hash_pin("582914", b"short")


def test_an_enrolment_is_once_and_needs_a_phone() -> None:
    made = enrolments.mobile_banking("c1", "138****1234")
    assert made.state == "active" and made.detail == {"phone_masked": "138****1234"}
    with pytest.raises(CoreRefused) as refused:
        enrolments.check_not_enrolled(made)
    assert refused.value.reason == "already_enrolled"
    enrolments.check_not_enrolled(None)
    enrolments.check_not_enrolled(enrolments.Enrolment("c1", "mobile_banking", "", "inactive"))
    with pytest.raises(CoreRefused) as no_phone:
        enrolments.mobile_banking("c1", "")
    assert no_phone.value.reason == "no_phone"
    assert (
        enrolments.mask_phone("13812345678") == "138****5678" and enrolments.mask_phone("138****5678") == "138****5678"
    )
    with pytest.raises(CoreRefused) as unknown:
        enrolments.check_service("lottery")
    assert unknown.value.reason == "unknown_service"


def test_sms_alerts_need_an_own_account_and_a_threshold_in_range() -> None:
    made = enrolments.sms_alert("c1", DEBIT, 50_000, "138****1234")
    assert made.subject == "c1-a1" and made.detail["threshold"] == "500.00"
    assert made.detail["account_masked"] == "6222****2222"
    for threshold, reason in ((-1, "amount_out_of_range"), (1.5, "amount_out_of_range"), (True, "amount_out_of_range")):
        with pytest.raises(CoreRefused) as refused:
            enrolments.sms_alert("c1", DEBIT, threshold, "138****1234")
        assert refused.value.reason == reason
    with pytest.raises(CoreRefused) as other:
        enrolments.sms_alert("c2", DEBIT, 1, "138****1234")
    assert other.value.reason == "not_own_account"


def test_a_card_is_activated_from_inactive_only() -> None:
    assert enrolments.activation("c1", CARD, "inactive").state == "active"
    for state in ("active", None):
        with pytest.raises(CoreRefused) as refused:
            enrolments.activation("c1", CARD, state)
        assert refused.value.reason == "already_active"
    with pytest.raises(CoreRefused) as debit:
        enrolments.activation("c1", DEBIT, "inactive")
    assert debit.value.reason == "wrong_account_kind"


def test_the_wallet_is_topped_up_from_a_deposit_within_its_cap() -> None:
    plan = postings.wallet_top_up("c1", DEBIT, WALLET, 20_000, "CNY")
    assert plan.kind is Movement.WALLET_TOP_UP and [leg.amount_minor for leg in plan.legs] == [-20_000, 20_000]
    full = Account("c1-wallet", "c1", "0031000011114444", Kind.DIGITAL_WALLET, "CNY", WALLET_CAP_MINOR - 10)
    with pytest.raises(CoreRefused) as refused:
        postings.wallet_top_up("c1", DEBIT, full, 11, "CNY")
    assert refused.value.reason == "limit_exceeded"
    with pytest.raises(CoreRefused) as kind:
        postings.wallet_top_up("c1", DEBIT, CARD, 11, "CNY")
    assert kind.value.reason == "wrong_account_kind"
    assert in_bounds(WALLET, WALLET_CAP_MINOR) and not in_bounds(WALLET, WALLET_CAP_MINOR + 1)
    assert not in_bounds(WALLET, -1)
    assert Movement.WALLET_TOP_UP in postings.COUNTED and Movement.PENSION_CREDIT not in postings.COUNTED


def test_demo_customers_get_phones_pensions_and_card_states() -> None:
    made = demo_customers("b1")
    assert [c.phone_masked for c, _, _ in made] == ["138****1234", "139****5678", ""]
    pensions = [(c.customer_id, p.days_ago) for c, _, plans in made for p in plans if p.kind is Movement.PENSION_CREDIT]
    assert pensions == [("sbx-b1-c01", d) for d in PENSION_DAYS_AGO] + [("sbx-b1-c03", d) for d in PENSION_DAYS_AGO]
    states = {(s.customer_id, s.service, s.subject): s.state for s in demo_services("b1")}
    assert states == {
        ("sbx-b1-c01", "card_activation", "sbx-b1-c01-a3"): "active",
        ("sbx-b1-c02", "mobile_banking", ""): "active",
        ("sbx-b1-c02", "card_activation", "sbx-b1-c02-a3"): "inactive",
    }
