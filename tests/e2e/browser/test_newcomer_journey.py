"""A newcomer's first hour with ``make run``: the system started exactly as ``make run`` starts it
(``branchops up`` as a child process, its own log folder), the banner read for logins and URLs, and every
role in a real chromium in turn: manager, teller, kiosk (ticket, then the digital employee by text), rating
pad, head office. The manager sees the day's staffing plan and an alert on the dashboard and acknowledges it
(a burst of customers through the queue API makes sure there is something to say). Full-page screenshots of
every step go to test-artifacts/newcomer/.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.request import Request, urlopen

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import Browser, ConsoleMessage, Page, Response, expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(420)]
ROOT = Path(__file__).resolve().parents[3]
BRANCH = "demo-001"
LIVE_MS = 60_000
DEMO_CASES = 3  # branchops kyc demo-merchants' default: approvable, impostor, photocopy
SEEDING_S = 240  # the demo seeds in the background from the start: the longest wait for its cases


@dataclass(frozen=True)
class Run:
    banner: str
    gateway: str
    passwords: dict[str, str]
    kiosk_url: str
    pad_url: str

    def url(self, service: str) -> str:
        found = re.search(rf"^\s+{service}\s+(http://127\.0\.0\.1:\d+)\s", self.banner, re.M)
        assert found, self.banner
        return found.group(1)

    def api_key(self, role: str) -> str:
        found = re.search(rf"^\s+{role}\s+(dev-{role}-\S+)$", self.banner, re.M)
        assert found, self.banner
        return found.group(1)


def _call(run: Run, method: str, url: str, role: str, body: dict[str, object] | None = None) -> dict[str, object]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"X-API-Key": run.api_key(role), "Content-Type": "application/json"}
    with urlopen(Request(url, data=data, method=method, headers=headers), timeout=10) as answer:
        return dict(json.loads(answer.read() or b"{}"))


def _read_banner(proc: subprocess.Popen[str], timeout_s: float) -> str:
    lines: list[str] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            break
        lines.append(line)
        if "Ctrl-C stops everything" in line:
            return "".join(lines)
    raise AssertionError("branchops up printed no banner:\n" + "".join(lines))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    logs = tmp_path_factory.mktemp("up-logs")
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "BRANCHOPS_DATABASE_URL")}
    env["PYTHONUNBUFFERED"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "branchops.cli", "up", "--log-dir", str(logs), "--speed", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        banner = _read_banner(proc, 240)
        gateway = re.search(r"^\s+gateway\s+(http://127\.0\.0\.1:\d+)\s", banner, re.M)
        kiosk = re.search(r"(http://\S+/kiosk#device=\S+)$", banner, re.M)
        pad = re.search(r"(http://\S+/rate/\S+#device=\S+)$", banner, re.M)
        assert gateway and kiosk and pad, banner
        passwords = {}
        for login in ("manager", "teller", "head-office"):
            found = re.search(rf"^\s+{login}\s+(\S+)\s", banner, re.M)
            assert found, banner
            passwords[login] = found.group(1)
        yield Run(banner, gateway.group(1), passwords, kiosk.group(1), pad.group(1))
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def shots(artifacts: Path) -> Path:
    folder = artifacts / "newcomer"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


class Console:
    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("console", self._seen)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("response", self._answered)

    def _seen(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def _answered(self, response: Response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.errors.append(f"{response.status} {response.request.method} {response.url}")


def _login(page: Page, run: Run, login: str) -> None:
    page.goto(f"{run.gateway}/login")
    page.fill("input[name=username]", login)
    page.fill("input[name=password]", run.passwords[login])
    page.click("button[type=submit]")


def _no_error_banner(page: Page) -> None:
    assert page.locator(".warn.banner").count() == 0, page.locator(".warn.banner").all_inner_texts()


def _dashboard_is_live(page: Page) -> None:
    expect(page.get_by_test_id("branch")).to_have_text(BRANCH)
    expect(page.get_by_test_id("live")).to_have_text("实时", timeout=LIVE_MS)
    # The simulated branch is open: tickets, queue rows, windows and the hall have numbers.
    expect(page.locator("#kpi-tickets")).not_to_have_text("0", timeout=LIVE_MS)
    expect(page.get_by_test_id("queue").locator("tbody tr").first).to_be_visible(timeout=LIVE_MS)
    expect(page.get_by_test_id("windows").locator("tbody tr").first).to_be_visible(timeout=LIVE_MS)
    expect(page.get_by_test_id("tickets").locator("li.ticket").first).to_be_visible(timeout=LIVE_MS)
    expect(page.get_by_test_id("hall").locator("tbody tr").first).to_be_visible(timeout=LIVE_MS)
    # One clock: the run's simulated day starts at the branch's opening (09:00 Asia/Shanghai) and the page
    # shows branch time whatever the browser's time zone (these contexts run in UTC).
    expect(page.get_by_test_id("clock")).to_have_text(re.compile(r"^(09|1[0-6]):[0-5]\d$"))
    first = page.get_by_test_id("tickets").locator("li.ticket small").first.inner_text().strip()
    assert re.fullmatch(r"(09|1[0-6]):[0-5]\d", first), first
    # A hall card with counts means the cameras reported: the camera card says so too.
    expect(page.get_by_test_id("cameras").locator("li.camera").first).to_be_visible(timeout=LIVE_MS)
    expect(page.get_by_test_id("live")).to_have_class(re.compile(r"\bis-live\b"))
    waits = page.get_by_test_id("queue").locator("tbody tr td:nth-child(4)").all_inner_texts()
    assert waits and all(re.fullmatch(r"无需等待|约 \d+ 分钟|\d+–\d+ 分钟", w) for w in waits), waits
    assert not any(re.search(r"(\d+)–\1 ", w) for w in waits), waits
    _no_error_banner(page)


def test_manager_sees_the_live_dashboard_of_the_branch(run: Run, browser: Browser, shots: Path) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    console = Console(page)
    page.goto(f"{run.gateway}/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    page.screenshot(path=str(shots / "01-login.png"), full_page=True)
    _login(page, run, "manager")
    expect(page).to_have_url(f"{run.gateway}/")
    _dashboard_is_live(page)
    page.wait_for_timeout(1500)  # a few more live events
    page.screenshot(path=str(shots / "02-manager-dashboard.png"), full_page=True)
    assert console.errors == []
    context.close()


def test_manager_sees_the_plan_and_acknowledges_an_alert(run: Run, browser: Browser, shots: Path) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    console = Console(page)
    _login(page, run, "manager")
    expect(page).to_have_url(f"{run.gateway}/")
    expect(page.get_by_test_id("live")).to_have_text("实时", timeout=LIVE_MS)
    # The day's plan, made by staffing from the branch configuration and the backfilled history.
    expect(page.get_by_test_id("plan").locator(".bar").first).to_be_visible(timeout=LIVE_MS)
    # A burst of general customers (as a busy lunch would bring) so the floor falls behind the plan:
    # staffing says what to do about it (open a window, recall someone, or that the service level is at risk).
    queue = f"{run.url('queue')}/v1/branches/{BRANCH}/tickets"
    for _ in range(40):
        _call(run, "POST", queue, "teller", {"service": "general", "channel": "kiosk", "priority": "normal"})
    alerts = page.get_by_test_id("alerts")
    expect(alerts.locator("li.alert [data-testid=ack]").first).to_be_visible(timeout=LIVE_MS)
    _no_error_banner(page)
    page.screenshot(path=str(shots / "02b-manager-plan-and-alert.png"), full_page=True)
    # At 60x an intraday alert lives 15 real seconds (15 branch minutes): one may expire between the look and
    # the click (409: it leaves the list). The newest alert is acknowledged; on expiry, the next one.
    acknowledged = None
    for _ in range(8):
        open_items = alerts.locator("li.alert", has=page.locator("[data-testid=ack]"))
        expect(open_items.first).to_be_visible(timeout=LIVE_MS)
        item = open_items.last
        alert_id = item.get_attribute("data-alert")
        assert alert_id, item.inner_html()
        item.locator("[data-testid=ack]").click()
        done = alerts.locator(f"li.alert[data-alert='{alert_id}'] [data-testid=acked]")
        try:
            expect(done).to_have_text("已确认", timeout=5_000)
        except AssertionError:
            continue
        acknowledged = alert_id
        break
    assert acknowledged, "no alert could be acknowledged before it expired"
    page.screenshot(path=str(shots / "02c-manager-alert-acknowledged.png"), full_page=True)
    floor = _call(run, "GET", f"{run.url('staffing')}/v1/branches/{BRANCH}/alerts?include_acknowledged=true", "teller")
    alerts_now = floor["alerts"]
    assert isinstance(alerts_now, list)
    acked = [a for a in alerts_now if a["alert_id"] == acknowledged]
    assert not acked or (acked[0]["status"] == "acknowledged" and acked[0]["acknowledged_at"]), acked
    expired_in_between = [e for e in console.errors if e.startswith("409 POST") and e.endswith("/ack")]
    assert [e for e in console.errors if e not in expired_in_between] == [], console.errors
    context.close()


def test_teller_logs_in_to_the_branch_dashboard(run: Run, browser: Browser, shots: Path) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    console = Console(page)
    _login(page, run, "teller")
    expect(page).to_have_url(f"{run.gateway}/")
    _dashboard_is_live(page)
    page.screenshot(path=str(shots / "03-teller-dashboard.png"), full_page=True)
    assert console.errors == []
    context.close()


def test_kiosk_takes_a_ticket_then_talks_to_the_digital_employee(run: Run, browser: Browser, shots: Path) -> None:
    context = browser.new_context(viewport={"width": 1080, "height": 1400}, locale="zh-CN")
    page = context.new_page()
    console = Console(page)
    page.goto(run.kiosk_url)
    services = page.get_by_test_id("services")
    expect(services.locator("button").first).to_be_visible(timeout=LIVE_MS)
    assert "#device=" not in page.url, "the key leaves the address bar once stored"
    # Once the forecast is in, only services an open window serves can be taken.
    expect(services.locator("button[data-open=false]").first).to_be_visible(timeout=LIVE_MS)
    expect(services.locator("button[data-open=false]").first).to_be_disabled()
    page.screenshot(path=str(shots / "04-kiosk-home.png"), full_page=True)
    services.locator("button[data-open=true]").first.click()
    expect(page.get_by_test_id("ticket-number")).to_have_text(re.compile(r"^[A-Z]\d{3}$"), timeout=LIVE_MS)
    wait = page.get_by_test_id("ticket-wait").inner_text()
    if wait == "—":  # the simulated branch may call it at once: then the page names the window instead
        expect(page.locator("#ticket-status")).to_contain_text("窗口", timeout=LIVE_MS)
    else:
        assert re.fullmatch(r"无需等待|约 \d+ 分钟|\d+–\d+ 分钟", wait), wait
    page.screenshot(path=str(shots / "05-kiosk-ticket.png"), full_page=True)
    page.click("#ticket-done")
    page.click("#go-voice")
    log = page.get_by_test_id("voice-log")
    expect(log.locator("li.bot").first).to_have_text(re.compile(r"\S"), timeout=LIVE_MS)
    page.locator("#voice-quick button", has_text="我要找人工").click()
    ticket_line = log.locator("li.bot", has_text="您的号码")
    expect(ticket_line).to_have_text(re.compile(r"您的号码: [A-Z]\d{3}$"), timeout=LIVE_MS)
    assert "抱歉" not in log.inner_text(), log.inner_text()
    page.screenshot(path=str(shots / "06-kiosk-digital-employee.png"), full_page=True)
    assert page.locator("#error").is_hidden()
    assert console.errors == []
    context.close()


def test_rating_pad_offers_the_ticket_served_at_its_window(run: Run, browser: Browser, shots: Path) -> None:
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    page = context.new_page()
    console = Console(page)
    page.goto(run.pad_url)
    expect(page.locator("#setup")).to_be_hidden(timeout=LIVE_MS)
    expect(page.locator(".screen:not([hidden])")).to_have_count(1, timeout=LIVE_MS)
    page.screenshot(path=str(shots / "07-rating-pad-idle.png"), full_page=True)
    # The simulated branch serves at g1 all day: the pad soon offers the ticket just served there.
    expect(page.locator("#ask")).to_be_visible(timeout=LIVE_MS)
    expect(page.locator("#rate-number")).to_have_text(re.compile(r"^[A-Z]\d{3}$"))
    page.screenshot(path=str(shots / "07-rating-pad-ask.png"), full_page=True)
    page.locator("#stars button[data-rating='5']").click()
    expect(page.locator("#thanks")).to_be_visible(timeout=LIVE_MS)
    page.screenshot(path=str(shots / "07-rating-pad-thanks.png"), full_page=True)
    assert page.locator("#error").is_hidden() or not page.locator("#error").inner_text()
    assert console.errors == []
    context.close()


def test_kiosk_with_a_wrong_key_says_so_in_chinese(run: Run, browser: Browser, shots: Path) -> None:
    context = browser.new_context(viewport={"width": 1080, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{run.gateway}/kiosk#device=not-a-key")
    expect(page.locator("#setup-error")).to_have_text("设备密钥无效，请核对后重新输入", timeout=LIVE_MS)
    page.screenshot(path=str(shots / "08-kiosk-wrong-key.png"), full_page=True)
    context.close()


def test_head_office_logs_in_and_reads_every_branch(run: Run, browser: Browser, shots: Path) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    console = Console(page)
    _login(page, run, "head-office")
    expect(page).to_have_url(f"{run.gateway}/head-office")
    row = page.locator(f"tr[data-branch='{BRANCH}']")
    expect(row).to_be_visible(timeout=LIVE_MS)
    expect(page.locator("#total-tickets")).not_to_have_text(re.compile(r"^0?$"), timeout=LIVE_MS)
    row.locator("button").click()
    expect(page.locator("#detail-title")).to_contain_text(BRANCH, timeout=LIVE_MS)
    page.wait_for_timeout(500)
    _no_error_banner(page)
    page.screenshot(path=str(shots / "09-head-office.png"), full_page=True)
    page.goto(f"{run.gateway}/")  # no branch of its own: the dashboard sends head office to its page
    expect(page).to_have_url(f"{run.gateway}/head-office", timeout=LIVE_MS)
    assert console.errors == []
    context.close()


def _demo_merchants_possible() -> bool:
    """What the demo applicants need on this machine (else it says so in its log and makes none)."""
    try:
        from bench.kyc import fonts, genuine_faces
    except ImportError:
        return False
    return fonts.cjk_font_location() is not None and genuine_faces.picture(genuine_faces.ID_PHOTO) is not None


def _demo_log(run: Run) -> str:
    found = re.search(r"\(logs: (\S+)\)", run.banner)
    assert found, run.banner
    log = Path(found.group(1)) / "kyc-simulator.log"
    return log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""


def _wait_for_demo_cases(page: Page, run: Run) -> dict[str, str]:
    """Reload /officer until the demo's log says it is done (it seeds in the background from the start) and
    its cases wait there, within SEEDING_S; each case's id by its kind (approvable, impostor, photocopy), as
    the demo's log names them."""
    deadline = time.monotonic() + SEEDING_S
    while True:
        expect(page.get_by_test_id("cases").locator("li").first).to_be_visible(timeout=LIVE_MS)  # list loaded
        log = _demo_log(run)
        made = {kind: cid for cid, kind in re.findall(r"demo-merchants: case (\S+) \((\w+), ", log)}
        wanted = [made.get("approvable"), made.get("impostor")]  # the two this journey reviews
        listed = all(cid and page.get_by_test_id(f"case-{cid}").count() == 1 for cid in wanted)
        if ("demo cases wait at branch" in log and listed) or time.monotonic() > deadline:
            break
        page.wait_for_timeout(3000)
        page.reload()
    assert len(made) == DEMO_CASES and listed, (log, page.get_by_test_id("cases").inner_text())
    return made


def _documents_shown(page: Page) -> None:
    expect(page.get_by_test_id("no-images")).to_have_count(0)
    for doc in ("licence", "portrait", "emblem"):
        image = page.get_by_test_id(f"image-{doc}")
        image.scroll_into_view_if_needed()
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    page.evaluate("window.scrollTo(0, 0)")


def test_manager_reviews_the_demo_merchant_cases(run: Run, browser: Browser, shots: Path) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    console = Console(page)
    _login(page, run, "manager")
    expect(page).to_have_url(f"{run.gateway}/")
    link = page.locator("#officer-link")
    expect(link).to_have_text("商户审核", timeout=LIVE_MS)
    link.click()
    expect(page).to_have_url(f"{run.gateway}/officer")
    if not _demo_merchants_possible():
        expect(page.get_by_test_id("cases")).to_contain_text("暂无待审核案件")
        page.screenshot(path=str(shots / "10-officer-no-demo-cases.png"), full_page=True)
        context.close()
        pytest.skip("no demo merchant case on this machine: face pictures (make test-data) or a CJK font missing")
    kinds = _wait_for_demo_cases(page, run)
    approvable, blocked = kinds["approvable"], kinds["impostor"]
    page.get_by_test_id(f"case-{blocked}").click()  # another person's selfie: the face check failed
    expect(page.get_by_test_id("case-id")).to_have_text(blocked)
    _documents_shown(page)
    expect(page.get_by_test_id("cross-face_matches")).to_have_text(re.compile("^✗"))
    expect(page.get_by_test_id("blocking")).to_contain_text("人脸与证件照一致")
    expect(page.get_by_test_id("approve")).to_be_disabled()
    page.screenshot(path=str(shots / "10-officer-face-mismatch-blocked.png"), full_page=True)
    page.get_by_test_id(f"case-{approvable}").click()
    expect(page.get_by_test_id("case-id")).to_have_text(approvable)
    _documents_shown(page)
    for name in ("legal_representative_matches_id_name", "credit_code_valid", "face_matches", "liveness_passed"):
        expect(page.get_by_test_id(f"cross-{name}")).to_have_text(re.compile("^✓"))
    expect(page.get_by_test_id("blocking")).to_be_hidden()
    expect(page.get_by_test_id("approve")).to_be_enabled()
    page.screenshot(path=str(shots / "11-officer-demo-case-with-documents.png"), full_page=True)
    with page.expect_response(lambda r: r.url.endswith("/decision")) as answer:
        page.click("[data-testid='approve']")
    assert answer.value.status == 200, answer.value.text()
    expect(page.get_by_test_id("done")).to_contain_text("已通过")
    expect(page.get_by_test_id(f"case-{approvable}")).to_have_count(0)  # no longer waiting for the officer
    expect(page.get_by_test_id(f"case-{blocked}")).to_be_visible()
    page.screenshot(path=str(shots / "12-officer-approved.png"), full_page=True)
    assert console.errors == []
    context.close()
