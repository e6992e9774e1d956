"""Text and touch at the kiosk, and booking from the phone (issue 19 item 4, issue 18 item 4 remainder), in a real
chromium against real queue, voice and gateway processes; the voice service has no ASR model at all.

- The kiosk says speech recognition is not configured (not "voice unavailable"), hides the talk buttons and keeps
  the text box: 我要取现金 typed and sent with Enter, the amount answered on the on-screen keypad, confirmed by
  touch, and the ticket shown is a real ticket in the queue.
- A customer books from the booking page on a phone-sized screen (service, today, a free slot, a phone number),
  gets a code and its QR code, and checks in at the kiosk by that code; the number never reaches the queue's log.
- Bad inputs: a full slot (409) and an unknown code are told in words; a cancelled appointment says so; the
  public rate limit (429) shows a clear message.

Nothing depends on the calendar: the staffing plan is made for the branch's today around now. Screenshots go to
test-artifacts/booking/.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("playwright")
pytest.importorskip("pytest_playwright")

from playwright.sync_api import Browser, BrowserContext, Page, expect

from branchops.contracts import topics
from branchops.contracts.enums import ServiceName
from branchops.contracts.events import PlanInterval, StaffingPlan
from branchops.devstack import SERVICES, DevStack
from branchops.settings import Role
from tests.conftest import api_key
from tests.e2e.browser.stack import GatewayStack, _gateway_env
from tests.e2e.helpers import service_env

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")  # the queue's default branch time zone
REPLY_MS = 60_000
CODE = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$")
PHONE_NUMBER = "13800138000"
SERVICE = {"X-API-Key": api_key(Role.SERVICE)}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
STACK = ("queue", "voice", "gateway")


@pytest.fixture(scope="module")
def stack(devstack: DevStack) -> Iterator[GatewayStack]:
    """Queue, voice without any speech model, and the gateway wired to both."""
    specs = {s.name: s for s in SERVICES}
    suffix = uuid.uuid4().hex[:6]
    branch, other = f"tb-{suffix}", f"tb2-{suffix}"
    kiosk_key, other_key = f"dev-{uuid.uuid4().hex}{uuid.uuid4().hex}", f"dev-{uuid.uuid4().hex}"
    ports: dict[str, int] = {}
    ports["queue"] = devstack.start_service(specs["queue"], env=service_env())
    voice_env = {
        "VOICE_QUEUE_URL": f"http://127.0.0.1:{ports['queue']}",
        "VOICE_QUEUE_API_KEY": api_key(Role.SERVICE),
        "VOICE_QUEUE_TIMEOUT_S": "10",
        "VOICE_ASR_MODEL_ZH": "",
        "VOICE_ASR_MODEL_EN": "",
        "VOICE_ASR_ENGINE_ZH": "vosk",  # no Whisper either, whatever is installed: no speech recognition
        "VOICE_ASR_ENGINE_EN": "vosk",
    }
    ports["voice"] = devstack.start_service(specs["voice"], env=service_env(**voice_env))
    gateway_env = _gateway_env(branch, other, kiosk_key, other_key, {"queue": ports["queue"], "staffing": 9})
    gateway_env.update(
        GATEWAY_VOICE_URL=f"http://127.0.0.1:{ports['voice']}",
        GATEWAY_PUBLIC_RATE_PER_MIN="60",
        GATEWAY_PUBLIC_BURST="40",
    )
    ports["gateway"] = devstack.start_service(specs["gateway"], env=gateway_env)
    try:
        devstack.wait_healthy(list(STACK), timeout_s=180)
        yield GatewayStack(devstack, ports, branch, other, kiosk_key, other_key)
    finally:
        for name in reversed(STACK):
            found = devstack.services.pop(name, None)
            if found:
                found[0].stop()


@pytest.fixture(scope="module")
def shots(artifacts: Path) -> Path:
    folder = artifacts / "booking"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


@pytest.fixture(scope="module")
def planned(stack: GatewayStack) -> list[str]:
    """A staffing plan for the branch's today around now (15-minute intervals, 4 cash windows: 3 places a slot
    with the default walk-in share and handling time); the slot starts still to come today."""
    local = dt.datetime.now(TZ)
    today = local.date()
    first = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0) - dt.timedelta(hours=1)
    starts = [s for s in (first + dt.timedelta(minutes=15 * i) for i in range(16)) if s.date() == today]
    upcoming = [s.strftime("%H:%M") for s in starts if s > local + dt.timedelta(minutes=5)]
    if len(upcoming) < 3:
        pytest.skip("too close to the branch's midnight for appointments today")
    stack.publish(
        topics.STAFFING_PLAN,
        StaffingPlan(
            branch_id=stack.branch,
            at=dt.datetime.now(dt.UTC),
            date=today,
            version=1,
            intervals=[
                PlanInterval(start=s.strftime("%H:%M"), required={}, planned={ServiceName.CASH: 4}) for s in starts
            ],
            assignments=[],
            solve_ms=5,
            objective=0.0,
        ),
    )
    params = {"service": "cash", "date": today.isoformat()}
    for _ in range(60):
        got = httpx.get(slots_url(stack), params=params, headers=SERVICE, timeout=10).json()
        if got["plan_version"] is not None:
            return upcoming
        time.sleep(0.5)
    raise AssertionError("the queue never got the staffing plan")


def slots_url(stack: GatewayStack) -> str:
    return stack.url(f"/v1/branches/{stack.branch}/appointments/slots", "queue")


def book_by_api(stack: GatewayStack, start: str) -> httpx.Response:
    body = {"service": "cash", "date": dt.datetime.now(TZ).date().isoformat(), "start": start}
    return httpx.post(stack.url(f"/v1/branches/{stack.branch}/appointments", "queue"), json=body, headers=SERVICE)


def waiting_numbers(stack: GatewayStack) -> set[str]:
    got = httpx.get(
        stack.url(f"/v1/branches/{stack.branch}/queue", "queue"), headers={"X-API-Key": api_key(Role.MANAGER)}
    )
    assert got.status_code == 200, got.text
    return set(re.findall(r'"number":\s*"([A-Z]\d{3})"', got.text))


def kiosk(browser: Browser, stack: GatewayStack, lang: str = "zh-CN") -> tuple[BrowserContext, Page, list[str]]:
    context = browser.new_context(viewport={"width": 1080, "height": 1700}, locale=lang, timezone_id="Asia/Shanghai")
    page = context.new_page()
    errors: list[str] = []  # as test_kiosk_flows.Console: failed requests with their address, no favicon
    page.on(
        "console", lambda m: errors.append(m.text) if m.type == "error" and "Failed to load" not in m.text else None
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "response",
        lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None,
    )
    page.goto(stack.url(f"/kiosk#device={stack.kiosk_key}"))
    expect(page.locator("#home")).to_be_visible(timeout=15_000)
    return context, page, errors


def phone(browser: Browser, stack: GatewayStack) -> tuple[BrowserContext, Page]:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(stack.url(f"/book/{stack.branch}"))
    return context, page


def image_loaded(page: Page, selector: str) -> None:
    page.wait_for_function(
        "(s) => { const i = document.querySelector(s); return i && i.complete && i.naturalWidth > 0; }",
        arg=selector,
        timeout=10_000,
    )


def test_kiosk_without_speech_model_typed_request_keypad_amount_and_ticket(
    stack: GatewayStack, browser: Browser, shots: Path
) -> None:
    context, page, errors = kiosk(browser, stack)
    try:
        expect(page.get_by_test_id("book-qr")).to_be_visible()
        image_loaded(page, "#book-qr-img")
        page.screenshot(path=str(shots / "kiosk-home-zh.png"))
        page.click("#go-voice")
        log = page.get_by_test_id("voice-log")
        expect(log.locator("li.bot").first).to_have_text(re.compile(r"\S"), timeout=REPLY_MS)  # the greeting
        note = page.get_by_test_id("voice-asr")
        expect(note).to_have_text("语音识别未配置：请在下方输入文字或点选按钮", timeout=15_000)
        expect(page.locator("#voice-talk")).to_be_hidden()
        expect(page.locator("#voice-hands-free")).to_be_hidden()
        assert page.locator("#error").is_hidden(), "not 'voice unavailable': the voice service is up"
        font = page.eval_on_selector("#voice-text", "e => parseFloat(getComputedStyle(e).fontSize)")
        assert font >= 24, font
        page.get_by_test_id("voice-text").fill("我要取现金")
        page.get_by_test_id("voice-text").press("Enter")
        expect(log.locator("li.me").last).to_have_text("我要取现金")
        expect(log.locator("li.bot").last).to_have_text("请问金额是多少？", timeout=REPLY_MS)
        keypad = page.get_by_test_id("voice-keypad")
        expect(keypad).to_be_visible()
        for key in ("5", "000"):
            page.locator(f'#voice-keys [data-key="{key}"]').click()
        expect(page.get_by_test_id("voice-amount")).to_have_text("5,000")
        box = page.locator('#voice-keys [data-key="5"]').bounding_box()
        assert box is not None and box["height"] >= 80, box  # a large touch target
        page.screenshot(path=str(shots / "kiosk-keypad-amount-zh.png"))
        page.get_by_test_id("voice-amount-ok").click()
        expect(log.locator("li.me").last).to_have_text("5000")
        expect(keypad).to_be_hidden()
        expect(log.locator("li.bot").last).to_contain_text("5,000", timeout=REPLY_MS)
        expect(page.get_by_test_id("voice-confirm")).to_be_visible()
        page.screenshot(path=str(shots / "kiosk-confirm-zh.png"))
        page.get_by_test_id("voice-yes").click()
        ticket_line = log.locator("li.bot", has_text="您的号码")
        expect(ticket_line).to_have_text(re.compile(r"您的号码: [A-Z]\d{3}$"), timeout=REPLY_MS)
        number = re.search(r"[A-Z]\d{3}$", ticket_line.inner_text())
        assert number is not None and number.group(0) in waiting_numbers(stack)
        expect(page.get_by_test_id("voice-confirm")).to_be_hidden()
        page.screenshot(path=str(shots / "kiosk-typed-ticket-zh.png"))
        page.locator("#lang").click()
        expect(note).to_have_text(
            "Speech recognition is not configured: please type below or tap a button", timeout=15_000
        )
        expect(page.get_by_test_id("voice-text")).to_have_attribute("placeholder", "Type what you need here")
        page.screenshot(path=str(shots / "kiosk-text-en.png"))
        assert errors == [], errors
    finally:
        context.close()


def test_book_on_the_phone_then_check_in_at_the_kiosk_by_code(
    stack: GatewayStack, browser: Browser, shots: Path, planned: list[str]
) -> None:
    queue_log = stack.devstack.log_dir / "queue.log"
    context, mobile = phone(browser, stack)
    try:
        expect(mobile.locator('#services [data-service="cash"]')).to_have_attribute("aria-checked", "true")
        slot = mobile.locator(f'#slots [data-slot="{planned[0]}"]')
        expect(slot).to_be_enabled(timeout=15_000)
        expect(slot).to_contain_text("余 3")
        slot.click()
        mobile.get_by_test_id("phone").fill(PHONE_NUMBER)
        mobile.screenshot(path=str(shots / "book-pick-zh.png"), full_page=True)
        mobile.get_by_test_id("book").click()
        expect(mobile.get_by_test_id("done")).to_be_visible(timeout=10_000)
        code = mobile.get_by_test_id("code").inner_text()
        assert CODE.match(code), code
        image_loaded(mobile, "#code-qr")
        expect(mobile.get_by_test_id("status")).to_have_text("已预约")
        expect(mobile.get_by_test_id("when")).to_contain_text(planned[0])
        mobile.screenshot(path=str(shots / "book-confirmed-zh.png"), full_page=True)
    finally:
        context.close()
    assert PHONE_NUMBER not in queue_log.read_text(errors="replace"), "the phone number is in the queue's log"

    context, page, errors = kiosk(browser, stack)
    try:
        page.get_by_test_id("go-appointment").click()
        for symbol in code:
            page.locator(f'#code-keys [data-key="{symbol}"]').click()
        page.get_by_test_id("code-submit").click()
        expect(page.get_by_test_id("ticket")).to_be_visible(timeout=10_000)
        expect(page.locator("#ticket-status")).to_contain_text("预约已签到")
        expect(page.locator("#ticket-status")).to_contain_text(planned[0])
        page.screenshot(path=str(shots / "kiosk-checked-in-zh.png"))
        ticket_page = str(page.get_by_test_id("ticket-qr").get_attribute("data-path"))
        assert errors == [], errors
    finally:
        context.close()

    context, mobile = phone(browser, stack)
    try:
        mobile.goto(stack.url(ticket_page))  # the ticket's phone page leads to booking the next visit
        link = mobile.get_by_test_id("book-link")
        expect(link).to_have_attribute("href", f"/book/{stack.branch}", timeout=10_000)
        link.click()
        expect(mobile.get_by_test_id("pick")).to_be_visible()
        mobile.get_by_test_id("lookup-code").fill(code.lower())
        mobile.get_by_test_id("lookup-go").click()
        expect(mobile.get_by_test_id("status")).to_have_text("已签到")
        expect(mobile.get_by_test_id("cancel")).to_be_hidden()
        mobile.screenshot(path=str(shots / "book-lookup-checked-in-zh.png"), full_page=True)
    finally:
        context.close()


def test_full_slot_unknown_code_and_cancel_are_told_in_words(
    stack: GatewayStack, browser: Browser, shots: Path, planned: list[str]
) -> None:
    context, mobile = phone(browser, stack)
    try:
        target = mobile.locator(f'#slots [data-slot="{planned[1]}"]')
        expect(target).to_be_enabled(timeout=15_000)
        target.click()
        while (answer := book_by_api(stack, planned[1])).status_code == 201:  # others take every place meanwhile
            pass
        assert answer.status_code == 409 and answer.json()["reason"] == "slot_full", answer.text
        mobile.get_by_test_id("book").click()
        expect(mobile.get_by_test_id("message")).to_have_text("该时段刚刚约满，请选择其他时段")
        expect(target).to_contain_text("已满")
        expect(target).to_be_disabled()
        mobile.screenshot(path=str(shots / "book-slot-full-zh.png"), full_page=True)

        mobile.get_by_test_id("lookup-code").fill("ZZZZ2222")
        mobile.get_by_test_id("lookup-go").click()
        expect(mobile.get_by_test_id("message")).to_have_text("预约码无效或已过期")

        mobile.locator("#lang").click()
        mobile.locator(f'#slots [data-slot="{planned[2]}"]').click()
        mobile.get_by_test_id("book").click()
        expect(mobile.get_by_test_id("done")).to_be_visible(timeout=10_000)
        expect(mobile.get_by_test_id("status")).to_have_text("Booked")
        mobile.get_by_test_id("cancel").click()
        mobile.get_by_test_id("confirm-yes").click()
        expect(mobile.get_by_test_id("status")).to_have_text("Cancelled")
        expect(mobile.get_by_test_id("message")).to_have_text("Appointment cancelled")
        mobile.screenshot(path=str(shots / "book-cancelled-en.png"), full_page=True)
    finally:
        context.close()


def test_kiosk_typed_request_and_keypad_in_english(stack: GatewayStack, browser: Browser, shots: Path) -> None:
    context, page, errors = kiosk(browser, stack, lang="en-US")
    try:
        if page.locator("#lang").inner_text() == "English":
            page.locator("#lang").click()  # the kiosk starts in Chinese: the customer switches
        page.click("#go-voice")
        log = page.get_by_test_id("voice-log")
        expect(log.locator("li.bot").first).to_have_text(re.compile(r"\S"), timeout=REPLY_MS)
        expect(page.get_by_test_id("voice-asr")).to_contain_text("Speech recognition is not configured")
        page.get_by_test_id("voice-text").fill("I want to withdraw cash")
        page.get_by_test_id("voice-send").click()
        expect(log.locator("li.bot").last).to_have_text("How much would you like, please?", timeout=REPLY_MS)
        for key in ("2", "0", "0"):
            page.locator(f'#voice-keys [data-key="{key}"]').click()
        page.locator('#voice-keys [data-key="del"]').click()
        page.locator('#voice-keys [data-key="000"]').click()
        expect(page.get_by_test_id("voice-amount")).to_have_text("20,000")
        page.get_by_test_id("voice-amount-ok").click()
        expect(page.get_by_test_id("voice-confirm")).to_be_visible(timeout=REPLY_MS)
        expect(page.get_by_test_id("voice-no")).to_have_text("No, cancel")
        page.screenshot(path=str(shots / "kiosk-confirm-en.png"))
        page.get_by_test_id("voice-no").click()
        expect(log.locator("li.me").last).to_have_text("no")
        expect(page.get_by_test_id("voice-confirm")).to_be_hidden(timeout=REPLY_MS)
        expect(page.get_by_test_id("voice-keypad")).to_be_hidden()
        assert errors == [], errors
    finally:
        context.close()


def test_the_public_rate_limit_is_told_on_the_booking_page(
    stack: GatewayStack, browser: Browser, shots: Path, planned: list[str]
) -> None:
    """Runs last: it drains this address's bucket of public lookups."""
    context, mobile = phone(browser, stack)
    try:
        expect(mobile.locator(f'#slots [data-slot="{planned[2]}"]')).to_be_visible(timeout=15_000)
        url = f"/v1/public/branches/{stack.branch}/appointments/slots?service=cash&date={dt.datetime.now(TZ).date()}"
        mobile.get_by_test_id("lookup-code").fill("ZZZZ2222")
        told = re.compile(r"^请求过于频繁，请 \d+ 秒后再试$")
        for _ in range(3):  # the bucket refills (1.5 a second): drain it at once, look up right after, in the page
            statuses = mobile.evaluate(
                """async (url) => {
                     const burst = await Promise.all(Array.from({ length: 80 },
                       () => fetch(url, { credentials: "omit" }).then((r) => r.status)));
                     document.getElementById("lookup-form").requestSubmit();
                     return burst;
                   }""",
                url,
            )
            assert 429 in statuses, statuses
            mobile.wait_for_timeout(1500)
            if told.match(mobile.get_by_test_id("message").inner_text().strip()):
                break
        expect(mobile.get_by_test_id("message")).to_have_text(told)
        mobile.screenshot(path=str(shots / "book-rate-limited-zh.png"), full_page=True)
    finally:
        context.close()
