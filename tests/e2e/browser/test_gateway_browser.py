"""The gateway's pages in a real chromium against queue, staffing and gateway processes.

A manager logs in, sees a kiosk's new ticket appear live and acknowledges an alert; a kiosk takes a
ticket; head office sees the branch. Screenshots go to test-artifacts/ (look at them).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import httpx
import pytest

pytest.importorskip("playwright")
pytest.importorskip("pytest_playwright")

from playwright.sync_api import Browser, Page, expect

from branchops.contracts import topics
from branchops.contracts.enums import CameraState
from branchops.contracts.events import (
    ArrivalForecast,
    Assignment,
    CameraStatus,
    Footfall,
    PlanInterval,
    QueueForecast,
    ServiceQueue,
    StaffingPlan,
    TimeSpan,
)
from tests.e2e.browser import stack as _stack
from tests.e2e.browser.stack import PASSWORD, GatewayStack, now, serve_at_window

gateway_stack = _stack.gateway_stack

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def login(page: Page, stack: GatewayStack, user: str, path: str = "/") -> None:
    page.goto(stack.url(path))
    expect(page).to_have_url(re.compile(r"/login"))
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def feed_branch(stack: GatewayStack) -> None:
    """Events the other services would produce: counts, a forecast, a plan (for a full dashboard)."""
    at, b = now(), stack.branch
    start = at.replace(minute=at.minute // 15 * 15, second=0, microsecond=0) - dt.timedelta(hours=1)
    stack.publish(
        topics.FOOTFALL,
        Footfall(
            branch_id=b,
            at=at,
            camera_id="cam-door",
            window_start=at - dt.timedelta(seconds=60),
            window_end=at,
            entered=7,
            exited=3,
            occupancy={"hall": 12, "vip": 2},
        ),
    )
    stack.publish(
        topics.CAMERA_STATUS, CameraStatus(branch_id=b, at=at, camera_id="cam-door", state=CameraState.UP, fps=12.5)
    )
    arrivals = [
        ArrivalForecast(
            interval_start=start + dt.timedelta(minutes=15 * i),
            expected=4 + (i % 5),
            p10=2 + (i % 5) * 0.5,
            p90=7 + (i % 5),
        )
        for i in range(12)
    ]
    stack.publish(
        topics.QUEUE_FORECAST,
        QueueForecast(
            branch_id=b,
            at=at,
            arrivals=arrivals,
            per_service=[
                ServiceQueue(service="cash", waiting=3, open_windows=1, est_wait_min=6.0, est_wait_p90_min=11.0),
                ServiceQueue(service="wealth", waiting=1, open_windows=1, est_wait_min=3.0, est_wait_p90_min=6.0),
            ],
        ),
    )
    plan = StaffingPlan(
        branch_id=b,
        at=at,
        date=at.date(),
        version=1,
        solve_ms=120,
        objective=1.0,
        intervals=[PlanInterval(start="09:00", required={"cash": 1}, planned={"cash": 1})],
        assignments=[
            Assignment(
                staff_id="s-wang",
                start="09:00",
                end="17:00",
                skills=["cash", "general"],
                breaks=[TimeSpan(start="12:00", end="12:30")],
            ),
            Assignment(
                staff_id="s-li",
                start="10:00",
                end="18:00",
                skills=["wealth"],
                breaks=[TimeSpan(start="13:00", end="13:30")],
            ),
        ],
    )
    stack.publish(topics.STAFFING_PLAN, plan)


def test_manager_sees_a_new_ticket_and_acknowledges_an_alert(
    gateway_stack: GatewayStack, browser: Browser, artifacts: Path
) -> None:
    stack = gateway_stack
    context = browser.new_context(viewport={"width": 1440, "height": 1100}, locale="zh-CN")
    page = context.new_page()
    login(page, stack, "manager")
    expect(page).to_have_url(stack.url("/"))
    expect(page.get_by_test_id("branch")).to_have_text(stack.branch)
    expect(page.get_by_test_id("live")).to_have_attribute("data-state", "live", timeout=15_000)

    feed_branch(stack)
    expect(page.get_by_test_id("plan")).to_contain_text("s-wang", timeout=15_000)
    taken = httpx.post(
        stack.url(f"/v1/branches/{stack.branch}/tickets"),
        json={"service": "cash"},
        headers={"X-Device-Key": stack.kiosk_key},
        timeout=10,
    )
    assert taken.status_code == 201, taken.text
    number = taken.json()["number"]
    expect(page.get_by_test_id("tickets").locator(f"[data-ticket='{taken.json()['ticket_id']}']")).to_contain_text(
        number, timeout=15_000
    )

    stack.publish(
        topics.CAMERA_STATUS,
        CameraStatus(
            branch_id=stack.branch, at=now(), camera_id="cam-side", state=CameraState.DOWN, error="no frames for 30 s"
        ),
    )
    alert = page.get_by_test_id("alerts").locator("li.alert").first
    expect(alert.get_by_test_id("ack")).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("cameras")).to_contain_text("cam-side")
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "gateway-dashboard-zh.png"), full_page=True)
    alert_id = alert.get_attribute("data-alert")
    alert.get_by_test_id("ack").click()
    expect(alert.get_by_test_id("acked")).to_be_visible(timeout=10_000)

    opened = httpx.get(
        stack.url(f"/v1/branches/{stack.branch}/alerts", "staffing"), headers={"X-API-Key": _key("manager")}, timeout=10
    ).json()["alerts"]
    assert alert_id not in {a["alert_id"] for a in opened}
    page.click("#lang")
    expect(page.locator("h1")).to_contain_text("Branch operations")
    page.screenshot(path=str(artifacts / "gateway-dashboard-en.png"), full_page=True)
    context.close()


def test_kiosk_takes_a_ticket(gateway_stack: GatewayStack, browser: Browser, artifacts: Path) -> None:
    stack = gateway_stack
    context = browser.new_context(viewport={"width": 1080, "height": 1400}, locale="zh-CN")
    page = context.new_page()
    page.goto(stack.url(f"/kiosk#device={stack.kiosk_key}"))
    tile = page.locator("[data-service=wealth]")
    expect(tile).to_have_text("理财业务", timeout=10_000)
    page.screenshot(path=str(artifacts / "gateway-kiosk-home.png"))
    tile.click()
    expect(page.get_by_test_id("ticket-number")).to_have_text(re.compile(r"^D\d{3}$"), timeout=10_000)
    expect(page.get_by_test_id("ticket-wait")).to_contain_text("分钟")
    expect(page.get_by_test_id("ticket-ahead")).to_have_text(re.compile(r"^\d+$"))
    assert "device=" not in page.url  # the key leaves the address bar at once
    page.screenshot(path=str(artifacts / "gateway-kiosk-ticket.png"))

    page.click("#ticket-done")
    page.click("#go-kyc")  # fake camera (chromium flags): the preview runs; KYC itself is not started here
    expect(page.get_by_test_id("kyc-step")).to_contain_text("身份证")
    video = page.locator("#kyc-video")
    for _ in range(100):
        if video.evaluate("v => v.videoWidth") > 0:
            break
        page.wait_for_timeout(100)
    assert video.evaluate("v => v.videoWidth") > 0
    page.screenshot(path=str(artifacts / "gateway-kiosk-kyc.png"))
    context.close()


def test_head_office_sees_every_branch_and_drills_down(
    gateway_stack: GatewayStack, browser: Browser, artifacts: Path
) -> None:
    stack = gateway_stack
    feed_branch(stack)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    login(page, stack, "head", "/head-office")
    expect(page).to_have_url(stack.url("/head-office"))
    row = page.get_by_test_id("branches").locator(f"tr[data-branch='{stack.branch}']")
    expect(row).to_be_visible(timeout=15_000)
    row.locator("button").click()
    expect(page.get_by_test_id("detail")).to_contain_text("现金业务", timeout=10_000)
    page.screenshot(path=str(artifacts / "gateway-head-office.png"), full_page=True)
    context.close()


def test_a_customer_rates_the_visit_and_the_manager_sees_it(
    gateway_stack: GatewayStack, browser: Browser, artifacts: Path
) -> None:
    stack = gateway_stack
    manager = browser.new_context(viewport={"width": 1440, "height": 1100}, locale="zh-CN").new_page()
    login(manager, stack, "manager")
    expect(manager.get_by_test_id("live")).to_have_attribute("data-state", "live", timeout=15_000)
    served = serve_at_window(stack, "w7", "wealth")

    pad_context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    pad = pad_context.new_page()
    pad.goto(stack.url(f"/rate/{stack.branch}/w7#device={stack.kiosk_key}"))
    expect(pad.get_by_test_id("rate-number")).to_have_text(served["number"], timeout=20_000)
    expect(pad.locator("[data-rating='5']")).to_contain_text("非常满意")
    assert "device=" not in pad.url
    pad.locator("[data-tag='friendly']").click()
    pad.screenshot(path=str(artifacts / "gateway-rate-pad-zh.png"))
    pad.locator("[data-rating='4']").click()
    expect(pad.get_by_test_id("rate-thanks")).to_be_visible(timeout=10_000)
    expect(pad.get_by_test_id("rate-thanks")).to_contain_text("感谢")

    satisfaction = manager.get_by_test_id("satisfaction-windows").locator("tr", has_text="w7")
    expect(satisfaction).to_contain_text("4.00", timeout=20_000)
    expect(manager.get_by_test_id("satisfaction-services")).to_contain_text("理财业务")
    manager.get_by_test_id("satisfaction").scroll_into_view_if_needed()
    manager.screenshot(path=str(artifacts / "gateway-dashboard-satisfaction.png"), full_page=True)

    again = httpx.post(
        stack.url(f"/v1/branches/{stack.branch}/windows/w7/rating"),
        json={"rating": 1, "ticket_id": served["ticket_id"]},
        headers={"X-Device-Key": stack.kiosk_key},
        timeout=10,
    )
    assert again.status_code == 409 and again.json()["title"] == "Already rated"
    pad.click("#lang")
    expect(pad.locator("h1")).to_contain_text("Rate our service")
    pad_context.close()
    manager.context.close()


def _key(role: str) -> str:
    from branchops.settings import Role
    from tests.conftest import api_key

    return api_key(Role(role))
