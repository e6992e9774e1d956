"""The officer sees a merchant case's documents (issue 25 item 5: "the documents' crops") through the KYC app
with the real OCR, a real Redis and broker: only when the branch retains images (encrypted), only managers of
the case's branch, straightened and downscaled JPEG without the upload's metadata, never cached, every view
audited; with retention off (the privacy default) a clear 404 reason and an empty list on the review sheet."""

from __future__ import annotations

import base64
import io
import os
from datetime import date
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from PIL import Image

from branchops.settings import PlatformSettings, Role
from branchops.web.auth import issue_token
from services.kyc.adapters.engines import Engines
from tests.conftest import api_key
from tests.integration.kyc_support import JPEG, KIOSK, kyc_client

pytest.importorskip("rapidocr")
fonts = pytest.importorskip("bench.kyc.fonts")
if fonts.cjk_font_location() is None:
    pytest.skip("no CJK font (fonts-noto-cjk)", allow_module_level=True)

from bench.kyc.merchant_corpus import merchant_case  # noqa: E402

BRANCH = "b-merchant-docs"
CASES = "/v1/kyc/merchant-cases"
MANAGER = {"X-API-Key": api_key(Role.MANAGER)}
TELLER = {"X-API-Key": api_key(Role.TELLER)}


@pytest.fixture(scope="module")
def engines() -> Engines:
    return Engines()


def retention_on() -> dict[str, Any]:
    return {"retention_ttl_s": 600, "retention_key": base64.b64encode(os.urandom(32)).decode()}


async def case_with_licence_and_portrait(client: httpx.AsyncClient) -> str:
    case = merchant_case(5, date.today())
    made = await client.post(CASES, json={"branch_id": BRANCH, "kiosk_id": "kiosk-d"}, headers=KIOSK)
    assert made.status_code == 201, made.text
    cid = str(made.json()["case_id"])
    for step, data in (("licence", case.licence), ("id-card", case.portrait)):
        answer = await client.post(f"{CASES}/{cid}/{step}", content=data, headers=JPEG)
        assert answer.status_code == 200, answer.text
    return cid


async def audit_entries(redis_client: aioredis.Redis, branch: str) -> list[dict[str, str]]:
    entries: Any = await redis_client.xrange(f"bo:kyc:{{{branch}}}:audit")
    return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in entries]


async def test_the_officer_sees_the_kept_documents_straightened_and_every_view_is_audited(
    redis_url: str, redis_client: aioredis.Redis, platform: PlatformSettings, engines: Engines
) -> None:
    async with kyc_client(redis_url, platform, engines, client_timeout_s=120, **retention_on()) as client:
        cid = await case_with_licence_and_portrait(client)
        officer = {"Authorization": f"Bearer {issue_token(platform, 'officer-wang', Role.MANAGER, BRANCH)}"}

        sheet = await client.get(f"{CASES}/{cid}/review", headers=officer)
        assert sheet.status_code == 200, sheet.text
        assert sheet.json()["document_images"] == ["licence", "portrait"]  # the emblem side is not uploaded yet

        for kind in ("licence", "portrait"):
            got = await client.get(f"{CASES}/{cid}/documents/{kind}", headers=officer)
            assert got.status_code == 200, got.text
            assert got.headers["content-type"] == "image/jpeg"
            assert "no-store" in got.headers["cache-control"]
            image = Image.open(io.BytesIO(got.content))
            assert image.format == "JPEG" and max(image.size) <= 720 and min(image.size) >= 200
            assert not image.getexif(), "no metadata of the upload survives"
        licence = Image.open(
            io.BytesIO((await client.get(f"{CASES}/{cid}/documents/licence", headers=officer)).content)
        )
        portrait = Image.open(
            io.BytesIO((await client.get(f"{CASES}/{cid}/documents/portrait", headers=officer)).content)
        )
        assert portrait.size[0] > portrait.size[1], "an ID card is landscape"
        assert licence.size != portrait.size

        missing = await client.get(f"{CASES}/{cid}/documents/emblem", headers=officer)
        assert missing.status_code == 404 and missing.json()["reason"] == "image_not_found"
        selfie = await client.get(f"{CASES}/{cid}/documents/selfie", headers=officer)
        assert selfie.status_code == 422  # selfies are never served
        for who in (KIOSK, TELLER):
            assert (await client.get(f"{CASES}/{cid}/documents/licence", headers=who)).status_code == 403
        elsewhere = {"Authorization": f"Bearer {issue_token(platform, 'officer-zhao', Role.MANAGER, 'b-other')}"}
        assert (await client.get(f"{CASES}/{cid}/documents/licence", headers=elsewhere)).status_code == 403
        unknown = await client.get(f"{CASES}/mc-nope/documents/licence", headers=officer)
        assert unknown.status_code == 404 and unknown.json()["reason"] == "case_not_found"
        kept = [key async for key in redis_client.scan_iter(match=f"bo:kyc:*images*{cid}")]
        assert kept and await redis_client.delete(*kept) == len(kept)  # leave no ciphertext to other tests

    viewed = [e for e in await audit_entries(redis_client, BRANCH) if e.get("action") == "document_viewed"]
    mine = [e for e in viewed if e["case_id"] == cid]
    assert [(e["document"], e["officer"]) for e in mine] == [
        ("licence", "officer-wang"),
        ("portrait", "officer-wang"),
        ("licence", "officer-wang"),
        ("portrait", "officer-wang"),
    ]


async def test_with_retention_off_no_document_is_kept_and_the_officer_is_told_why(
    redis_url: str, platform: PlatformSettings, engines: Engines
) -> None:
    async with kyc_client(redis_url, platform, engines, client_timeout_s=120) as client:
        cid = await case_with_licence_and_portrait(client)
        sheet = await client.get(f"{CASES}/{cid}/review", headers=MANAGER)
        assert sheet.status_code == 200 and sheet.json()["document_images"] == []
        got = await client.get(f"{CASES}/{cid}/documents/licence", headers=MANAGER)
        assert got.status_code == 404
        assert got.headers["content-type"].startswith("application/problem+json")
        assert got.json()["reason"] == "images_not_kept"
