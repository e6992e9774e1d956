"""Offline transcription of whole recordings (CLI and benchmarks): PCM16 samples -> text, words, compute time.

The recordings are read by ``adapters/wav_files.py``; the model and the recognizer pool are the caller's, built
once per command (``asr_vosk.load_model``, ``RecognizerPool``; for Whisper ``asr_engines.load_whisper`` and a
``WhisperRecognizer`` per recording). Audio is fed in stream-sized chunks either way, so the endpointing and the
partial decodes cost what they cost on the WebSocket.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from services.voice.adapters.asr_vosk import Recognizer, RecognizerPool
from services.voice.domain.asr.recognizer import StreamRecognizer


@dataclass
class Transcript:
    text: str
    words: list[dict[str, Any]] = field(default_factory=list)
    audio_s: float = 0.0
    compute_s: float = 0.0

    @property
    def real_time_factor(self) -> float:
        return self.compute_s / self.audio_s if self.audio_s else 0.0


def transcribe_pcm(
    model: Any, pcm: bytes, sample_rate: int, *, chunk_s: float = 0.2, pool: RecognizerPool | None = None
) -> Transcript:
    """Feed ``pcm`` in ``chunk_s`` pieces as a stream would, joining the utterance results. ``pool``: the
    caller's ``RecognizerPool`` (one per command) to reuse a recognizer across recordings; None: a new one."""
    return transcribe_with(Recognizer(model, sample_rate, words=True, pool=pool), pcm, sample_rate, chunk_s=chunk_s)


def transcribe_with(recognizer: StreamRecognizer, pcm: bytes, sample_rate: int, *, chunk_s: float = 0.2) -> Transcript:
    """Feed ``pcm`` to ``recognizer`` (any engine) in ``chunk_s`` pieces; closes it at the end."""
    step = max(2, int(sample_rate * chunk_s) * 2)
    texts: list[str] = []
    words: list[dict[str, Any]] = []
    started = time.perf_counter()
    try:
        for offset in range(0, len(pcm), step):
            endpoint, result = recognizer.accept(pcm[offset : offset + step])
            if endpoint:
                _collect(result, texts, words)
        _collect(recognizer.final(), texts, words)
    finally:
        recognizer.close()
    joiner = "" if getattr(recognizer, "lang", "") == "zh" else " "
    return Transcript(joiner.join(texts), words, len(pcm) / 2 / sample_rate, time.perf_counter() - started)


def _collect(result: dict[str, Any], texts: list[str], words: list[dict[str, Any]]) -> None:
    if result.get("text"):
        texts.append(str(result["text"]))
    words.extend(result.get("result", []))
