"""Self-service through the CoreBanking port, the pure half: the amount and the accounts a movement is read back
on, an explicit yes naming the movement once (a retry keeps its key turn), refusals with a next step, the identity
gate's reply, the SANDBOX label, and how each task ends (completed / handed_off with a reason)."""

from __future__ import annotations

from datetime import date

import pytest

from services.voice.domain.banking import AccountSummary
from services.voice.domain.dialogue.outcomes import ending
from services.voice.domain.dialogue.policy import (
    Understanding,
    after_prepared,
    after_read,
    after_refused,
    decide,
    identity_needed,
)
from services.voice.domain.dialogue.self_service import (
    amount_minor,
    balance_reply,
    bill_reference_in,
    money,
    plan_movement,
)
from services.voice.domain.dialogue.state import DialogueState

DEBIT = AccountSummary("c1-a1", "6222****1111", "debit_card", "", "CNY", 500_000, 500_000)
SAVINGS = AccountSummary("c1-a2", "6222****2222", "savings", "", "CNY", 100_000, 100_000)
CARD = AccountSummary("c1-a3", "6258****3333", "credit_card", "", "CNY", -123_450, 1_876_550, 2_000_000)


def said(intent: str, **slots: str | int | float) -> Understanding:
    return Understanding(intent, 0.95, dict(slots), "zh")


def fresh(lang: str = "zh") -> DialogueState:
    state = DialogueState("s1", "b1", "k1", lang=lang)
    state.identity = "kyc-1"
    return state


def confirming_repayment(amount: float = 200) -> DialogueState:
    d = decide(fresh(), said("credit_card_repayment", amount=amount))
    assert d.banking is not None and d.banking.action == "prepare" and d.outcome == "preparing"
    plan = plan_movement("credit_card_repayment", dict(d.state.slots), [CARD, SAVINGS, DEBIT])
    ready = after_prepared(d.state, plan)
    assert ready.state.phase == "confirming" and ready.outcome == "confirm_prompt"
    return ready.state


@pytest.mark.parametrize(
    ("value", "fen"), [(200, 20_000), (12.5, 1_250), (0.01, 1), (0, None), (-3, None), (1.234, None), ("5", None)]
)
def test_amounts_become_whole_fen_or_nothing(value: object, fen: int | None) -> None:
    assert amount_minor(value) == fen


def test_the_read_back_names_amount_and_masked_accounts_and_says_sandbox() -> None:
    d = decide(fresh(), said("credit_card_repayment", amount=200))
    plan = plan_movement("credit_card_repayment", dict(d.state.slots), [CARD, SAVINGS, DEBIT])
    assert plan is not None and (plan.source_id, plan.target_id) == ("c1-a1", "c1-a3"), "debit card first"
    reply = after_prepared(d.state, plan).reply
    assert "200.00" in reply and "6222****1111" in reply and "6258****3333" in reply and "沙箱" in reply
    assert "c1-a1" not in reply, "ids stay inside"
    en = DialogueState("s1", "b1", "k1", lang="en")
    en.identity = "kyc-1"
    d = decide(en, Understanding("credit_card_repayment", 0.9, {"amount": 50}, "en"))
    reply = after_prepared(d.state, plan_movement("credit_card_repayment", {"amount": 50}, [DEBIT, CARD])).reply
    assert reply.startswith("[SANDBOX]") and "CNY 50.00" in reply


def test_no_amount_is_asked_for_and_no_card_is_a_clear_refusal() -> None:
    d = decide(fresh(), said("credit_card_repayment"))
    assert d.outcome == "slot_prompt" and d.state.pending_slot == "amount" and d.banking is None
    d = decide(fresh(), said("credit_card_repayment", amount=10))
    none = after_prepared(d.state, plan_movement("credit_card_repayment", dict(d.state.slots), [DEBIT]))
    assert none.outcome == "core_refused" and none.state.intent is None
    assert ending(none.outcome) == ("handed_off", "core_refused")


def test_utility_payment_asks_for_the_bill_reference_and_masks_it() -> None:
    d = decide(fresh(), said("utility_payment", amount=88, bill_type="water"))
    assert d.state.pending_slot == "bill_reference"
    assert bill_reference_in("户号 1234 5678") == "12345678"
    d = decide(d.state, said("utility_payment", bill_reference="12345678"))
    assert d.banking is not None and d.banking.action == "prepare"
    plan = plan_movement("utility_payment", dict(d.state.slots), [DEBIT])
    assert plan is not None and plan.target_id == "sbx-biller-water" and "12****78" in plan.target_masked


def test_only_an_explicit_yes_posts_and_a_retry_keeps_the_key_turn() -> None:
    state = confirming_repayment()
    unclear = decide(state, said("nlu_fallback"))
    assert unclear.banking is None and "6222****1111" in unclear.reply, "read back again, nothing posted"
    yes = decide(state, said("affirm"))
    assert yes.banking is not None and yes.banking.action == "post" and yes.banking.key_turn == yes.state.turn
    lost = after_refused(yes.state, "core_unavailable", posting=True)
    assert lost.state.phase == "confirming" and "不会重复扣款" in lost.reply
    again = decide(lost.state, said("affirm"))
    assert again.banking is not None and again.banking.key_turn == yes.banking.key_turn, "the same movement's key"
    assert again.state.turn > yes.state.turn
    no = decide(state, said("deny"))
    assert no.banking is None and no.outcome == "cancelled"


def test_a_changed_amount_is_another_movement() -> None:
    yes = decide(confirming_repayment(), said("affirm"))
    assert yes.state.confirm_turn is not None
    refused = after_refused(yes.state, "insufficient_funds", posting=True)
    assert refused.state.pending_slot == "amount" and refused.state.confirm_turn is None and "较小" in refused.reply
    assert ending(refused.outcome) == (None, None), "the task goes on"


@pytest.mark.parametrize(
    ("reason", "keep", "end"),
    [
        ("insufficient_funds", "filling", None),
        ("limit_exceeded", "filling", None),
        ("amount_out_of_range", "filling", None),
        ("identity_not_verified", "open", ("handed_off", "identity_failed")),
        ("core_unavailable", "confirming", ("handed_off", "core_unavailable")),
        ("wrong_account_kind", "open", ("handed_off", "core_refused")),
    ],
)
def test_every_refusal_has_a_next_step(reason: str, keep: str, end: tuple[str, str] | None) -> None:
    yes = decide(confirming_repayment(), said("affirm"))
    step = after_refused(yes.state, reason, posting=True)
    assert step.state.phase == keep and step.reply and "沙箱" in step.reply
    assert ending(step.outcome) == (end or (None, None))
    if reason == "identity_not_verified":
        assert step.state.identity is None, "verify again"


def test_the_identity_gate_reply_and_a_read_that_did_not_answer() -> None:
    gate = identity_needed(decide(DialogueState("s1", "b1", "k1"), said("balance_inquiry")).state)
    assert "身份核验" in gate.reply and gate.state.intent is None and ending(gate.outcome) == (None, None)
    read = after_refused(fresh(), "core_unavailable", posting=False)
    assert read.state.phase == "open" and "稍后" in read.reply


def test_balance_screen_is_masked_and_labelled() -> None:
    reply, screen = balance_reply("zh", [DEBIT, SAVINGS, CARD])
    assert reply.startswith("【沙箱】") and "5,000.00" in reply and "-1,234.50" in reply
    assert screen["sandbox"] is True and [row["number"] for row in screen["accounts"]] == [  # type: ignore[attr-defined]
        "6222****1111",
        "6222****2222",
        "6258****3333",
    ]
    assert money(-5) == "-0.05"
    done = after_read(fresh(), reply)
    assert ending(done.outcome) == ("completed", "self_service_done")


@pytest.mark.parametrize(
    ("outcome", "reason", "end"),
    [
        ("booked", None, ("completed", "appointment_booked")),
        ("answered", None, ("completed", "information_given")),
        ("ticket", None, ("handed_off", "counter_service")),
        ("handoff", "human_asked", ("handed_off", "human_asked")),
        ("handoff", "not_understood", ("handed_off", "not_understood")),
        ("slot_prompt", None, (None, None)),
        ("confirm_prompt", None, (None, None)),
    ],
)
def test_outcomes_classify(outcome: str, reason: str | None, end: tuple[str | None, str | None]) -> None:
    assert ending(outcome, reason) == end


def test_hand_off_reasons_from_the_policy(today: date) -> None:
    asked = decide(fresh(), said("human_agent"))
    assert asked.outcome == "handoff" and asked.handoff_reason == "human_asked"
    state = fresh()
    for _ in range(3):
        d = decide(state, said("nlu_fallback"))
        state = d.state
    assert d.outcome == "handoff" and d.handoff_reason == "not_understood"


def test_a_transfer_between_own_accounts_is_done_at_the_kiosk_others_go_to_the_counter() -> None:
    from services.voice.domain.dialogue.self_service import OWN_ACCOUNTS

    assert OWN_ACCOUNTS.search("转五百到我自己的储蓄账户") and OWN_ACCOUNTS.search("move 500 to my savings")
    assert not OWN_ACCOUNTS.search("给张三转五百")
    own = decide(fresh(), said("transfer", amount=500, own_accounts="yes"))
    assert own.banking is not None and own.banking.action == "prepare"
    plan = plan_movement("transfer", dict(own.state.slots), [DEBIT, SAVINGS, CARD])
    assert plan is not None and (plan.source_id, plan.target_id) == ("c1-a1", "c1-a2")
    ready = after_prepared(own.state, plan)
    assert "本人账户间转账" in ready.reply and "500.00" in ready.reply
    yes = decide(ready.state, said("affirm"))
    assert yes.banking is not None and yes.banking.action == "post"
    other = decide(fresh(), said("transfer", amount=500))
    assert other.banking is None and other.outcome == "confirm_prompt", "to someone else: confirmed, then a ticket"
    assert plan_movement("transfer", {"amount": 5}, [DEBIT, CARD]) is None, "no second own account"
