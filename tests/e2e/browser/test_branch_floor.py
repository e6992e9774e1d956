"""The branch floor with ``make run``: the system started as ``make run`` starts it (``branchops up``, the
newcomer journey's fixture), the teller logs in to the console (1366x768), picks window t1 and works it with
the keyboard while the calling display (1920x1080, its device key from the banner) shows every call. The delay
from the key press to the number on the display is measured for each call and printed (the target, p95 <= 1 s
with 10 windows calling, is bench/floor_calls.py's). Recall, undo, transfer, no-show and finish; full-page
screenshots of both pages at each step in test-artifacts/floor/.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser.test_newcomer_journey import BRANCH, LIVE_MS, Console, Run, _login
from tests.e2e.browser.test_newcomer_journey import run as run

pytestmark = [pytest.mark.browser, pytest.mark.timeout(420)]
WINDOW = "t1"
CALLS = 8
BOARD = 8  # calls the display's board keeps (display.js)
OWN = ("wealth", "fx")  # t1's services in the first test: the demo branch's simulated windows serve neither


@pytest.fixture(scope="module")
def shots(artifacts: Path) -> Path:
    folder = artifacts / "floor"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


class Floor:
    def __init__(self, teller: Page, display: Page, shots: Path) -> None:
        self.teller, self.display, self.shots = teller, display, shots
        self.delays_ms: list[float] = []

    def snap(self, name: str) -> None:
        self.teller.screenshot(path=str(self.shots / f"{name}-teller.png"), full_page=True)
        self.display.screenshot(path=str(self.shots / f"{name}-display.png"), full_page=True)

    def received(self) -> int:
        return int(self.display.evaluate("window.__display.received.length"))

    def issue(self, service: str = "wealth") -> None:
        self.teller.evaluate(
            """async ([branch, service]) => {
                const r = await fetch(`/v1/branches/${branch}/tickets`, {method: "POST", credentials: "same-origin",
                  headers: {"Content-Type": "application/json", "X-BranchOps-Request": "1"},
                  body: JSON.stringify({service})});
                if (r.status !== 201) throw new Error(`ticket: ${r.status}`);
            }""",
            [BRANCH, service],
        )

    def press_and_see(self, key: str, recalls: int = 0) -> str:
        """Press ``key`` on the console; the call it makes must reach the display: (its number), delay kept.

        A new call first gets a customer of its own, of a service no simulated window serves (the simulated
        branch's tellers follow the plan and would otherwise race t1 for the ticket)."""
        if recalls == 0:
            self.issue(OWN[0])
        before = self.received()
        started = float(self.teller.evaluate("Date.now()"))
        self.teller.keyboard.press(key)
        got = None
        deadline = time.monotonic() + 15  # a functional bound; the delays are measured and printed, not judged here
        while got is None and time.monotonic() < deadline:  # polled: the pages' CSP forbids eval
            got = self.display.evaluate(
                "([n, w]) => window.__display.received.slice(n).find((c) => c.window_id === w) || null",
                [before, WINDOW],
            )
            if got is None:
                self.display.wait_for_timeout(20)
        assert got is not None, f"no call of {WINDOW} reached the display in 15 s"
        self.delays_ms.append(float(got["at"]) - started)
        assert got["recalls"] == recalls, got
        number = str(got["number"])
        expect(self.teller.get_by_test_id("current-number")).to_have_text(number)
        # on the board (it keeps the latest 8 calls): unless the simulated windows made 8 calls since, which a
        # loaded machine allows between the call's arrival and this look
        shown = self.display.locator(f'[data-call="{number}@{WINDOW}"]')
        since = int(self.display.evaluate("window.__display.received.length")) - before
        if since < BOARD - 1:
            try:
                expect(shown).to_have_count(1, timeout=2_000)
            except AssertionError:
                later = int(self.display.evaluate("window.__display.received.length")) - before
                assert later >= BOARD, f"{number}@{WINDOW} not on the board and only {later} calls since"
        return number


@pytest.fixture
def floor(run: Run, browser: Browser, shots: Path) -> Iterator[tuple[Floor, Console, Console]]:
    display_url = re.search(r"(http://\S+/display/\S+#device=\S+)$", run.banner, re.M)
    assert display_url and "/teller" in run.banner, run.banner
    teller_context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    display_context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    teller, display = teller_context.new_page(), display_context.new_page()
    consoles = Console(teller), Console(display)
    display.goto(display_url.group(1))
    expect(display.get_by_test_id("live")).to_have_attribute("data-state", "live", timeout=LIVE_MS)
    assert "#device=" not in display.url
    _login(teller, run, "teller")
    expect(teller).to_have_url(f"{run.gateway}/")
    teller.goto(f"{run.gateway}/teller")
    yield Floor(teller, display, shots), *consoles
    teller_context.close()
    display_context.close()


def test_teller_calls_and_the_display_shows_and_speaks(floor: tuple[Floor, Console, Console]) -> None:
    f, teller_console, display_console = floor
    teller, display = f.teller, f.display
    # First visit: choose the window and its services (cash and general are ticked by default; t1 serves two
    # services no simulated window serves, so no simulated teller calls the test's customers first).
    expect(teller.get_by_test_id("setup")).to_be_visible()
    teller.get_by_test_id("setup-window").fill(WINDOW)
    for box in teller.locator("#setup-services input").all():
        box.set_checked(box.get_attribute("value") in OWN)
    f.snap("01-setup")
    teller.get_by_test_id("open-window").click()
    expect(teller.get_by_test_id("window")).to_have_text(WINDOW)
    expect(teller.get_by_test_id("live")).to_have_attribute("data-state", "live", timeout=LIVE_MS)
    expect(teller.get_by_test_id("prepared")).to_contain_text("无 / none")
    for service in (OWN[0], OWN[1], OWN[0], OWN[0], OWN[1], OWN[0]):
        f.issue(service)
    expect(teller.get_by_test_id("lines").locator("tbody tr")).to_have_count(2)
    expect(teller.get_by_test_id("call")).to_contain_text("F1 / Space")
    f.snap("02-window-open")

    # Call (F1), recall (R): the display shows the number at t1 and repeats it.
    number = f.press_and_see("F1")
    if display.get_by_test_id("now-number").inner_text() == number:
        expect(display.get_by_test_id("now")).to_contain_text(f"请 {number} 号到 {WINDOW} 号窗口")
        expect(display.get_by_test_id("now")).to_contain_text(f"Number {number}, please go to window {WINDOW}")
    f.snap("03-called")
    assert f.press_and_see("r", recalls=1) == number
    f.snap("04-recalled")

    # Finish (F), then a mistaken call undone (U) within 5 s: the ticket leaves the display and the window.
    teller.keyboard.press("f")
    expect(teller.get_by_test_id("no-customer")).to_be_visible()
    undone = f.press_and_see("Space")
    expect(teller.get_by_test_id("undo")).to_be_enabled()
    teller.keyboard.press("u")
    expect(teller.get_by_test_id("no-customer")).to_be_visible()
    expect(display.locator(f'[data-call="{undone}@{WINDOW}"]')).to_have_count(0)
    f.snap("05-undone")

    # Call again, transfer to another service (T then 1), call, no-show (N).
    f.press_and_see("F1")
    teller.keyboard.press("t")
    expect(teller.get_by_test_id("transfer-box")).to_be_visible()
    f.snap("06-transfer")
    teller.keyboard.press("1")
    expect(teller.get_by_test_id("no-customer")).to_be_visible()
    f.press_and_see("F1")
    teller.keyboard.press("n")
    expect(teller.get_by_test_id("no-customer")).to_be_visible()
    f.snap("07-no-show")

    # A few more calls for the delay, each finished; the day's count grows.
    for i in range(CALLS - len(f.delays_ms)):
        f.issue(OWN[i % 2])
        f.press_and_see("F1")
        teller.wait_for_timeout(300)
        teller.keyboard.press("f")
        expect(teller.get_by_test_id("no-customer")).to_be_visible()
    expect(teller.locator("#served")).not_to_have_text("0")
    expect(teller.locator("#avg-handling")).to_have_text(re.compile(r"^\d+(\.\d)? 分钟$"))

    # Spoken calls: the display speaks them one after another (a click may be needed to allow sound).
    needed_click = display.get_by_test_id("sound").is_visible()
    if needed_click:
        display.get_by_test_id("sound").click()
    deadline = time.monotonic() + 60
    while display.evaluate("window.__display.spoken()") < 1 and time.monotonic() < deadline:
        display.wait_for_timeout(250)
    spoken = display.evaluate("window.__display.spoken()")
    assert spoken >= 1, "no call was spoken"
    print(f"\nspoken calls: {spoken} (sound needed a click first: {needed_click})")
    waits = display.get_by_test_id("lines").locator("tbody tr td:nth-child(3) span").all_inner_texts()
    assert waits and all(re.fullmatch(r"无需等待|约 \d+ 分钟|\d+–\d+ 分钟", w) for w in waits), waits
    f.snap("08-after-calls")

    # The console in English (the display shows both languages at once).
    teller.locator("#lang").click()
    expect(teller.get_by_test_id("call")).to_contain_text("Call next")
    expect(teller.get_by_test_id("today")).to_contain_text("Served today")
    expect(teller.get_by_test_id("live")).to_have_text("Live")
    expect(teller.get_by_test_id("prepared")).to_contain_text("Prepared form from the digital employee")
    f.snap("09-english")
    teller.locator("#lang").click()
    expect(teller.get_by_test_id("call")).to_contain_text("叫号")

    # A display that (re)connects catches up from the gateway's board, not from events it never saw.
    fresh = display.context.new_page()
    fresh.goto(display.url)
    expect(fresh.get_by_test_id("live")).to_have_attribute("data-state", "live", timeout=LIVE_MS)
    expect(fresh.get_by_test_id("now-number")).to_be_visible()
    newest = fresh.get_by_test_id("now-number").get_attribute("data-call")
    seen = display.evaluate("window.__display.received.map((c) => `${c.number}@${c.window_id}`)")
    assert newest in seen, (newest, seen)
    fresh.screenshot(path=str(f.shots / "10-display-reconnected.png"), full_page=True)
    fresh.close()

    delays = sorted(f.delays_ms)
    p95 = delays[min(len(delays) - 1, round(0.95 * (len(delays) - 1)))]
    print(
        f"\ncall -> display delays (ms): {[round(d) for d in f.delays_ms]}  p95 {p95:.0f} ms  max {delays[-1]:.0f} ms"
    )
    # the target (p95 <= 1 s with 10 windows calling) is measured by bench/floor_calls.py, not judged here:
    # a timed assertion on a shared 2-core machine fails on load, not on the product
    assert teller_console.errors == [] and display_console.errors == [], (teller_console.errors, display_console.errors)


# What a customer tells the digital employee, by the counter service it ends at: the test picks a service
# no simulated window serves now, so the voice ticket reaches this console's window and no other.
SAID = {
    "fx": (["我要用人民币换五千美元", "确认"], "外币兑换", {"amount": "5000.00", "currency": "USD"}),
    "wealth": (["我想买理财产品，五万元，一年期"], "理财产品咨询", {"amount": "50000.00", "term": "P1Y"}),
    "general": (
        ["我要给张三转账，从尾号1234的卡", "三千五百元", "确认"],
        "转账汇款",
        {"payee": "张三", "amount": "3500.00"},
    ),
}


def test_a_voice_tickets_prepared_form_on_the_console(floor: tuple[Floor, Console, Console]) -> None:
    """The customer tells the digital employee (through the gateway, as the kiosk does) what they came for;
    the teller who calls that ticket sees it as a prepared form and corrects a field in place."""
    f, teller_console, _ = floor
    teller = f.teller
    expect(teller.get_by_test_id("setup")).to_be_visible()  # a new browser: the window is chosen first
    windows = teller.evaluate(
        """async (branch) => (await (await fetch(`/v1/branches/${branch}/queue`, {credentials: "same-origin"}))
            .json()).windows""",
        BRANCH,
    )
    served = {s for w in windows if w["state"] == "open" and w["window_id"] != WINDOW for s in w["skills"]}
    service = next((s for s in SAID if s not in served), "general")
    texts, kind, fields = SAID[service]
    print(f"\nopen windows serve {sorted(served)}; the voice ticket goes to {service}")
    teller.get_by_test_id("setup-window").fill(WINDOW)
    for box in teller.locator("#setup-services input").all():
        box.set_checked(box.get_attribute("value") == service)
    teller.get_by_test_id("open-window").click()
    expect(teller.get_by_test_id("window")).to_have_text(WINDOW)
    expect(teller.get_by_test_id("call")).to_be_enabled(timeout=10_000)
    ticket = teller.evaluate(
        """async ([branch, texts]) => {
            const post = async (path, body) => {
              const r = await fetch(path, {method: "POST", credentials: "same-origin",
                headers: {"Content-Type": "application/json", "X-BranchOps-Request": "1"}, body: JSON.stringify(body)});
              if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
              return r.json();
            };
            const base = `/v1/branches/${branch}/dialogue/sessions`;
            const session = await post(base, {lang: "zh"});
            let turn = null;
            for (const text of texts) turn = await post(`${base}/${session.session_id}/turns`, {text});
            return turn.ticket;
        }""",
        [BRANCH, texts],
    )
    assert ticket and ticket["prepared_form"] is True and ticket["service"] == service, ticket
    number = str(ticket["number"])
    # Call until the voice ticket is this window's customer (tickets of the line before it are finished).
    for _ in range(20):
        current = teller.get_by_test_id("current-number")
        if current.count() and current.inner_text() == number:
            break
        if current.count():
            teller.keyboard.press("f")
            expect(teller.get_by_test_id("no-customer")).to_be_visible()
        expect(teller.get_by_test_id("call")).to_be_enabled(timeout=10_000)
        teller.keyboard.press("F1")
        expect(teller.get_by_test_id("current-number")).to_be_visible(timeout=20_000)
    else:
        pytest.fail(f"the voice ticket {number} never reached window {WINDOW}")
    prepared = teller.get_by_test_id("prepared")
    expect(prepared.get_by_test_id("form-kind")).to_have_text(kind)
    for name, value in fields.items():
        expect(prepared.locator(f'input[data-field="{name}"]')).to_have_value(value)
    f.teller.screenshot(path=str(f.shots / "11-voice-form.png"), full_page=True)
    amount = prepared.locator('input[data-field="amount"]')
    amount.fill("3600")
    prepared.locator('button[data-fix="amount"]').click()
    expect(teller.get_by_test_id("form-note")).to_contain_text("已更正")
    expect(amount).to_have_value("3600")
    amount.fill("many")
    prepared.locator('button[data-fix="amount"]').click()
    expect(teller.get_by_test_id("error")).to_be_visible()
    teller.locator("#lang").click()
    expect(prepared.locator('tr[data-field="amount"] th')).to_have_text("Amount")
    f.teller.screenshot(path=str(f.shots / "12-voice-form-corrected-en.png"), full_page=True)
    teller.locator("#lang").click()
    teller.keyboard.press("f")
    expect(teller.get_by_test_id("no-customer")).to_be_visible()
    expect(prepared.get_by_test_id("form-none")).to_be_visible()
    refused = [e for e in teller_console.errors if e.startswith("422 PATCH") and e.endswith("/form")]
    assert len(refused) == 1, teller_console.errors  # "many" is no amount: refused, shown, nothing changed
    assert not [e for e in teller_console.errors if e not in refused], teller_console.errors


OTHER = "t2"


def test_transfer_to_another_window(floor: tuple[Floor, Console, Console], run: Run, browser: Browser) -> None:
    """The teller at t1 sends the customer to window t2 (T, then t2's letter): the customer waits in t2's own
    line ("directed to this window: 1" on t2's console) and t2's next call is that customer, whatever t2 serves."""
    f, teller_console, _ = floor
    teller = f.teller
    other_context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    other = other_context.new_page()
    other_console = Console(other)
    try:
        # Services no simulated window serves now: t1's customer is called by t1 only, t2 serves another one.
        windows = teller.evaluate(
            """async (branch) => (await (await fetch(`/v1/branches/${branch}/queue`, {credentials: "same-origin"}))
                .json()).windows""",
            BRANCH,
        )
        served = {
            s for w in windows if w["state"] == "open" and w["window_id"] not in (WINDOW, OTHER) for s in w["skills"]
        }
        own = next((s for s in ("fx", "corporate", "wealth", "general") if s not in served), "fx")
        elsewhere = "wealth" if own != "wealth" else "corporate"
        print(f"\nopen windows serve {sorted(served)}; t1 serves {own}, t2 serves {elsewhere}")
        _login(other, run, "teller")
        expect(other).to_have_url(f"{run.gateway}/")
        other.goto(f"{run.gateway}/teller")
        expect(other.get_by_test_id("setup")).to_be_visible()
        other.get_by_test_id("setup-window").fill(OTHER)
        for box in other.locator("#setup-services input").all():
            box.set_checked(box.get_attribute("value") == elsewhere)
        other.get_by_test_id("open-window").click()
        expect(other.get_by_test_id("window")).to_have_text(OTHER)
        expect(other.get_by_test_id("directed")).to_have_text("0")

        expect(teller.get_by_test_id("setup")).to_be_visible()
        teller.get_by_test_id("setup-window").fill(WINDOW)
        for box in teller.locator("#setup-services input").all():
            box.set_checked(box.get_attribute("value") == own)
        teller.get_by_test_id("open-window").click()
        expect(teller.get_by_test_id("window")).to_have_text(WINDOW)
        number = teller.evaluate(
            """async ([branch, service]) => {
                const r = await fetch(`/v1/branches/${branch}/tickets`, {method: "POST", credentials: "same-origin",
                  headers: {"Content-Type": "application/json", "X-BranchOps-Request": "1"},
                  body: JSON.stringify({service})});
                if (r.status !== 201) throw new Error(`ticket: ${r.status}`);
                return (await r.json()).number;
            }""",
            [BRANCH, own],
        )
        for _ in range(20):  # call until it is t1's customer (older tickets of the line are finished first)
            current = teller.get_by_test_id("current-number")
            if current.count() and current.inner_text() == number:
                break
            if current.count():
                teller.keyboard.press("f")
                expect(teller.get_by_test_id("no-customer")).to_be_visible()
            expect(teller.get_by_test_id("call")).to_be_enabled(timeout=10_000)
            teller.keyboard.press("F1")
            expect(teller.get_by_test_id("current-number")).to_be_visible(timeout=20_000)
        else:
            pytest.fail(f"ticket {number} never reached window {WINDOW}")
        teller.keyboard.press("t")
        target = teller.get_by_test_id("transfer-windows").locator(f'button[data-window="{OTHER}"]')
        expect(target).to_be_visible()
        f.snap("13-transfer-to-window")
        teller.keyboard.press(str(target.get_attribute("data-key")))
        expect(teller.get_by_test_id("no-customer")).to_be_visible()
        expect(other.get_by_test_id("directed")).to_have_text("1", timeout=10_000)
        other.screenshot(path=str(f.shots / "14-directed-waiting-t2.png"), full_page=True)

        expect(other.get_by_test_id("call")).to_be_enabled(timeout=10_000)
        other.keyboard.press("F1")  # t2 does not serve the customer's service, yet the customer sent to it comes first
        expect(other.get_by_test_id("current-number")).to_have_text(number, timeout=10_000)
        expect(other.get_by_test_id("directed")).to_have_text("0")
        expect(f.display.locator(f'[data-call="{number}@{OTHER}"]')).to_have_count(1, timeout=10_000)
        other.screenshot(path=str(f.shots / "15-directed-called-t2.png"), full_page=True)
        f.display.screenshot(path=str(f.shots / "15-directed-called-display.png"), full_page=True)
        other.keyboard.press("f")
        expect(other.get_by_test_id("no-customer")).to_be_visible()
        assert teller_console.errors == [] and other_console.errors == [], (teller_console.errors, other_console.errors)
    finally:
        other_context.close()
