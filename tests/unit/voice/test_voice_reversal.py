"""Reversal by voice, the pure half: which words ask to undo the movement just made, the read-back and the
explicit yes (one key turn, kept on a retry), a no, repeated misses, nothing to undo, already undone, not
today's."""

from __future__ import annotations

import pytest

from services.voice.domain.banking import Posting, PostingResult
from services.voice.domain.dialogue.outcomes import ending
from services.voice.domain.dialogue.policy import (
    MAX_MISSES,
    Understanding,
    after_read,
    after_refused,
    after_reversal_refused,
    decide,
)
from services.voice.domain.dialogue.reversal import REVERSAL, asks_reversal, remembered, reversed_reply
from services.voice.domain.dialogue.state import DialogueState
from services.voice.domain.nlu.normalise import normalise


@pytest.mark.parametrize(
    "phrase",
    [
        "撤销刚才的还款",
        "撤销刚才的转账",
        "帮我撤回那笔缴费",
        "取消刚才那笔付款",
        "冲正上一笔交易",
        "cancel the payment I just made",
        "please reverse my last transfer",
        "undo that bill payment",
        "Cancel the repayment I did",
    ],
)
def test_words_that_ask_to_undo_the_movement_just_made(phrase: str) -> None:
    assert asks_reversal(normalise(phrase))


@pytest.mark.parametrize(
    "phrase",
    [
        "取消",  # cancels the task under way
        "取消转账",
        "不要了",
        "撤销卡的挂失",
        "我要还信用卡",
        "cancel",
        "cancel my card",
        "I want to make a payment",
        "undo the freeze on my account",
    ],
)
def test_words_that_do_not(phrase: str) -> None:
    assert not asks_reversal(normalise(phrase))


def heard(intent: str, lang: str = "zh") -> Understanding:
    return Understanding(intent, 0.95, {}, lang)


def result(posting_id: int, amount_minor: int = 20_000, reverses: int | None = None) -> PostingResult:
    kind = "reversal" if reverses else "card_repayment"
    posting = Posting(posting_id, kind, "CNY", amount_minor, "2026-01-01T10:00:00+08:00", "2026-01-01", None, reverses)
    return PostingResult(posting, (), replayed=False, sandbox=True)


def after_a_repayment(lang: str = "zh") -> DialogueState:
    state = DialogueState("s1", "b1", "k1", lang=lang)
    state.identity = "kyc-1"
    banking = {"source_masked": "6222****1111", "target_masked": "6258****3333", "amount_minor": "20000"}
    state.last_movement = remembered("credit_card_repayment", banking, result(41))
    return after_read(state, "done").state


def test_nothing_made_this_session_is_said_with_the_next_step() -> None:
    fresh = DialogueState("s1", "b1", "k1")
    told = decide(fresh, heard(REVERSAL))
    assert told.banking is None and "没有办理可撤销的交易" in told.reply and "柜台" in told.reply
    assert ending(told.outcome) == ("completed", "information_given")


def test_the_movement_is_read_back_and_only_a_yes_reverses_it_once() -> None:
    state = after_a_repayment()
    assert state.last_movement["posting_id"] == "41", "the session keeps it after the task ended"
    asked = decide(state, heard(REVERSAL))
    assert asked.state.phase == "confirming" and asked.state.intent == REVERSAL and asked.banking is None
    assert "信用卡还款 200.00 元" in asked.reply and "6222****1111" in asked.reply and "41" in asked.reply
    unclear = decide(asked.state, heard("nlu_fallback"))
    assert unclear.banking is None and "200.00" in unclear.reply, "read back again, nothing reversed"
    yes = decide(asked.state, heard("affirm"))
    assert yes.banking is not None and (yes.banking.action, yes.banking.intent) == ("post", REVERSAL)
    assert yes.banking.key_turn == yes.state.turn
    lost = after_refused(yes.state, "core_unavailable", posting=True)  # the answer was lost: confirm again
    again = decide(lost.state, heard("affirm"))
    assert again.banking is not None and again.banking.key_turn == yes.banking.key_turn, "the same reversal's key"
    no = decide(asked.state, heard("deny"))
    assert no.banking is None and no.outcome == "cancelled" and no.state.last_movement["posting_id"] == "41"


def test_misses_while_confirming_hand_off_without_reversing() -> None:
    state = decide(after_a_repayment(), heard(REVERSAL)).state
    for _ in range(MAX_MISSES):
        decision = decide(state, heard("nlu_fallback"))
        state = decision.state
    assert decision.banking is None and decision.outcome == "handoff" and state.intent is None


def test_reversed_then_asked_again_is_already_done() -> None:
    yes = decide(decide(after_a_repayment("en"), heard(REVERSAL, "en")).state, heard("affirm", "en"))
    reply, screen = reversed_reply(dict(yes.state.banking), "en", result(42, -20_000, reverses=41))
    assert reply.startswith("[SANDBOX] Reversed") and "CNY 200.00 is back on 6222****1111" in reply
    assert screen["reverses"] == 41 and screen["amount"] == "200.00" and screen["to"] == "6222****1111"
    state = yes.state
    state.last_movement = {**state.last_movement, "reversed": "42"}
    done = after_read(state, reply)
    told = decide(done.state, heard(REVERSAL, "en"))
    assert told.banking is None and "already been reversed" in told.reply


@pytest.mark.parametrize(
    ("reason", "words", "end"),
    [
        ("already_reversed", "已经撤销过了", ("completed", "information_given")),
        ("not_reversible", "只能撤销当天的交易", ("handed_off", "core_refused")),
        ("identity_not_verified", "身份核验未通过", ("handed_off", "identity_failed")),
    ],
)
def test_the_core_refusing_a_reversal_has_a_next_step(reason: str, words: str, end: tuple[str, str]) -> None:
    yes = decide(decide(after_a_repayment(), heard(REVERSAL)).state, heard("affirm"))
    refused = after_reversal_refused(yes.state, reason)
    assert words in refused.reply and ending(refused.outcome) == end and refused.state.phase == "open"
    if reason == "already_reversed":
        assert decide(refused.state, heard(REVERSAL)).reply.count("已经撤销过了") == 1
