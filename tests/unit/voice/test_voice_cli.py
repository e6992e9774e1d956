"""``branchops voice nlu`` and ``voice transcribe``: JSON on stdout, one line per input when several."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from branchops.cli import main


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


def test_transcribe_without_a_model_is_a_clean_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("VOICE_ASR_MODEL_ZH", raising=False)
    assert main(["voice", "transcribe", str(tmp_path / "a.wav")]) == 2
    assert "no ASR model" in capsys.readouterr().err
