"""The officer's merchant onboarding review (/officer) in a real chromium against real KYC and gateway
processes (issue 25 item 5b): cases taken to review through the KYC API (rendered licence and card, the
card's photo and the selfie two pictures of one real person), then the manager reviews a prefilled sheet,
corrects a field, asks for more / approves; another person's selfie blocks approval and is rejected; a
teller may not open the page. Screenshots under test-artifacts/kyc/."""

from __future__ import annotations

import base64
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("playwright")
pytest.importorskip("pytest_playwright")

from playwright.sync_api import Browser, Page, expect

from bench.kyc import fonts, genuine_faces
from bench.kyc.merchant_corpus import MerchantCase, male_merchant_case
from bench.merchant_review import officer_review, to_review
from branchops.devstack import SERVICES, DevStack
from branchops.settings import Role
from services.kyc.adapters.face_models import FaceEngine
from tests.conftest import api_key
from tests.e2e.browser.kiosk_stack import kyc_models_installed
from tests.e2e.browser.stack import PASSWORD, _gateway_env
from tests.e2e.helpers import service_env

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

if not kyc_models_installed() or fonts.cjk_font_location() is None:
    pytest.skip("KYC models or a CJK font not installed", allow_module_level=True)
if genuine_faces.picture(genuine_faces.ID_PHOTO) is None:
    pytest.skip("face pictures not cached: python -m bench.face_match --fetch", allow_module_level=True)


@dataclass(frozen=True)
class OfficerStack:
    ports: dict[str, int]
    branch: str

    def url(self, path: str, service: str = "gateway") -> str:
        return f"http://127.0.0.1:{self.ports[service]}{path}"


@pytest.fixture(scope="module")
def officer_stack(devstack: DevStack) -> Iterator[OfficerStack]:
    specs = {s.name: s for s in SERVICES}
    suffix = uuid.uuid4().hex[:6]
    branch = f"ob-{suffix}"
    kept = {"KYC_RETENTION_TTL_S": "3600", "KYC_RETENTION_KEY": base64.b64encode(os.urandom(32)).decode()}
    ports = {
        "kyc": devstack.start_service(specs["kyc"], env=service_env(KYC_RATE_LIMIT_PER_MINUTE="600", **kept))
    }  # the branch keeps images (encrypted): the officer sees the documents
    env = _gateway_env(
        branch, f"ob2-{suffix}", f"dev-{uuid.uuid4().hex}", f"dev-{uuid.uuid4().hex}", {"queue": 9, "staffing": 9}
    )
    env.update(GATEWAY_KYC_URL=f"http://127.0.0.1:{ports['kyc']}", GATEWAY_UPSTREAM_TIMEOUT_S="120")
    ports["gateway"] = devstack.start_service(specs["gateway"], env=env)
    try:
        devstack.wait_healthy(["kyc", "gateway"], timeout_s=240)
        yield OfficerStack(ports, branch)
    finally:
        for name in ("gateway", "kyc"):
            found = devstack.services.pop(name, None)
            if found:
                found[0].stop()


@pytest.fixture(scope="module")
def kiosk(officer_stack: OfficerStack) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=officer_stack.url("", "kyc"), headers={"X-API-Key": api_key(Role.KIOSK)}, timeout=180
    ) as client:
        yield client


@pytest.fixture(scope="module")
def card_photo() -> object:
    picture = genuine_faces.picture(genuine_faces.ID_PHOTO)
    assert picture is not None
    return genuine_faces.id_photo(picture, FaceEngine().detect(picture, 1280)[0], (220, 280))


def applicant(seed: int, photo: object) -> MerchantCase:
    return male_merchant_case(seed, date.today(), photo=photo)  # type: ignore[arg-type]


def login(page: Page, stack: OfficerStack, user: str, path: str) -> None:
    page.goto(stack.url(path))
    expect(page).to_have_url(re.compile(r"/login"))
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(re.escape(path.split("?")[0])))


def shot(page: Page, artifacts: Path, name: str) -> None:
    folder = artifacts / "kyc"
    folder.mkdir(exist_ok=True)
    page.screenshot(path=str(folder / name), full_page=True)


def test_officer_reviews_corrects_asks_for_more_and_approves(
    officer_stack: OfficerStack, kiosk: httpx.Client, card_photo: object, browser: Browser, artifacts: Path
) -> None:
    case = applicant(3, card_photo)
    cid = to_review(kiosk, officer_stack.branch, case)
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    login(page, officer_stack, "manager", f"/officer?case={cid}")
    expect(page.get_by_test_id("case-id")).to_have_text(cid)
    expect(page.get_by_test_id(f"case-{cid}")).to_be_visible()
    truth = case.truth()
    for doc, fields in truth.items():
        for name, value in fields.items():
            expect(page.get_by_test_id(f"field-{doc}.{name}")).to_have_value(value)  # prefilled, in full
    for name in ("legal_representative_matches_id_name", "credit_code_valid", "face_matches", "liveness_passed"):
        expect(page.get_by_test_id(f"cross-{name}")).to_have_text(re.compile("^✓"))
    expect(page.get_by_test_id("blocking")).to_be_hidden()
    expect(page.get_by_test_id("approve")).to_be_enabled()
    for doc in ("licence", "portrait", "emblem"):  # the documents beside their fields, straightened
        image = page.get_by_test_id(f"image-{doc}")
        expect(image).to_be_visible()
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    expect(page.get_by_test_id("no-images")).to_have_count(0)
    low = page.locator("tr.low")
    flagged = low.count()
    shot(page, artifacts, "officer-01-review-prefilled.png")

    page.click("#lang")  # bilingual
    expect(page.locator("h1")).to_contain_text("Merchant onboarding review")
    expect(page.get_by_test_id("cross-credit_code_valid")).to_have_text("✓ Credit code valid")
    expect(page.get_by_test_id("row-licence.credit_code")).to_contain_text("✓ check digit right")
    shot(page, artifacts, "officer-02-review-english.png")
    page.click("#lang")

    page.click("[data-testid='ask-more']")  # no reason: refused with its reason, nothing changes
    expect(page.get_by_test_id("error")).to_contain_text("reason_required")
    capital = page.get_by_test_id("field-licence.registered_capital")
    capital.fill("贰佰万元整")
    expect(page.get_by_test_id("corrected")).to_have_text("1")
    expect(page.get_by_test_id("row-licence.registered_capital")).to_have_class(re.compile("edited"))
    page.fill("[data-testid='reason']", "请补充营业执照原件照片")
    with page.expect_response(lambda r: r.url.endswith("/decision")) as asked:
        page.click("[data-testid='ask-more']")
    assert asked.value.status == 200
    expect(page.get_by_test_id("done")).to_contain_text("已要求补件")
    expect(page.get_by_test_id(f"case-{cid}")).to_have_count(0)  # no longer waiting for the officer
    shot(page, artifacts, "officer-03-asked-for-more.png")

    again = kiosk.post(
        f"/v1/kyc/merchant-cases/{cid}/licence", content=case.licence, headers={"Content-Type": "image/jpeg"}
    )
    assert again.json()["case"]["status"] == "review"
    result = officer_review(page, officer_stack.url(""), cid, truth, blank=False, key_ms=0)
    assert (result["status"], result["decision"]) == (200, "approved")
    assert result["typed_fields"] == 0  # every field was read right: nothing to type
    expect(page.get_by_test_id("done")).to_contain_text("已通过")
    expect(page.get_by_test_id(f"case-{cid}")).to_have_count(0)
    shot(page, artifacts, "officer-04-approved.png")
    sheet = httpx.get(
        officer_stack.url(f"/v1/kyc/merchant-cases/{cid}/review", "kyc"),
        headers={"X-API-Key": api_key(Role.MANAGER)},
        timeout=30,
    ).json()
    assert [h["action"] for h in sheet["history"]] == ["ask_more", "approve"]
    assert [h["officer"] for h in sheet["history"]] == ["manager", "manager"]
    assert sheet["history"][0]["corrected_fields"] == ["licence.registered_capital"]
    assert flagged == sum(1 for f in sheet["fields"] if f["low_confidence"])
    context.close()


def test_another_persons_selfie_blocks_approval(
    officer_stack: OfficerStack, kiosk: httpx.Client, card_photo: object, browser: Browser, artifacts: Path
) -> None:
    case = applicant(20, card_photo)
    made = kiosk.post("/v1/kyc/merchant-cases", json={"branch_id": officer_stack.branch, "kiosk_id": "k-2"})
    cid = made.json()["case_id"]
    state: dict[str, Any] = {}
    for step, data in (("licence", case.licence), ("id-card", case.portrait), ("id-card", case.emblem)):
        state = kiosk.post(
            f"/v1/kyc/merchant-cases/{cid}/{step}", content=data, headers={"Content-Type": "image/jpeg"}
        ).json()["case"]
    engine = FaceEngine()
    impostor = genuine_faces.picture(genuine_faces.IMPOSTOR)
    assert impostor is not None
    frames = genuine_faces.challenge_frames(impostor, lambda image: engine.detect(image, 640), state["challenge"])
    body = {"frames": [{"image": base64.b64encode(f).decode(), "t_ms": t} for f, t in frames]}
    assert kiosk.post(f"/v1/kyc/merchant-cases/{cid}/selfie", json=body).json()["status"] == "review"

    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    login(page, officer_stack, "manager", f"/officer?case={cid}")
    expect(page.get_by_test_id("blocking")).to_be_visible()
    expect(page.get_by_test_id("blocking")).to_contain_text("人脸与证件照一致")
    expect(page.get_by_test_id("cross-face_matches")).to_have_text(re.compile("^✗"))
    expect(page.get_by_test_id("approve")).to_be_disabled()
    shot(page, artifacts, "officer-05-face-mismatch-blocked.png")
    page.fill("[data-testid='reason']", "自拍与法定代表人证件照不是同一人")
    page.click("[data-testid='reject']")
    expect(page.get_by_test_id("done")).to_contain_text("已驳回")
    context.close()

    teller = browser.new_context()
    denied = teller.new_page()
    login(denied, officer_stack, "teller", "/officer")
    expect(denied.locator("body")).to_contain_text(re.compile("无权|forbidden", re.I))
    teller.close()


def test_the_dashboard_leads_a_manager_to_the_review(
    officer_stack: OfficerStack, kiosk: httpx.Client, card_photo: object, browser: Browser
) -> None:
    cid = to_review(kiosk, officer_stack.branch, applicant(40, card_photo))
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    login(page, officer_stack, "manager", "/")
    link = page.locator("#officer-link")
    expect(link).to_be_visible()
    expect(link).to_have_text("商户审核")
    link.click()
    expect(page).to_have_url(re.compile(r"/officer$"))
    expect(page.get_by_test_id(f"case-{cid}")).to_be_visible()
    context.close()
