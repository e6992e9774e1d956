"""The dialogue policy: state + what the customer meant -> reply, next state and at most one action.

Pure: no clock, no I/O. The actions are asking the queue service for a ticket (with the prepared form of
the customer's intent), booking an appointment, reading a ticket's place in line and reading the branch's
facts; the handler performs them and calls :func:`after_ticket`, :func:`after_booking`,
:func:`after_status` or :func:`after_branch_info` with what it got (None when the service could not answer).
Money never moves on a single turn: every money intent, and every appointment, goes through a confirmation
turn, in which the customer may still change the date, time, service or amount.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass

from services.voice.domain.dialogue import reversal
from services.voice.domain.dialogue import self_service_changes as changes
from services.voice.domain.dialogue.booking import (
    BranchFacts,
    FreeSlot,
    TicketState,
    choose_slot,
    opening_hours,
    spoken_date,
)
from services.voice.domain.dialogue.catalogue import (
    CATALOGUE,
    COUNTER_SERVICES,
    SELF_SERVICE,
    missing_slots,
    service_for,
)
from services.voice.domain.dialogue.prompts import SERVICE_NAMES, say, summary, wait_phrase
from services.voice.domain.dialogue.self_service import (
    CHANGES,
    THROUGH_CORE,
    BankingRequest,
    Plan,
    is_movement,
    readback,
    refusal,
    required_slots,
    text,
    with_plan,
)
from services.voice.domain.dialogue.state import DialogueState, SlotValue
from services.voice.domain.forms import PreparedForm, prepare_form

MAX_MISSES = 3
SWITCH_CONFIDENCE = 0.6
HANDOFF_INTENTS = frozenset({"human_agent", "complaint"})
APPOINTMENT_INTENTS = frozenset({"appointment_booking", "large_cash_appointment"})
CHANGEABLE = frozenset({"date", "time", "service", "amount", "currency"})
"""What the customer may still change in the confirmation turn ("改到下周二", "换成二十万")."""
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
    form: PreparedForm | None = None  # what the customer already said, for the teller


@dataclass(frozen=True)
class BookingRequest:
    service: str
    date: dt.date
    time: str | None  # HH:MM; None: the earliest free slot of the day


@dataclass(frozen=True)
class StatusRequest:
    ticket_id: str | None  # the ticket this session issued, else the number the customer said
    number: str | None


@dataclass(frozen=True)
class Decision:
    state: DialogueState
    reply: str
    outcome: str
    ticket: TicketRequest | None = None
    booking: BookingRequest | None = None
    status: StatusRequest | None = None
    branch_info: bool = False
    banking: BankingRequest | None = None
    handoff_reason: str | None = None  # why a hand-off (outcome ``handoff``): human_asked, not_understood


def phrases_for(state: DialogueState) -> tuple[str, ...] | None:
    """A phrase list for the recognizer where the answer is one of a few (grammar mode), else None."""
    if state.phase == "confirming" and state.intent not in APPOINTMENT_INTENTS:
        return CONFIRM_PHRASES.get(state.lang)  # an appointment's day, time or amount may still change: free speech
    if state.phase == "filling" and state.pending_slot == "currency":
        return CURRENCY_PHRASES.get(state.lang)
    return None


def decide(previous: DialogueState, heard: Understanding) -> Decision:
    state = copy.deepcopy(previous)
    state.turn += 1
    if heard.lang in ("zh", "en"):
        state.lang = heard.lang
    if heard.intent == "repeat" and not _changes(state, heard):
        return _reply(state, state.last_reply or say("nothing_to_repeat", state.lang), "repeated")
    if heard.intent in HANDOFF_INTENTS:
        return _handoff(state, "human_asked")
    if heard.intent == reversal.REVERSAL:
        return _on_reversal_asked(state)
    if state.phase == "filling" and state.pending_slot == "pin":
        return _on_pin_wait(state, heard)
    if state.phase == "confirming":
        return _on_confirming(state, heard)
    if state.phase == "filling" and state.intent is not None:
        return _on_filling(state, heard)
    return _on_open(state, heard)


def _reply(state: DialogueState, text: str, outcome: str, ticket: TicketRequest | None = None) -> Decision:
    state.last_reply = text
    return Decision(state, text, outcome, ticket)


def _changes(state: DialogueState, heard: Understanding) -> bool:
    """The customer changes a detail of the task being confirmed or filled (a date, time, amount...)."""
    return state.phase in ("filling", "confirming") and bool(CHANGEABLE & set(heard.slots))


def _handoff(state: DialogueState, reason: str = "not_understood") -> Decision:
    service = service_for(state.intent, dict(state.slots)) if state.intent else "general"
    form = prepare_form(state.intent, dict(state.slots)) if state.intent else None
    state.reset_task()
    return Decision(state, "", "handoff", TicketRequest(service, handoff=True, form=form), handoff_reason=reason)


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
    if intent in ("affirm", "deny"):  # a yes with nothing to confirm (a second press of confirm): no task ends
        return _reply(state, say("anything_else", state.lang), "acknowledged")
    if intent == "branch_info":
        return Decision(state, "", "branch_info", branch_info=True)
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
    missing += [s for s in required_slots(state.intent) if state.slots.get(s) in (None, "") and s not in missing]
    if state.intent == "appointment_booking" and not state.slots.get("date"):
        missing = [*missing, "date"]
    if missing:
        state.phase = "filling"
        state.pending_slot = missing[0]
        asked = changes.slot_prompt(state.intent, missing[0], state.lang) or say(f"ask_{missing[0]}", state.lang)
        return _reply(state, asked, "slot_prompt")
    spec = CATALOGUE[state.intent]
    books = _books(state)
    if is_movement(state.intent, dict(state.slots)) and state.phase != "confirming":  # accounts read back first
        state.pending_slot = None
        return Decision(state, "", "preparing", banking=BankingRequest("prepare", state.intent))
    if (spec.money or books) and state.phase != "confirming":
        state.phase = "confirming"
        state.pending_slot = None
        text = say("confirm", state.lang, summary=summary(state.intent, dict(state.slots), state.lang))
        return _reply(state, text, "confirm_prompt")
    return _act(state)


def _act(state: DialogueState) -> Decision:
    assert state.intent is not None
    intent, spec = state.intent, CATALOGUE[state.intent]
    if intent == "queue_status":
        return _ask_status(state)
    if is_movement(intent, dict(state.slots)):
        if state.confirm_turn is None:  # the first yes names the movement; a retry of it keeps the name
            state.confirm_turn = state.turn
        return Decision(state, "", "posting", banking=BankingRequest("post", intent, state.confirm_turn))
    if intent in THROUGH_CORE:
        return Decision(state, "", "reading", banking=BankingRequest("read", intent))
    if spec.route == SELF_SERVICE:
        name = spec.zh if state.lang == "zh" else spec.en
        state.reset_task()
        return _reply(state, say("self_service", state.lang, name=name), "self_service")
    service = service_for(intent, dict(state.slots))
    if _books(state):
        day = dt.date.fromisoformat(str(state.slots["date"]))
        time = str(state.slots["time"]) if state.slots.get("time") else None
        return Decision(state, "", "booking", booking=BookingRequest(service, day, time))
    form = prepare_form(intent, dict(state.slots))
    reason = "counter_service" if spec.urgent else None  # an urgent case goes to the counter first
    return Decision(state, "", "ticket", TicketRequest(service, handoff=spec.urgent, form=form), handoff_reason=reason)


def _books(state: DialogueState) -> bool:
    """An appointment intent with a day the customer said books an appointment (else: a ticket now)."""
    if state.intent not in APPOINTMENT_INTENTS or not state.slots.get("date"):
        return False
    try:
        dt.date.fromisoformat(str(state.slots["date"]))
    except ValueError:
        return False
    return True


def _ask_status(state: DialogueState) -> Decision:
    number = state.slots.get("ticket_number")
    if number:
        said = str(number).upper()
        own = state.ticket_id if state.ticket_number == said else None
        return Decision(state, "", "status", status=StatusRequest(own, said))
    if state.ticket_id:
        return Decision(state, "", "status", status=StatusRequest(state.ticket_id, state.ticket_number))
    state.phase = "filling"
    state.pending_slot = "ticket_number"
    return _reply(state, say("ask_ticket_number", state.lang), "slot_prompt")


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
    if pending and pending not in state.slots and not _changes(state, heard):
        return _miss(state, f"ask_again_{pending}", f"ask_again_{pending}")
    state.misses = 0
    return _advance(state)


def _readback(state: DialogueState) -> str:
    assert state.intent is not None
    if state.intent in CHANGES:
        return changes.readback(state.intent, dict(state.banking), state.lang)
    return readback(state)


def _on_pin_wait(state: DialogueState, heard: Understanding) -> Decision:
    """The new PIN comes from the on-screen keypad only: a spoken or typed turn cancels, switches to another
    task, or is told to use the keypad (never read as a PIN)."""
    if heard.intent == "deny":
        state.reset_task()
        return _reply(state, say("cancelled", state.lang), "cancelled")
    if heard.intent in CATALOGUE and heard.intent != state.intent and heard.confidence >= SWITCH_CONFIDENCE:
        state.reset_task()
        return _on_open(state, heard)
    state.misses += 1
    if state.misses >= MAX_MISSES:
        return _handoff(state)
    return _reply(state, changes.text("pin_not_by_voice", state.lang), "reprompt")


def _on_confirming(state: DialogueState, heard: Understanding) -> Decision:
    assert state.intent is not None
    if state.intent == reversal.REVERSAL:
        return _on_reversal_confirming(state, heard)
    if heard.intent == "affirm":
        state.misses = 0
        return _act(state)
    if heard.intent == "deny":
        state.reset_task()
        return _reply(state, say("cancelled", state.lang), "cancelled")
    if _changes(state, heard):
        changed = {k: v for k, v in heard.slots.items() if k in CHANGEABLE}
        if "date" in changed and "time" not in changed:
            state.slots.pop("time", None)  # another day: the time said for the old one may not exist
        state.slots.update(changed)
        state.misses = 0
        state.confirm_turn = None  # another movement: another key
        state.phase = "filling"  # confirm again, with the change
        return _advance(state)
    state.misses += 1
    if state.misses >= MAX_MISSES:
        return _handoff(state)
    if is_movement(state.intent, dict(state.slots)) and state.banking:
        return _reply(state, _readback(state), "reprompt")
    text = say("confirm_again", state.lang, summary=summary(state.intent, dict(state.slots), state.lang))
    return _reply(state, text, "reprompt")


def _on_reversal_asked(state: DialogueState) -> Decision:
    """Undo the movement just made: read it back and wait for a yes; nothing made, or already undone: say so."""
    state.reset_task()
    last = state.last_movement
    if not last:
        return _reply(state, reversal.say("nothing", state.lang), "answered")
    if last.get("reversed"):
        return _reply(state, reversal.say("already", state.lang, last), "answered")
    state.intent = reversal.REVERSAL
    state.phase = "confirming"
    state.banking = dict(last)
    return _reply(state, reversal.say("readback", state.lang, last), "confirm_prompt")


def _on_reversal_confirming(state: DialogueState, heard: Understanding) -> Decision:
    """Only an explicit yes reverses (once: the first yes names it, a retry of that turn keeps its key)."""
    if heard.intent == "affirm":
        state.misses = 0
        if state.confirm_turn is None:
            state.confirm_turn = state.turn
        return Decision(state, "", "posting", banking=BankingRequest("post", reversal.REVERSAL, state.confirm_turn))
    if heard.intent == "deny":
        state.reset_task()
        return _reply(state, say("cancelled", state.lang), "cancelled")
    state.misses += 1
    if state.misses >= MAX_MISSES:
        state.reset_task()
        return _handoff(state)
    return _reply(state, reversal.say("readback", state.lang, dict(state.banking)), "reprompt")


def after_reversal_refused(previous: DialogueState, reason: str) -> Decision:
    """The core would not reverse: done before (information: the money is back) or not today's (the counter);
    other reasons as for any refusal."""
    state = copy.deepcopy(previous)
    last = dict(state.banking) or dict(state.last_movement)
    if reason == "already_reversed" and last:
        state.reset_task()
        state.last_movement = {**state.last_movement, "reversed": "yes"}
        return _reply(state, reversal.say("already", state.lang, last), "answered")
    if reason == "not_reversible" and last:
        state.reset_task()
        return _reply(state, reversal.say("not_today", state.lang, last), "core_refused")
    return after_refused(state, reason, posting=True)


def after_ticket(
    previous: DialogueState,
    request: TicketRequest,
    number: str | None,
    wait_min: float | None,
    ahead: int | None,
    ticket_id: str | None = None,
) -> Decision:
    """The reply once the queue answered (``number`` None: it could not issue a ticket)."""
    state = copy.deepcopy(previous)
    state.reset_task()
    if number is None:
        return _reply(state, say("ticket_failed", state.lang), "ticket_failed")
    state.ticket_number = number
    state.ticket_id = ticket_id  # "where am I in the queue" reads this ticket
    wait = wait_phrase(state.lang, wait_min, ahead)
    key = "handoff" if request.handoff else "ticket"
    return _reply(state, say(key, state.lang, number=number, wait=wait), "handoff" if request.handoff else "ticket")


def after_booking(
    previous: DialogueState,
    request: BookingRequest,
    booked: tuple[str, str] | None,
    slots: list[FreeSlot] | None,
) -> Decision:
    """The reply once the queue answered: ``booked`` (start, confirmation code), or the day's slots to offer
    from when the wanted one was full or outside the hours, or neither (the queue could not answer)."""
    state = copy.deepcopy(previous)
    lang = state.lang
    date = spoken_date(request.date, lang)
    service = SERVICE_NAMES.get(request.service, ("", ""))[0 if lang == "zh" else 1]
    if booked is not None:
        start, code = booked
        state.reset_task()
        return _reply(state, say("booked", lang, date=date, time=start, service=service, code=code), "booked")
    if slots is None:
        state.reset_task()
        return _reply(state, say("booking_failed", lang), "booking_failed")
    choice = choose_slot(slots, request.time)
    state.phase = "filling"
    if not choice.offers:
        state.slots.pop("date", None)
        state.slots.pop("time", None)
        state.pending_slot = "date"
        return _reply(state, say("day_full", lang, date=date), "slot_offer")
    state.slots.pop("time", None)
    state.pending_slot = "time"
    offers = ("、" if lang == "zh" else ", ").join(choice.offers)
    wanted = request.time or ""
    return _reply(state, say("slot_taken", lang, date=date, wanted=wanted, offers=offers), "slot_offer")


def after_status(
    previous: DialogueState, request: StatusRequest, found: TicketState | None, *, failed: bool
) -> Decision:
    """The reply to "where am I in the queue" once the queue answered (``failed``: it could not)."""
    state = copy.deepcopy(previous)
    state.reset_task()
    lang, number = state.lang, (found.number if found else request.number) or ""
    if failed:
        return _reply(state, say("status_failed", lang), "status_failed")
    if found is None:
        return _reply(state, say("status_unknown", lang, number=number), "answered")
    if found.position is not None:
        wait = ""
        if found.wait_low_min is not None and found.wait_high_min is not None:
            wait = say("wait_range", lang, low=found.wait_low_min, high=found.wait_high_min)
        return _reply(
            state, say("status_waiting", lang, number=number, ahead=found.position - 1, wait=wait), "answered"
        )
    if found.status in ("called", "serving") and found.window_id:
        return _reply(state, say("status_called", lang, number=number, window=found.window_id), "answered")
    return _reply(state, say("status_done", lang, number=number), "answered")


def after_branch_info(previous: DialogueState, facts: BranchFacts | None) -> Decision:
    """Opening hours, services, address and phone from the branch's configuration; the old pointer when there
    is none."""
    state = copy.deepcopy(previous)
    lang = state.lang
    if facts is None:
        return _reply(state, say("branch_info", lang), "answered")
    hours = opening_hours(facts, lang)
    names = [zh if lang == "zh" else en for zh, en in facts.services] or [
        SERVICE_NAMES[s][0 if lang == "zh" else 1] for s in sorted(COUNTER_SERVICES)
    ]
    services = ("、" if lang == "zh" else ", ").join(names)
    parts = [say("branch_facts", lang, name=facts.name, hours=hours, services=services)]
    parts.append(say("branch_closed_days", lang))
    if facts.address:
        parts.append(say("branch_address", lang, address=facts.address[0 if lang == "zh" else 1]))
    if facts.phone:
        parts.append(say("branch_phone", lang, phone=facts.phone))
    return _reply(state, ("" if lang == "zh" else " ").join(parts), "answered")


def identity_needed(previous: DialogueState) -> Decision:
    """The customer's own data before the kiosk's identity check: ask for it; the task is dropped (the kiosk
    starts it again once verified)."""
    state = copy.deepcopy(previous)
    state.reset_task()
    return _reply(state, text("identity_needed", state.lang), "identity_needed")


def after_prepared(previous: DialogueState, plan: Plan | None) -> Decision:
    """The movement's accounts are known: read it back and wait for an explicit yes (``plan`` None: the
    customer has no account to pay from or to; a person helps)."""
    state = copy.deepcopy(previous)
    assert state.intent is not None
    if plan is None:
        state.reset_task()
        return _reply(state, text("no_account", state.lang, what=state.intent), "core_refused")
    state = with_plan(state, plan)
    state.phase = "confirming"
    state.pending_slot = None
    return _reply(state, _readback(state), "confirm_prompt")


def after_change_prepared(previous: DialogueState, plan: changes.ChangePlan | changes.Nothing) -> Decision:
    """An enrolment or state change is read back for an explicit yes; or nothing is to be done (already on,
    already active: information given) or it cannot be done here (no phone, no card: the counter)."""
    state = copy.deepcopy(previous)
    if isinstance(plan, changes.Nothing):
        state.reset_task()
        return _reply(state, plan.reply, "core_refused" if plan.handed_off else "answered")
    state.banking = dict(plan.fields)
    state.phase = "confirming"
    state.pending_slot = None
    return _reply(state, _readback(state), "confirm_prompt")


def pin_entry(previous: DialogueState, account_id: str | None, account_masked: str) -> Decision:
    """The PIN change's account is known: the kiosk shows its PIN keypad (``account_id`` None: no account)."""
    state = copy.deepcopy(previous)
    if account_id is None:
        state.reset_task()
        return _reply(state, text("no_account", state.lang, what=state.intent), "core_refused")
    state.banking = {"account_id": account_id, "account": account_masked}
    state.phase = "filling"
    state.pending_slot = "pin"
    state.misses = 0
    return _reply(state, changes.text("pin_enter", state.lang, account=account_masked), "pin_prompt")


def after_pin_refused(previous: DialogueState, key: str) -> Decision:
    """The two entries differ, are not six digits, or the core found the PIN weak: nothing changed, enter
    it again on the keypad."""
    state = copy.deepcopy(previous)
    return _reply(state, changes.text(key, state.lang), "pin_prompt")


def after_read(previous: DialogueState, reply: str) -> Decision:
    """Data or rates shown: the task is done at the kiosk."""
    state = copy.deepcopy(previous)
    state.reset_task()
    return _reply(state, reply, "self_service_done")


def after_refused(previous: DialogueState, reason: str, *, posting: bool) -> Decision:
    """The core refused (nothing posted) or did not answer (outcome unknown): a clear next step."""
    state = copy.deepcopy(previous)
    step = refusal(state.lang, reason, posting=posting)
    if step.keep == "amount":
        state.slots.pop("amount", None)
        state.phase = "filling"
        state.pending_slot = "amount"
        state.confirm_turn = None  # nothing was posted: the corrected movement gets its own key
        state.banking = {}
        return _reply(state, step.reply, step.outcome)
    if step.keep == "confirm":  # pressing confirm again asks with the same key
        state.phase = "confirming"
        return _reply(state, step.reply, step.outcome)
    state.reset_task()
    if step.outcome == "identity_failed":
        state.identity = None
        state.customer_id = None
    return _reply(state, step.reply, step.outcome)
