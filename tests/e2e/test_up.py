"""`branchops up` (what `make run` runs) brings up every service healthy and stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from tests.integration.test_devstack import _gone

SERVICES = ("gateway", "queue", "staffing", "records", "kyc", "voice")


class ForeignStack(BaseHTTPRequestHandler):
    """Another deployment on a default port: refuses every credential of this run (as its /v1/whoami would)."""

    def do_GET(self) -> None:
        self.send_response(401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


def _occupy_a_default_port() -> tuple[ThreadingHTTPServer | None, str | None]:
    """A foreign server on the first free default port of a service (issue 24 item 4), if any is free."""
    for name, port in (("staffing", 8002), ("records", 8005), ("kyc", 8003), ("queue", 8001)):
        try:
            server = ThreadingHTTPServer(("127.0.0.1", port), ForeignStack)
        except OSError:
            continue
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, name
    return None, None


def test_up_starts_everything_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    foreign, displaced = _occupy_a_default_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "BRANCHOPS_DATABASE_URL")}
    env["PYTHONUNBUFFERED"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "branchops.cli", "up", "--log-dir", str(tmp_path), "--speed", "600"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            if not line:
                break
            lines.append(line)
            if "Ctrl-C stops everything" in line:
                break
        banner = "".join(lines)
        assert "BranchOps is up" in banner, banner
        urls = dict(re.findall(r"^\s+(\w+)\s+http://127\.0\.0\.1:(\d+)\s", banner, re.M))
        assert set(urls) == set(SERVICES)
        for name, port in urls.items():
            ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
            assert ready.status_code == 200, (name, ready.text)
        if foreign is not None:  # the taken port went to nobody of this run, and the gateway checked whom it calls
            assert int(urls[str(displaced)]) != foreign.server_address[1], banner
        checks = httpx.get(f"http://127.0.0.1:{urls['gateway']}/readyz", timeout=5).json()["checks"]
        for upstream in ("queue", "staffing", "kyc", "voice", "records"):
            assert "takes our credentials" in checks[f"{upstream}-identity"]["detail"], checks
        kiosk_key = re.search(r"^\s+kiosk\s+(\S+)$", banner, re.M)
        assert kiosk_key is not None
        gateway = f"http://127.0.0.1:{urls['gateway']}"
        assert f"{gateway}/login" in banner and f"{gateway}/head-office" in banner
        for login, role in (("manager", "manager"), ("teller", "teller"), ("head-office", "head_office")):
            password = re.search(rf"^\s+{login}\s+(\S+)\s", banner, re.M)
            assert password is not None, banner
            who = httpx.post(f"{gateway}/v1/auth/login", json={"username": login, "password": password.group(1)})
            assert who.status_code == 200 and who.json()["role"] == role, who.text
        device = re.search(r"/kiosk#device=(\S+)$", banner, re.M)
        assert device is not None and re.search(r"/rate/demo-001/\w+#device=\S+$", banner, re.M)
        kiosk = httpx.post(f"{gateway}/v1/auth/device", headers={"X-Device-Key": device.group(1)})
        assert kiosk.status_code == 200 and kiosk.json()["branch_id"] == "demo-001", kiosk.text
        assert re.search(
            r"Branch time \d{4}-\d\d-\d\d \d\d:\d\d \(Asia/Shanghai; the day opened at 09:00\), 600x", banner
        ), banner
        assert "(this run's own, memory only)" in banner, "never the machine's Redis unless REDIS_URL says so"
        pids = [
            int(p)
            for p in subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        ]
        assert len(pids) >= 1 + len(SERVICES), "broker and every service run as child processes"
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, rest
        assert "stopped: no process left behind" in rest
        assert all(_gone(pid) for pid in pids)
    finally:
        if proc.poll() is None:
            proc.kill()
        if foreign is not None:
            foreign.shutdown()
