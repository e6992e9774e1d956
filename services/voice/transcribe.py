"""Offline transcription of whole recordings (CLI and benchmark): WAV file -> text, words, compute time."""

from __future__ import annotations

import time
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.voice.adapters.asr_vosk import Recognizer, RecognizerPool


@dataclass
class Transcript:
    text: str
    words: list[dict[str, Any]] = field(default_factory=list)
    audio_s: float = 0.0
    compute_s: float = 0.0

    @property
    def real_time_factor(self) -> float:
        return self.compute_s / self.audio_s if self.audio_s else 0.0


def read_wav(path: str | Path) -> tuple[bytes, int]:
    """PCM16 mono samples and their rate; ValueError for anything else."""
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2 or wav.getnchannels() != 1 or wav.getcomptype() != "NONE":
                raise ValueError(f"{path}: WAV must be PCM16 mono (got {wav.getnchannels()} channel(s), "
                                 f"{8 * wav.getsampwidth()} bit, {wav.getcomptype()})")
            return wav.readframes(wav.getnframes()), wav.getframerate()
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"{path}: not a WAV file ({exc})") from None


def transcribe_pcm(model: Any, pcm: bytes, sample_rate: int, *, chunk_s: float = 0.2,
                   pool: RecognizerPool | None = None) -> Transcript:
    """Feed ``pcm`` in ``chunk_s`` pieces as a stream would, joining the utterance results. ``pool``: the
    caller's ``RecognizerPool`` (one per command) to reuse a recognizer across recordings; None: a new one."""
    step = max(2, int(sample_rate * chunk_s) * 2)
    recognizer = Recognizer(model, sample_rate, words=True, pool=pool)
    texts: list[str] = []
    words: list[dict[str, Any]] = []
    started = time.perf_counter()
    try:
        for offset in range(0, len(pcm), step):
            endpoint, result = recognizer.accept(pcm[offset:offset + step])
            if endpoint:
                _collect(result, texts, words)
        _collect(recognizer.final(), texts, words)
    finally:
        recognizer.close()
    return Transcript(" ".join(texts), words, len(pcm) / 2 / sample_rate, time.perf_counter() - started)


def _collect(result: dict[str, Any], texts: list[str], words: list[dict[str, Any]]) -> None:
    if result.get("text"):
        texts.append(str(result["text"]))
    words.extend(result.get("result", []))
