"""The records pages in a real chromium against queue, staffing, records and gateway processes.

A manager edits the branch configuration (a target wait, an absence), saves it, sees the new version and
its audit entry, provokes a 422 (closing before opening) and a 412 (a change made elsewhere); the reports
page shows a day of tickets that went through the stack; head office ranks the branches and downloads the
CSV; a restarted gateway still shows today's figures (read from records). Screenshots under
test-artifacts/records/ (look at them).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("playwright")
pytest.importorskip("pytest_playwright")

from playwright.sync_api import Browser, Page, expect

from branchops.devstack import SERVICES
from tests.e2e.browser import stack as _stack
from tests.e2e.browser.stack import PASSWORD, GatewayStack, _gateway_env, now, serve_at_window

gateway_stack = _stack.gateway_stack

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DOCUMENT: dict[str, Any] = {
    "branch": {
        "name": "测试支行 Test branch",
        "timezone": "Asia/Shanghai",
        "hours": {day: [{"open": "09:00", "close": "17:00"}] for day in DAYS},
        "holidays": [{"date": "2027-01-01", "name": "元旦"}],
    },
    "services": [
        {"code": "cash", "name": {"zh": "现金", "en": "Cash"}, "target_wait_min": 10, "ticket_prefix": "A"},
        {"code": "general", "name": {"zh": "综合业务", "en": "General"}, "target_wait_min": 15, "ticket_prefix": "B"},
    ],
    "windows": [
        {"id": "g1", "skills": ["cash", "general"], "label": "1号窗口"},
        {"id": "g2", "skills": ["general"], "label": "2号窗口"},
    ],
    "staff": [
        {"id": "s01", "display_name": "王芳", "skills": ["cash", "general"], "max_minutes_per_day": 480},
        {"id": "s02", "display_name": "Li Na", "skills": ["general"], "max_minutes_per_week": 2400},
    ],
}


@pytest.fixture(scope="module")
def stack(gateway_stack: GatewayStack) -> GatewayStack:
    if not gateway_stack.records:
        pytest.fail("records did not start in the browser stack (see the warning and devstack/records.log)")
    return gateway_stack


@pytest.fixture(scope="module")
def shots(artifacts: Path) -> Path:
    folder = artifacts / "records"
    folder.mkdir(exist_ok=True)
    return folder


def token(stack: GatewayStack, user: str) -> dict[str, str]:
    got = httpx.post(stack.url("/v1/auth/login"), json={"username": user, "password": PASSWORD}, timeout=30)
    assert got.status_code == 200, got.text
    return {"Authorization": f"Bearer {got.json()['access_token']}"}


def login(page: Page, stack: GatewayStack, user: str, path: str) -> None:
    page.goto(stack.url(path))
    expect(page).to_have_url(re.compile(r"/login"))
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(re.escape(path.split("?")[0])))


def put_config(stack: GatewayStack, doc: dict[str, Any], if_match: str | None = None) -> httpx.Response:
    headers = token(stack, "manager")
    if if_match:
        headers["If-Match"] = if_match
    return httpx.put(stack.url(f"/v1/branches/{stack.branch}/config"), json=doc, headers=headers, timeout=30)


def test_manager_edits_the_configuration(stack: GatewayStack, browser: Browser, shots: Path) -> None:
    created = put_config(stack, DOCUMENT)
    assert created.status_code == 201, created.text
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    login(page, stack, "manager", "/config")
    meta = page.get_by_test_id("meta")
    expect(meta).to_have_attribute("data-version", "1", timeout=15_000)
    expect(page.get_by_test_id("hours")).to_contain_text("周一")
    page.screenshot(path=str(shots / "01-config-loaded.png"), full_page=True)

    page.get_by_test_id("target-cash").fill("8")
    page.get_by_test_id("add-absence-s01").click()
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    page.get_by_test_id("absence-start-s01-0").fill(tomorrow)
    page.get_by_test_id("absence-end-s01-0").fill((dt.date.today() + dt.timedelta(days=3)).isoformat())
    page.get_by_test_id("add-late-s02").click()  # a late arrival today (the browser's day), at 10:30
    page.get_by_test_id("absence-arrives-s02-0").fill("10:30")
    expect(page.get_by_test_id("status")).to_have_text("有未保存的修改")
    page.get_by_test_id("save").click()
    expect(meta).to_have_attribute("data-version", "2", timeout=15_000)
    expect(page.get_by_test_id("banner")).to_contain_text("已保存")
    latest = page.get_by_test_id("audit").locator("li").first
    expect(latest).to_contain_text("v2", timeout=10_000)
    expect(latest).to_contain_text("cash")
    expect(latest).to_contain_text("s01")
    saved = httpx.get(stack.url(f"/v1/branches/{stack.branch}/config"), headers=token(stack, "manager"), timeout=30)
    config = saved.json()["config"]
    assert config["services"][0]["target_wait_min"] == 8
    assert config["staff"][0]["absences"] == [
        {"start": tomorrow, "end": (dt.date.today() + dt.timedelta(days=3)).isoformat(), "arrives_at": None}
    ]
    [late] = config["staff"][1]["absences"]
    assert late["arrives_at"] == "10:30" and late["start"] == late["end"]
    page.screenshot(path=str(shots / "02-config-saved.png"), full_page=True)

    # closing before opening: records refuses with a reason, shown at the Monday span
    page.get_by_test_id("branch.hours.mon.0.close").fill("08:00")
    page.get_by_test_id("save").click()
    reason = page.locator("[data-testid=reason][data-code=invalid_hours]")
    expect(reason).to_have_text("结束时间须晚于开始时间", timeout=10_000)
    expect(page.locator("[data-field='branch.hours.mon.0'] [data-testid=reason]")).to_be_visible()
    expect(page.get_by_test_id("banner")).to_contain_text("配置未保存")
    page.screenshot(path=str(shots / "03-config-422-zh.png"), full_page=True)
    page.click("#lang")
    expect(reason).to_contain_text("closes at 08:00")
    page.screenshot(path=str(shots / "04-config-422-en.png"), full_page=True)

    # someone else saves meanwhile: the page's change is stale
    page.click("#discard")
    other = copy.deepcopy(config)
    other["services"][1]["target_wait_min"] = 20
    assert put_config(stack, other, '"2"').status_code == 200
    page.get_by_test_id("target-cash").fill("9")
    page.get_by_test_id("save").click()
    banner = page.get_by_test_id("banner")
    expect(banner).to_have_attribute("data-kind", "stale", timeout=10_000)
    expect(banner).to_contain_text("Someone else changed")
    page.screenshot(path=str(shots / "05-config-412.png"), full_page=True)
    page.get_by_test_id("reload").click()
    expect(meta).to_have_attribute("data-version", "3", timeout=10_000)
    expect(page.get_by_test_id("target-cash")).to_have_value("8")
    page.click("#lang")  # back to Chinese for the next pages of this context
    context.close()


def wait_for_report(stack: GatewayStack, headers: dict[str, str], served: int) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        got = httpx.get(stack.url(f"/v1/branches/{stack.branch}/reports/daily"), headers=headers, timeout=30)
        assert got.status_code == 200, got.text
        body = got.json()
        if body["totals"]["served"] >= served:
            return body
        time.sleep(0.5)
    raise AssertionError(f"records never counted {served} served tickets: {body.get('totals')}")


def test_reports_show_the_day(stack: GatewayStack, browser: Browser, shots: Path) -> None:
    for window in ("g1", "g2", "g1"):
        serve_at_window(stack, window, "cash" if window == "g1" else "general")
    headers = token(stack, "manager")
    report = wait_for_report(stack, headers, 3)
    assert report["totals"]["arrivals"] >= 3 and report["intervals"]

    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    login(page, stack, "manager", "/reports")
    expect(page.get_by_test_id("total-served")).to_contain_text(str(report["totals"]["served"]), timeout=15_000)
    expect(page.get_by_test_id("chart-arrivals").locator("canvas")).to_have_count(1)
    expect(page.get_by_test_id("table-services")).to_contain_text("现金业务")
    expect(page.get_by_test_id("table-windows")).to_contain_text("g1")
    page.screenshot(path=str(shots / "06-reports-day.png"), full_page=True)
    pdf = page.request.get(stack.url(page.get_by_test_id("pdf").get_attribute("href") or ""))
    assert pdf.status == 200 and pdf.headers["content-type"].startswith("application/pdf")
    assert pdf.body()[:4] == b"%PDF"

    page.get_by_test_id("view-week").click()
    expect(page.get_by_test_id("table-days").locator("tbody tr")).to_have_count(7, timeout=15_000)
    expect(page.get_by_test_id("chart-days").locator("canvas")).to_have_count(1)
    page.screenshot(path=str(shots / "07-reports-week.png"), full_page=True)
    page.get_by_test_id("view-month").click()
    expect(page.get_by_test_id("range")).to_contain_text("-01 –", timeout=15_000)
    page.click("#lang")
    expect(page.get_by_test_id("table-services")).to_contain_text("Cash")
    page.screenshot(path=str(shots / "08-reports-month-en.png"), full_page=True)
    page.click("#lang")
    context.close()


def test_head_office_ranks_the_branches(stack: GatewayStack, browser: Browser, shots: Path) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    login(page, stack, "head", "/head-office")
    ranking = page.get_by_test_id("ranking")
    expect(ranking.locator(f"tr[data-row='{stack.branch}']")).to_be_visible(timeout=20_000)
    ranking.locator("th[data-key=served]").click()
    expect(ranking.locator("th[data-key=served]")).to_have_class(re.compile("sorted"))
    expect(page.get_by_test_id("net-trend").locator("canvas")).to_have_count(1)
    page.get_by_test_id("network").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "09-head-office-network.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_test_id("net-csv").click()
    content = Path(download.value.path()).read_bytes()
    assert content.startswith("\ufeff".encode()) and stack.branch.encode() in content

    page.goto(stack.url(f"/config?branch={stack.other_branch}"))  # head office reads; this one has none
    expect(page.get_by_test_id("not-configured")).to_contain_text("尚无配置", timeout=15_000)
    expect(page.get_by_test_id("banner")).to_be_hidden()
    page.screenshot(path=str(shots / "10a-config-not-configured.png"), full_page=True)
    page.goto(stack.url(f"/config?branch={stack.branch}"))
    expect(page.get_by_test_id("target-cash")).to_be_disabled(timeout=15_000)
    expect(page.get_by_test_id("save")).to_be_hidden()
    expect(page.get_by_test_id("banner")).to_be_hidden()

    page.goto(stack.url(f"/reports?branch={stack.branch}"))
    expect(page.get_by_test_id("branch-select")).to_have_value(stack.branch, timeout=15_000)
    expect(page.get_by_test_id("total-served")).not_to_have_text("0", timeout=15_000)
    page.screenshot(path=str(shots / "10-head-office-branch-report.png"), full_page=True)
    context.close()


def test_a_restarted_gateway_keeps_todays_figures(stack: GatewayStack, browser: Browser, shots: Path) -> None:
    headers = token(stack, "manager")
    before = httpx.get(stack.url(f"/v1/branches/{stack.branch}/dashboard"), headers=headers, timeout=30).json()
    report = wait_for_report(stack, headers, 3)
    assert before["snapshot"]["tickets_today"] >= 3
    devstack = stack.devstack
    process, port = devstack.services.pop("gateway")
    process.stop()
    specs = {s.name: s for s in SERVICES}
    env = _gateway_env(stack.branch, stack.other_branch, stack.kiosk_key, stack.other_kiosk_key, stack.ports)
    devstack.start_service(specs["gateway"], port=port, env=env)
    devstack.wait_healthy(["gateway"], timeout_s=60)

    headers = token(stack, "manager")
    after = httpx.get(stack.url(f"/v1/branches/{stack.branch}/dashboard"), headers=headers, timeout=30).json()
    snap = after["snapshot"]
    assert snap["seeded_from_records"] is not None
    assert snap["tickets_today"] == report["totals"]["arrivals"]
    assert snap["called_today"] == report["totals"]["called"]
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    login(page, stack, "manager", "/")
    expect(page.locator("#kpi-tickets")).to_have_text(str(report["totals"]["arrivals"]), timeout=15_000)
    page.screenshot(path=str(shots / "11-dashboard-after-restart.png"), full_page=True)
    context.close()


def _occupancy(
    branch: str, camera: str, start: dt.datetime, hot: int, peak: int, seconds: float = 3600.0, live: bool = False
) -> Any:
    """A camera's hour with a warm kiosk corner and one hot cell ``hot`` (16 x 9 grid)."""
    from branchops.contracts.events import Occupancy

    cells = [0.0] * (16 * 9)
    for cell in (6 * 16 + 1, 6 * 16 + 2, 7 * 16 + 2):
        cells[cell] = 600.0
    cells[hot] = 3000.0
    return Occupancy(
        branch_id=branch,
        at=min(start + dt.timedelta(hours=1), now()),
        camera_id=camera,
        hour_start=start,
        hour_end=start + dt.timedelta(hours=1),
        cols=16,
        rows=9,
        person_s=cells,
        seconds=seconds,
        peak=peak,
        in_progress=live,
    )


def test_the_hall_heat_map_on_the_reports_page_and_the_dashboard(
    stack: GatewayStack, browser: Browser, shots: Path
) -> None:
    """Two hours of the hall camera's grid go through Kafka into records: the reports page draws the day's
    heat map with an hour slider and a legend (zh, then en); the dashboard's card shows the latest hour from
    records, then a newer hour from the live stream."""
    from branchops.contracts import topics

    tz = dt.timezone(dt.timedelta(hours=8))  # the branch's Asia/Shanghai (no daylight saving)
    local_hour = now().astimezone(tz).replace(minute=0, second=0, microsecond=0)
    first = local_hour - dt.timedelta(hours=1) if local_hour.hour >= 1 else local_hour  # both hours today
    second = first + dt.timedelta(hours=1)
    for start, hot, peak in ((first, 4 * 16 + 8, 4), (second, 2 * 16 + 13, 7)):
        stack.publish(topics.OCCUPANCY, _occupancy(stack.branch, "cam-hall", start.astimezone(dt.UTC), hot, peak))
    headers = token(stack, "manager")
    deadline = time.monotonic() + 60
    heat: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not (heat and len(heat[0]["hours"]) == 2):
        got = httpx.get(stack.url(f"/v1/branches/{stack.branch}/reports/daily"), headers=headers, timeout=30)
        assert got.status_code == 200, got.text
        heat = got.json()["occupancy"]
        time.sleep(0.5)
    assert [h["local"] for h in heat[0]["hours"]] == [f"{first.hour:02d}:00", f"{second.hour:02d}:00"], heat

    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    login(page, stack, "manager", "/reports")
    card = page.get_by_test_id("heatmap-card")
    expect(card.get_by_test_id("heatmap")).to_have_attribute("data-cells", "144", timeout=15_000)
    expect(card.get_by_test_id("heatmap-caption")).to_contain_text(f"{second.hour:02d}:00")
    expect(card.get_by_test_id("heatmap-caption")).to_contain_text("峰值 7 人")
    expect(card.get_by_test_id("heat-legend")).to_contain_text("3000")
    # the hot cell of the later hour is dark red, an empty cell the scale's lightest
    hot = _pixel(page, 2, 13)
    assert hot[0] > 150 and hot[1] < 40, hot
    assert _pixel(page, 0, 0) == (255, 247, 236)
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "12-reports-heat-map-zh.png"), full_page=True)
    slider = card.get_by_test_id("heatmap-hour")
    slider.evaluate("e => { e.dataset.mark = 'kept'; }")
    page.set_viewport_size({"width": 1440, "height": 800})  # height alone (the screenshot did the same): no rebuild
    page.wait_for_timeout(400)  # past the page's 200 ms resize debounce
    expect(slider).to_have_attribute("data-mark", "kept")
    page.set_viewport_size({"width": 1440, "height": 1000})
    slider.focus()
    page.keyboard.press("Home")
    expect(card.get_by_test_id("heatmap-caption")).to_contain_text("峰值 4 人")
    expect(card.get_by_test_id("heatmap-local")).to_have_text(f"{first.hour:02d}:00")
    assert _pixel(page, 4, 8)[1] < 40 and _pixel(page, 2, 13) == (255, 247, 236), "the earlier hour's hot cell"
    page.click("#lang")
    expect(card.get_by_test_id("heatmap-caption")).to_contain_text("Peak 4 people")
    expect(card.get_by_test_id("heat-legend")).to_contain_text("person-seconds")
    card.screenshot(path=str(shots / "13-reports-heat-map-en.png"))
    page.click("#lang")

    page.goto(stack.url("/"))
    box = page.get_by_test_id("dashboard-heatmap")
    expect(box.get_by_test_id("dashboard-heatmap-canvas")).to_have_count(1, timeout=15_000)
    expect(box).to_contain_text(f"{second.hour:02d}:00")
    expect(page.get_by_test_id("live")).to_have_attribute("data-state", "live", timeout=15_000)
    third = second + dt.timedelta(hours=1)  # the next hour: first its hour so far (every minute), then its end
    so_far = _occupancy(stack.branch, "cam-hall", third.astimezone(dt.UTC), 8 * 16 + 15, 9, 600, live=True)
    stack.publish(topics.OCCUPANCY, so_far)
    expect(box).to_contain_text(f"{third.hour:02d}:00", timeout=15_000)
    expect(box).to_contain_text("峰值 9 人")
    expect(box).to_contain_text("本小时进行中")
    box.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "14-dashboard-heat-map.png"), full_page=True)
    stack.publish(topics.OCCUPANCY, _occupancy(stack.branch, "cam-hall", third.astimezone(dt.UTC), 8 * 16 + 15, 11))
    expect(box).to_contain_text("峰值 11 人", timeout=15_000)
    expect(box).not_to_contain_text("本小时进行中")
    expect(box.get_by_test_id("dashboard-heatmap-canvas")).to_have_count(1)
    context.close()


def _pixel(page: Page, row: int, col: int, testid: str = "heatmap") -> tuple[int, int, int]:
    """The colour at the centre of a cell of the 16 x 9 heat map on the page."""
    rgb = page.evaluate(
        """([testid, row, col]) => {
            const c = document.querySelector(`[data-testid=${testid}]`);
            const x = Math.floor((col + 0.5) * c.width / 16), y = Math.floor((row + 0.5) * c.height / 9);
            return Array.from(c.getContext("2d").getImageData(x, y, 1, 1).data.slice(0, 3));
        }""",
        [testid, row, col],
    )
    return int(rgb[0]), int(rgb[1]), int(rgb[2])
