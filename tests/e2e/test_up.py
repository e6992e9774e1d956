"""`branchops up` (what `make run` runs) brings up every service healthy and stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.integration.test_devstack import _gone

SERVICES = ("gateway", "queue", "staffing", "records", "kyc", "voice")


def test_up_starts_everything_and_ctrl_c_stops_everything(tmp_path: Path, redis_url: str) -> None:
    env = dict(os.environ, PYTHONUNBUFFERED="1", REDIS_URL=redis_url)
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
        kiosk_key = re.search(r"^\s+kiosk\s+(\S+)$", banner, re.M)
        assert kiosk_key is not None
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
