"""Recordings from WAV files (``voice transcribe``, the ASR benchmarks): PCM16 mono samples and their rate."""

from __future__ import annotations

import wave
from pathlib import Path


def read_wav(path: str | Path) -> tuple[bytes, int]:
    """PCM16 mono samples and their rate; ValueError for anything else."""
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2 or wav.getnchannels() != 1 or wav.getcomptype() != "NONE":
                raise ValueError(
                    f"{path}: WAV must be PCM16 mono (got {wav.getnchannels()} channel(s), "
                    f"{8 * wav.getsampwidth()} bit, {wav.getcomptype()})"
                )
            return wav.readframes(wav.getnframes()), wav.getframerate()
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"{path}: not a WAV file ({exc})") from None
