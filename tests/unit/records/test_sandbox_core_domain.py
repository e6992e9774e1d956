"""The SANDBOX core's pure rules: minor-unit arithmetic, balanced postings, account bounds, limits, reversal
once and the same day, masking, identity proof, idempotency fingerprints, deterministic demo data."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from branchops.plugins import DevRun
from services.records.devsetup import dev_setup
from services.records.domain.sandbox_core import postings
from services.records.domain.sandbox_core.accounts import Account, Kind, available_minor, in_bounds, mask_number
from services.records.domain.sandbox_core.errors import REASONS, CoreRefused
from services.records.domain.sandbox_core.idempotency import check_key, request_hash
from services.records.domain.sandbox_core.identity import KycEvidence, check_identity
from services.records.domain.sandbox_core.limits import DEFAULT_LIMITS, Limits, check_limits, limits_from
from services.records.domain.sandbox_core.money import MAX_AMOUNT_MINOR, check_amount, format_minor
from services.records.domain.sandbox_core.postings import Leg, Movement, Posted, check_balanced
from services.records.domain.sandbox_core.rates import fx_table, interest_table
from services.records.domain.sandbox_core.seed import demo_customers, shared_accounts
from services.records.settings import RecordsSettings

DEBIT = Account("d", "c1", "6222021234561234", Kind.DEBIT_CARD, "CNY", 10_000)
SAVINGS = Account("s", "c1", "6217000000005678", Kind.SAVINGS, "CNY", 0)
CARD = Account("k", "c1", "6258000000009999", Kind.CREDIT_CARD, "CNY", -5_000, credit_limit_minor=20_000)
OTHER = Account("o", "c2", "6222000000001111", Kind.DEBIT_CARD, "CNY", 50_000)
BILLER = Account("b", None, "8800000000000001", Kind.UTILITY_BILLER, "CNY", 0)
USD = Account("u", "c1", "6217000000004321", Kind.SAVINGS, "USD", 1_000)
ALL = {a.account_id: a for a in (DEBIT, SAVINGS, CARD, OTHER, BILLER, USD)}
TODAY = dt.date(2026, 12, 7)


def _reason(call: object, *args: object) -> str:
    with pytest.raises(CoreRefused) as refused:
        call(*args)  # type: ignore[operator]
    return refused.value.reason


def test_minor_units_are_integers_formatted_exactly() -> None:
    assert format_minor(123_456, "CNY") == "1234.56" and format_minor(-5, "CNY") == "-0.05"
    assert format_minor(1_000, "JPY") == "1000" and format_minor(10**13 + 1, "CNY") == "100000000000.01"
    assert check_amount(1) == 1 and check_amount(MAX_AMOUNT_MINOR) == MAX_AMOUNT_MINOR
    for bad in (0, -1, 1.0, 0.5, True, MAX_AMOUNT_MINOR + 1):
        assert _reason(check_amount, bad) == "amount_out_of_range", bad


def test_masking_keeps_the_first_and_last_four() -> None:
    assert mask_number("6222021234561234") == "6222****1234" and DEBIT.masked == "6222****1234"
    assert mask_number("12345") == "****45" and mask_number("1") == "****"


def test_a_transfer_is_balanced_and_moves_both_balances() -> None:
    plan = postings.transfer("c1", DEBIT, SAVINGS, 2_500, "CNY")
    assert plan.legs == (Leg("d", -2_500), Leg("s", 2_500)) and sum(leg.amount_minor for leg in plan.legs) == 0
    assert postings.apply(ALL, plan.legs) == {"d": 7_500, "s": 2_500}


def test_transfers_refuse_what_a_bank_refuses() -> None:
    assert _reason(postings.transfer, "c1", DEBIT, OTHER, 1, "CNY") == "not_own_account"
    assert _reason(postings.transfer, "c1", DEBIT, DEBIT, 1, "CNY") == "wrong_account_kind"
    assert _reason(postings.transfer, "c1", CARD, DEBIT, 1, "CNY") == "wrong_account_kind"
    assert _reason(postings.transfer, "c1", DEBIT, USD, 1, "CNY") == "currency_mismatch"
    assert _reason(postings.transfer, "c1", DEBIT, SAVINGS, 0, "CNY") == "amount_out_of_range"
    overdraw = postings.transfer("c1", DEBIT, SAVINGS, 10_001, "CNY")
    assert _reason(postings.apply, ALL, overdraw.legs) == "insufficient_funds"
    exact = postings.transfer("c1", DEBIT, SAVINGS, 10_000, "CNY")
    assert postings.apply(ALL, exact.legs)["d"] == 0


def test_card_repayment_at_most_what_is_owed_and_the_card_bounds() -> None:
    plan = postings.card_repayment("c1", DEBIT, CARD, 5_000, "CNY")
    assert postings.apply(ALL, plan.legs) == {"d": 5_000, "k": 0}
    assert _reason(postings.card_repayment, "c1", DEBIT, CARD, 5_001, "CNY") == "amount_out_of_range"
    assert _reason(postings.card_repayment, "c1", DEBIT, SAVINGS, 1, "CNY") == "wrong_account_kind"
    assert in_bounds(CARD, -20_000) and not in_bounds(CARD, -20_001) and not in_bounds(CARD, 1)
    assert available_minor(CARD) == 15_000 and available_minor(DEBIT) == 10_000


def test_utility_payment_needs_a_biller_and_a_reference() -> None:
    plan = postings.utility_payment("c1", DEBIT, BILLER, 880, "CNY", "EL-2026-01")
    assert plan.reference == "EL-2026-01" and plan.kind is Movement.UTILITY_PAYMENT
    assert _reason(postings.utility_payment, "c1", DEBIT, SAVINGS, 1, "CNY", "EL-2026-01") == "unknown_biller"
    assert _reason(postings.utility_payment, "c1", DEBIT, BILLER, 1, "CNY", "x") == "bad_bill_reference"


def test_an_unbalanced_posting_is_a_bug_not_a_refusal() -> None:
    with pytest.raises(ValueError):
        check_balanced((Leg("a", 1), Leg("b", -2)))
    with pytest.raises(ValueError):
        check_balanced((Leg("a", 0), Leg("b", 0)))
    with pytest.raises(ValueError):
        check_balanced((Leg("a", 1),))


def _posted(**changes: object) -> Posted:
    values: dict[str, object] = {
        "posting_id": 7,
        "kind": Movement.TRANSFER,
        "customer_id": "c1",
        "currency": "CNY",
        "amount_minor": 100,
        "local_day": TODAY,
        "legs": (Leg("d", -100), Leg("s", 100)),
        "reversed_by": None,
    }
    values.update(changes)
    return Posted(**values)  # type: ignore[arg-type]


def test_a_reversal_negates_the_legs_once_on_the_same_day() -> None:
    plan = postings.reversal("c1", _posted(), TODAY)
    assert plan.legs == (Leg("d", 100), Leg("s", -100)) and plan.reverses == 7 and plan.kind is Movement.REVERSAL
    assert _reason(postings.reversal, "c1", _posted(reversed_by=8), TODAY) == "already_reversed"
    assert _reason(postings.reversal, "c1", _posted(local_day=TODAY - dt.timedelta(days=1)), TODAY) == "not_reversible"
    assert _reason(postings.reversal, "c1", _posted(kind=Movement.REVERSAL), TODAY) == "not_reversible"
    assert _reason(postings.reversal, "c1", _posted(kind=Movement.OPENING), TODAY) == "not_reversible"
    assert _reason(postings.reversal, "c2", _posted(), TODAY) == "unknown_posting"


def test_limits_per_movement_and_per_day() -> None:
    limits = {"CNY": Limits(1_000, 1_500)}
    check_limits(limits, "CNY", 1_000, 500)
    assert _reason(check_limits, limits, "CNY", 1_001, 0) == "limit_exceeded"
    assert _reason(check_limits, limits, "CNY", 600, 1_000) == "limit_exceeded"
    assert limits_from({"CNY": [10, 20]})["CNY"] == Limits(10, 20) and limits_from({})["USD"] == DEFAULT_LIMITS["USD"]
    for bad in ({"XXX": [1, 2]}, {"CNY": [3, 2]}, {"CNY": [0, 2]}):
        with pytest.raises(ValueError):
            limits_from(bad)


def test_identity_needs_a_recent_approved_result_of_this_customer() -> None:
    now = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)
    window = dt.timedelta(minutes=15)
    good = KycEvidence("k1", "approved", now - dt.timedelta(minutes=5), "3201**********1234")
    check_identity(good, "3201**********1234", now, window)
    cases = [
        (None, "3201**********1234"),
        (KycEvidence("k1", "rejected", good.at, good.id_number_masked), "3201**********1234"),
        (KycEvidence("k1", "review", good.at, good.id_number_masked), "3201**********1234"),
        (KycEvidence("k1", "approved", now - dt.timedelta(minutes=16), good.id_number_masked), "3201**********1234"),
        (KycEvidence("k1", "approved", now + dt.timedelta(minutes=5), good.id_number_masked), "3201**********1234"),
        (good, "1101**********5678"),
        (KycEvidence("k1", "approved", good.at, ""), ""),
    ]
    for evidence, masked in cases:
        assert _reason(check_identity, evidence, masked, now, window) == "identity_not_verified"


def test_idempotency_keys_and_fingerprints() -> None:
    assert check_key("retry-key-0001") == "retry-key-0001"
    for bad in (None, "short", "x" * 129, "has space 12345"):
        assert _reason(check_key, bad) == "idempotency_key_required"
    one = request_hash("transfer", "b1", "c1", {"amount_minor": 1, "from": "a"})
    assert one == request_hash("transfer", "b1", "c1", {"from": "a", "amount_minor": 1})
    assert one != request_hash("transfer", "b1", "c1", {"from": "a", "amount_minor": 2})
    assert one != request_hash("card_repayment", "b1", "c1", {"from": "a", "amount_minor": 1})


def test_demo_data_is_deterministic_balanced_and_in_bounds() -> None:
    first, again, other = demo_customers("demo-001"), demo_customers("demo-001"), demo_customers("demo-002")
    assert first == again and first != other
    numbers = [a.number for _, accounts, _ in first + other for a in accounts] + [a.number for a in shared_accounts()]
    assert len(numbers) == len(set(numbers)), "account numbers are unique"
    for customer, accounts, plans in first:
        balance = {a.account_id: 0 for a in accounts}
        for plan in plans:
            check_balanced(plan.legs)
            for leg in plan.legs:
                if leg.account_id in balance:
                    balance[leg.account_id] += leg.amount_minor
        assert all(in_bounds(a, balance[a.account_id]) for a in accounts), customer
    assert first[0][0].id_number_masked == "3201**********1234"


def test_rates_and_every_refusal_are_labelled() -> None:
    assert fx_table()["sandbox"] is True and interest_table()["sandbox"] is True
    assert all(status in (400, 403, 404, 409, 422) for status, _ in REASONS.values())
    with pytest.raises(ValueError):
        CoreRefused("no_such_reason", "")


def test_branchops_up_seeds_its_branch() -> None:
    setup = dev_setup(DevRun(branch="demo-001", urls={}, api_keys={}))
    assert json.loads(setup.env["RECORDS_SANDBOX_CORE_SEED_BRANCHES"]) == ["demo-001"]
    assert RecordsSettings(sandbox_core_seed_branches=["demo-001"]).sandbox_core_seed_branches == ["demo-001"]
