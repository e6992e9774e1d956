"""Dialogue policy: slot filling with re-prompts, confirmation before money, hand-off, repeat, cancel,
replies in the customer's language. Pure: the NLU engine of the session fixture reads the texts."""

from __future__ import annotations

from datetime import date

import pytest

from services.voice.domain.dialogue.policy import (
    Decision,
    Understanding,
    after_ticket,
    decide,
    phrases_for,
)
from services.voice.domain.dialogue.state import DialogueState
from services.voice.domain.nlu.engine import NluEngine
from services.voice.domain.nlu.extractor import extract_slots
from services.voice.domain.nlu.normalise import normalise


def _ticket(d: Decision) -> tuple[str, bool] | None:
    return None if d.ticket is None else (d.ticket.service, d.ticket.handoff)


def fresh(lang: str = "zh") -> DialogueState:
    return DialogueState("s1", "b1", "k1", lang=lang)


def hear(engine: NluEngine, state: DialogueState, text: str, today: date) -> Decision:
    result = engine.analyse(text, today)
    slots = dict(result.slots)
    if state.phase == "filling" and state.intent:
        slots = {**extract_slots(normalise(text), state.intent, today), **slots}
    has_words = any(c.isalpha() for c in text)
    return decide(state, Understanding(result.intent, result.confidence, slots, result.lang if has_words else None))


def test_transfer_fills_the_amount_confirms_then_asks_for_a_ticket(engine: NluEngine, today: date) -> None:
    d = hear(engine, fresh(), "我想转账", today)
    assert (d.outcome, d.state.phase, d.state.pending_slot) == ("slot_prompt", "filling", "amount")
    assert "金额" in d.reply and d.ticket is None
    d = hear(engine, d.state, "三千五", today)
    assert (d.outcome, d.state.phase) == ("confirm_prompt", "confirming")
    assert "3,500" in d.reply and d.ticket is None
    assert phrases_for(d.state) is not None  # yes/no grammar while confirming
    d = hear(engine, d.state, "是的", today)
    assert d.ticket is not None and (d.ticket.service, d.ticket.handoff) == ("general", False)
    assert d.ticket.form is not None and d.ticket.form.payload() == {
        "kind": "transfer",
        "fields": {"amount": "3500.00", "currency": "CNY"},
    }, "the teller gets what was said"


def test_money_never_moves_without_a_confirmation_turn(engine: NluEngine, today: date) -> None:
    d = hear(engine, fresh("en"), "withdraw 500 yuan please", today)
    assert d.outcome == "confirm_prompt" and d.ticket is None
    assert "500" in d.reply and "yes" in d.reply
    d = hear(engine, d.state, "no", today)
    assert d.outcome == "cancelled" and d.ticket is None and d.state.phase == "open"


def test_reprompts_then_hands_off_to_a_person(engine: NluEngine, today: date) -> None:
    d = hear(engine, fresh("en"), "I want to buy some US dollars", today)
    assert d.state.pending_slot == "amount"
    d = hear(engine, d.state, "hmm", today)
    assert d.outcome == "reprompt" and "amount" in d.reply
    d = hear(engine, d.state, "erm", today)
    assert d.outcome == "reprompt"
    d = hear(engine, d.state, "uh", today)
    assert d.outcome == "handoff" and _ticket(d) == ("fx", True)


def test_not_understood_three_times_hands_off(engine: NluEngine, today: date) -> None:
    state = fresh()
    outcomes = []
    for text in ("今天天气怎么样", "啊这个", "呃"):
        d = hear(engine, state, text, today)
        outcomes.append(d.outcome)
        state = d.state
    assert outcomes == ["reprompt", "reprompt", "handoff"]


def test_asking_for_a_person_is_a_priority_ticket(engine: NluEngine, today: date) -> None:
    d = hear(engine, fresh(), "我要转人工", today)
    assert _ticket(d) == ("general", True)
    done = after_ticket(d.state, d.ticket, "A017", 12.4, 3)
    assert "A017" in done.reply and "12" in done.reply and done.outcome == "handoff"


def test_ticket_reply_gives_number_and_wait_in_the_customers_language(engine: NluEngine, today: date) -> None:
    d = hear(engine, fresh("zh"), "I need to open an account", today)
    assert d.state.lang == "en" and _ticket(d) == ("general", False)
    done = after_ticket(d.state, d.ticket, "A005", None, 2)
    assert done.reply.startswith("Your number is A005") and "2 people ahead" in done.reply
    failed = after_ticket(d.state, d.ticket, None, None, None)
    assert failed.outcome == "ticket_failed" and "ticket machine" in failed.reply


def test_repeat_says_the_last_reply_again(engine: NluEngine, today: date) -> None:
    d = hear(engine, fresh(), "我要取款", today)
    first = d.reply
    again = hear(engine, d.state, "再说一遍", today)
    assert again.reply == first and again.outcome == "repeated" and again.state.phase == d.state.phase


def test_cancel_while_filling(engine: NluEngine, today: date) -> None:
    d = hear(engine, fresh(), "我要换外币", today)
    assert d.state.phase == "filling"
    d = hear(engine, d.state, "算了不要了", today)
    assert d.outcome == "cancelled" and d.state.intent is None


def test_self_service_intents_go_to_the_core(engine: NluEngine, today: date) -> None:
    d = hear(engine, fresh(), "帮我查一下余额", today)
    assert d.outcome == "reading" and d.ticket is None and d.banking is not None
    assert (d.banking.action, d.banking.intent) == ("read", "balance_inquiry")
    d = hear(engine, fresh(), "我要改密码", today)  # the PIN keypad once the account is known
    assert d.outcome == "preparing" and d.banking is not None and d.banking.action == "prepare"
    for words, intent in (("养老金查询", "pension_inquiry"), ("打印流水", "statement_print")):
        d = hear(engine, fresh(), words, today)
        assert d.banking is not None and (d.banking.action, d.banking.intent) == ("read", intent)
    d = hear(engine, fresh(), "开通短信通知", today)
    assert d.state.pending_slot == "amount" and "短信提醒" in d.reply


def test_fraud_is_urgent_and_goodbye_closes(engine: NluEngine, today: date) -> None:
    d = hear(engine, fresh("en"), "someone scammed me and took money from my account", today)
    assert d.ticket is not None and d.ticket.handoff
    bye = hear(engine, fresh("en"), "bye, thanks", today)
    assert bye.outcome == "goodbye" and bye.state.phase == "closed"


@pytest.mark.parametrize("text", ["", "   ", "x" * 10_000])
def test_empty_or_huge_text_is_answered(engine: NluEngine, today: date, text: str) -> None:
    d = hear(engine, fresh(), text, today)
    assert d.reply or d.outcome == "reading"
    assert d.outcome in ("reprompt", "self_service", "slot_prompt", "confirm_prompt", "ticket", "greeted", "reading")


def test_state_round_trips_as_json() -> None:
    state = fresh()
    state.slots = {"amount": 3500, "payee": "张三"}
    assert DialogueState.from_json(state.to_json()) == state
