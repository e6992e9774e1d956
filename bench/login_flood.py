"""A manager's read while unauthenticated clients flood POST /v1/auth/login (issue 24, item 1).

One real gateway process (uvicorn, one worker) in front of a stub queue service (a tiny ASGI app in this
process answering ``GET /v1/branches/{b}/queue`` at once), so what is measured is the gateway. Phases:
``idle`` (reads only), ``flood`` (N clients, each logging in back to back with a fresh name per request,
default budgets) and ``flood, budgets lifted`` (the per-address and global login budgets set very high, so
only the bounded password pool protects the loop). Each phase: a manager reads the branch queue every
``--every`` seconds for ``--seconds``; p50/p99 of that read, plus the logins' answers by status.
Kafka and Redis are not started (the routes measured need neither). Prints a table and writes
bench/results/login_flood.json.

    python bench/login_flood.py [--clients 8] [--seconds 10] [--every 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from bench.common import machine, median, percentile, write_result
from branchops.settings import PlatformSettings, Role
from branchops.web import issue_token
from services.gateway.domain.passwords import hash_password

ROOT = Path(__file__).resolve().parents[1]
BRANCH = "bench-b1"
SECRET = "bench-login-flood-jwt-secret-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def stub_queue(port: int) -> uvicorn.Server:
    async def queue(request: Any) -> JSONResponse:
        return JSONResponse({"services": [], "windows": [], "waiting": [], "arrivals": []})

    app = Starlette(routes=[Route("/v1/branches/{branch}/queue", queue)])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    return server


def start_gateway(port: int, queue_port: int, lifted: bool) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        {
            "BRANCHOPS_JWT_SECRET": SECRET,
            "BRANCHOPS_KAFKA_BOOTSTRAP": "127.0.0.1:1",
            "GATEWAY_REDIS_URL": "redis://127.0.0.1:1/0",
            "GATEWAY_QUEUE_URL": f"http://127.0.0.1:{queue_port}",
            "GATEWAY_BRANCHES": json.dumps([BRANCH]),
            "GATEWAY_COOKIE_SECURE": "false",
            "GATEWAY_USERS": json.dumps(
                {"ann": {"password": hash_password("a-long-password"), "role": "manager", "branch": BRANCH}}
            ),
        }
    )
    if lifted:
        env.update({"GATEWAY_LOGIN_BURST_PER_ADDRESS": "10000", "GATEWAY_LOGIN_BURST_GLOBAL": "10000"})
        env.update({"GATEWAY_LOGIN_RATE_PER_ADDRESS": "1000", "GATEWAY_LOGIN_RATE_GLOBAL": "1000"})
    cmd = [sys.executable, "-m", "uvicorn", "services.gateway.app:create_app", "--factory"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the gateway did not come up")


async def phase(port: int, token: str, clients: int, seconds: float, every: float) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}"
    statuses: collections.Counter[int] = collections.Counter()
    login_ms: list[float] = []
    stop = asyncio.Event()

    async def flooder(k: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            i = 0
            while not stop.is_set():
                i += 1
                t0 = time.perf_counter()
                body = {"username": f"flood-{k}-{i}-{time.time_ns()}", "password": "guess-123456"}
                try:
                    r = await client.post("/v1/auth/login", json=body)
                    statuses[r.status_code] += 1
                except httpx.HTTPError:
                    statuses[0] += 1
                login_ms.append((time.perf_counter() - t0) * 1000)

    reads: list[float] = []
    flood = [asyncio.create_task(flooder(k)) for k in range(clients)]
    async with httpx.AsyncClient(base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"}) as c:
        for _ in range(5):
            await c.get(f"/v1/branches/{BRANCH}/queue")
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            t0 = time.perf_counter()
            r = await c.get(f"/v1/branches/{BRANCH}/queue")
            if r.status_code != 200:
                raise RuntimeError(f"manager read answered {r.status_code}")
            reads.append((time.perf_counter() - t0) * 1000)
            await asyncio.sleep(every)
        elapsed = time.monotonic() - start
    stop.set()
    await asyncio.gather(*flood)
    return {
        "flood_clients": clients,
        "reads": len(reads),
        "read_ms": {"p50": round(median(reads), 1), "p99": round(percentile(reads, 99), 1)},
        "logins_per_s": round(sum(statuses.values()) / elapsed, 1) if clients else 0,
        "login_statuses": {str(k): v for k, v in sorted(statuses.items())},
        "login_ms": {"p50": round(median(login_ms), 1), "p99": round(percentile(login_ms, 99), 1)},
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    platform = PlatformSettings(jwt_secret=SECRET)  # type: ignore[arg-type]
    token = issue_token(platform, "ann", Role.MANAGER, BRANCH)
    queue_port = free_port()
    server = stub_queue(queue_port)
    phases: dict[str, Any] = {}
    try:
        for name, lifted, clients in (
            ("idle", False, 0),
            ("flood", False, args.clients),
            ("flood, budgets lifted", True, args.clients),
        ):
            port = free_port()
            proc = start_gateway(port, queue_port, lifted)
            try:
                phases[name] = asyncio.run(phase(port, token, clients, args.seconds, args.every))
            finally:
                proc.terminate()
                proc.wait(10)
    finally:
        server.should_exit = True
    return {"seconds": args.seconds, "read_every_s": args.every, "phases": phases}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=0.05)
    args = parser.parse_args()
    result = run(args)
    print(f"{'phase':<24}{'reads':>7}{'p50 ms':>9}{'p99 ms':>9}{'logins/s':>10}  login answers")
    for name, p in result["phases"].items():
        print(
            f"{name:<24}{p['reads']:>7}{p['read_ms']['p50']:>9}{p['read_ms']['p99']:>9}{p['logins_per_s']:>10}"
            f"  {p['login_statuses']}"
        )
    payload = {"at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "machine": machine(), **result}
    print(f"wrote {write_result('login_flood', payload)}")


if __name__ == "__main__":
    main()
