"""espeak-ng behind the TTS interface (skipped cleanly where espeak-ng is not installed)."""

from __future__ import annotations

import io
import shutil
import struct
import wave

import pytest

from services.voice.adapters.tts import EspeakTts, TtsUnavailable, fix_wav_sizes

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


def test_placeholder_wav_sizes_are_rewritten() -> None:
    samples = b"\x01\x00" * 10
    header = b"RIFF" + struct.pack("<I", 0x7FFFFFFF) + b"WAVEfmt " + struct.pack("<I", 16)
    header += struct.pack("<HHIIHH", 1, 1, 22050, 44100, 2, 16) + b"data" + struct.pack("<I", 0x7FFFFFFF)
    fixed = fix_wav_sizes(header + samples)
    with wave.open(io.BytesIO(fixed)) as wav:
        assert wav.getnframes() == 10


@needs_espeak
@pytest.mark.parametrize(("text", "lang"), [("您好，请问办理什么业务？", "zh"), ("Hello, how can I help?", "en")])
def test_espeak_speaks_mandarin_and_english(text: str, lang: str) -> None:
    wav_bytes = EspeakTts({"zh": "cmn", "en": "en-us"}).synthesize(text, lang)
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        assert 0.5 < wav.getnframes() / wav.getframerate() < 10


@needs_espeak
def test_text_that_looks_like_an_option_is_spoken_not_obeyed() -> None:
    wav_bytes = EspeakTts({"en": "en-us"}).synthesize("--version -w /tmp/x.wav", "en")
    assert wav_bytes.startswith(b"RIFF")


def test_missing_engine_or_voice_is_reported() -> None:
    with pytest.raises(TtsUnavailable):
        EspeakTts({"en": "en-us"}, binary="no-such-tts-binary").synthesize("hi", "en")
    if shutil.which("espeak-ng"):
        with pytest.raises(TtsUnavailable, match="no voice"):
            EspeakTts({"en": "en-us"}).synthesize("hi", "zh")
