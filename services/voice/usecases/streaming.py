"""The ASR WebSocket loop (vosk-server protocol) shared by ``/v1/asr`` and the audio side of ``/v1/dialogue``.

One recognizer per connection (Vosk or Whisper, by language: adapters/asr_engines.py), taken from the app's
recognizer pool or created at the first audio frame, and given back (or freed) when the connection ends whatever the
reason; every recognizer call runs in the ASR executor, one call at a time per connection. A process serves at
most ``capacity`` streams: the next one is accepted, told why and closed (1013).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from prometheus_client import Counter
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from services.voice.adapters.asr_engines import AsrEngines
from services.voice.adapters.asr_vosk import AsrModels, Recognizer, RecognizerPool
from services.voice.domain.asr.limits import StreamClock, StreamLimits, Verdict
from services.voice.domain.asr.phrases import build_grammar
from services.voice.domain.asr.protocol import (
    CLOSE_INTERNAL,
    CLOSE_NORMAL,
    CLOSE_TOO_BIG,
    CLOSE_TRY_AGAIN_LATER,
    CLOSE_UNSUPPORTED_DATA,
    Eof,
    ProtocolError,
    StreamConfig,
    check_first_frame,
    check_pcm_frame,
    parse_text_message,
    result_has_words,
)
from services.voice.domain.asr.recognizer import StreamRecognizer

log = logging.getLogger(__name__)
CLOSED = Counter("branchops_voice_asr_closed_total", "ASR streams ended, by reason", ["reason"])
T = TypeVar("T")
FinalHook = Callable[[dict[str, Any], float], Awaitable[None]]
"""Called with each final result and the milliseconds of recognition it took."""
TextHook = Callable[[dict[str, Any]], Awaitable[bool]]
"""Offered each JSON text message first; True when it handled it (dialogue text turns)."""


class StreamSlots:
    """At most ``capacity`` concurrent streams in this process (no waiting: refuse past it)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.in_use = 0

    def try_acquire(self) -> bool:
        if self.in_use >= self.capacity:
            return False
        self.in_use += 1
        return True

    def release(self) -> None:
        self.in_use = max(0, self.in_use - 1)


@dataclass
class StreamOptions:
    lang: str
    phrases: Callable[[], Sequence[str] | None] | None = None
    """Phrase list for the next utterance (dialogue state); the recognizer is rebuilt after each result."""
    on_final: FinalHook | None = None
    on_text: TextHook | None = None
    reserve_on_connect: bool = True
    """True: refuse at connect time when all slots are taken; False: only when audio starts (text-only
    dialogue connections hold no ASR slot)."""


@dataclass
class _Stream:
    options: StreamOptions
    clock: StreamClock
    config: StreamConfig = field(default_factory=StreamConfig)
    recognizer: StreamRecognizer | None = None
    compute_s: float = 0.0
    audio_started: bool = False
    holds_slot: bool = False


class AsrStreamer:
    def __init__(
        self,
        models: AsrModels,
        executor: Executor,
        slots: StreamSlots,
        limits: StreamLimits,
        *,
        idle_timeout_s: float,
        max_frame_bytes: int,
        pool: RecognizerPool | None = None,
    ) -> None:
        """``pool``: finished recognizers kept for the next streams (None: every stream gets a new one)."""
        self.models = models
        self.executor = executor
        self.pool = pool
        self.slots = slots
        self.limits = limits
        self.idle_timeout_s = idle_timeout_s
        self.max_frame_bytes = max_frame_bytes

    async def serve(self, ws: WebSocket, options: StreamOptions) -> str:
        """Run one accepted connection to its end; returns why it ended (also the close reason)."""
        stream = _Stream(options, StreamClock(self.limits))
        if options.reserve_on_connect and not self._reserve(stream):
            await _close(ws, CLOSE_TRY_AGAIN_LATER, self._busy())
            CLOSED.labels("busy").inc()
            return self._busy()
        try:
            code, reason = await self._loop(ws, stream)
        except ProtocolError as exc:
            code, reason = exc.code, exc.reason
        except WebSocketDisconnect:
            code, reason = CLOSE_NORMAL, "client went away"
        except Exception:
            log.exception("ASR stream failed")
            code, reason = CLOSE_INTERNAL, "internal error"
        finally:
            if stream.holds_slot:
                self.slots.release()
            if stream.recognizer is not None:
                stream.recognizer.close()
        await _close(ws, code, reason)
        CLOSED.labels(reason.split(":")[0][:40]).inc()
        return reason

    def _reserve(self, stream: _Stream) -> bool:
        if not stream.holds_slot:
            stream.holds_slot = self.slots.try_acquire()
        return stream.holds_slot

    def _busy(self) -> str:
        return f"ASR busy: all {self.slots.capacity} streams in use, try again later"

    async def _run(self, stream: _Stream, func: Callable[..., T], *args: Any) -> T:
        started = time.perf_counter()
        try:
            return await asyncio.get_running_loop().run_in_executor(self.executor, func, *args)
        finally:
            stream.compute_s += time.perf_counter() - started

    async def _loop(self, ws: WebSocket, stream: _Stream) -> tuple[int, str]:
        while True:
            try:
                message = await asyncio.wait_for(ws.receive(), self.idle_timeout_s)
            except TimeoutError:
                await self._finish(ws, stream)
                return CLOSE_NORMAL, f"idle: no message for {self.idle_timeout_s:g} s"
            if message["type"] == "websocket.disconnect":
                return CLOSE_NORMAL, "client went away"
            if message.get("text") is not None:
                if await self._on_text(ws, stream, message["text"]):
                    return CLOSE_NORMAL, "eof"
                continue
            frame: bytes = message.get("bytes") or b""
            if len(frame) > self.max_frame_bytes:
                raise ProtocolError(CLOSE_TOO_BIG, f"audio frame over {self.max_frame_bytes} bytes")
            verdict = await self._on_audio(ws, stream, frame)
            if verdict in (Verdict.CLOSE_STREAM_LIMIT, Verdict.CLOSE_NO_SPEECH):
                await self._finish(ws, stream)
                return CLOSE_NORMAL, stream.clock.reason(verdict)

    async def _on_text(self, ws: WebSocket, stream: _Stream, text: str) -> bool:
        """True at end of stream."""
        if stream.options.on_text is not None:
            with contextlib.suppress(ValueError):
                message = json.loads(text)
                if isinstance(message, dict) and await stream.options.on_text(message):
                    return False
        command = parse_text_message(text)
        if isinstance(command, Eof):
            await self._finish(ws, stream)
            return True
        if stream.audio_started:
            raise ProtocolError(CLOSE_UNSUPPORTED_DATA, "config must come before the first audio frame")
        stream.config = command
        return False

    async def _open(self, stream: _Stream, wav_rate: int | None) -> StreamRecognizer:
        lang = stream.config.lang or stream.options.lang
        model = self.models.model(lang)
        if model is None:
            raise ProtocolError(CLOSE_INTERNAL, self.models.unavailable_reason(lang))
        if not self._reserve(stream):
            raise ProtocolError(CLOSE_TRY_AGAIN_LATER, self._busy())
        if wav_rate is not None:
            stream.config = replace(stream.config, sample_rate=wav_rate)
        rate = stream.config.sample_rate or self.models.sample_rate(lang)
        phrases = stream.config.phrase_list or (stream.options.phrases() if stream.options.phrases else None)
        if isinstance(self.models, AsrEngines):  # Vosk or Whisper, whichever serves this language
            engines = self.models
            return await self._run(
                stream,
                lambda: engines.open_recognizer(lang, rate, phrases=phrases, words=stream.config.words, pool=self.pool),
            )
        grammar: list[str] | None = None
        if phrases:
            grammar, _ = build_grammar(phrases, self.models.in_vocabulary(lang))
        # Vosk resamples from the client's rate to the model's inside its feature pipeline.
        return await self._run(
            stream, lambda: Recognizer(model, rate, grammar=grammar or None, words=stream.config.words, pool=self.pool)
        )

    async def _on_audio(self, ws: WebSocket, stream: _Stream, frame: bytes) -> Verdict:
        wav_rate: int | None = None
        if not stream.audio_started:
            first = check_first_frame(frame)
            stream.audio_started = True
            pcm, wav_rate = first.payload, first.wav_sample_rate
        else:
            pcm = check_pcm_frame(frame)
        if stream.recognizer is None:
            stream.recognizer = await self._open(stream, wav_rate)
        recognizer = stream.recognizer
        endpoint, result = await self._run(stream, recognizer.accept, pcm)
        stream.clock.add_audio(len(pcm) // 2, recognizer.sample_rate)
        if result_has_words(result):
            stream.clock.heard_words()
        verdict = stream.clock.verdict()
        if endpoint:
            await self._deliver(ws, stream, result)
        elif verdict is Verdict.FORCE_RESULT:  # one reply per frame: the forced result replaces the partial
            await self._deliver(ws, stream, await self._run(stream, recognizer.final))
        else:
            await ws.send_json(result)
        return verdict

    async def _finish(self, ws: WebSocket, stream: _Stream) -> None:
        if stream.recognizer is not None:
            result = await self._run(stream, stream.recognizer.final)
        else:
            result = {"text": ""}
        await self._deliver(ws, stream, result)

    async def _deliver(self, ws: WebSocket, stream: _Stream, result: dict[str, Any]) -> None:
        result.setdefault("result", [])
        result.setdefault("text", "")
        await ws.send_json(result)
        compute_ms = stream.compute_s * 1000
        stream.compute_s = 0.0
        stream.clock.utterance_ended()
        if stream.options.on_final is not None and result_has_words(result):
            await stream.options.on_final(result, compute_ms)
        if stream.options.phrases is not None and stream.recognizer is not None:
            stream.recognizer.close()  # the next utterance gets the phrase list of the new state
            stream.recognizer = None


async def _close(ws: WebSocket, code: int, reason: str) -> None:
    if ws.application_state == WebSocketState.DISCONNECTED or ws.client_state == WebSocketState.DISCONNECTED:
        return
    with contextlib.suppress(Exception):
        await ws.close(code, reason.encode()[:123].decode(errors="ignore"))
