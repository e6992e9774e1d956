"""The rest of the kiosk's self-service, the pure half: what an enrolment or card activation reads back and
what is already done (a clear answer, nothing to confirm), the wallet's opening and top-up, the PIN keypad
(the PIN never taken from speech or text; the two entries checked), pension and printed statement replies."""

from __future__ import annotations

import datetime as dt

from services.voice.domain.banking import (
    AccountSummary,
    CardState,
    Pension,
    PensionCredit,
    SelfServices,
    ServiceState,
)
from services.voice.domain.dialogue import self_service_changes as changes
from services.voice.domain.dialogue.outcomes import ending
from services.voice.domain.dialogue.policy import (
    Understanding,
    after_change_prepared,
    after_refused,
    decide,
    pin_entry,
)
from services.voice.domain.dialogue.state import DialogueState

DEBIT = AccountSummary("c1-a1", "6222****1111", "debit_card", "", "CNY", 500_000, 500_000)
SAVINGS = AccountSummary("c1-a2", "6217****2222", "savings", "", "CNY", 100_000, 100_000)
CARD = AccountSummary("c1-a3", "6258****3333", "credit_card", "", "CNY", -100, 10_000, 20_000)
NONE = SelfServices("138****1234", (), (CardState("c1-a3", "6258****3333", "inactive"),), None, True)
ALL = SelfServices(
    "138****1234",
    (
        ServiceState("mobile_banking", "", "active", {}),
        ServiceState("sms_alerts", "c1-a1", "active", {}),
    ),
    (CardState("c1-a3", "6258****3333", "active"),),
    DEBIT,
    True,
)
NO_PHONE = SelfServices("", (), (), None, True)


def said(intent: str, **slots: str | int | float) -> Understanding:
    return Understanding(intent, 0.95, dict(slots), "zh")


def test_enrolments_are_read_back_or_answered_when_already_done() -> None:
    plan = changes.plan_change("mobile_banking_activation", {}, [DEBIT], NONE, "zh")
    assert isinstance(plan, changes.ChangePlan) and plan.fields == {"phone": "138****1234"}
    done = changes.plan_change("mobile_banking_activation", {}, [DEBIT], ALL, "zh")
    assert isinstance(done, changes.Nothing) and "已经开通" in done.reply and not done.handed_off
    phoneless = changes.plan_change("mobile_banking_activation", {}, [DEBIT], NO_PHONE, "en")
    assert isinstance(phoneless, changes.Nothing) and phoneless.handed_off and "counter" in phoneless.reply
    sms = changes.plan_change("sms_alert_service", {"amount": 500}, [SAVINGS, DEBIT], NONE, "zh")
    assert isinstance(sms, changes.ChangePlan)
    assert sms.fields["account_id"] == "c1-a1" and sms.fields["threshold_minor"] == "50000"
    by_last4 = changes.plan_change(
        "sms_alert_service", {"amount": 1, "account_last4": "2222"}, [DEBIT, SAVINGS], ALL, "zh"
    )
    assert isinstance(by_last4, changes.ChangePlan) and by_last4.fields["account_id"] == "c1-a2"
    assert isinstance(changes.plan_change("sms_alert_service", {"amount": 5}, [DEBIT], ALL, "zh"), changes.Nothing)
    card = changes.plan_change("credit_card_activation", {}, [CARD], NONE, "zh")
    assert isinstance(card, changes.ChangePlan) and card.fields == {"account_id": "c1-a3", "card": "6258****3333"}
    active = changes.plan_change("credit_card_activation", {}, [CARD], ALL, "en")
    assert isinstance(active, changes.Nothing) and "already active" in active.reply


def test_the_wallet_is_opened_when_there_is_none_and_topped_up_from_the_debit_card() -> None:
    first = changes.plan_change("digital_rmb_wallet", {"amount": 200}, [SAVINGS, DEBIT], NONE, "zh")
    assert isinstance(first, changes.ChangePlan) and first.fields["open"] == "yes"
    assert first.fields["source_id"] == "c1-a1" and first.fields["amount_minor"] == "20000"
    assert "开立数字人民币钱包" in changes.readback("digital_rmb_wallet", first.fields, "zh")
    later = changes.plan_change("digital_rmb_wallet", {"amount": 200}, [DEBIT], ALL, "zh")
    assert isinstance(later, changes.ChangePlan) and later.fields["open"] == ""
    assert "开立" not in changes.readback("digital_rmb_wallet", later.fields, "zh")


def test_a_change_is_confirmed_then_posted_and_an_answer_ends_the_task() -> None:
    state = DialogueState("s1", "b1", "k1", identity="kyc-1", customer_id="c1", intent="credit_card_activation")
    plan = changes.plan_change("credit_card_activation", {}, [CARD], NONE, "zh")
    assert isinstance(plan, changes.ChangePlan)
    asked = after_change_prepared(state, plan)
    assert asked.state.phase == "confirming" and "6258****3333" in asked.reply and asked.reply.startswith("【沙箱】")
    posting = decide(asked.state, said("affirm"))
    assert posting.banking is not None and posting.banking.action == "post" and posting.banking.key_turn is not None
    answered = after_change_prepared(state, changes.Nothing("【沙箱】已激活"))
    assert answered.state.intent is None and ending(answered.outcome) == ("completed", "information_given")
    refused = after_change_prepared(state, changes.Nothing("no phone", handed_off=True))
    assert ending(refused.outcome) == ("handed_off", "core_refused")


def test_the_pin_comes_from_the_keypad_only() -> None:
    state = DialogueState("s1", "b1", "k1", identity="kyc-1", customer_id="c1", intent="password_change")
    waiting = pin_entry(state, "c1-a1", "6222****1111")
    assert waiting.state.pending_slot == "pin" and "密码键盘" in waiting.reply
    spoken = decide(waiting.state, said("out_of_scope", amount=582914))
    assert spoken.state.pending_slot == "pin" and "请不要说出" in spoken.reply and "582914" not in spoken.reply
    assert "amount" not in spoken.state.slots
    cancelled = decide(waiting.state, said("deny"))
    assert cancelled.outcome == "cancelled" and cancelled.state.intent is None
    switched = decide(waiting.state, said("balance_inquiry"))
    assert switched.state.intent == "balance_inquiry"
    assert changes.check_pin_entries("582914", "582915") == "pin_mismatch"
    assert changes.check_pin_entries("58291", "58291") == "pin_format"
    assert changes.check_pin_entries("５８２９１４", "５８２９１４") == "pin_format"
    assert changes.check_pin_entries("582914", "582914") is None
    nowhere = pin_entry(state, None, "")
    assert nowhere.state.intent is None and ending(nowhere.outcome) == ("handed_off", "core_refused")
    assert changes.pin_account([CARD, SAVINGS, DEBIT], {}) == DEBIT
    assert changes.pin_account([CARD, DEBIT], {"card_type": "credit"}) == CARD
    assert changes.pin_account([CARD, SAVINGS, DEBIT], {"account_last4": "2222"}) == SAVINGS


def test_pension_and_printed_statement_ranges() -> None:
    today = dt.date(2026, 3, 10)
    pension = Pension(
        today - dt.timedelta(days=364),
        today,
        (
            PensionCredit("2026-01-15", 325_000, "CNY", "6217****2222"),
            PensionCredit("2026-02-15", 325_000, "CNY", "6217****2222"),
        ),
        650_000,
        True,
    )
    reply, screen = changes.pension_reply("zh", pension)
    assert "6,500.00" in reply and "2026-02-15" in reply and screen["kind"] == "pension" and screen["sandbox"] is True
    empty, _ = changes.pension_reply("en", Pension(today, today, (), 0, True))
    assert "No pension credits" in empty
    assert changes.statement_range({"date_range": "2026-02-01/2026-02-28"}, today) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
    )
    assert changes.statement_range({"date_range": "2026-03-01/2026-03-31"}, today) == (dt.date(2026, 3, 1), today)
    assert changes.statement_range({}, today) == (today - dt.timedelta(days=29), today)
    assert changes.statement_range({"date_range": "2026-04-01/2026-04-30"}, today) == (
        today - dt.timedelta(days=29),
        today,
    )


def test_a_change_done_meanwhile_is_information_not_a_hand_off() -> None:
    state = DialogueState("s1", "b1", "k1", identity="kyc-1", intent="mobile_banking_activation", phase="confirming")
    for reason in ("already_enrolled", "already_active"):
        told = after_refused(state, reason, posting=True)
        assert "已经办理过" in told.reply and told.state.intent is None
        assert ending(told.outcome) == ("completed", "information_given")
