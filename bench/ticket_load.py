"""Ticket load bench: POST tickets and call-next against a real queue service process and Redis on
loopback, the issue's target being ``POST tickets`` p99 <= 50 ms at 500 tickets/s sustained.

    .venv/bin/python bench/ticket_load.py [--rate 500] [--seconds 10] [--branches 100] [--calls 2000] [--workers 1]

Starts its own Redis, broker (tansu) and the queue service (uvicorn, ``--workers`` processes on one port:
one per core is how a single host runs it), all on 127.0.0.1, and stops them at the end. Phase 1 sends tickets
open-loop at ``--rate`` per second for ``--seconds`` (spread over ``--branches`` branches, so no branch's line grows
past a few dozen); latency is measured from each request's scheduled time, so a server that falls behind is charged for
the wait. Phase 2: ``--tellers`` tellers (each at a window of its own) call next and complete as
fast as they can (closed loop) for ``--calls`` calls. The client is a lean keep-alive HTTP/1.1 one
over asyncio streams; it still shares the machine with the server, and the CPU seconds of both are
reported per phase. Writes bench/results/ticket_load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, write_result  # noqa: E402
from branchops.devstack import SERVICES, DevStack  # noqa: E402
from branchops.devstack.redis_server import LocalRedis  # noqa: E402

MAX_REQUESTS = 50_000
MAX_SECONDS = 120.0


def start_queue(log_dir: Path, workers: int = 1) -> tuple[DevStack, LocalRedis, str, str]:
    """(stack, redis, base URL, teller key): a fresh Redis, a broker and one queue process on loopback."""
    redis = LocalRedis(log_dir=log_dir)
    redis.start()
    stack = DevStack(log_dir=log_dir, redis_url=redis.url).start()
    keys = {role: f"bench-{role}-{secrets.token_urlsafe(12)}" for role in ("kiosk", "teller", "service")}
    env = {
        "BRANCHOPS_ENV": "development",
        "BRANCHOPS_JWT_SECRET": secrets.token_urlsafe(32),
        "BRANCHOPS_API_KEYS": json.dumps({v: k for k, v in keys.items()}),
        "BRANCHOPS_LOG_LEVEL": "WARNING",
    }
    queue = next(s for s in SERVICES if s.name == "queue")
    port = stack.start_service(queue, env=env, workers=workers)
    stack.wait_healthy(["queue"], timeout_s=60)
    return stack, redis, f"http://127.0.0.1:{port}", keys["teller"]


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_s(pid: int | None) -> float:
    """User + system CPU seconds of a process and its children (uvicorn workers), Linux /proc; 0 when unknown."""
    if pid is None:
        return 0.0
    tree, total = {pid}, 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat(int(entry.name))[1]) == pid:
                    tree.add(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    for member in tree:
        try:
            fields = _stat(member)
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            continue
    return total


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def q(p: float) -> float:
        return round(ordered[min(int(p * len(ordered)), len(ordered) - 1)] * 1000, 2)

    return {"n": len(ordered), "p50_ms": q(0.50), "p90_ms": q(0.90), "p99_ms": q(0.99), "max_ms": q(1.0)}


class Conn:
    """A keep-alive HTTP/1.1 connection over asyncio streams: a lean client, so that the load generator
    costs far less CPU than the server it measures (httpx costs about as much as the server)."""

    def __init__(self, host: str, port: int, key: str) -> None:
        self.host, self.port, self.key = host, port, key
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, bytes]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        payload = json.dumps(body).encode() if body is not None else b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nX-API-Key: {self.key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        self.writer.write(head.encode() + payload)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        data = await self.reader.readexactly(length) if length else b""
        return int(status_line.split()[1]), data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def tickets(conns: list[Conn], rate: float, seconds: float, branches: int) -> dict[str, Any]:
    """Open loop: request i is due at start + i / rate; a free connection sends it, the latency runs
    from the due time (a server that falls behind is charged for the backlog)."""
    total = min(int(rate * seconds), MAX_REQUESTS)
    latencies: list[float] = []
    failures: dict[str, int] = {}
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2
    jobs: asyncio.Queue[int] = asyncio.Queue()

    async def feed() -> None:
        for i in range(total):
            await asyncio.sleep(max(start + i / rate - loop.time(), 0.0))
            jobs.put_nowait(i)

    async def worker(conn: Conn) -> None:
        while True:
            i = await jobs.get()
            due = start + i / rate
            body = {"service": "cash" if i % 3 else "general"}
            try:
                status, _ = await conn.request("POST", f"/v1/branches/load-{i % branches:03d}/tickets", body)
                reason = str(status)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                status, reason = 0, type(exc).__name__
                conn.close()
                conn.writer = None
            if status == 201:
                latencies.append(loop.time() - due)
            else:
                failures[reason] = failures.get(reason, 0) + 1
            jobs.task_done()

    workers = [asyncio.create_task(worker(c)) for c in conns]
    feeder = asyncio.create_task(feed())

    async def finish() -> None:
        await feeder
        await jobs.join()

    try:
        await asyncio.wait_for(finish(), MAX_SECONDS)
    except TimeoutError:
        failures["unfinished"] = total - len(latencies) - sum(failures.values())
    for task in [*workers, feeder]:
        task.cancel()
    await asyncio.gather(*workers, feeder, return_exceptions=True)
    elapsed = loop.time() - start
    return {
        "offered_per_s": rate,
        "sent": total,
        "ok": len(latencies),
        "failures": failures,
        "achieved_per_s": round(len(latencies) / elapsed, 1),
        "latency": percentiles(latencies),
    }


async def calls(conns: list[Conn], n_calls: int, branches: int) -> dict[str, Any]:
    """Closed loop: each connection is a teller at its own window, calling next and completing."""
    call_lat: list[float] = []
    done_lat: list[float] = []
    empty = 0
    loop = asyncio.get_running_loop()
    budget = [min(n_calls, MAX_REQUESTS)]

    async def teller(conn: Conn, branch: str, window: str) -> None:
        nonlocal empty
        await conn.request(
            "PUT", f"/v1/branches/{branch}/windows/{window}", {"state": "open", "skills": ["cash", "general"]}
        )
        while budget[0] > 0:
            budget[0] -= 1
            t0 = loop.time()
            status, data = await conn.request("POST", f"/v1/branches/{branch}/windows/{window}/call-next")
            call_lat.append(loop.time() - t0)
            if status != 200:
                empty += 1
                return
            t0 = loop.time()
            await conn.request("POST", f"/v1/branches/{branch}/tickets/{json.loads(data)['ticket_id']}/complete")
            done_lat.append(loop.time() - t0)

    started = loop.time()
    tellers = [teller(c, f"load-{i % branches:03d}", f"w{i // branches}") for i, c in enumerate(conns)]
    await asyncio.wait_for(asyncio.gather(*tellers), MAX_SECONDS)
    elapsed = loop.time() - started
    return {
        "calls": len(call_lat),
        "empty_lines": empty,
        "calls_per_s": round(len(call_lat) / elapsed, 1),
        "call_next": percentiles(call_lat),
        "complete": percentiles(done_lat),
    }


async def drive(url: str, key: str, args: argparse.Namespace, server_pid: int | None) -> dict[str, Any]:
    host, port = url.removeprefix("http://").split(":")
    conns = [Conn(host, int(port), key) for _ in range(args.connections)]
    out: dict[str, Any] = {"warm_up": await tickets(conns, 50, 1.0, args.branches)}  # connections, code paths
    try:
        for name, phase in (
            ("tickets", tickets(conns, args.rate, args.seconds, args.branches)),
            ("call_next", calls(conns[: args.tellers], args.calls, args.branches)),
        ):
            server, mine, wall = cpu_s(server_pid), time.process_time(), time.perf_counter()
            out[name] = await phase
            out[name]["cpu_s"] = {
                "server": round(cpu_s(server_pid) - server, 2),
                "load_generator": round(time.process_time() - mine, 2),
                "wall": round(time.perf_counter() - wall, 2),
            }
    finally:
        for conn in conns:
            conn.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=500.0, help="tickets per second offered")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--branches", type=int, default=100)
    parser.add_argument("--tellers", type=int, default=20, help="tellers calling at once in the call-next phase")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections of the ticket phase")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes of the queue service")
    args = parser.parse_args()
    if args.rate <= 0 or args.seconds <= 0 or args.rate * args.seconds > MAX_REQUESTS:
        parser.error(f"rate x seconds must be positive and at most {MAX_REQUESTS}")
    if not 1 <= args.tellers <= args.connections:
        parser.error("--tellers must be between 1 and --connections")
    log_dir = Path(tempfile.mkdtemp(prefix="ticket-load-"))
    stack, redis, url, key = start_queue(log_dir, args.workers)
    try:
        took = time.perf_counter()
        result = asyncio.run(drive(url, key, args, stack.services["queue"][0].pid))
        result["wall_s"] = round(time.perf_counter() - took, 1)
    finally:
        stack.stop()
        redis.stop()
    t, c = result["tickets"], result["call_next"]
    print(
        f"POST tickets: offered {t['offered_per_s']}/s, achieved {t['achieved_per_s']}/s, ok {t['ok']}/{t['sent']}, "
        f"p50 {t['latency'].get('p50_ms')} ms, p99 {t['latency'].get('p99_ms')} ms, failures {t['failures']}; "
        f"cpu {t['cpu_s']}"
    )
    print(
        f"call-next: {c['calls']} calls at {c['calls_per_s']}/s, p50 {c['call_next'].get('p50_ms')} ms, "
        f"p99 {c['call_next'].get('p99_ms')} ms; complete p50 {c['complete'].get('p50_ms')} ms, "
        f"p99 {c['complete'].get('p99_ms')} ms; cpu {c['cpu_s']}"
    )
    target = t["latency"].get("p99_ms", 1e9) <= 50 and t["achieved_per_s"] >= 0.95 * args.rate
    print(
        f"target (p99 <= 50 ms at {args.rate:g}/s, {args.workers} worker(s)): {'met' if target else 'NOT met'}; "
        f"logs in {log_dir}"
    )
    path = write_result("ticket_load", {"machine": machine(), "args": vars(args), "target_met": target, **result})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
