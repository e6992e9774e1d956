"""Vosk models per language and one recognizer per connection (all calls blocking: run in an executor).

Models are files the operator installs (``deploy/models/``); a configured directory that is missing
leaves that language without ASR while text keeps working. Loaded models are shared per process and
path (a Mandarin model takes seconds to load and hundreds of MB).
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
_cache: dict[str, Any] = {}
_cache_lock = threading.Lock()
_live = 0
_live_lock = threading.Lock()


def live_recognizers() -> int:
    return _live


def _count(delta: int) -> None:
    global _live
    with _live_lock:
        _live += delta
        LIVE_RECOGNIZERS.set(_live)


def load_model(path: str) -> Any:
    """A ``vosk.Model`` for ``path`` (cached per process); raises FileNotFoundError for a missing directory."""
    import vosk

    directory = Path(path)
    if not (directory / "am").is_dir() and not (directory / "final.mdl").exists():
        raise FileNotFoundError(f"no Vosk model in {path}")
    with _cache_lock:
        if path not in _cache:
            vosk.SetLogLevel(-1)
            _cache[path] = vosk.Model(str(directory))
        return _cache[path]


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
    """One Vosk recognizer: one per connection, called from one task at a time (never concurrently)."""

    def __init__(self, model: Any, sample_rate: int, *, grammar: list[str] | None = None,
                 words: bool = False) -> None:
        import vosk

        if grammar:
            self._rec = vosk.KaldiRecognizer(model, float(sample_rate), grammar_json(grammar))
        else:
            self._rec = vosk.KaldiRecognizer(model, float(sample_rate))
        self._rec.SetWords(words)
        self.sample_rate = sample_rate
        self.closed = False
        _count(+1)

    def accept(self, pcm: bytes) -> tuple[bool, dict[str, Any]]:
        """(endpoint reached, the result at the endpoint or else the partial)."""
        if self._rec.AcceptWaveform(pcm):
            return True, json.loads(self._rec.Result())
        return False, json.loads(self._rec.PartialResult())

    def final(self) -> dict[str, Any]:
        """The result of what was heard so far; the recognizer then starts a new utterance."""
        result: dict[str, Any] = json.loads(self._rec.FinalResult())
        return result

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            del self._rec
            _count(-1)
