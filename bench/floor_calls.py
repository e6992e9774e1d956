"""Ten windows calling at once: the delay from a teller's key press to the number on the calling display and
on the teller's own console (issue 18 target: p95 <= 1 s with 10 windows calling).

The system starts exactly as ``make run`` starts it (``branchops up`` as a child process, simulated branch at
``--speed``; its simulated tellers keep serving on the plan's windows). A real chromium (Debian's, headless)
opens the calling display (its device link from the banner) and ten teller consoles, one browser context each
(the first logs in with the banner's teller password, the others reuse its session cookie), each opened on a
window of its own (``h1`` ... ``h10``) serving fx (no simulated teller serves it: every call finds the bench's
customer). Each round issues one ticket per window through the queue API, then presses F1 on the ten consoles
one after the other as fast as Playwright can (a few ms apart), and waits for each call to reach the display
and the console.

Times are the browser's ``Date.now()`` (one process, one clock): the press is stamped by a capture-phase
``keydown`` listener in the console, the display stamps each call it receives (``window.__display``), and
a ``MutationObserver`` stamps the console's current number when it changes. Prints a table and writes
bench/results/floor_calls.json (with the machine and its load).

    python bench/floor_calls.py [--rounds 6] [--windows 10] [--speed 60]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

from bench.common import machine, median, percentile, write_result

ROOT = Path(__file__).resolve().parents[1]
BRANCH = "demo-001"
SERVICE = "fx"  # the demo branch's simulated tellers serve cash and general: the bench's windows serve fx alone
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
STAMP_PRESS = """() => {
  window.__bench = { pressedAt: null, shownAt: null, shown: null };
  document.addEventListener("keydown", (e) => { if (e.key === "F1") window.__bench.pressedAt = Date.now(); },
    { capture: true });
  new MutationObserver(() => {
    const n = document.querySelector('[data-testid="current-number"]');
    const text = n ? n.textContent : null;
    if (text && text !== window.__bench.shown) { window.__bench.shown = text; window.__bench.shownAt = Date.now(); }
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
}"""


def start_system(speed: int, logs: Path) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "BRANCHOPS_DATABASE_URL")}
    env["PYTHONUNBUFFERED"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "branchops.cli", "up", "--log-dir", str(logs), "--speed", str(speed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=ROOT,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            break
        lines.append(line)
        if "Ctrl-C stops everything" in line:
            return proc, "".join(lines)
    stop_system(proc)
    raise SystemExit("branchops up printed no banner:\n" + "".join(lines))


def stop_system(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()


def banner_value(banner: str, pattern: str) -> str:
    found = re.search(pattern, banner, re.M)
    if not found:
        raise SystemExit(f"the banner has no {pattern!r}:\n{banner}")
    return found.group(1)


def issue_tickets(queue_url: str, key: str, count: int) -> None:
    for _ in range(count):
        body = json.dumps({"service": SERVICE, "channel": "teller"}).encode()
        headers = {"X-API-Key": key, "Content-Type": "application/json"}
        request = Request(f"{queue_url}/v1/branches/{BRANCH}/tickets", data=body, method="POST", headers=headers)
        with urlopen(request, timeout=10) as answer:
            answer.read()


def run(rounds: int, windows: int, speed: int) -> dict[str, Any]:
    from playwright.sync_api import expect, sync_playwright

    with tempfile.TemporaryDirectory(prefix="floor-calls-") as logs:
        proc, banner = start_system(speed, Path(logs))
        try:
            gateway = banner_value(banner, r"^\s+gateway\s+(http://127\.0\.0\.1:\d+)\s")
            queue = banner_value(banner, r"^\s+queue\s+(http://127\.0\.0\.1:\d+)\s")
            teller_password = banner_value(banner, r"^\s+teller\s+(\S+)\s")
            service_key = banner_value(banner, r"^\s+service\s+(dev-service-\S+)$")
            display_url = banner_value(banner, r"(http://\S+/display/\S+#device=\S+)$")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
                display = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN").new_page()
                display.goto(display_url)
                expect(display.get_by_test_id("live")).to_have_attribute("data-state", "live", timeout=60_000)
                first = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
                login = first.new_page()
                login.goto(f"{gateway}/login")
                login.fill("input[name=username]", "teller")
                login.fill("input[name=password]", teller_password)
                login.click("button[type=submit]")
                login.wait_for_url(f"{gateway}/")
                cookies = first.cookies()
                consoles = [login]
                for _ in range(windows - 1):
                    context = browser.new_context(
                        viewport={"width": 1366, "height": 768}, locale="zh-CN", storage_state={"cookies": cookies}
                    )
                    consoles.append(context.new_page())
                names = [f"h{i + 1}" for i in range(windows)]
                for page, name in zip(consoles, names, strict=True):
                    page.goto(f"{gateway}/teller")
                    page.get_by_test_id("setup-window").fill(name)
                    for box in page.locator("#setup-services input").all():  # fx only: no simulated window serves
                        box.set_checked(box.get_attribute("value") == SERVICE)  # it, so every call has a customer
                    page.get_by_test_id("open-window").click()
                    expect(page.get_by_test_id("window")).to_have_text(name)
                    expect(page.get_by_test_id("live")).to_have_attribute("data-state", "live", timeout=60_000)
                    page.evaluate(STAMP_PRESS)
                display_ms: list[float] = []
                console_ms: list[float] = []
                missed = 0
                empty = 0
                for _ in range(rounds):
                    issue_tickets(queue, service_key, windows)  # one customer for each window
                    for page in consoles:
                        page.evaluate("() => { window.__bench.pressedAt = null; window.__bench.shownAt = null; }")
                    before = int(display.evaluate("window.__display.received.length"))
                    for page in consoles:
                        page.keyboard.press("F1")
                    deadline = time.monotonic() + 15
                    pending = dict(zip(names, consoles, strict=True))
                    while pending and time.monotonic() < deadline:
                        received = display.evaluate(
                            "(n) => window.__display.received.slice(n)", before
                        )  # [{number, window_id, at}]
                        for call in received:
                            page = pending.get(call["window_id"])
                            if page is None:
                                continue
                            stamps = page.evaluate("() => window.__bench")
                            if stamps["pressedAt"] is None or stamps["shownAt"] is None:
                                continue
                            display_ms.append(float(call["at"]) - float(stamps["pressedAt"]))
                            console_ms.append(float(stamps["shownAt"]) - float(stamps["pressedAt"]))
                            del pending[call["window_id"]]
                        display.wait_for_timeout(25)
                    for page in pending.values():  # why: no one left to call (the simulated tellers were faster)
                        if page.get_by_test_id("no-customer").is_visible():
                            empty += 1
                        else:
                            missed += 1
                    for page in consoles:  # finish the customer (F) so the next call is a new one
                        page.keyboard.press("f")
                    display.wait_for_timeout(500)
                display.screenshot(path=str(Path(logs) / "display.png"))
                browser.close()
        finally:
            stop_system(proc)
    return {
        "windows": windows,
        "rounds": rounds,
        "calls_measured": len(display_ms),
        "calls_missed": missed,
        "calls_with_no_customer": empty,
        "display_ms": {"p50": median(display_ms), "p95": percentile(display_ms, 95), "max": max(display_ms)},
        "console_ms": {"p50": median(console_ms), "p95": percentile(console_ms, 95), "max": max(console_ms)},
        "target_p95_ms": 1000,
        "raw_display_ms": [round(d) for d in display_ms],
        "raw_console_ms": [round(d) for d in console_ms],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--windows", type=int, default=10)
    parser.add_argument("--speed", type=int, default=60)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit("needs Debian chromium (apt-get install chromium)")
    result = run(args.rounds, args.windows, args.speed)
    result["machine"] = machine()
    print(
        f"\n{args.windows} windows calling at once, {result['calls_measured']} calls measured "
        f"({result['calls_missed']} not seen in 15 s, {result['calls_with_no_customer']} found no customer), "
        f"load {result['machine']['loadavg_1m']:.1f}"
    )
    print(f"{'key press ->':<22}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for label, key in (("calling display", "display_ms"), ("teller console", "console_ms")):
        row = result[key]
        print(f"{label:<22}{row['p50']:>10.0f}{row['p95']:>10.0f}{row['max']:>10.0f}")
    print(f"target: p95 <= 1000 ms -> {'met' if result['display_ms']['p95'] <= 1000 else 'missed'}")
    print(write_result("floor_calls", result))


if __name__ == "__main__":
    main()
