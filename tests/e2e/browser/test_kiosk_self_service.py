"""Self-service by touch at the kiosk, in a real chromium against real queue, records (its SANDBOX core on the
session's PostgreSQL), voice and gateway processes: the identity check, the balance, a card repayment read back
and confirmed, then confirm pressed a second time (the retry) posting nothing twice. Screenshots under
test-artifacts/self-service/ (look at them).

The identity check: the kiosk's KYC screens run, but the tests' camera fixtures (a rendered card held up to a
fake camera) cannot pass liveness, so the browser's calls to the KYC service are answered by the test
(``page.route``) with an ``approved`` decision for a session id, and the approval itself reaches the records
service the real way: a ``kyc.results.v1`` event on the broker, consumed into its history, which the SANDBOX
core checks on every call.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from branchops.contracts import events as ev
from branchops.contracts import topics
from branchops.contracts.enums import DocType, KycDecision
from branchops.devstack import SERVICES, DevStack
from branchops.settings import Role
from tests.conftest import api_key
from tests.e2e.browser.stack import GatewayStack, _gateway_env
from tests.e2e.helpers import service_env

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
NAMES = ("queue", "records", "voice", "gateway")
FIRST_MASKED = "3201**********1234"  # the sandbox's first demo customer, as the KYC service masks ID numbers
REPLY_MS = 60_000


@dataclass(frozen=True)
class Stack:
    gateway: GatewayStack

    def url(self, path: str, service: str = "gateway") -> str:
        return self.gateway.url(path, service)


@pytest.fixture(scope="module")
def stack(devstack: DevStack) -> Iterator[Stack]:
    if not devstack.database_url:
        pytest.skip("no PostgreSQL for the records service")
    specs = {s.name: s for s in SERVICES}
    suffix = uuid.uuid4().hex[:6]
    branch, other = f"ss-{suffix}", f"ss2-{suffix}"
    kiosk_key, other_key = f"dev-{uuid.uuid4().hex}{uuid.uuid4().hex}", f"dev-{uuid.uuid4().hex}"
    ports: dict[str, int] = {}
    ports["queue"] = devstack.start_service(
        specs["queue"],
        env=service_env(QUEUE_PRIORITY_CHANNELS='{"vip": ["appointment", "teller"], "urgent": ["teller", "voice"]}'),
    )
    ports["records"] = devstack.start_service(
        specs["records"], env=service_env(RECORDS_SANDBOX_CORE_SEED_BRANCHES=json.dumps([branch]))
    )
    ports["voice"] = devstack.start_service(
        specs["voice"],
        env=service_env(
            VOICE_QUEUE_URL=f"http://127.0.0.1:{ports['queue']}",
            VOICE_QUEUE_API_KEY=api_key(Role.SERVICE),
            VOICE_CORE_BANKING_URL=f"http://127.0.0.1:{ports['records']}",
            VOICE_CORE_BANKING_TIMEOUT_S="20",
        ),
    )
    gateway_env = _gateway_env(branch, other, kiosk_key, other_key, {"queue": ports["queue"], "staffing": 9, **ports})
    gateway_env.update(GATEWAY_VOICE_URL=f"http://127.0.0.1:{ports['voice']}", GATEWAY_UPSTREAM_TIMEOUT_S="60")
    ports["gateway"] = devstack.start_service(specs["gateway"], env=gateway_env)
    try:
        devstack.wait_healthy(list(NAMES), timeout_s=180)
        yield Stack(GatewayStack(devstack, ports, branch, other, kiosk_key, other_key, True))
    finally:
        for name in reversed(NAMES):
            found = devstack.services.pop(name, None)
            if found:
                found[0].stop()


def approve(stack: Stack, session_id: str) -> None:
    """The approved KYC result on the broker, as the KYC service publishes it; wait until records has it."""
    stack.gateway.publish(
        topics.KYC_RESULTS,
        ev.KycResult(
            branch_id=stack.gateway.branch,
            at=dt.datetime.now(dt.UTC),
            session_id=session_id,
            kiosk_id="kiosk-1",
            doc_type=DocType.ID_CARD,
            decision=KycDecision.APPROVED,
            checks={"ocr": True, "face_score": 0.93},
            id_number_masked=FIRST_MASKED,
        ),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = httpx.get(
            stack.url(f"/v1/sandbox-core/branches/{stack.gateway.branch}/customers", "records"),
            params={"identity": session_id},
            headers={"X-API-Key": api_key(Role.SERVICE)},
            timeout=10,
        )
        if found.status_code == 200 and found.json()["customers"]:
            return
        time.sleep(0.5)
    pytest.fail("records never saw the approved KYC result")


def postings(stack: Stack) -> list[dict[str, Any]]:
    audit = httpx.get(
        stack.url(f"/v1/sandbox-core/branches/{stack.gateway.branch}/audit", "records"),
        headers={"X-API-Key": api_key(Role.MANAGER)},
        timeout=10,
    )
    assert audit.status_code == 200, audit.text
    rows: list[dict[str, Any]] = audit.json()["entries"]
    return [r for r in rows if r.get("outcome") == "posted"]


def kyc_answers(page: Page, session_id: str) -> None:
    """The KYC service's answers for the browser: a session, the card read, an approved selfie."""

    def answer(route: Route) -> None:
        url, method = route.request.url, route.request.method
        if url.endswith("/v1/kyc/sessions") and method == "POST":
            body = {"session_id": session_id, "challenge": ["blink"], "status": "awaiting_document"}
        elif url.endswith("/documents"):
            body = {"side": "portrait", "session": {"status": "awaiting_selfie", "documents": {}}}
        else:
            body = {"session_id": session_id, "decision": "approved"}
        route.fulfill(status=201, content_type="application/json", body=json.dumps(body))

    page.route("**/v1/kyc/sessions**", answer)


def test_balance_and_a_card_repayment_by_touch_post_once(stack: Stack, browser: Browser, artifacts: Path) -> None:
    shots = artifacts / "self-service"
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1080, "height": 1600}, locale="zh-CN")
    context.grant_permissions(["camera"])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    identity = f"kyc-{uuid.uuid4().hex[:12]}"
    approve(stack, identity)
    kyc_answers(page, identity)
    page.goto(stack.url(f"/kiosk#device={stack.gateway.kiosk_key}"))
    expect(page.locator("#home")).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("self-service")).to_be_visible()
    page.screenshot(path=str(shots / "01-home-buttons.png"))

    page.get_by_test_id("ss-balance").click()  # the customer's own data: the identity check comes first
    expect(page.locator("#kyc")).to_be_visible()
    page.wait_for_function("() => document.getElementById('kyc-video').videoWidth > 0", timeout=15_000)
    page.click("#kyc-capture")
    expect(page.locator("#voice")).to_be_visible(timeout=30_000)
    result = page.get_by_test_id("voice-result")
    expect(result).to_be_visible(timeout=REPLY_MS)
    expect(result).to_have_attribute("data-kind", "balance")
    expect(page.get_by_test_id("sandbox-label")).to_contain_text("沙箱")
    assert "6222" in result.inner_text() and "****" in result.inner_text()
    size = page.get_by_test_id("sandbox-label").evaluate("n => parseFloat(getComputedStyle(n).fontSize)")
    assert size >= 24
    page.screenshot(path=str(shots / "02-balance.png"))

    page.fill("#voice-text", "我要还信用卡")
    page.click("#voice-send")
    expect(page.get_by_test_id("voice-keypad")).to_be_visible(timeout=REPLY_MS)
    for digit in "200":
        page.locator(f'#voice-keys [data-key="{digit}"]').click()
    page.get_by_test_id("voice-amount-ok").click()
    expect(page.get_by_test_id("voice-confirm")).to_be_visible(timeout=REPLY_MS)
    expect(page.get_by_test_id("voice-log").locator("li.bot").last).to_contain_text("200.00")
    page.screenshot(path=str(shots / "03-read-back.png"))
    before = len(postings(stack))
    page.get_by_test_id("voice-yes").click()
    expect(result).to_have_attribute("data-kind", "receipt", timeout=REPLY_MS)
    expect(result).to_contain_text("200.00")
    page.screenshot(path=str(shots / "04-receipt.png"))
    # the retry: confirm pressed again (the kiosk's button, sent as the same words) posts nothing more
    bot = page.get_by_test_id("voice-log").locator("li.bot")
    replies = bot.count()
    page.evaluate("() => document.getElementById('voice-yes').click()")
    expect(bot).to_have_count(replies + 1, timeout=REPLY_MS)
    expect(bot.last).to_have_text("好的。还有什么可以帮您？")  # nothing to confirm any more: no posting
    page.screenshot(path=str(shots / "05-confirm-again.png"))
    assert len(postings(stack)) == before + 1
    html = page.content()
    assert FIRST_MASKED not in html and errors == []
    context.close()


def _verified_flow(page: Page, stack: Stack, button: str) -> None:
    """The next customer at a fresh kiosk page: a self-service button of their own, the identity check, then the
    digital employee's screen."""
    page.goto("about:blank")  # a new page load (the same URL with its #fragment would not reload)
    page.goto(stack.url(f"/kiosk#device={stack.gateway.kiosk_key}"))
    expect(page.locator("#home")).to_be_visible(timeout=15_000)
    page.get_by_test_id(button).click()
    expect(page.locator("#kyc")).to_be_visible()
    page.wait_for_function("() => document.getElementById('kyc-video').videoWidth > 0", timeout=15_000)
    page.click("#kyc-capture")
    expect(page.locator("#voice")).to_be_visible(timeout=30_000)


def _pin(page: Page, digits: str) -> None:
    for digit in digits:
        page.locator(f'#voice-pin-keys [data-pin="{digit}"]').click()
    page.get_by_test_id("voice-pin-ok").click()


def test_pin_change_mobile_banking_and_a_printed_statement_by_touch(
    stack: Stack, browser: Browser, artifacts: Path
) -> None:
    shots = artifacts / "self-service"
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1080, "height": 1600}, locale="zh-CN")
    context.grant_permissions(["camera"])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    identity = f"kyc-{uuid.uuid4().hex[:12]}"
    approve(stack, identity)
    kyc_answers(page, identity)
    page.goto(stack.url(f"/kiosk#device={stack.gateway.kiosk_key}"))
    expect(page.locator("#home")).to_be_visible(timeout=15_000)
    for button in ("ss-print", "ss-pin", "ss-mobile", "ss-sms", "ss-wallet", "ss-activate", "ss-pension"):
        expect(page.get_by_test_id(button)).to_be_visible()
    page.screenshot(path=str(shots / "06-home-all-buttons.png"))

    # PIN change: the keypad only, dots on screen; a weak PIN is refused with the reason, then a good one
    _verified_flow(page, stack, "ss-pin")
    pad = page.get_by_test_id("voice-pin")
    expect(pad).to_be_visible(timeout=REPLY_MS)
    expect(page.get_by_test_id("voice-type")).to_be_hidden()
    expect(pad).to_contain_text("沙箱")
    for digit in "5829":
        page.locator(f'#voice-pin-keys [data-pin="{digit}"]').click()
    expect(page.get_by_test_id("voice-pin-dots")).to_have_text("●●●●○○")
    page.screenshot(path=str(shots / "07-pin-keypad.png"))
    page.locator('#voice-pin-keys [data-pin="del"]').click()
    page.locator('#voice-pin-keys [data-pin="del"]').click()
    page.locator('#voice-pin-keys [data-pin="del"]').click()
    page.locator('#voice-pin-keys [data-pin="del"]').click()
    _pin(page, "123456")
    _pin(page, "123456")
    bot = page.get_by_test_id("voice-log").locator("li.bot")
    expect(bot.last).to_contain_text("太容易", timeout=REPLY_MS)
    expect(pad).to_be_visible()
    page.screenshot(path=str(shots / "08-pin-weak-refused.png"))
    _pin(page, "582914")
    _pin(page, "582914")
    result = page.get_by_test_id("voice-result")
    expect(result).to_have_attribute("data-kind", "pin_changed", timeout=REPLY_MS)
    expect(page.get_by_test_id("pin-changed")).to_contain_text("6222****")
    expect(pad).to_be_hidden()
    page.screenshot(path=str(shots / "09-pin-changed.png"))
    assert "582914" not in page.content() and "123456" not in page.get_by_test_id("voice-log").inner_text()

    # mobile banking: read back with the masked phone, confirmed by touch, enrolled once
    _verified_flow(page, stack, "ss-mobile")
    expect(page.get_by_test_id("voice-confirm")).to_be_visible(timeout=REPLY_MS)
    expect(bot.last).to_contain_text("138****1234")
    page.screenshot(path=str(shots / "10-mobile-banking-read-back.png"))
    page.get_by_test_id("voice-yes").click()
    expect(result).to_have_attribute("data-kind", "enrolment", timeout=REPLY_MS)
    expect(result).to_contain_text("138****1234")
    page.screenshot(path=str(shots / "11-mobile-banking-on.png"))
    page.fill("#voice-text", "开通手机银行")
    page.click("#voice-send")
    expect(bot.last).to_contain_text("已经开通", timeout=REPLY_MS)  # a second time: a clear answer, nothing done

    # a printed statement of this month, then the pension credits, under the SANDBOX label
    _verified_flow(page, stack, "ss-print")
    expect(result).to_have_attribute("data-kind", "statement_print", timeout=REPLY_MS)
    expect(page.get_by_test_id("printed")).to_contain_text("打印机")
    expect(page.get_by_test_id("sandbox-label")).to_contain_text("沙箱")
    text = result.inner_text()
    assert "6222****" in text and FIRST_MASKED not in text
    page.screenshot(path=str(shots / "12-statement-printed.png"))
    page.fill("#voice-text", "养老金查询")
    page.click("#voice-send")
    expect(result).to_have_attribute("data-kind", "pension", timeout=REPLY_MS)
    expect(result).to_contain_text("3,250.00")
    page.screenshot(path=str(shots / "13-pension.png"))
    assert errors == []
    context.close()
