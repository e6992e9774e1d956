"""The digital employee's use cases: understand a text, run one dialogue turn, speak a reply.

Routes and WebSockets call these; adapters are passed in by the composition root (bootstrap.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import time
import uuid
from concurrent.futures import Executor
from dataclasses import dataclass, field

from prometheus_client import Counter, Histogram

from branchops.bus import EventPublisher
from branchops.clock import platform_clock
from branchops.contracts import topics
from branchops.contracts.enums import Language
from branchops.contracts.events import VoiceInteraction
from services.voice.adapters.queue_client import QueueClient, WaitBoard
from services.voice.adapters.sessions import SessionStore
from services.voice.adapters.tts import TtsEngine
from services.voice.domain.dialogue.policy import (
    Decision,
    TicketRequest,
    Understanding,
    after_ticket,
    decide,
    phrases_for,
)
from services.voice.domain.dialogue.prompts import say
from services.voice.domain.dialogue.state import DialogueState, SlotValue
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


@dataclass(frozen=True)
class TurnResult:
    state: DialogueState
    reply: str
    outcome: str
    nlu: NluResult | None
    reply_ms: float
    phrases: tuple[str, ...] | None = None
    ticket: dict[str, object] | None = None

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
        }
        if self.ticket:
            body["ticket"] = self.ticket
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
    _background: set[asyncio.Task[None]] = field(default_factory=set)

    def understand(self, text: str, today: dt.date | None = None) -> NluResult:
        return self.engine.analyse(text, today or dt.date.today())

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

    async def turn(self, branch_id: str, session_id: str, text: str, *, asr_ms: float | None = None) -> TurnResult:
        started = time.perf_counter()
        state = await self.load(branch_id, session_id)
        nlu_started = time.perf_counter()
        result = self.understand(text)
        slots = dict(result.slots)
        if state.phase == "filling" and state.intent:
            slots = {**extract_slots(normalise(text), state.intent, dt.date.today()), **slots}
        nlu_ms = (time.perf_counter() - nlu_started) * 1000
        heard = Understanding(result.intent, result.confidence, slots, result.lang if _HAS_WORDS.search(text) else None)
        decision = decide(state, heard)
        ticket: dict[str, object] | None = None
        if decision.ticket is not None:
            decision, ticket = await self._issue(decision)
        if decision.state.phase == "closed":
            await self.sessions.delete(decision.state)
        else:
            await self.sessions.put(decision.state)
        reply_ms = (time.perf_counter() - started) * 1000
        TURNS.labels(decision.outcome).inc()
        TURN_SECONDS.observe(reply_ms / 1000)
        self._publish(decision, result, slots, asr_ms, nlu_ms)
        return TurnResult(
            decision.state, decision.reply, decision.outcome, result, reply_ms, phrases_for(decision.state), ticket
        )

    async def _issue(self, decision: Decision) -> tuple[Decision, dict[str, object] | None]:
        assert decision.ticket is not None
        state, request = decision.state, decision.ticket
        issued = await self.queue.issue(state.branch_id, request.service, handoff=request.handoff)
        if issued is None:
            return after_ticket(state, request, None, None, None), None
        wait = await self.waits.wait_minutes(state.branch_id, issued.service)
        ahead = issued.position - 1 if issued.position else None
        granted = TicketRequest(request.service, handoff=request.handoff and issued.priority != "normal")
        done = after_ticket(state, granted, issued.number, wait, ahead)
        return done, {
            "number": issued.number,
            "service": issued.service,
            "priority": issued.priority,
            "expected_wait_min": wait,
            "ahead": ahead,
            **({"token": issued.token} if issued.token else {}),
        }

    def _publish(
        self, decision: Decision, result: NluResult, slots: dict[str, SlotValue], asr_ms: float | None, nlu_ms: float
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
                slots=mask_slots(slots),
                outcome=decision.outcome,
                asr_ms=asr_ms,
                nlu_ms=nlu_ms,
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
