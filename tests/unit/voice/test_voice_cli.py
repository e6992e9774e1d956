"""``branchops voice nlu`` and ``voice transcribe``: JSON on stdout, one line per input when several."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import pytest

from branchops.cli import main
from services.voice.adapters import asr_vosk
from services.voice.usecases import transcription


def test_one_text_gives_one_object(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["voice", "nlu", "--today", "2024-05-08", "我要取五百块"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["intent"] == "cash_withdrawal" and out["slots"]["amount"] == 500 and out["text"] == "我要取五百块"


def test_a_file_gives_one_line_per_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("check my balance\n\n转人工\n", encoding="utf-8")
    assert main(["voice", "nlu", "--file", str(lines)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["text"] for r in rows] == ["check my balance", "转人工"]
    assert [r["intent"] for r in rows] == ["balance_inquiry", "human_agent"]


def test_transcribe_without_a_model_is_a_clean_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("VOICE_ASR_MODEL_ZH", raising=False)
    monkeypatch.setenv("VOICE_ASR_ENGINE_ZH", "vosk")  # Vosk chosen without a model (Whisper is the default)
    assert main(["voice", "transcribe", str(tmp_path / "a.wav")]) == 2
    assert "no ASR model" in capsys.readouterr().err


def _wav(path: Path, seconds: float = 0.5, rate: int = 16000) -> str:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\x00\x00" * int(rate * seconds))
    return str(path)


def test_transcribe_loads_one_model_and_one_recognizer_pool_per_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    models: list[str] = []
    pools: list[asr_vosk.RecognizerPool] = []
    model = object()

    def load_model(path: str) -> object:
        models.append(path)
        return model

    class CountedPool(asr_vosk.RecognizerPool):
        def __init__(self, per_key: int = 4) -> None:
            super().__init__(per_key)
            pools.append(self)

    def transcribe(got: object, pcm: bytes, rate: int, *, pool: asr_vosk.RecognizerPool) -> transcription.Transcript:
        assert got is model and pool is pools[0]
        return transcription.Transcript("", [], len(pcm) / 2 / rate, 0.01)

    monkeypatch.setattr(asr_vosk, "load_model", load_model)
    monkeypatch.setattr(asr_vosk, "RecognizerPool", CountedPool)
    monkeypatch.setattr(transcription, "transcribe_pcm", transcribe)
    wavs = [_wav(tmp_path / "a.wav"), _wav(tmp_path / "b.wav", 1.0), str(tmp_path / "missing.wav")]
    assert main(["voice", "transcribe", "--model", str(tmp_path), *wavs]) == 1
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (len(models), len(pools)) == (1, 1), "one model and one recognizer pool per command"
    assert [r.get("audio_s") for r in rows] == [0.5, 1.0, None] and "error" in rows[2]
    assert pools[0].size() == 0, "the pool is emptied when the command ends"
