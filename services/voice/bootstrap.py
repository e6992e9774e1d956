"""Composition root of the voice service: picks the adapters, wires the routes, consumes queue.forecast."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI

from branchops.contracts import topics
from branchops.runtime import ServiceRuntime
from branchops.settings import Environment, PlatformSettings
from branchops.web import create_service_app
from branchops.web.identity import identity_check
from services.voice.adapters.appointment_client import AppointmentClient
from services.voice.adapters.asr_engines import AsrEngines
from services.voice.adapters.asr_vosk import RecognizerPool
from services.voice.adapters.branch_facts import BranchFactsBoard
from services.voice.adapters.core_banking_http import CoreBankingHttp
from services.voice.adapters.queue_client import QueueClient, WaitBoard
from services.voice.adapters.sessions import SessionStore
from services.voice.adapters.tts import EspeakTts, TtsEngine
from services.voice.domain.asr.limits import StreamLimits
from services.voice.domain.nlu import NluEngine
from services.voice.handlers import VoiceHandlers
from services.voice.routes import asr, nlu, tts
from services.voice.routes import dialogue as dialogue_routes
from services.voice.routes.deps import VoiceComponents
from services.voice.settings import VoiceSettings
from services.voice.usecases.dialogue import Dialogue
from services.voice.usecases.streaming import AsrStreamer, StreamSlots


def build_tts(settings: VoiceSettings) -> TtsEngine:
    return EspeakTts(
        {"zh": settings.tts_voice_zh, "en": settings.tts_voice_en},
        words_per_minute=settings.tts_words_per_minute,
        timeout_s=settings.tts_timeout_s,
    )


def build_app(
    settings: VoiceSettings,
    platform: PlatformSettings,
    *,
    engine: NluEngine | None = None,
    http: httpx.AsyncClient | None = None,
) -> FastAPI:
    """``engine`` and ``http`` (the client towards the queue service) can be given by tests."""
    if platform.env is Environment.PRODUCTION and not settings.queue_api_key.get_secret_value():
        raise ValueError("VOICE_QUEUE_API_KEY is empty: hand-offs to a person would fail (401 from the queue)")
    runtime = ServiceRuntime(settings, platform)
    asr_executor = ThreadPoolExecutor(settings.asr_max_streams + 1, thread_name_prefix="asr")
    tts_executor = ThreadPoolExecutor(settings.tts_workers, thread_name_prefix="tts")
    http = http or httpx.AsyncClient(timeout=settings.queue_timeout_s)
    models = AsrEngines.from_settings(settings)  # Whisper or Vosk per language (VOICE_ASR_ENGINE_ZH/_EN)
    waits = WaitBoard(runtime.redis)
    facts = BranchFactsBoard(runtime.redis)
    core_key = settings.core_banking_api_key.get_secret_value() or settings.queue_api_key.get_secret_value()
    core = (
        CoreBankingHttp(http, settings.core_banking_url, core_key, timeout_s=settings.core_banking_timeout_s)
        if settings.core_banking_url
        else None
    )
    dialogue = Dialogue(
        engine=engine or NluEngine.from_corpus(),
        sessions=SessionStore(runtime.redis, settings.session_ttl_s),
        queue=QueueClient(
            http,
            settings.queue_url,
            settings.queue_api_key.get_secret_value(),
            priority=settings.handoff_priority.value,
        ),
        waits=waits,
        publisher=runtime.publisher,
        tts=build_tts(settings),
        tts_executor=tts_executor,
        appointments=AppointmentClient(http, settings.queue_url, settings.queue_api_key.get_secret_value()),
        facts=facts,
        core=core,
        zone=ZoneInfo(settings.timezone),
    )
    key = settings.queue_api_key.get_secret_value()
    runtime.extra_checks["queue-identity"] = identity_check(  # the queue on that address takes our key
        "queue", settings.queue_url, lambda: {"X-API-Key": key} if key else {}, lambda url, h: http.get(url, headers=h)
    )
    limits = StreamLimits(settings.asr_max_utterance_s, settings.asr_max_stream_s, settings.asr_no_speech_s)
    recognizers = RecognizerPool(settings.recognizer_pool_per_key())
    streamer = AsrStreamer(
        models,
        asr_executor,
        StreamSlots(settings.asr_max_streams),
        limits,
        idle_timeout_s=settings.asr_idle_timeout_s,
        max_frame_bytes=settings.asr_max_frame_bytes,
        pool=recognizers,
    )

    handlers = VoiceHandlers(waits, facts)
    runtime.add_consumer({topics.QUEUE_FORECAST: handlers.on_forecast}, auto_offset_reset="latest")
    # the branch facts from the start of the compacted topic (every branch's newest configuration)
    runtime.add_consumer({topics.BRANCH_CONFIG: handlers.on_branch_config}, group_id=f"{settings.group_id}-config")
    runtime.extra_checks["asr"] = models.readiness

    async def tts_ready() -> tuple[bool, str]:
        engine = dialogue.tts
        return True, f"{engine.name} {'ready' if engine.available() else 'not installed (no spoken replies)'}"

    runtime.extra_checks["tts"] = tts_ready

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loading = asyncio.create_task(models.load(asr_executor), name="asr-models")
        async with runtime.lifespan(app):
            try:
                yield
            finally:
                await dialogue.drain()
                if not loading.done():
                    loading.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await loading
                await http.aclose()
                asr_executor.shutdown(wait=False, cancel_futures=True)
                recognizers.clear()
                tts_executor.shutdown(wait=False, cancel_futures=True)

    app = create_service_app(
        "voice",
        platform,
        lifespan=lifespan,
        routers=[asr.router, dialogue_routes.router, nlu.router, tts.router],
        description="Streaming speech recognition, intents, dialogue and spoken replies",
    )
    app.state.voice = VoiceComponents(settings, dialogue, models, streamer)
    return app
