"""Dialogue through the turn API and ``WS /v1/dialogue``: Redis sessions with a TTL, confirmation before
money, hand-off as a priority ticket from the real queue service (HTTP), voice.interactions.v1 events
with masked slots on the real broker."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
import uvicorn
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from branchops.contracts import topics
from branchops.devstack.process import free_port
from branchops.settings import PlatformSettings, Role
from branchops.web import issue_token
from services.queue.bootstrap import build_app as build_queue
from services.queue.settings import QueueSettings
from services.voice.bootstrap import build_app
from services.voice.domain.nlu import NluEngine
from services.voice.settings import VoiceSettings
from tests.conftest import api_key
from tests.integration.kafka_helpers import read_topic
from tests.waiting import join_within

KIOSK = {"X-API-Key": api_key(Role.KIOSK)}
BRANCH = "b-voice"


@pytest.fixture
def queue_url(platform: PlatformSettings, redis_url: str) -> Iterator[str]:
    port = free_port()
    # Production needs the same: the queue lets the voice channel issue urgent (hand-off) tickets.
    channels = {"vip": ["appointment", "teller"], "urgent": ["teller", "voice"]}
    app = build_queue(QueueSettings(redis_url=redis_url, priority_channels=channels), platform)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    join_within(thread, 10)


@functools.cache
def nlu_engine() -> NluEngine:
    """One NLU engine for the module's apps (training it takes a couple of seconds)."""
    return NluEngine.from_corpus()


def voice_client(platform: PlatformSettings, redis_url: str, queue_url: str, **extra: object) -> TestClient:
    settings = VoiceSettings(
        redis_url=redis_url, queue_url=queue_url, queue_api_key=api_key(Role.SERVICE), session_ttl_s=60, **extra
    )  # type: ignore[arg-type]
    return TestClient(build_app(settings, platform, engine=nlu_engine()))


def turn(client: TestClient, session: str, text: str) -> dict[str, object]:
    response = client.post(
        f"/v1/branches/{BRANCH}/dialogue/sessions/{session}/turns", json={"text": text}, headers=KIOSK
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_transfer_confirmed_then_a_ticket_with_number_and_wait(
    platform: PlatformSettings, redis_url: str, queue_url: str
) -> None:
    with voice_client(platform, redis_url, queue_url) as client:
        start = client.post(f"/v1/branches/{BRANCH}/dialogue/sessions", json={"kiosk_id": "k1"}, headers=KIOSK)
        assert start.status_code == 201
        session = str(start.json()["session_id"])
        ttl = redis.Redis.from_url(redis_url).ttl(f"bo:voice:{{{BRANCH}}}:session:{session}")
        assert 0 < ttl <= 60
        first = turn(client, session, "我要给张三转账，从尾号1234的卡")
        assert first["outcome"] == "slot_prompt"
        second = turn(client, session, "三千五百元")
        assert second["outcome"] == "confirm_prompt" and "3,500" in str(second["reply"])
        assert second["phrase_list"]
        done = turn(client, session, "确认")
        assert done["outcome"] == "ticket", done
        ticket = done["ticket"]
        assert isinstance(ticket, dict) and str(ticket["number"]) in str(done["reply"])
        assert isinstance(ticket.get("token"), str)  # the kiosk shows the phone page's QR code for it
        human = turn(client, session, "I want to talk to a real person")
        assert human["outcome"] == "handoff" and human["lang"] == "en"
        assert "priority number" in str(human["reply"])
        assert isinstance(human["ticket"], dict) and human["ticket"]["priority"] == "urgent"
        repeat = turn(client, session, "please say that again")
        assert repeat["reply"] == human["reply"]
        time.sleep(0.5)  # events are published in the background after each reply
    records = asyncio.run(read_topic(platform.kafka_bootstrap, topics.VOICE_INTERACTIONS.name, expect=5))
    events = [json.loads(r.value)["data"] for r in records]
    assert len(events) >= 5
    assert [e["turn"] for e in events] == sorted(e["turn"] for e in events)
    first_event = next(e for e in events if e["turn"] == 1)
    assert first_event["slots"].get("payee") == "张*" and first_event["slots"].get("account_last4") == "****"
    assert all(e["nlu_ms"] is not None for e in events)


def test_unknown_session_empty_and_huge_text(platform: PlatformSettings, redis_url: str, queue_url: str) -> None:
    with voice_client(platform, redis_url, queue_url) as client:
        missing = client.post(f"/v1/branches/{BRANCH}/dialogue/sessions/nope/turns", json={"text": "hi"}, headers=KIOSK)
        assert missing.status_code == 404
        session = client.post(
            f"/v1/branches/{BRANCH}/dialogue/sessions", json={"kiosk_id": "k1", "lang": "en"}, headers=KIOSK
        ).json()["session_id"]
        assert turn(client, session, "")["outcome"] == "reprompt"
        huge = client.post(
            f"/v1/branches/{BRANCH}/dialogue/sessions/{session}/turns", json={"text": "x" * 10_000}, headers=KIOSK
        )
        assert huge.status_code == 422 and "at most" in huge.json()["detail"]
        assert client.post("/v1/nlu", json={"text": ""}, headers=KIOSK).json()["intent"] == "out_of_scope"
        assert client.post("/v1/tts", json={"text": " "}, headers=KIOSK).status_code == 422
        assert client.post("/v1/nlu", json={"text": "hi"}).status_code == 401


def test_queue_down_gives_a_clean_reply(platform: PlatformSettings, redis_url: str) -> None:
    with voice_client(platform, redis_url, f"http://127.0.0.1:{free_port()}") as client:
        session = client.post(
            f"/v1/branches/{BRANCH}/dialogue/sessions", json={"kiosk_id": "k1"}, headers=KIOSK
        ).json()["session_id"]
        reply = turn(client, session, "转人工")
        assert reply["outcome"] == "ticket_failed" and "取号机" in str(reply["reply"])


def test_websocket_dialogue_with_text_turns_and_spoken_replies(
    platform: PlatformSettings, redis_url: str, queue_url: str
) -> None:
    with (
        voice_client(platform, redis_url, queue_url) as client,
        client.websocket_connect(f"/v1/dialogue?branch_id={BRANCH}&kiosk_id=k2&lang=en", headers=KIOSK) as ws,
    ):
        greeting = ws.receive_json()["reply"]
        assert greeting["outcome"] == "greeted"
        ws.send_text(json.dumps({"text": "I want to buy 100 euros"}))
        confirm = ws.receive_json()["reply"]
        assert confirm["outcome"] == "confirm_prompt" and confirm["lang"] == "en"
        ws.send_text(json.dumps({"text": "cancel"}))
        assert ws.receive_json()["reply"]["outcome"] == "cancelled"
        ws.send_text('{"eof" : 1}')
        ws.receive_json()
        with pytest.raises(WebSocketDisconnect):
            ws.receive_json()


def test_websocket_text_turns_share_the_per_device_nlu_rate_limit(
    platform: PlatformSettings, redis_url: str, queue_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WS text turns spend the same per-device budget as POST /v1/nlu and the HTTP turns; past it a text turn
    is refused with a reason and not run, the connection stays usable, and other devices keep their budget."""
    monkeypatch.setenv("VOICE_NLU_RATE_LIMIT_PER_MINUTE", "3")
    if dt.datetime.now(dt.UTC).second > 45:  # one fixed one-minute window for the whole test
        time.sleep(61 - dt.datetime.now(dt.UTC).second)
    device = f"kiosk:ws-{uuid.uuid4().hex[:8]}"
    token = {"Authorization": f"Bearer {issue_token(platform, device, Role.KIOSK, BRANCH)}"}
    other = {"Authorization": f"Bearer {issue_token(platform, device + '-b', Role.KIOSK, BRANCH)}"}
    with voice_client(platform, redis_url, queue_url) as client:
        assert client.post("/v1/nlu", json={"text": "我要存钱"}, headers=token).status_code == 200
        with client.websocket_connect(f"/v1/dialogue?branch_id={BRANCH}&kiosk_id=k3&lang=en", headers=token) as ws:
            assert ws.receive_json()["reply"]["outcome"] == "greeted"
            ws.send_text(json.dumps({"text": "x" * 5000}))  # refused for its length: spends no budget
            assert "too long" in ws.receive_json()["error"]
            for _ in range(2):
                ws.send_text(json.dumps({"text": "what are your opening hours"}))
                assert "reply" in ws.receive_json()
            ws.send_text(json.dumps({"text": "what are your opening hours"}))
            refused = ws.receive_json()
            assert "reply" not in refused and refused["reason"] == "rate_limited"
            assert "at most 3" in refused["error"] and "per device" in refused["error"]
            assert 1 <= refused["retry_after_s"] <= 60
            ws.send_text('{"eof" : 1}')  # still served: the stream ends normally
            ws.receive_json()
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == 1000
        assert client.post("/v1/nlu", json={"text": "hi"}, headers=token).status_code == 429
        with client.websocket_connect(f"/v1/dialogue?branch_id={BRANCH}&kiosk_id=k4&lang=en", headers=other) as ws:
            ws.receive_json()
            ws.send_text(json.dumps({"text": "what are your opening hours"}))
            assert "reply" in ws.receive_json(), "another device has its own budget"


def test_an_unreachable_conversation_store_closes_the_socket_with_try_again_and_http_answers_503(
    platform: PlatformSettings, queue_url: str
) -> None:
    """Redis down when a kiosk connects: the accepted socket is closed with 1013 and a reason (an HTTP error
    answer cannot follow an accepted handshake), and the HTTP start answers problem+json 503."""
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    with voice_client(platform, dead_redis, queue_url) as client:
        with (
            client.websocket_connect(f"/v1/dialogue?branch_id={BRANCH}&kiosk_id=k5&lang=en", headers=KIOSK) as ws,
            pytest.raises(WebSocketDisconnect) as closed,
        ):
            ws.receive_json()
        assert closed.value.code == 1013 and "try again" in closed.value.reason
        response = client.post(f"/v1/branches/{BRANCH}/dialogue/sessions", json={"kiosk_id": "k5"}, headers=KIOSK)
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
