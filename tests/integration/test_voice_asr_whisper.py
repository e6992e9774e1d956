"""``WS /v1/asr`` and ``voice transcribe`` on a fresh machine: no ASR setting at all, so Whisper (the
whisper-base wheels) serves both languages; espeak-ng speech (English, and Mandarin spelled in pinyin: espeak's
``cmn`` voice reads most characters as English letters). One app per module: the model loads once."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from branchops.cli import main
from branchops.settings import Role
from services.voice.adapters.asr_whisper_files import wheels_installed
from services.voice.bootstrap import build_app
from services.voice.domain.nlu import NluEngine
from services.voice.settings import VoiceSettings
from tests.conftest import api_key, make_platform

pytestmark = [
    pytest.mark.skipif(not wheels_installed(), reason="whisper-base wheels not installed"),
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed"),
]
KIOSK = {"X-API-Key": api_key(Role.KIOSK)}
RATE = 22050  # espeak-ng's


def espeak(text: str, voice: str = "en-us", speed: int = 150) -> bytes:
    """PCM16 of espeak-ng speaking ``text`` with 0.5 s of silence before and 1 s after."""
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "--stdout", text], capture_output=True, check=True, timeout=30
    ).stdout
    return b"\0\0" * (RATE // 2) + wav[44:] + b"\0\0" * RATE


@pytest.fixture(scope="module")
def client(session_broker: Any, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    cache = tmp_path_factory.mktemp("whisper-cache")
    settings = VoiceSettings(
        redis_url=redis_url,
        asr_max_streams=2,
        asr_whisper_threads=2,
        asr_whisper_cache_dir=str(cache),
        asr_idle_timeout_s=20,
    )
    app = build_app(settings, make_platform(session_broker.bootstrap), engine=NluEngine.from_corpus())
    with TestClient(app) as test_client:
        deadline = time.monotonic() + 60
        while "loading" in app.state.voice.models.state.values() and time.monotonic() < deadline:
            time.sleep(0.05)
        yield test_client
    assert app.state.voice.streamer.slots.in_use == 0


def stream(ws: Any, pcm: bytes, rate: int, config: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    ws.send_text(json.dumps({"config": {"sample_rate": rate, **(config or {})}}))
    replies = []
    step = int(rate * 0.25) * 2
    for offset in range(0, len(pcm), step):
        ws.send_bytes(pcm[offset : offset + step])
        replies.append(ws.receive_json())
    ws.send_text('{"eof" : 1}')
    replies.append(ws.receive_json())
    return replies


def closing(ws: Any) -> WebSocketDisconnect:
    try:
        while True:
            ws.receive_json()
    except WebSocketDisconnect as exc:
        return exc


def final_text(replies: list[dict[str, Any]], joiner: str = " ") -> str:
    return joiner.join(r["text"] for r in replies if "result" in r and r["text"])


def test_readyz_reports_whisper_for_both_languages(client: TestClient) -> None:
    checks = json.dumps(client.get("/readyz").json())
    assert "en ready (whisper-base)" in checks and "zh ready (whisper-base)" in checks


def test_english_speech_gives_partials_then_the_words(client: TestClient) -> None:
    pcm = espeak("I would like to check the balance of my savings account.")
    with client.websocket_connect("/v1/asr?lang=en", headers=KIOSK) as ws:
        replies = stream(ws, pcm, RATE)
        closed = closing(ws)
    assert closed.code == 1000
    partials = [r["partial"] for r in replies if r.get("partial")]
    assert partials, "partial results while the sentence goes on"
    first_result = next(i for i, r in enumerate(replies) if "result" in r)
    assert any(r.get("partial") for r in replies[:first_result]), "partials come before the result"
    text = final_text(replies).lower()
    assert {"balance", "savings", "account"} <= set(text.replace(".", " ").split()), text
    words = [w for r in replies if "result" in r for w in r["result"]]
    assert words and {"word", "start", "end", "conf"} <= set(words[0])
    assert all(w["word"][-1].isalnum() for w in words), "words without punctuation, as Vosk gives them"


def test_mandarin_speech_gives_simplified_characters(client: TestClient) -> None:
    pcm = espeak("wo3 yao4 gei3 wo3 ma1 ma1 zhuan3 zhang4 wu3 qian1 yuan2", voice="cmn-latn-pinyin")
    with client.websocket_connect("/v1/asr", headers=KIOSK) as ws:  # zh: the service's default language
        replies = stream(ws, pcm, RATE, {"lang": "zh"})
        closing(ws)
    text = final_text(replies, "")
    assert "给我妈妈" in text, text
    assert not set(text) & set("給媽轉帳"), f"traditional characters left: {text}"


def test_a_stream_that_ends_mid_sentence_gets_its_result_at_eof(client: TestClient) -> None:
    pcm = espeak("Please transfer two hundred dollars to my landlord")
    cut = pcm[: len(pcm) - RATE * 2]  # no trailing silence: the endpoint never comes, eof ends the utterance
    with client.websocket_connect("/v1/asr?lang=en", headers=KIOSK) as ws:
        replies = stream(ws, cut, RATE)
        closing(ws)
    assert "result" in replies[-1] and "transfer" in replies[-1]["text"].lower(), replies[-1]


def test_silence_ends_cleanly_with_an_empty_result(client: TestClient) -> None:
    with client.websocket_connect("/v1/asr?lang=en", headers=KIOSK) as ws:
        replies = stream(ws, b"\0\0" * RATE * 3, RATE)
        closed = closing(ws)
    assert closed.code == 1000 and closed.reason == "eof"
    assert replies[-1] == {"text": "", "result": []}
    assert not any(r.get("partial") for r in replies)


def test_noise_gives_no_invented_sentence(client: TestClient) -> None:
    noise = (np.random.default_rng(7).normal(0, 3000, RATE * 3)).astype("<i2").tobytes()
    with client.websocket_connect("/v1/asr?lang=en", headers=KIOSK) as ws:
        replies = stream(ws, noise, RATE)
        closed = closing(ws)
    assert closed.code == 1000
    assert final_text(replies) == "", replies
    assert not any(r.get("partial") for r in replies), "the Silero gate keeps noise from being decoded"


def test_a_wrong_sample_rate_is_refused_with_a_reason(client: TestClient) -> None:
    with client.websocket_connect("/v1/asr?lang=en", headers=KIOSK) as ws:
        ws.send_text(json.dumps({"config": {"sample_rate": 96000}}))
        closed = closing(ws)
    assert closed.code == 1003 and "sample_rate 96000" in closed.reason


def test_compressed_audio_is_refused_with_a_reason(client: TestClient) -> None:
    with client.websocket_connect("/v1/asr?lang=en", headers=KIOSK) as ws:
        ws.send_bytes(b"OggS" + b"\0" * 400)
        closed = closing(ws)
    assert closed.code == 1003 and "not PCM16" in closed.reason


def test_cli_transcribes_english_with_no_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("VOICE_ASR_MODEL_EN", "VOICE_ASR_ENGINE_EN", "VOICE_ASR_WHISPER_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = tmp_path / "balance.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(espeak("What is the exchange rate for the Japanese yen today?"))
    assert main(["voice", "transcribe", "--lang", "en", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["engine"] == "whisper" and "exchange rate" in out["text"].lower(), out
    assert (tmp_path / "cache" / "branchops" / "whisper-base" / "model.bin").is_file()


def test_a_long_prompt_leaves_room_for_the_words_of_a_short_utterance() -> None:
    """CTranslate2 counts the prompt in ``max_length``: a 50-token vocabulary prompt on a clip of about two
    seconds once left no room for the text (nothing, or a ValueError)."""
    from services.voice.adapters.asr_whisper import MODEL_RATE, WhisperEngine, resample
    from services.voice.adapters.asr_whisper_files import prepared_model_dir

    prompt = (
        "银行柜台：取款、存款、转账、查询余额、挂失、开户、销户、理财、贷款、信用卡还款、缴费、外汇、"
        "预约、排队取号、身份证、银行卡、密码、手机银行、短信通知。"
    )
    engine = WhisperEngine(prepared_model_dir(None), workers=1, prompts={"en": prompt, "zh": prompt})
    pcm = espeak("check my balance")
    audio = resample(np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0, RATE)
    assert 1.5 * MODEL_RATE < len(audio) < 3.5 * MODEL_RATE
    decoded = engine.decode(audio, "en")  # the words, whatever the (Mandarin) prompt makes of the last one
    assert decoded.text.lower().startswith("check my"), decoded.text
