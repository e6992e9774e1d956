"""The digital employee's use cases: understand a text, run one dialogue turn, speak a reply.

Routes and WebSockets call these; adapters are passed in by the composition root (bootstrap.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import re
import time
import uuid
from concurrent.futures import Executor
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from prometheus_client import Counter, Histogram

from branchops.bus import EventPublisher
from branchops.clock import platform_clock
from branchops.contracts import topics
from branchops.contracts.enums import Language
from branchops.contracts.events import VoiceInteraction
from services.voice.adapters.appointment_client import TAKEN_REASONS, AppointmentClient, Booked, Refused
from services.voice.adapters.branch_facts import BranchFactsBoard
from services.voice.adapters.queue_client import QueueClient, QueueUnavailable, WaitBoard
from services.voice.adapters.sessions import SessionStore
from services.voice.adapters.tts import TtsEngine
from services.voice.domain.banking import Authorisation, BankingRefused, CoreBanking, movement_key
from services.voice.domain.dialogue import reversal
from services.voice.domain.dialogue import self_service_changes as changes
from services.voice.domain.dialogue.booking import choose_slot
from services.voice.domain.dialogue.catalogue import CATALOGUE
from services.voice.domain.dialogue.outcomes import ending
from services.voice.domain.dialogue.policy import (
    APPOINTMENT_INTENTS,
    BookingRequest,
    Decision,
    TicketRequest,
    Understanding,
    after_booking,
    after_branch_info,
    after_change_prepared,
    after_pin_refused,
    after_prepared,
    after_read,
    after_refused,
    after_reversal_refused,
    after_status,
    after_ticket,
    decide,
    identity_needed,
    phrases_for,
    pin_entry,
)
from services.voice.domain.dialogue.prompts import say
from services.voice.domain.dialogue.self_service import (
    CHANGES,
    OWN_ACCOUNTS,
    PIN_CHANGE,
    BankingRequest,
    Plan,
    balance_reply,
    bill_reference_in,
    fx_reply,
    interest_reply,
    needs_identity,
    plan_movement,
    receipt,
    statement_reply,
)
from services.voice.domain.dialogue.state import DialogueState, SlotValue
from services.voice.domain.dialogue.times import find_time
from services.voice.domain.errors import SessionNotFound
from services.voice.domain.nlu import NluEngine, NluResult, mask_slots
from services.voice.domain.nlu.extractor import extract_slots
from services.voice.domain.nlu.normalise import normalise

log = logging.getLogger(__name__)
TURNS = Counter("branchops_voice_turns_total", "Dialogue turns", ["outcome"])
TURN_SECONDS = Histogram(
    "branchops_voice_turn_seconds",
    "Text in to reply text out (no TTS)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2),
)
PUBLISH_FAILED = Counter("branchops_voice_interaction_publish_failed_total", "Turn events not published")
_HAS_WORDS = re.compile(r"[A-Za-z\u3400-\u4dbf\u4e00-\u9fff]")

BRANCH_ZONE = ZoneInfo("Asia/Shanghai")  # VOICE_TIMEZONE sets it (bootstrap)


@dataclass(frozen=True)
class TurnResult:
    state: DialogueState
    reply: str
    outcome: str
    nlu: NluResult | None
    reply_ms: float
    phrases: tuple[str, ...] | None = None
    ticket: dict[str, object] | None = None
    appointment: dict[str, object] | None = None
    screen: dict[str, object] | None = None  # what the kiosk shows: balance, statement, rates, receipt (sandbox)
    end: str | None = None  # completed | handed_off: this turn ended the customer's task
    end_reason: str | None = None

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {
            "session_id": self.state.session_id,
            "turn": self.state.turn,
            "lang": self.state.lang,
            "reply": self.reply,
            "outcome": self.outcome,
            "phase": self.state.phase,
            "intent": self.nlu.intent if self.nlu else None,
            "confidence": round(self.nlu.confidence, 4) if self.nlu else None,
            "slots": dict(self.state.slots),
            "reply_ms": round(self.reply_ms, 2),
            "phrase_list": list(self.phrases) if self.phrases else None,
            "identified": self.state.identity is not None,
            "end": self.end,
            "end_reason": self.end_reason,
        }
        if self.screen:
            body["screen"] = self.screen
        if self.state.phase == "confirming" and self.state.banking:
            body["confirm"] = True
        if self.ticket:
            body["ticket"] = self.ticket
        if self.appointment:
            body["appointment"] = self.appointment
        return body


@dataclass
class Dialogue:
    engine: NluEngine
    sessions: SessionStore
    queue: QueueClient
    waits: WaitBoard
    publisher: EventPublisher
    tts: TtsEngine
    tts_executor: Executor
    appointments: AppointmentClient | None = None  # None: appointments are taken as tickets for now
    facts: BranchFactsBoard | None = None  # None: branch questions get the generic answer
    core: CoreBanking | None = None  # None: self-service intents are pointed to the kiosk's buttons
    zone: dt.tzinfo = BRANCH_ZONE  # the branches' local day: "today", "this month" in what customers say
    _background: set[asyncio.Task[None]] = field(default_factory=set)

    def today(self) -> dt.date:
        """The branches' local day on the platform clock (the day the core's postings are booked on)."""
        return platform_clock().now().astimezone(self.zone).date()

    def understand(self, text: str, today: dt.date | None = None) -> NluResult:
        return self.engine.analyse(text, today or self.today())

    async def start_session(self, branch_id: str, kiosk_id: str, lang: str) -> TurnResult:
        started = time.perf_counter()
        state = DialogueState(uuid.uuid4().hex, branch_id, kiosk_id, lang=lang)
        state.last_reply = say("greeting", lang)
        await self.sessions.put(state)
        return TurnResult(state, state.last_reply, "greeted", None, (time.perf_counter() - started) * 1000)

    async def load(self, branch_id: str, session_id: str) -> DialogueState:
        state = await self.sessions.get(branch_id, session_id)
        if state is None:
            raise SessionNotFound(session_id)
        return state

    async def set_identity(self, branch_id: str, session_id: str, identity: str) -> DialogueState:
        """The kiosk's KYC session for this conversation (its approved result opens the customer's own data;
        the core checks it on every call)."""
        state = await self.load(branch_id, session_id)
        if state.identity != identity:
            state.identity = identity
            state.customer_id = None
            await self.sessions.put(state)
        return state

    async def turn(self, branch_id: str, session_id: str, text: str, *, asr_ms: float | None = None) -> TurnResult:
        started = time.perf_counter()
        state = await self.load(branch_id, session_id)
        nlu_started = time.perf_counter()
        result = self.understand(text)
        slots = self._slots(state, result, text)
        nlu_ms = (time.perf_counter() - nlu_started) * 1000
        intent = result.intent
        if state.pending_slot != "pin" and reversal.asks_reversal(normalise(text)):
            intent = reversal.REVERSAL  # "撤销刚才的还款": the movement just made, undone after a yes
        heard = Understanding(intent, result.confidence, slots, result.lang if _HAS_WORDS.search(text) else None)
        decision = decide(state, heard)
        ticket: dict[str, object] | None = None
        appointment: dict[str, object] | None = None
        screen: dict[str, object] | None = None
        if decision.banking is not None:
            decision, screen = await self._bank(decision, decision.banking)
        if decision.ticket is not None:
            decision, ticket = await self._issue(decision)
        elif decision.booking is not None:
            decision, appointment = await self._book(decision, decision.booking)
        elif decision.status is not None:
            decision = await self._status(decision)
        elif decision.branch_info:
            facts = await self.facts.facts(state.branch_id) if self.facts is not None else None
            decision = after_branch_info(decision.state, facts)
        if screen is None and decision.state.pending_slot == "pin" and decision.state.banking.get("account"):
            screen = changes.pin_screen(decision.state.banking["account"])  # the keypad stays up
        if decision.state.phase == "closed":
            await self.sessions.delete(decision.state)
        else:
            await self.sessions.put(decision.state)
        reply_ms = (time.perf_counter() - started) * 1000
        TURNS.labels(decision.outcome).inc()
        TURN_SECONDS.observe(reply_ms / 1000)
        end, end_reason = ending(decision.outcome, decision.handoff_reason)
        self._publish(decision, result, slots, asr_ms, nlu_ms, end, end_reason)
        return TurnResult(
            decision.state,
            decision.reply,
            decision.outcome,
            result,
            reply_ms,
            phrases_for(decision.state),
            ticket,
            appointment,
            screen,
            end,
            end_reason,
        )

    async def _bank(self, decision: Decision, request: BankingRequest) -> tuple[Decision, dict[str, object] | None]:
        """Ask the core: read (with the identity for the customer's own data), find a movement's accounts to
        read back, or post the confirmed movement with the key of the turn it was confirmed on."""
        state = decision.state
        if self.core is None:
            spec = CATALOGUE[request.intent]
            name = spec.zh if state.lang == "zh" else spec.en
            state.reset_task()
            return Decision(state, say("self_service", state.lang, name=name), "self_service"), None
        if (needs_identity(request.intent) or request.intent == reversal.REVERSAL) and not state.identity:
            return identity_needed(state), None
        posting = request.action == "post"
        try:
            if request.action == "read":
                reply, screen = await self._read(state, request.intent)
                return after_read(state, reply), screen
            customer = await self._customer(state)
            if request.action == "prepare":
                identity = state.identity or ""
                accounts = await self.core.accounts(state.branch_id, customer, identity)
                if request.intent == PIN_CHANGE:
                    chosen = changes.pin_account(accounts, dict(state.slots))
                    if chosen is None:
                        return pin_entry(state, None, ""), None
                    decided = pin_entry(state, chosen.account_id, chosen.number_masked)
                    return decided, changes.pin_screen(chosen.number_masked)
                if request.intent in CHANGES:
                    services = await self.core.self_services(state.branch_id, customer, identity)
                    planned = changes.plan_change(request.intent, dict(state.slots), accounts, services, state.lang)
                    return after_change_prepared(state, planned), None
                return after_prepared(state, plan_movement(request.intent, dict(state.slots), accounts)), None
            return await self._post(state, request, customer)
        except BankingRefused as refused:
            log.info("core refused %s %s: %s", request.action, request.intent, refused.reason)
            if request.intent == reversal.REVERSAL:
                return after_reversal_refused(state, refused.reason), None
            return after_refused(state, refused.reason, posting=posting), None

    async def _customer(self, state: DialogueState) -> str:
        assert self.core is not None
        if state.customer_id is None:
            found = await self.core.customers_for(state.branch_id, state.identity or "")
            if not found:
                raise BankingRefused("identity_not_verified", "the KYC session names no customer of the core")
            state.customer_id = found[0].customer_id
        return state.customer_id

    async def _read(self, state: DialogueState, intent: str) -> tuple[str, dict[str, object]]:
        assert self.core is not None
        if intent == "fx_rate":
            return fx_reply(state.lang, await self.core.fx_rates(), state.slots.get("currency"))
        if intent == "interest_rate_inquiry":
            return interest_reply(state.lang, await self.core.interest_rates())
        customer = await self._customer(state)
        identity = state.identity or ""
        accounts = await self.core.accounts(state.branch_id, customer, identity)
        if intent == "balance_inquiry":
            return balance_reply(state.lang, accounts)
        if intent == "pension_inquiry":
            today = self.today()
            start = today - dt.timedelta(days=changes.PENSION_DAYS - 1)
            pension = await self.core.pension_credits(state.branch_id, customer, identity, start, today)
            return changes.pension_reply(state.lang, pension)
        deposits = [a for a in accounts if a.kind in ("debit_card", "savings")] or accounts
        if not deposits:
            raise BankingRefused("unknown_account", "the customer has no account")
        if intent == "statement_print":
            first, last = changes.statement_range(dict(state.slots), self.today())
            printed = await self.core.statement(
                state.branch_id, customer, identity, deposits[0].account_id, first, last
            )
            return changes.statement_print_reply(state.lang, printed)
        statement = await self.core.statement(state.branch_id, customer, identity, deposits[0].account_id, None, None)
        return statement_reply(state.lang, statement)

    async def _post(
        self, state: DialogueState, request: BankingRequest, customer: str
    ) -> tuple[Decision, dict[str, object] | None]:
        assert self.core is not None and request.key_turn is not None
        if request.intent in CHANGES:
            return await self._change(state, request, customer)
        if request.intent == reversal.REVERSAL:
            return await self._reverse(state, request, customer)
        b = state.banking
        plan = Plan(b["source_id"], b["source_masked"], b["target_id"], b["target_masked"], int(b["amount_minor"]))
        auth = Authorisation(
            identity=state.identity or "",
            confirmed=True,
            idempotency_key=movement_key(state.session_id, request.key_turn, request.intent),
        )
        if request.intent == "transfer":
            result = await self.core.transfer(
                state.branch_id, customer, auth, plan.source_id, plan.target_id, plan.amount_minor
            )
        elif request.intent == "credit_card_repayment":
            result = await self.core.repay_card(
                state.branch_id, customer, auth, plan.source_id, plan.target_id, plan.amount_minor
            )
        else:
            reference = str(state.slots.get("bill_reference", ""))
            result = await self.core.pay_utility(
                state.branch_id, customer, auth, plan.source_id, plan.target_id, reference, plan.amount_minor
            )
        reply, screen = receipt(state, request.intent, result)
        state.last_movement = reversal.remembered(request.intent, dict(state.banking), result)
        return after_read(state, reply), screen

    async def _reverse(
        self, state: DialogueState, request: BankingRequest, customer: str
    ) -> tuple[Decision, dict[str, object] | None]:
        """The confirmed reversal of the session's last movement, with the key of the turn it was confirmed on
        (a retry of that turn: the core's stored answer, nothing reversed twice)."""
        assert self.core is not None and request.key_turn is not None
        last = dict(state.banking)
        key = movement_key(state.session_id, request.key_turn, reversal.REVERSAL)
        auth = Authorisation(identity=state.identity or "", confirmed=True, idempotency_key=key)
        result = await self.core.reverse(state.branch_id, customer, auth, int(last["posting_id"]))
        state.last_movement = {**last, "reversed": str(result.posting.posting_id)}
        reply, screen = reversal.reversed_reply(last, state.lang, result)
        return after_read(state, reply), screen

    async def _change(
        self, state: DialogueState, request: BankingRequest, customer: str
    ) -> tuple[Decision, dict[str, object] | None]:
        """The confirmed enrolment or state change; the wallet: opened first when there is none (its own key),
        then topped up (the movement's key)."""
        assert self.core is not None and request.key_turn is not None
        fields = dict(state.banking)
        key = movement_key(state.session_id, request.key_turn, request.intent)
        auth = Authorisation(identity=state.identity or "", confirmed=True, idempotency_key=key)
        if request.intent == "digital_rmb_wallet":
            if fields.get("open"):
                opening = Authorisation(auth.identity, True, key + "-open")
                try:
                    await self.core.enrol(state.branch_id, customer, opening, "digital_wallet")
                except BankingRefused as refused:
                    if refused.reason != "already_enrolled":  # opened by the first try of this very turn
                        raise
            topped = await self.core.top_up_wallet(
                state.branch_id, customer, auth, fields["source_id"], int(fields["amount_minor"])
            )
            reply, screen = changes.wallet_done(fields, state.lang, topped)
            return after_read(state, reply), screen
        account = fields.get("account_id")
        threshold = int(fields["threshold_minor"]) if "threshold_minor" in fields else None
        done = await self.core.enrol(
            state.branch_id,
            customer,
            auth,
            changes.SERVICE_OF[request.intent],
            account_id=account,
            threshold_minor=threshold,
        )
        reply, screen = changes.change_done(request.intent, fields, state.lang, done)
        return after_read(state, reply), screen

    async def submit_pin(self, branch_id: str, session_id: str, new: str, repeat: str) -> TurnResult:
        """The new PIN from the kiosk's keypad, twice. Never logged, echoed, kept in the session or put in an
        event; the core keeps only its salted hash. Each submission is a turn of its own with its own key."""
        started = time.perf_counter()
        state = await self.load(branch_id, session_id)
        state.turn += 1
        screen: dict[str, object] | None = None
        if state.intent != PIN_CHANGE or state.pending_slot != "pin" or self.core is None:
            decision = Decision(state, changes.text("no_pin_task", state.lang), "acknowledged")
        elif not state.identity:
            decision = identity_needed(state)
        else:
            wrong = changes.check_pin_entries(new, repeat)
            if wrong is not None:
                decision, screen = after_pin_refused(state, wrong), changes.pin_screen(state.banking["account"])
            else:
                decision, screen = await self._change_pin(state, new)
        decision.state.last_reply = decision.reply
        await self.sessions.put(decision.state)
        reply_ms = (time.perf_counter() - started) * 1000
        TURNS.labels(decision.outcome).inc()
        end, end_reason = ending(decision.outcome, decision.handoff_reason)
        empty = NluResult(
            text="", lang="en" if decision.state.lang == "en" else "zh", intent=PIN_CHANGE, confidence=1.0
        )
        self._publish(decision, empty, {}, None, 0.0, end, end_reason)
        return TurnResult(
            decision.state, decision.reply, decision.outcome, None, reply_ms, None, None, None, screen, end, end_reason
        )

    async def _change_pin(self, state: DialogueState, new: str) -> tuple[Decision, dict[str, object] | None]:
        assert self.core is not None
        account, masked = state.banking["account_id"], state.banking["account"]
        key = movement_key(state.session_id, state.turn, PIN_CHANGE)
        try:
            customer = await self._customer(state)
            auth = Authorisation(identity=state.identity or "", confirmed=True, idempotency_key=key)
            await self.core.change_pin(state.branch_id, customer, auth, account, new)
        except BankingRefused as refused:
            log.info("core refused pin change: %s", refused.reason)
            if refused.reason in ("weak_pin", "bad_pin"):
                return after_pin_refused(state, refused.reason), changes.pin_screen(masked)
            return after_refused(state, refused.reason, posting=False), None
        reply = changes.text("pin_changed", state.lang, account=masked)
        return after_read(state, reply), {"kind": "pin_changed", "sandbox": True, "account": masked}

    def _slots(self, state: DialogueState, result: NluResult, text: str) -> dict[str, SlotValue]:
        """The turn's slots: the NLU's, those of the task under way (a bare "三千" while filling or confirming),
        and a time of day for appointments (whose digits are then no amount: ``10点`` is not 10 yuan)."""
        if state.pending_slot == "pin":  # whatever was said while the PIN keypad is up is never kept or sent
            return {}
        today = self.today()
        slots: dict[str, SlotValue] = dict(result.slots)
        words = normalise(text)
        if state.phase in ("filling", "confirming") and state.intent:
            slots = {**extract_slots(words, state.intent, today, expecting=state.pending_slot), **slots}
        if self.core is not None and (state.intent or result.intent) == "transfer" and OWN_ACCOUNTS.search(words):
            slots["own_accounts"] = "yes"  # between the customer's own accounts: the kiosk does it
        if state.phase == "filling" and state.pending_slot == "bill_reference":
            reference = bill_reference_in(text)
            if reference is not None:
                slots["bill_reference"] = reference
                slots.pop("amount", None)  # the digits are the reference, not an amount
        intent = state.intent or result.intent
        said = find_time(words)
        if said is not None and intent in APPOINTMENT_INTENTS:
            slots["time"] = said.value
            rest = extract_slots(words[: said.start] + " " + words[said.end :], intent, today)
            if "amount" in rest:
                slots["amount"] = rest["amount"]
            else:
                slots.pop("amount", None)
        return slots

    async def _book(self, decision: Decision, request: BookingRequest) -> tuple[Decision, dict[str, object] | None]:
        """Book the slot the customer wants (or the day's first free one); offer the nearest free ones when it
        is full or outside the opening hours."""
        state = decision.state
        if self.appointments is None:
            return after_booking(state, request, None, None), None
        slots = await self.appointments.slots(state.branch_id, request.service, request.date)
        if slots is None:
            return after_booking(state, request, None, None), None
        choice = choose_slot(slots, request.time)
        if choice.start is None:
            return after_booking(state, request, None, slots), None
        booked = await self.appointments.book(state.branch_id, request.service, request.date, choice.start)
        if isinstance(booked, Booked):
            done = after_booking(state, request, (booked.start, booked.code), None)
            return done, {
                "appointment_id": booked.appointment_id,
                "code": booked.code,
                "service": request.service,
                "date": request.date.isoformat(),
                "start": booked.start,
            }
        if isinstance(booked, Refused) and booked.reason in TAKEN_REASONS:  # taken meanwhile: offer what is left
            again = await self.appointments.slots(state.branch_id, request.service, request.date)
            wanted = BookingRequest(request.service, request.date, request.time or choice.start)
            return after_booking(state, wanted, None, again if again is not None else []), None
        return after_booking(state, request, None, None), None

    async def _status(self, decision: Decision) -> Decision:
        request, state = decision.status, decision.state
        assert request is not None
        try:
            if request.ticket_id:
                found = await self.queue.status(state.branch_id, request.ticket_id)
            else:
                found = await self.queue.find(state.branch_id, request.number or "")
        except QueueUnavailable as exc:
            log.warning("queue status not read: %s", exc)
            return after_status(state, request, None, failed=True)
        return after_status(state, request, found, failed=False)

    async def _issue(self, decision: Decision) -> tuple[Decision, dict[str, object] | None]:
        assert decision.ticket is not None
        state, request = decision.state, decision.ticket
        form = request.form.payload() if request.form is not None else None
        issued = await self.queue.issue(state.branch_id, request.service, handoff=request.handoff, form=form)
        if issued is None:
            return after_ticket(state, request, None, None, None), None
        wait = await self.waits.wait_minutes(state.branch_id, issued.service)
        ahead = issued.position - 1 if issued.position else None
        granted = TicketRequest(request.service, handoff=request.handoff and issued.priority != "normal")
        done = after_ticket(state, granted, issued.number, wait, ahead, issued.ticket_id)
        done = dataclasses.replace(done, handoff_reason=decision.handoff_reason)  # why, for the task's end
        return done, {
            "number": issued.number,
            "service": issued.service,
            "priority": issued.priority,
            "expected_wait_min": wait,
            "ahead": ahead,
            "prepared_form": issued.has_form,
            **({"token": issued.token} if issued.token else {}),
        }

    def _publish(
        self,
        decision: Decision,
        result: NluResult,
        slots: dict[str, SlotValue],
        asr_ms: float | None,
        nlu_ms: float,
        end: str | None = None,
        end_reason: str | None = None,
    ) -> None:
        state = decision.state
        try:
            event = VoiceInteraction(
                branch_id=state.branch_id,
                at=platform_clock().now(),
                session_id=state.session_id,
                kiosk_id=state.kiosk_id,
                turn=state.turn,
                lang=Language(state.lang),
                intent=result.intent,
                confidence=min(1.0, max(0.0, result.confidence)),
                slots=mask_slots({k: "****" if k == "bill_reference" else v for k, v in slots.items()}),
                outcome=decision.outcome,
                asr_ms=asr_ms,
                nlu_ms=nlu_ms,
                end=end,
                end_reason=end_reason,
            )
        except ValueError:
            log.exception("turn event not valid; not published")
            PUBLISH_FAILED.inc()
            return
        task = asyncio.create_task(self._send(event))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _send(self, event: VoiceInteraction) -> None:
        try:
            await self.publisher.publish(topics.VOICE_INTERACTIONS, event)
        except Exception as exc:  # the customer already has the reply; the event is lost, counted
            PUBLISH_FAILED.inc()
            log.warning("voice interaction not published: %s", type(exc).__name__)

    async def drain(self, timeout_s: float = 5.0) -> None:
        if self._background:
            await asyncio.wait(set(self._background), timeout=timeout_s)

    async def speak(self, text: str, lang: str) -> bytes:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.tts_executor, self.tts.synthesize, text, lang)
