"""2,000 open phone ticket pages on one gateway process (issue 18 target: p99 update delay <= 2 s).

A fresh dev stack (tansu broker, throw-away Redis), one queue process and one gateway process (uvicorn, one
worker each), as ``branchops up`` runs them. The bench issues N tickets spread over the five services (queue
API) over ``--branches`` branches (a gateway serves many; the queue places a ticket by working out its
branch's whole line, so 2,000 people in one branch is not what a branch sees) and opens one window per
service in each. A child process then runs N simulated phone pages doing what phone.js
does: ``GET /v1/public/tickets/{token}?after=<ETag>&wait=25`` through the gateway (a long poll, answered when
the ticket changes or after 25 s), the next request 0.3 s after an answer, each page over its own keep-alive
connection from its own loopback address (127.0.x.y: its own rate-limit bucket at the gateway's default
budget). The pages open over ``--ramp`` seconds (customers do not scan their tickets all at once); then
this process calls the next ticket at a window every ``--call-every`` seconds (round robin over the
services) and completes it. ``--mode poll``: the pages poll every 2 s instead, for comparison.

Update delay: for each call, every page of that service is due a change (the called ticket: status called
and its window; every other waiting ticket: one place further). The delay is the first time the page sees a
state at least that new minus the time the call was sent to the queue (an upper bound: the change happens
a little after). All times are the wall clock of one machine. Prints a table and writes
bench/results/<name>.json. Also reports the CPU the queue and gateway used and the machine's load.

    python bench/phone_pages.py [--pages 2000] [--ramp 60] [--seconds 60] [--call-every 0.5] [--mode long-poll]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import random
import socket
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench.common import machine, median, percentile, write_result
from branchops.devstack import SERVICES, DevStack, LocalRedis

KEY = "bench-service-key-0123456789abcdef"
SERVICE_NAMES = ("cash", "general", "corporate", "wealth", "fx")
POLL_S = 2.0  # --mode poll: a plain poll every 2 s
WAIT_S = 25  # services/gateway/static/js/phone.js WAIT_S
GAP_S = 0.3  # ... GAP_MS


def address(i: int) -> str:
    """A loopback source address of its own for phone ``i`` (127.0.0.0/8 all routes to lo on Linux)."""
    return f"127.0.{1 + i // 250}.{1 + i % 250}"


# ------------------------------------------------------------------ the phones (child process)
class Phone:
    def __init__(self, i: int, port: int, token: str, long_poll: bool) -> None:
        self.i, self.port, self.token, self.long_poll = i, port, token, long_poll
        self.etag: str | None = None
        self.seen: list[tuple[float, str, int | None, str | None]] = []  # (time, status, position, window)
        self.statuses: dict[int, int] = {}
        self.errors = 0
        self.latencies: list[float] = []
        self.done = False
        self.failed = False
        self.kinds: dict[str, int] = {}
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((address(self.i), 0))
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", self.port))
        self._reader, self._writer = await asyncio.open_connection(sock=sock)

    async def _get(self) -> tuple[int, bytes]:
        if self._writer is None or self._writer.is_closing():
            await self._connect()
        assert self._reader is not None and self._writer is not None
        query = f"?after={self.etag}&wait={WAIT_S}" if self.long_poll and self.etag else ""
        self._writer.write(
            f"GET /v1/public/tickets/{self.token}{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Accept: application/json\r\n\r\n".encode()
        )
        await self._writer.drain()
        status = int((await self._reader.readline()).split()[1])
        length = 0
        while (line := await self._reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
            elif name.strip().lower() == b"etag":
                self.etag = value.strip().decode()
        return status, await self._reader.readexactly(length)

    async def _once(self) -> None:
        started = time.time()
        self.failed = False
        try:
            status, body = await self._get()
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as error:
            self.errors += 1
            self.kinds[type(error).__name__] = self.kinds.get(type(error).__name__, 0) + 1
            self.failed = True
            if self._writer is not None:
                self._writer.close()
            self._writer = None
            return
        now = time.time()
        self.latencies.append(now - started)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status == 200:
            x = json.loads(body)
            self.seen.append((now, x["status"], x["position"], x["window_id"]))
            self.done = x["status"] not in ("issued", "called", "serving")
        else:
            self.failed = True

    async def run(self, stop: asyncio.Event, ramp_s: float) -> None:
        await asyncio.sleep(random.uniform(0, ramp_s))  # pages are opened at different moments
        while not stop.is_set():
            started = time.time()
            try:
                await asyncio.wait_for(self._once(), WAIT_S + 15)
            except TimeoutError:
                self.errors += 1
                self.kinds["timeout"] = self.kinds.get("timeout", 0) + 1
                self.failed = True
                if self._writer is not None:
                    self._writer.close()
                self._writer = None
            if self.done:
                break  # the page stops asking about a finished ticket
            if self.long_poll:
                await asyncio.sleep(POLL_S if self.failed else GAP_S)
            else:
                await asyncio.sleep(max(0.0, started + POLL_S * (2 if self.failed else 1) - time.time()))
        if self._writer is not None:
            self._writer.close()


async def _phones(port: int, tokens: list[str], conn: Connection, long_poll: bool, ramp_s: float) -> dict[str, Any]:
    phones = [Phone(i, port, token, long_poll) for i, token in enumerate(tokens)]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(p.run(stop, ramp_s)) for p in phones]
    await asyncio.sleep(ramp_s + 5.0)  # every page open and answered once before the calls start
    conn.send(("polling", sum(1 for p in phones if p.seen)))
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # "stop"
    await asyncio.sleep(POLL_S + 1.0)  # the last changes reach the pages
    stop.set()
    for task in tasks:  # long polls still held by the gateway
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    statuses: dict[int, int] = {}
    for p in phones:
        for code, n in p.statuses.items():
            statuses[code] = statuses.get(code, 0) + n
    lat = [x for p in phones for x in p.latencies]
    return {
        "seen": [p.seen for p in phones],
        "statuses": statuses,
        "errors": sum(p.errors for p in phones),
        "error_kinds": {k: sum(p.kinds.get(k, 0) for p in phones) for k in {k for p in phones for k in p.kinds}},
        "request_ms": {"p50": median(lat) * 1000, "p99": percentile(lat, 99) * 1000, "n": len(lat)},
    }


def phones_main(port: int, tokens: list[str], conn: Connection, long_poll: bool, ramp_s: float) -> None:
    conn.send(("done", asyncio.run(_phones(port, tokens, conn, long_poll, ramp_s))))


# ------------------------------------------------------------------ the queue side
def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100.0  # utime + stime in clock ticks (100 Hz)


def branch(b: int) -> str:
    return f"bench-phone-{b:03d}"


def setup(queue: str, pages: int, branches: int) -> tuple[list[dict[str, Any]], httpx.Client]:
    """One window per service in every branch; the pages' tickets dealt round robin over branches and
    services (a gateway serves many branches: N pages over ``branches`` branches)."""
    client = httpx.Client(base_url=f"{queue}/v1/branches", headers={"X-API-Key": KEY}, timeout=30)
    for b in range(branches):
        for s in SERVICE_NAMES:
            got = client.put(f"/{branch(b)}/windows/w-{s}", json={"state": "open", "skills": [s]})
            assert got.status_code == 200, got.text
    tickets = []
    for i in range(pages):
        b, s = i % branches, SERVICE_NAMES[(i // branches) % len(SERVICE_NAMES)]
        got = client.post(f"/{branch(b)}/tickets", json={"service": s})
        assert got.status_code == 201, got.text
        tickets.append(got.json())
    return tickets, client


def drive(
    client: httpx.Client, seconds: float, every: float, branches: int, refused: list[int]
) -> list[tuple[float, str, str, str]]:
    """Call (and complete) the next ticket at the windows in turn, every line of every branch:
    (sent at, branch, service, ticket id)."""
    calls = []
    start = time.monotonic()
    n = 0
    lines = [(branch(b), s) for s in SERVICE_NAMES for b in range(branches)]
    while time.monotonic() - start < seconds:
        branch_id, service = lines[n % len(lines)]
        window = f"w-{service}"
        sent = time.time()
        got = client.post(f"/{branch_id}/windows/{window}/call-next")
        if got.status_code == 200:
            ticket = got.json()
            calls.append((sent, branch_id, service, ticket["ticket_id"]))
            for _ in range(20):  # the queue may answer 503 (its Redis busy) under the load: try again
                done = client.post(f"/{branch_id}/tickets/{ticket['ticket_id']}/complete", json={"window_id": window})
                if done.status_code == 200:
                    break
                refused.append(done.status_code)
                time.sleep(0.25)
        elif got.status_code != 204:
            refused.append(got.status_code)
        n += 1
        time.sleep(max(0.0, start + n * every - time.monotonic()))
    return calls


def delays(
    tickets: list[dict[str, Any]], seen: list[list[tuple[float, str, int | None, str | None]]], calls: list[Any]
) -> tuple[list[float], int]:
    """Each call's update delay on every page it changes; and how many such changes no page ever showed."""
    index = {t["ticket_id"]: i for i, t in enumerate(tickets)}
    line: dict[tuple[str, str], list[int]] = {}
    for i, t in enumerate(tickets):  # FIFO order per (branch, service)
        line.setdefault((t["branch_id"], t["service"]), []).append(i)
    out: list[float] = []
    missed = 0
    for sent, branch_id, service, ticket_id in calls:
        order = line[(branch_id, service)]
        called = index[ticket_id]
        if called in order:  # first in line (FIFO), unless the queue's routing says otherwise
            order.remove(called)
        due = [(called, "called", None)] + [(i, "issued", pos + 1) for pos, i in enumerate(order)]
        for page, status, position in due:
            hit = next(
                (
                    t
                    for t, st, pos, _ in seen[page]
                    if t >= sent
                    and (st != "issued" if status == "called" else st != "issued" or (pos or 0) <= (position or 0))
                ),
                None,
            )
            if hit is None:
                missed += 1
            else:
                out.append(hit - sent)
    return out, missed


def run(args: argparse.Namespace) -> dict[str, Any]:
    log_dir = Path(tempfile.mkdtemp(prefix="bench-phone-"))
    redis = LocalRedis(log_dir=log_dir)
    redis.start()
    stack = DevStack(log_dir=log_dir, redis_url=redis.url).start()
    keys = {"BRANCHOPS_API_KEYS": json.dumps({KEY: "service"})}
    try:
        specs = {s.name: s for s in SERVICES}
        queue_port = stack.start_service(specs["queue"], env=keys)
        stack.wait_healthy(["queue"], timeout_s=120)
        gateway_port = stack.start_service(
            specs["gateway"],
            env={
                **keys,
                "GATEWAY_QUEUE_URL": f"http://127.0.0.1:{queue_port}",
                # not started here: an address that answers nothing (not another stack's default port)
                **{f"GATEWAY_{name}_URL": "http://127.0.0.1:9" for name in ("STAFFING", "KYC", "VOICE", "RECORDS")},
            },
        )
        stack.wait_healthy(["gateway"], timeout_s=120)
        pids = {name: stack.services[name][0].pid for name in ("queue", "gateway")}
        t0 = time.monotonic()
        tickets, client = setup(f"http://127.0.0.1:{queue_port}", args.pages, args.branches)
        issue_s = time.monotonic() - t0
        context = mp.get_context("spawn")
        parent, child = context.Pipe()
        proc = context.Process(
            target=phones_main,
            args=(gateway_port, [t["token"] for t in tickets], parent, args.mode == "long-poll", args.ramp),
        )
        proc.start()
        _, polling = child.recv()
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items() if pid}
        load: list[float] = []
        stop = threading.Event()

        def sample() -> None:
            import os

            while not stop.wait(2.0):
                load.append(os.getloadavg()[0])

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t1 = time.monotonic()
        refused: list[int] = []
        calls = drive(client, args.seconds, args.call_every, args.branches, refused)
        wall = time.monotonic() - t1
        cpu = {name: (cpu_seconds(pid) - cpu_before[name]) / wall for name, pid in pids.items() if pid}
        child.send("stop")
        _, result = child.recv()
        proc.join(30)
        stop.set()
        client.close()
    finally:
        stack.stop()
        redis.stop()
    got, missed = delays(tickets, result["seen"], calls)
    polls = sum(result["statuses"].values())
    return {
        "pages": args.pages,
        "pages_polling": polling,
        "mode": args.mode,
        "poll_interval_s": POLL_S if args.mode == "poll" else None,
        "long_poll_wait_s": WAIT_S if args.mode == "long-poll" else None,
        "issue_s": round(issue_s, 1),
        "ramp_s": args.ramp,
        "branches": args.branches,
        "seconds": args.seconds,
        "calls": len(calls),
        "call_every_s": args.call_every,
        "updates_due": len(got) + missed,
        "updates_seen": len(got),
        "updates_missed": missed,
        "update_delay_s": {
            "p50": round(median(got), 3),
            "p90": round(percentile(got, 90), 3),
            "p99": round(percentile(got, 99), 3),
            "max": round(max(got, default=float("nan")), 3),
        },
        "target_p99_s": 2.0,
        "polls": polls,
        "polls_per_s": round(polls / (wall + 2 * POLL_S + 2), 1),  # answered requests
        "statuses": {str(k): v for k, v in sorted(result["statuses"].items())},
        "client_errors": result["errors"],
        "client_error_kinds": result["error_kinds"],
        "driver_refusals": {str(k): refused.count(k) for k in sorted(set(refused))},
        "request_ms": {k: round(v, 1) if isinstance(v, float) else v for k, v in result["request_ms"].items()},
        "cpu_cores_used": {k: round(v, 2) for k, v in cpu.items()},
        "loadavg_1m_during": {
            "mean": round(sum(load) / len(load), 2) if load else None,
            "max": max(load, default=None),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--branches", type=int, default=40, help="the pages' tickets over N branches")
    parser.add_argument("--ramp", type=float, default=60.0, help="pages open over N s before the calls start")
    parser.add_argument("--call-every", type=float, default=0.25, help="a call at some window every N s")
    parser.add_argument("--mode", choices=("long-poll", "poll"), default="long-poll", help="what the pages do")
    parser.add_argument("--name", default="phone_pages", help="result file name under bench/results/")
    args = parser.parse_args()
    before = machine()
    result = run(args)
    payload = {"machine": before, "loadavg_1m_after": machine()["loadavg_1m"], "result": result}
    r = result
    rows = [
        (
            "phone pages",
            f"{r['pages_polling']} / {r['pages']} answered after opening over {r['ramp_s']} s"
            f" ({r['mode']}, own addresses)",
        ),
        ("tickets issued (setup)", f"{r['pages']} over {r['branches']} branches in {r['issue_s']} s"),
        ("calls", f"{r['calls']} in {r['seconds']} s (one every {r['call_every_s']} s, 5 windows a branch)"),
        ("page updates due / seen / missed", f"{r['updates_due']} / {r['updates_seen']} / {r['updates_missed']}"),
        ("update delay p50 / p90 / p99 / max", "{p50} / {p90} / {p99} / {max} s".format(**r["update_delay_s"])),
        ("target p99", f"<= {r['target_p99_s']} s: {'met' if r['update_delay_s']['p99'] <= 2.0 else 'NOT met'}"),
        ("polls (per s)", f"{r['polls']} ({r['polls_per_s']}/s); answers {r['statuses']}"),
        ("poll round trip p50 / p99", "{p50} / {p99} ms".format(**r["request_ms"])),
        ("CPU cores used", ", ".join(f"{k} {v}" for k, v in r["cpu_cores_used"].items())),
        ("load average (1 min) during", f"mean {r['loadavg_1m_during']['mean']}, max {r['loadavg_1m_during']['max']}"),
        (
            "client errors; queue refusals to the driver",
            f"{r['client_errors']} {r['client_error_kinds']}; {r['driver_refusals']}",
        ),
        ("machine", f"{before['nproc']} x {before['cpu']}, Python {before['python']}, load {before['loadavg_1m']}"),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    print(f"written: {write_result(args.name, payload)}")
    with contextlib.suppress(Exception):
        sys.stdout.flush()


if __name__ == "__main__":
    main()
