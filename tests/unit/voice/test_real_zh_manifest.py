"""bench/asr_whisper.py --real-zh: the manifest loader (checked entries, sha256 verification, missing files skipped)
and the WAV reader that makes 16 kHz mono. Tiny in-memory manifests and WAVs written to tmp_path; no model."""

from __future__ import annotations

import hashlib
import io
import json
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench import asr_whisper
from bench.asr_whisper import ManifestError, RealClip, read_verified, real_clips, wav_16k_mono


def wav_bytes(samples: np.ndarray, rate: int, channels: int = 1) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def entry(clip_id: str, data: bytes, **over: Any) -> dict[str, Any]:
    return {
        "id": clip_id,
        "file": f"{clip_id}.wav",
        "sha256": hashlib.sha256(data).hexdigest(),
        "text": "请帮我查一下余额",
        "speaker": "S0001",
        "corpus": "AISHELL-1",
        "licence": "Apache-2.0",
        **over,
    }


TONE = np.sin(np.arange(1600) * 2 * np.pi * 440 / 16000).astype(np.float32) * 0.5


def test_the_committed_manifest_is_valid_and_text_only() -> None:
    manifest = json.loads(asr_whisper.REAL_ZH_MANIFEST.read_text(encoding="utf-8"))
    clips = real_clips(manifest)
    assert len(clips) >= 20
    assert all(clip.file.endswith(".wav") and clip.licence for clip in clips)
    assert all(entry["audio"]["repo"] and len(entry["audio"]["commit"]) == 40 for entry in manifest["clips"])


def test_clips_are_read_and_a_missing_file_is_skipped_with_a_line(tmp_path: Path) -> None:
    data = wav_bytes(TONE, 16000)
    (tmp_path / "a.wav").write_bytes(data)
    clips = real_clips({"clips": [entry("a", data), entry("b", b"never written")]})
    found, skipped = read_verified(clips, tmp_path)
    assert [(clip.id, payload) for clip, payload in found] == [("a", data)]
    assert skipped == [f"skipped b: {tmp_path / 'b.wav'} is missing"]


def test_a_file_whose_sha256_differs_is_refused(tmp_path: Path) -> None:
    data = wav_bytes(TONE, 16000)
    (tmp_path / "a.wav").write_bytes(data + b"\0")
    clips = real_clips({"clips": [entry("a", data)]})
    with pytest.raises(ManifestError, match="refused a: sha256"):
        read_verified(clips, tmp_path)


@pytest.mark.parametrize(
    "over, why",
    [
        ({"file": "../a.wav"}, "bare name"),
        ({"sha256": "abc"}, "64 hex"),
        ({"text": " "}, "transcript"),
        ({"licence": ""}, "licence"),
    ],
)
def test_bad_entries_are_refused(over: dict[str, Any], why: str) -> None:
    with pytest.raises(ManifestError, match=why):
        real_clips({"clips": [entry("a", b"x", **over)]})


def test_a_clip_listed_twice_or_no_clip_at_all_is_refused() -> None:
    with pytest.raises(ManifestError, match="twice"):
        real_clips({"clips": [entry("a", b"x"), entry("a", b"y")]})
    with pytest.raises(ManifestError, match="no clips"):
        real_clips({"clips": []})
    with pytest.raises(ManifestError, match="no sha256"):
        real_clips({"clips": [{k: v for k, v in entry("a", b"x").items() if k != "sha256"}]})


def test_real_clip_keeps_the_manifest_fields() -> None:
    (clip,) = real_clips({"clips": [entry("a", b"x", sha256=hashlib.sha256(b"x").hexdigest().upper())]})
    assert clip == RealClip(
        "a", "a.wav", hashlib.sha256(b"x").hexdigest(), "请帮我查一下余额", "S0001", "AISHELL-1", "Apache-2.0"
    )


def test_an_8_khz_stereo_wav_becomes_16_khz_mono() -> None:
    left = np.full(800, 0.5, dtype=np.float32)
    stereo = np.stack([left, -left / 2], axis=1).reshape(-1)  # interleaved: mean 0.125
    samples = wav_16k_mono(wav_bytes(stereo, 8000, channels=2))
    assert len(samples) == 1600
    assert abs(float(np.median(samples)) - 0.125) < 0.01


def test_16_khz_mono_is_kept_as_it_is_and_other_files_are_refused() -> None:
    samples = wav_16k_mono(wav_bytes(TONE, 16000))
    assert len(samples) == len(TONE) and np.max(np.abs(samples - TONE)) < 1e-3
    with pytest.raises(ManifestError, match="not a PCM WAV"):
        wav_16k_mono(b"RIFF....not a wav")


@pytest.mark.parametrize(
    "hypothesis, spoken",
    [
        ("2015年7月13日", "二零一五年七月十三日"),
        ("增长3.5%", "增长百分之三点五"),
        ("取1,250元", "取一千二百五十元"),
        ("转账20000", "转账二万"),
    ],
)
def test_numerals_of_a_mandarin_hypothesis_are_read_as_said(hypothesis: str, spoken: str) -> None:
    assert asr_whisper.spoken_zh(hypothesis) == spoken


class _Result:
    def __init__(self, hypotheses: list[tuple[list[int], float]], no_speech: float = 0.0) -> None:
        self.sequences_ids = [ids for ids, _ in hypotheses]
        self.scores = [score for _, score in hypotheses]
        self.no_speech_prob = no_speech


class _Model:
    """Answers the greedy decode with ``first`` and each sampled round with the next of ``sampled``."""

    def __init__(self, first: _Result, sampled: list[_Result]) -> None:
        self.first = first
        self.sampled = list(sampled)
        self.calls: list[dict[str, Any]] = []

    def generate(self, features: object, prompts: list[list[int]], **options: Any) -> list[_Result]:
        self.calls.append(options)
        return [self.first if len(self.calls) == 1 else self.sampled.pop(0)]


TEXT = {1: "请帮我", 2: "查一下余额", 3: "查一下"}
EOT = 99


def fallback(model: _Model) -> asr_whisper.FallbackModel:
    return asr_whisper.FallbackModel(model, lambda ids: "".join(TEXT[t] for t in ids), EOT)


def test_a_confident_decode_is_not_sampled_again() -> None:
    model = _Model(_Result([([1, 2], -0.2)]), [])
    (result,) = fallback(model).generate(None, [[0]], beam_size=5)
    assert result.sequences_ids == [[1, 2]] and len(model.calls) == 1


def test_a_loop_is_sampled_again_until_a_decode_passes() -> None:
    loop = [1, 2] * 20  # compresses far more than 2.4 times
    model = _Model(
        _Result([(loop, -0.1)]),
        [_Result([([1, 3], -1.8), ([1, 2], -1.6)]), _Result([([1, 3], -0.9), ([1, 2], -0.4)])],
    )
    wrapped = fallback(model)
    (result,) = wrapped.generate(None, [[0]], beam_size=5)
    assert result.sequences_ids == [[1, 2]] and wrapped.retries == 2
    assert [call["sampling_temperature"] for call in model.calls[1:]] == [0.2, 0.4]
    assert all(call["beam_size"] == 1 and call["num_hypotheses"] == 5 for call in model.calls[1:])


def test_silence_is_not_retried_and_the_best_is_kept_when_nothing_passes() -> None:
    silent = _Model(_Result([([1], -2.0)], no_speech=0.9), [])
    assert fallback(silent).generate(None, [[0]])[0].sequences_ids == [[1]] and len(silent.calls) == 1
    unsure = _Model(_Result([([1, 2], -1.8)]), [_Result([([1, 3], -1.6 - i / 10)]) for i in range(5)])
    (result,) = fallback(unsure).generate(None, [[0]])
    assert result.sequences_ids == [[1, 3]] and result.scores == [-1.6]
