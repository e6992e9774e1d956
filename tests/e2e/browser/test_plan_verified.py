"""The manager's plan card tells a floor-verified roster (issue 23 item 3): "verified by simulation: worst
interval NN%" under the plan, from the staffing.plan.v1 event's optional verification; a plan without one
shows no such line. Screenshots in test-artifacts/ (look at them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("playwright")
pytest.importorskip("pytest_playwright")

from playwright.sync_api import Browser, Page, expect

from branchops.contracts import topics
from branchops.contracts.events import Assignment, PlanInterval, PlanVerification, StaffingPlan, TimeSpan
from tests.e2e.browser import stack as _stack
from tests.e2e.browser.stack import PASSWORD, GatewayStack, now

gateway_stack = _stack.gateway_stack

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def login(page: Page, stack: GatewayStack) -> None:
    page.goto(stack.url("/"))
    expect(page).to_have_url(re.compile(r"/login"))
    page.fill("#username", "manager")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def plan(stack: GatewayStack, version: int, verification: PlanVerification | None) -> StaffingPlan:
    at = now()
    return StaffingPlan(
        branch_id=stack.branch,
        at=at,
        date=at.date(),
        version=version,
        solve_ms=1800,
        objective=51.0,
        intervals=[PlanInterval(start="09:00", required={"cash": 1, "corporate": 1}, planned={"cash": 2})],
        assignments=[
            Assignment(
                staff_id=f"s-mixed-{version}",
                start="09:00",
                end="17:00",
                skills=["cash", "corporate"],
                breaks=[TimeSpan(start="12:00", end="13:00")],
            )
        ],
        verification=verification,
    )


def test_the_plan_card_shows_the_simulated_worst_interval(
    gateway_stack: GatewayStack, browser: Browser, artifacts: Path
) -> None:
    stack = gateway_stack
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    login(page, stack)
    expect(page.get_by_test_id("live")).to_have_attribute("data-state", "live", timeout=15_000)
    card = page.get_by_test_id("plan")

    stack.publish(topics.STAFFING_PLAN, plan(stack, 1, None))
    expect(card).to_contain_text("s-mixed-1", timeout=15_000)
    expect(page.get_by_test_id("plan-verified")).to_have_count(0)

    verification = PlanVerification(
        worst_interval=0.8347,
        service_worst={"cash": 0.9012, "corporate": 0.8123},
        target_fraction=0.8,
        replications=120,
        gap=0.0,
        repaired=True,
        reproducible=True,
    )
    stack.publish(topics.STAFFING_PLAN, plan(stack, 2, verification))
    expect(card).to_contain_text("s-mixed-2", timeout=15_000)
    expect(page.get_by_test_id("plan-verified")).to_have_text("经仿真验证：最差时段 83%")
    section = card.locator("xpath=..")  # the card with its heading
    section.scroll_into_view_if_needed()
    section.screenshot(path=str(artifacts / "dashboard-plan-verified-zh.png"))
    page.click("#lang")
    expect(page.get_by_test_id("plan-verified")).to_have_text("verified by simulation: worst interval 83%")
    section.screenshot(path=str(artifacts / "dashboard-plan-verified-en.png"))
    context.close()
