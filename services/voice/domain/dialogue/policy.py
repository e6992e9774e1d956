"""The dialogue policy: state + what the customer meant -> reply, next state and at most one action.

Pure: no clock, no I/O. The only action is asking the queue service for a ticket; the handler performs
it and calls :func:`after_ticket` with the number (or None when the queue could not be reached).
Money never moves on a single turn: every money intent goes through a confirmation turn.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from services.voice.domain.dialogue.catalogue import CATALOGUE, SELF_SERVICE, missing_slots, service_for
from services.voice.domain.dialogue.prompts import say, summary, wait_phrase
from services.voice.domain.dialogue.state import DialogueState, SlotValue

MAX_MISSES = 3
SWITCH_CONFIDENCE = 0.6
HANDOFF_INTENTS = frozenset({"human_agent", "complaint"})
CONFIRM_PHRASES = {
    "zh": ("是", "是的", "对", "确认", "好的", "可以", "不是", "不", "不对", "取消", "算了", "再说一遍", "转人工"),
    "en": (
        "yes",
        "yes please",
        "correct",
        "confirm",
        "okay",
        "no",
        "cancel",
        "stop",
        "repeat",
        "say again",
        "talk to a person",
    ),
}
CURRENCY_PHRASES = {
    "zh": ("美元", "欧元", "日元", "港币", "英镑", "人民币", "取消", "转人工"),
    "en": ("us dollars", "dollars", "euros", "yen", "hong kong dollars", "pounds", "cancel"),
}


@dataclass(frozen=True)
class Understanding:
    """One customer turn as the NLU read it; ``lang`` None when the words carry no language (``500``)."""

    intent: str
    confidence: float
    slots: dict[str, SlotValue]
    lang: str | None


@dataclass(frozen=True)
class TicketRequest:
    service: str
    handoff: bool  # True: a priority ticket to a person; False: an ordinary ticket for the service


@dataclass(frozen=True)
class Decision:
    state: DialogueState
    reply: str
    outcome: str
    ticket: TicketRequest | None = None


def phrases_for(state: DialogueState) -> tuple[str, ...] | None:
    """A phrase list for the recognizer where the answer is one of a few (grammar mode), else None."""
    if state.phase == "confirming":
        return CONFIRM_PHRASES.get(state.lang)
    if state.phase == "filling" and state.pending_slot == "currency":
        return CURRENCY_PHRASES.get(state.lang)
    return None


def decide(previous: DialogueState, heard: Understanding) -> Decision:
    state = copy.deepcopy(previous)
    state.turn += 1
    if heard.lang in ("zh", "en"):
        state.lang = heard.lang
    if heard.intent == "repeat":
        return _reply(state, state.last_reply or say("nothing_to_repeat", state.lang), "repeated")
    if heard.intent in HANDOFF_INTENTS:
        return _handoff(state)
    if state.phase == "confirming":
        return _on_confirming(state, heard)
    if state.phase == "filling" and state.intent is not None:
        return _on_filling(state, heard)
    return _on_open(state, heard)


def _reply(state: DialogueState, text: str, outcome: str, ticket: TicketRequest | None = None) -> Decision:
    state.last_reply = text
    return Decision(state, text, outcome, ticket)


def _handoff(state: DialogueState) -> Decision:
    service = service_for(state.intent, dict(state.slots)) if state.intent else "general"
    state.reset_task()
    return Decision(state, "", "handoff", TicketRequest(service, handoff=True))


def _miss(state: DialogueState, first_key: str, again_key: str) -> Decision:
    state.misses += 1
    if state.misses >= MAX_MISSES:
        return _handoff(state)
    key = first_key if state.misses == 1 else again_key
    return _reply(state, say(key, state.lang), "reprompt")


def _on_open(state: DialogueState, heard: Understanding) -> Decision:
    intent = heard.intent
    if intent == "greeting":
        state.misses = 0
        return _reply(state, say("greeting", state.lang), "greeted")
    if intent == "goodbye":
        state.reset_task()
        state.phase = "closed"
        return _reply(state, say("goodbye", state.lang), "goodbye")
    if intent in ("affirm", "deny"):
        return _reply(state, say("anything_else", state.lang), "answered")
    if intent == "branch_info":
        return _reply(state, say("branch_info", state.lang), "answered")
    if intent not in CATALOGUE:
        return _miss(state, "not_understood", "not_understood_again")
    state.intent = intent
    state.slots = dict(heard.slots)
    state.misses = 0
    return _advance(state)


def _advance(state: DialogueState) -> Decision:
    """Ask for the next missing slot, else confirm money, else act."""
    assert state.intent is not None
    missing = missing_slots(state.intent, dict(state.slots))
    if missing:
        state.phase = "filling"
        state.pending_slot = missing[0]
        return _reply(state, say(f"ask_{missing[0]}", state.lang), "slot_prompt")
    spec = CATALOGUE[state.intent]
    if spec.money and state.phase != "confirming":
        state.phase = "confirming"
        state.pending_slot = None
        text = say("confirm", state.lang, summary=summary(state.intent, dict(state.slots), state.lang))
        return _reply(state, text, "confirm_prompt")
    return _act(state)


def _act(state: DialogueState) -> Decision:
    assert state.intent is not None
    intent, spec = state.intent, CATALOGUE[state.intent]
    if intent == "queue_status":
        state.reset_task()
        return _reply(state, say("queue_status", state.lang), "answered")
    if spec.route == SELF_SERVICE:
        name = spec.zh if state.lang == "zh" else spec.en
        state.reset_task()
        return _reply(state, say("self_service", state.lang, name=name), "self_service")
    service = service_for(intent, dict(state.slots))
    return Decision(state, "", "ticket", TicketRequest(service, handoff=spec.urgent))


def _on_filling(state: DialogueState, heard: Understanding) -> Decision:
    assert state.intent is not None
    pending = state.pending_slot
    if heard.intent == "deny" and not (pending and pending in heard.slots):
        state.reset_task()
        return _reply(state, say("cancelled", state.lang), "cancelled")
    if (
        heard.intent in CATALOGUE
        and heard.intent != state.intent
        and heard.confidence >= SWITCH_CONFIDENCE
        and not (pending and pending in heard.slots)
    ):
        state.reset_task()
        return _on_open(state, heard)
    state.slots.update(heard.slots)
    if pending and pending not in state.slots:
        return _miss(state, f"ask_again_{pending}", f"ask_again_{pending}")
    state.misses = 0
    return _advance(state)


def _on_confirming(state: DialogueState, heard: Understanding) -> Decision:
    assert state.intent is not None
    if heard.intent == "affirm":
        state.misses = 0
        return _act(state)
    if heard.intent == "deny":
        state.reset_task()
        return _reply(state, say("cancelled", state.lang), "cancelled")
    state.misses += 1
    if state.misses >= MAX_MISSES:
        return _handoff(state)
    text = say("confirm_again", state.lang, summary=summary(state.intent, dict(state.slots), state.lang))
    return _reply(state, text, "reprompt")


def after_ticket(
    previous: DialogueState, request: TicketRequest, number: str | None, wait_min: float | None, ahead: int | None
) -> Decision:
    """The reply once the queue answered (``number`` None: it could not issue a ticket)."""
    state = copy.deepcopy(previous)
    state.reset_task()
    if number is None:
        return _reply(state, say("ticket_failed", state.lang), "ticket_failed")
    state.ticket_number = number
    wait = wait_phrase(state.lang, wait_min, ahead)
    key = "handoff" if request.handoff else "ticket"
    return _reply(state, say(key, state.lang, number=number, wait=wait), "handoff" if request.handoff else "ticket")
