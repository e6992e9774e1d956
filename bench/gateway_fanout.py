"""SSE fan-out of one gateway process: many concurrent stream clients, events published into Kafka.

A fresh dev stack (tansu broker, throw-away Redis) and one gateway process (uvicorn, one worker). A child
process opens N SSE streams over raw loopback sockets (plus one slow reader and one client that never
reads); this process publishes queue.forecast.v1 events (~1.5 KB) at a steady rate, stamping ``at`` with
the wall clock just before the send. Fan-out latency = receipt time in the client - ``at`` (same machine
clock): Kafka produce + the gateway's consume, fan-out and SSE write + the client's read. Also: the
gateway's RSS (sampled), what the slow client lost (the gateway drops a slow stream's oldest items), and
/healthz latency while the never-reading client holds its stream. Prints a table and writes
bench/results/gateway_fanout.json.

    python bench/gateway_fanout.py [--clients 500] [--rate 20] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import multiprocessing as mp
import re
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
from branchops.bus import EventPublisher
from branchops.contracts import events as e
from branchops.contracts import topics
from branchops.devstack import SERVICES, DevStack, LocalRedis
from branchops.settings import PlatformSettings

BRANCH = "bench-b1"
KEY = "bench-manager-key-0123456789abcdef"
PATH = f"/v1/branches/{BRANCH}/stream?types=queue.forecast.v1"
AT = re.compile(rb'"at":"([^"]+)"')
SERVICE_NAMES = ("cash", "general", "corporate", "wealth", "fx")


def forecast(at: dt.datetime) -> e.QueueForecast:
    return e.QueueForecast(
        branch_id=BRANCH,
        at=at,
        per_service=[
            e.ServiceQueue(service=s, waiting=12, open_windows=3, est_wait_min=7.25, est_wait_p90_min=14.5)
            for s in SERVICE_NAMES
        ],
        arrivals=[e.ArrivalForecast(interval_start=at, expected=8.5, p10=5.0, p90=12.25) for _ in range(8)],
    )


# ------------------------------------------------------------------ clients (child process)
async def _open(port: int, rcvbuf: int | None = None) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    reader, writer = await asyncio.open_connection(sock=sock, limit=1 << 20)
    writer.write(
        f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {KEY}\r\nAccept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    return reader, writer


async def _headers(reader: asyncio.StreamReader) -> None:
    status = await reader.readline()
    if b" 200 " not in status:
        raise RuntimeError(f"stream refused: {status!r}")
    while (await reader.readline()) not in (b"\r\n", b""):
        pass


def _latency(line: bytes) -> float | None:
    found = AT.search(line)
    if not found:
        return None
    return time.time() - dt.datetime.fromisoformat(found.group(1).decode()).timestamp()


async def _reader(port: int, out: list[float], all_open: asyncio.Event, opened: list[int], n: int) -> None:
    reader, writer = await _open(port)
    await _headers(reader)
    opened.append(1)
    if len(opened) == n:
        all_open.set()
    try:
        while line := await reader.readline():
            if line.startswith(b"data: "):
                lat = _latency(line)
                if lat is not None:
                    out.append(lat)
    finally:
        writer.close()


async def _slow(port: int, got: list[int], stop: asyncio.Event, every_s: float) -> None:
    """Takes 1 KB off the socket per period (about 0.7 events), so the backlog piles up in the gateway."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", port))
    await loop.sock_sendall(sock, f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {KEY}\r\n\r\n".encode())
    seen = b""
    try:
        while not stop.is_set():
            seen += await loop.sock_recv(sock, 1024)
            await asyncio.sleep(every_s)
        with contextlib.suppress(TimeoutError):  # the run is over: take what the gateway still holds for us
            while chunk := await asyncio.wait_for(loop.sock_recv(sock, 1 << 16), 3.0):
                seen += chunk
    finally:
        sock.close()
    got[0] = seen.count(b"\ndata: ") + seen.startswith(b"data: ")


async def _clients(port: int, n: int, conn: Connection, slow_every_s: float) -> dict[str, Any]:
    latencies: list[list[float]] = [[] for _ in range(n)]
    opened: list[int] = []
    all_open = asyncio.Event()
    stop = asyncio.Event()
    tasks = []
    for i in range(n):  # connect in waves: a burst of 500 SYNs is not what is measured
        tasks.append(asyncio.create_task(_reader(port, latencies[i], all_open, opened, n)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)
    slow_got = [0]
    slow = asyncio.create_task(_slow(port, slow_got, stop, slow_every_s))
    _, never_writer = await _open(port, rcvbuf=4096)  # never reads a byte
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(all_open.wait(), 120)  # a refused stream shows up as fewer connected
    conn.send(("connected", len(opened)))
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # "stop"
    await asyncio.sleep(2.0)  # stragglers
    stop.set()
    await slow
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    never_writer.close()
    errors = [repr(t.exception()) for t in tasks if not t.cancelled() and t.exception()]
    return {
        "latencies": [x for per in latencies for x in per],
        "per_client": [len(p) for p in latencies],
        "slow_received": slow_got[0],
        "errors": errors[:5],
    }


def client_main(port: int, n: int, conn: Connection, slow_every_s: float) -> None:
    result = asyncio.run(_clients(port, n, conn, slow_every_s))
    conn.send(("done", result))


# ------------------------------------------------------------------ the gateway and the publisher
def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines()
    return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def metric(port: int, name: str) -> float:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


async def publish(platform: PlatformSettings, rate: float, seconds: float) -> int:
    publisher = EventPublisher(platform, source="branchops/bench/fanout")
    await publisher.start()
    sent = 0
    try:
        start = time.monotonic()
        while (due := start + sent / rate) < start + seconds:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            await publisher.publish(topics.QUEUE_FORECAST, forecast(dt.datetime.now(dt.UTC)))
            sent += 1
    finally:
        await publisher.stop()
    return sent


async def warm_up(platform: PlatformSettings, port: int) -> None:
    """Publish until a stream sees an event: the gateway's consumer has its partitions."""
    async with (
        httpx.AsyncClient(timeout=httpx.Timeout(5.0, read=None)) as client,
        client.stream("GET", f"http://127.0.0.1:{port}{PATH}", headers={"X-API-Key": KEY}) as stream,
    ):
        seen = asyncio.Event()

        async def read() -> None:
            async for line in stream.aiter_lines():
                if line.startswith("data: "):
                    seen.set()
                    return

        reading = asyncio.create_task(read())
        for _ in range(120):
            await publish(platform, 10, 0.5)
            if seen.is_set():
                break
        reading.cancel()
        if not seen.is_set():
            raise RuntimeError("the gateway never delivered an event")


def sample(pid: int, samples: list[float], stop: threading.Event, health: list[float], port: int) -> None:
    with httpx.Client(timeout=10) as client:
        while not stop.wait(0.5):
            samples.append(rss_mb(pid))
            t0 = time.perf_counter()
            ok = client.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
            health.append((time.perf_counter() - t0) * 1000 if ok else float("inf"))


def run(args: argparse.Namespace) -> dict[str, Any]:
    log_dir = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    redis = LocalRedis(log_dir=log_dir)
    redis.start()
    stack = DevStack(log_dir=log_dir, redis_url=redis.url).start()
    try:
        spec = next(s for s in SERVICES if s.name == "gateway")
        port = stack.start_service(
            spec, env={"BRANCHOPS_API_KEYS": json.dumps({KEY: "manager"}), "GATEWAY_SUBSCRIBER_QUEUE": str(args.queue)}
        )
        stack.wait_healthy(["gateway"], timeout_s=90)
        pid = stack.services["gateway"][0].pid
        assert pid is not None
        platform = PlatformSettings(kafka_bootstrap=stack.kafka_bootstrap, kafka_idempotence=False, instance="bench")
        asyncio.run(warm_up(platform, port))
        rss_idle = rss_mb(pid)
        parent, child = mp.get_context("spawn").Pipe()
        proc = mp.get_context("spawn").Process(target=client_main, args=(port, args.clients, child, args.slow_every))
        proc.start()
        t0 = time.monotonic()
        _, connected = parent.recv()
        connect_s = time.monotonic() - t0
        rss_connected = rss_mb(pid)
        dropped_before = metric(port, "branchops_gateway_stream_dropped_total")
        samples: list[float] = []
        health: list[float] = []
        stop = threading.Event()
        sampler = threading.Thread(target=sample, args=(pid, samples, stop, health, port), daemon=True)
        sampler.start()
        sent = asyncio.run(publish(platform, args.rate, args.seconds))
        parent.send("stop")
        _, result = parent.recv()
        proc.join(30)
        stop.set()
        sampler.join(5)
        dropped = metric(port, "branchops_gateway_stream_dropped_total") - dropped_before
        time.sleep(2.0)
        subscribers_after = metric(port, "branchops_gateway_stream_subscribers")
        healthy_after = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code == 200
        rss_after = rss_mb(pid)
    finally:
        stack.stop()
        redis.stop()
    lat_ms = [x * 1000 for x in result["latencies"]]
    expected = sent * args.clients
    return {
        "clients": args.clients,
        "connected": connected,
        "connect_s": round(connect_s, 2),
        "rate_per_s": args.rate,
        "seconds": args.seconds,
        "events_sent": sent,
        "deliveries_expected": expected,
        "deliveries": len(lat_ms),
        "deliveries_missing": expected - len(lat_ms),
        "clients_short": sum(1 for c in result["per_client"] if c < sent),
        "latency_ms": {
            "p50": round(median(lat_ms), 1),
            "p90": round(percentile(lat_ms, 90), 1),
            "p99": round(percentile(lat_ms, 99), 1),
            "max": round(max(lat_ms, default=float("nan")), 1),
        },
        "rss_mb": {
            "idle": round(rss_idle, 1),
            "connected": round(rss_connected, 1),
            "peak": round(max(samples, default=rss_connected), 1),
            "after": round(rss_after, 1),
        },
        "slow_client": {
            "read_every_s": args.slow_every,
            "received": result["slow_received"],
            "lost": sent - result["slow_received"],
        },
        "gateway_dropped_total": dropped,
        "subscriber_queue": args.queue,
        "healthz_ms": {
            "p50": round(median(health), 1),
            "p99": round(percentile(health, 99), 1),
            "max": round(max(health, default=float("nan")), 1),
            "probes": len(health),
        },
        "never_reader": {"subscribers_left_after_close": subscribers_after, "ready_after": healthy_after},
        "client_errors": result["errors"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--rate", type=float, default=20.0, help="events per second into Kafka")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--slow-every", type=float, default=1.0, help="the slow client reads 1 KB per N s")
    parser.add_argument("--queue", type=int, default=256, help="GATEWAY_SUBSCRIBER_QUEUE")
    args = parser.parse_args()
    before = machine()
    result = run(args)
    payload = {"machine": before, "loadavg_1m_after": machine()["loadavg_1m"], "result": result}
    r = result
    rows = [
        ("SSE clients connected", f"{r['connected']} / {r['clients']} in {r['connect_s']} s"),
        ("events published", f"{r['events_sent']} at {r['rate_per_s']}/s for {r['seconds']} s (~1.5 KB each)"),
        ("deliveries", f"{r['deliveries']} / {r['deliveries_expected']} ({r['clients_short']} clients short)"),
        ("fan-out latency p50 / p90 / p99 / max", "{p50} / {p90} / {p99} / {max} ms".format(**r["latency_ms"])),
        (
            "gateway RSS idle / streams open / peak / after",
            "{idle} / {connected} / {peak} / {after} MB".format(**r["rss_mb"]),
        ),
        ("slow client (1 KB/s) received / lost", f"{r['slow_client']['received']} / {r['slow_client']['lost']}"),
        ("gateway dropped (slow + never-reader)", f"{r['gateway_dropped_total']:.0f}"),
        ("/healthz during run p50 / p99 / max", "{p50} / {p99} / {max} ms".format(**r["healthz_ms"])),
        (
            "after close: subscribers left, ready",
            f"{r['never_reader']['subscribers_left_after_close']:.0f}, {r['never_reader']['ready_after']}",
        ),
    ]
    width = max(len(k) for k, _ in rows)
    print(
        f"machine: {before['nproc']} cores, {before['cpu']}, load(1m) {before['loadavg_1m']:.2f} before, "
        f"{payload['loadavg_1m_after']:.2f} after"
    )
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    print("client errors:", r["client_errors"]) if r["client_errors"] else None
    print(f"wrote {write_result('gateway_fanout', payload)}")


if __name__ == "__main__":
    main()
