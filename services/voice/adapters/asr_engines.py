"""The recognizer of each language: Vosk (operator-supplied model folders) or Whisper (the whisper-base wheels).

``AsrEngines`` keeps the interface of the Vosk-only ``AsrModels`` (state per language, readiness, unavailable
reasons) and adds :meth:`open_recognizer`, which the streaming loop and the CLI use whatever the engine. Both
languages on Whisper share one loaded model. The model files are checked and loaded in the ASR executor at start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

from services.voice.adapters.asr_vosk import DEFAULT_MODEL_RATE, AsrModels, Recognizer, RecognizerPool
from services.voice.adapters.asr_whisper import MODEL_RATE, WhisperEngine, WhisperRecognizer
from services.voice.adapters.asr_whisper_files import (
    WhisperModelError,
    prepared_model_dir,
    verified_model_files,
    wheels_installed,
)
from services.voice.domain.asr.endpointing import EndpointConfig
from services.voice.domain.asr.phrases import build_grammar
from services.voice.domain.asr.recognizer import StreamRecognizer
from services.voice.settings import VoiceSettings

log = logging.getLogger(__name__)
WHISPER_LABEL = "whisper-base"


def load_whisper(settings: VoiceSettings) -> WhisperEngine:
    """Check, assemble and load whisper-base (blocking: about a second on a free core); raises WhisperModelError.
    Nothing is kept at module level: the app's ``AsrEngines`` loads it once and keeps it (one model shared by the
    streams of both languages); the CLI and the benchmarks load it once per command."""
    in_memory = settings.asr_whisper_cache_dir == "memory"
    folder = None if in_memory else prepared_model_dir(settings.asr_whisper_cache_dir or None)
    return WhisperEngine(
        folder,
        files=verified_model_files() if in_memory else None,
        cpu_threads=settings.asr_whisper_threads,
        workers=settings.asr_whisper_workers,
        beam_size=settings.asr_whisper_beam_size,
    )


class AsrEngines(AsrModels):
    """Per language: ``vosk`` (a model folder) or ``whisper`` (the shared whisper-base model)."""

    def __init__(
        self,
        vosk_paths: Mapping[str, str],
        whisper_langs: Sequence[str],
        *,
        default_lang: str,
        required: bool,
        whisper_loader: Callable[[], WhisperEngine],
        endpointing: EndpointConfig | None = None,
    ) -> None:
        super().__init__(vosk_paths, default_lang=default_lang, required=required)
        self.whisper_langs = sorted(set(whisper_langs))
        for lang in self.whisper_langs:
            self.paths.pop(lang, None)
            self.state[lang] = "loading"
        self._whisper_loader = whisper_loader
        self.whisper: WhisperEngine | None = None
        self.endpointing = endpointing or EndpointConfig()

    @classmethod
    def from_settings(cls, settings: VoiceSettings) -> AsrEngines:
        installed = wheels_installed()
        engines = {lang: settings.asr_engine(lang, installed) for lang in ("zh", "en")}
        vosk = {lang: path for lang, path in settings.asr_models().items() if engines[lang] == "vosk"}
        return cls(
            vosk,
            [lang for lang, engine in engines.items() if engine == "whisper"],
            default_lang=settings.asr_default_lang,
            required=settings.asr_required,
            whisper_loader=lambda: load_whisper(settings),
            endpointing=EndpointConfig(
                end_silence_s=settings.asr_whisper_end_silence_s,
                partial_interval_s=settings.asr_whisper_partial_interval_s,
            ),
        )

    def engine_of(self, lang: str) -> str:
        if lang in self.whisper_langs:
            return "whisper"
        return "vosk" if lang in self.paths else "none"

    async def load(self, executor: Executor) -> None:
        if self.whisper_langs:
            try:
                self.whisper = await asyncio.get_running_loop().run_in_executor(executor, self._whisper_loader)
                for lang in self.whisper_langs:
                    self.state[lang] = f"ready ({WHISPER_LABEL})"
            except WhisperModelError as exc:
                for lang in self.whisper_langs:
                    self.state[lang] = f"failed: {exc}"
                log.error("Whisper model refused: %s", exc)
            except Exception as exc:
                for lang in self.whisper_langs:
                    self.state[lang] = f"failed: {type(exc).__name__}"
                log.exception("Whisper model failed to load")
        await super().load(executor)
        for lang in self.paths:
            if self.state.get(lang) == "ready":
                self.state[lang] = "ready (vosk)"

    def model(self, lang: str) -> Any | None:
        if lang in self.whisper_langs:
            return self.whisper
        return super().model(lang)

    def available(self) -> list[str]:
        whisper = self.whisper_langs if self.whisper is not None else []
        return sorted({*super().available(), *whisper})

    def sample_rate(self, lang: str) -> int:
        return MODEL_RATE if lang in self.whisper_langs else super().sample_rate(lang)

    def unavailable_reason(self, lang: str) -> str:
        if lang in self.whisper_langs:
            return f"ASR unavailable for {lang}: {self.state.get(lang, 'unknown')}"
        return super().unavailable_reason(lang)

    async def readiness(self) -> tuple[bool, str]:
        if not self.state:
            return (not self.required, "ASR unavailable: no model configured (text only)")
        detail = ", ".join(f"{lang} {state}" for lang, state in sorted(self.state.items()))
        if all(state.startswith("ready") for state in self.state.values()):
            return True, f"ASR ready: {detail}"
        return (not self.required, f"ASR unavailable for some languages: {detail} (text still served)")

    def open_recognizer(
        self,
        lang: str,
        sample_rate: int | None,
        *,
        phrases: Sequence[str] | None = None,
        words: bool = True,
        pool: RecognizerPool | None = None,
    ) -> StreamRecognizer:
        """A recognizer for one stream (blocking for Vosk: run it in the executor); ``phrases`` restrict Vosk
        to a grammar and are not used by Whisper (it decodes freely). Raises LookupError when ``lang`` has none."""
        model = self.model(lang)
        if model is None:
            raise LookupError(self.unavailable_reason(lang))
        rate = sample_rate or self.sample_rate(lang)
        if isinstance(model, WhisperEngine):
            return WhisperRecognizer(model, lang, rate, words=words, endpointing=self.endpointing)
        grammar: list[str] | None = None
        if phrases:
            grammar, _ = build_grammar(phrases, self.in_vocabulary(lang))
        return Recognizer(model, rate or DEFAULT_MODEL_RATE, grammar=grammar or None, words=words, pool=pool)
