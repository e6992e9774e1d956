"""Load across the services at once on loopback: queue (tickets, call-next and complete from 10 windows,
queue reads), staffing (ticket counts), voice NLU, KYC ID-card reads and footfall from 8 cameras (events
straight onto footfall.v1, as the camera workers would publish them), in stages of increasing request rate.

    .venv/bin/python bench/load.py [--rates 10,20,40,80,160] [--stage-s 15] [--branches 4]
    .venv/bin/python bench/load.py --minutes 10 [--rate 20] [--warmup-s 60]      # soak: is memory flat?

Starts its own Redis, a tansu broker and the queue, staffing, voice and kyc services as uvicorn processes (one
worker each), all on 127.0.0.1. Requests are sent open-loop: latency runs from each request's scheduled
time, so a server that falls behind is charged for the wait. NLU calls come from 100 kiosks with their own
JWTs, under the per-device rate limit. Every 2 s it samples each service's RSS and the consumers' lag
(``branchops_bus_consumer_lag`` from /metrics). Reports p50/p99 per endpoint and stage, the first rate at
which an endpoint's p99 passes 200 ms, and RSS over time. Writes bench/results/load.json. KYC runs at the
pace of a branch day at 20x speed (KYC_CHECKS_PER_BRANCH_DAY per branch in 8 hours), not at the stage's
request rate: one OCR read costs about half a second of CPU, and a rate-proportional share would measure
only KYC on two cores.

``--minutes M`` is the soak run: one sustainable rate for ``--warmup-s`` (not reported), then M one-minute
stages at that rate with a balanced mix (as many call-next as ticket issues, so the waiting lines stay
short, as in a branch day where tellers keep up: a growing line would grow the work per request, not
leak). It reports each process's RSS (the three services, Redis and the broker) at the end of warm-up and
at the end (medians of 5 samples, i.e. 10 s), the growth in MB and %, and the least-squares slope in MB
per minute over the whole run after warm-up and over its second half, for VmRSS and for RssAnon (see
``rss_mb``: on a shared machine VmRSS also moves with the kernel's page reclaim). Writes bench/results/load-soak.json
(``--out`` to change the name).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import jwt  # noqa: E402
from aiokafka import AIOKafkaProducer  # noqa: E402

from bench.common import machine, percentile, write_result  # noqa: E402
from branchops.contracts import topics  # noqa: E402
from branchops.contracts.envelope import encode, new_event  # noqa: E402
from branchops.contracts.events import Footfall  # noqa: E402
from branchops.devstack import SERVICES, DevStack  # noqa: E402
from branchops.devstack.redis_server import LocalRedis  # noqa: E402

NAMES = ("queue", "staffing", "voice", "kyc")
PROCESSES = (*NAMES, "redis", "broker")  # RSS sampled for these; Redis and tansu hold state, so they grow
WINDOWS = 10
CAMERAS = 8
KIOSKS = 100
SATURATION_MS = 200.0
MAX_STAGE_S = 60.0
MIX = (
    ("POST tickets", 0.40),
    ("call-next", 0.15),
    ("GET queue", 0.10),
    ("GET ticket-counts", 0.10),
    ("POST nlu", 0.25),
)
SOAK_MIX = (
    ("POST tickets", 0.25),
    ("call-next", 0.25),
    ("GET queue", 0.15),
    ("GET ticket-counts", 0.10),
    ("POST nlu", 0.25),
)
SAMPLE_EVERY_S = 2.0
KYC_CHECKS_PER_BRANCH_DAY = 30  # ID-card reads a branch does in an 8-hour day (account openings and the like)
SPEED = 20  # the branch day runs 20 times faster than real time
CARDS = 6  # distinct rendered ID cards the KYC requests cycle through
UTTERANCES = (
    "我要存五千块钱",
    "I want to exchange 500 US dollars",
    "查一下余额",
    "我想办信用卡",
    "帮我转账给妈妈两千元",
)
_LAG = re.compile(r'^branchops_bus_consumer_lag\{[^}]*topic="([^"]+)"[^}]*\} ([0-9.e+-]+)$', re.M)


@dataclass
class Stack:
    dev: DevStack
    redis: LocalRedis
    ports: dict[str, int]
    keys: dict[str, str]
    jwt_secret: str

    def url(self, name: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}{path}"

    def pid(self, name: str) -> int | None:
        if name == "redis":
            return self.redis.process.pid
        if name == "broker":
            return self.dev.broker.process.pid if self.dev.broker else None
        return self.dev.services[name][0].pid


def start(log_dir: Path) -> Stack:
    redis = LocalRedis(log_dir=log_dir)
    redis.start()
    dev = DevStack(log_dir=log_dir, redis_url=redis.url).start()
    keys = {role: f"bench-{role}-{secrets.token_urlsafe(12)}" for role in ("kiosk", "teller", "manager", "service")}
    secret = secrets.token_urlsafe(32)
    env = {
        "BRANCHOPS_ENV": "development",
        "BRANCHOPS_JWT_SECRET": secret,
        "BRANCHOPS_LOG_LEVEL": "WARNING",
        "BRANCHOPS_API_KEYS": json.dumps({v: k for k, v in keys.items()}),
    }
    specs = {s.name: s for s in SERVICES}
    ports = {name: dev.start_service(specs[name], env=env) for name in NAMES}
    dev.wait_healthy(list(NAMES), timeout_s=120)
    return Stack(dev, redis, ports, keys, secret)


@dataclass
class Stage:
    rate: float
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, dict[str, int]] = field(default_factory=dict)

    def record(self, name: str, started: float, status: int | str) -> None:
        self.latencies.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        if not (isinstance(status, int) and status < 400):
            bucket = self.errors.setdefault(name, {})
            bucket[str(status)] = bucket.get(str(status), 0) + 1

    def summary(self, seconds: float) -> dict[str, Any]:
        return {
            "rate_per_s": self.rate,
            "endpoints": {
                name: {
                    "n": len(v),
                    "achieved_per_s": round(len(v) / seconds, 1),
                    "p50_ms": round(percentile(v, 50), 1),
                    "p99_ms": round(percentile(v, 99), 1),
                    "errors": self.errors.get(name, {}),
                }
                for name, v in sorted(self.latencies.items())
            },
        }


def rendered_cards(count: int) -> list[bytes]:
    """Photos of invented ID cards (portrait side, clean condition), rendered once, as JPEG bytes."""
    from bench.kyc.conditions import clean
    from bench.kyc.identities import invented_person
    from bench.kyc.render import render_id_portrait

    rng = random.Random(7)
    return [clean(render_id_portrait(invented_person(rng, dt.date(2026, 11, 27)), rng), rng) for _ in range(count)]


class Load:
    def __init__(self, stack: Stack, http: httpx.AsyncClient, branches: list[str], rng: random.Random) -> None:
        self.stack, self.http, self.branches, self.rng = stack, http, branches, rng
        now = int(time.time())
        self.kiosks = [
            {
                "Authorization": "Bearer "
                + jwt.encode(
                    {"sub": f"kiosk:k{i}", "role": "kiosk", "iat": now, "exp": now + 3600}, stack.jwt_secret, "HS256"
                )
            }
            for i in range(KIOSKS)
        ]
        self.window_next = 0
        self.cards = rendered_cards(CARDS)

    def headers(self, role: str) -> dict[str, str]:
        return {"X-API-Key": self.stack.keys[role]}

    async def open_windows(self) -> None:
        for branch in self.branches:
            for w in range(WINDOWS):
                await self.http.put(
                    self.stack.url("queue", f"/v1/branches/{branch}/windows/w{w}"),
                    json={"state": "open", "skills": ["cash", "general", "fx"]},
                    headers=self.headers("manager"),
                )

    async def one(self, name: str, stage: Stage, started: float) -> None:
        branch = self.rng.choice(self.branches)
        base = f"/v1/branches/{branch}"
        try:
            if name == "POST tickets":
                reply = await self.http.post(
                    self.stack.url("queue", f"{base}/tickets"),
                    headers=self.headers("kiosk"),
                    json={"service": self.rng.choice(("cash", "general", "fx"))},
                )
            elif name == "call-next":
                self.window_next += 1
                window = f"w{self.window_next % WINDOWS}"
                reply = await self.http.post(
                    self.stack.url("queue", f"{base}/windows/{window}/call-next"), headers=self.headers("teller")
                )
                stage.record(name, started, 200 if reply.status_code in (200, 204, 404, 409) else reply.status_code)
                if reply.status_code == 200 and reply.json().get("ticket_id"):
                    done = time.perf_counter()
                    ticket = reply.json()["ticket_id"]
                    end = await self.http.post(
                        self.stack.url("queue", f"{base}/tickets/{ticket}/complete"), headers=self.headers("teller")
                    )
                    stage.record("complete", done, end.status_code)
                return
            elif name == "GET queue":
                reply = await self.http.get(self.stack.url("queue", f"{base}/queue"), headers=self.headers("manager"))
            elif name == "GET ticket-counts":
                reply = await self.http.get(
                    self.stack.url("staffing", f"{base}/ticket-counts"), headers=self.headers("manager")
                )
            elif name == "POST kyc id-card":
                reply = await self.http.post(
                    self.stack.url("kyc", "/v1/ocr/id-card"),
                    content=self.rng.choice(self.cards),
                    headers={**self.headers("service"), "Content-Type": "image/jpeg"},
                )
            else:
                reply = await self.http.post(
                    self.stack.url("voice", "/v1/nlu"),
                    headers=self.rng.choice(self.kiosks),
                    json={"text": self.rng.choice(UTTERANCES)},
                )
            stage.record(name, started, reply.status_code)
        except httpx.HTTPError as exc:
            stage.record(name, started, type(exc).__name__)


async def footfall(producer: AIOKafkaProducer, branches: list[str], per_s: float, until: float) -> int:
    """Footfall windows from CAMERAS cameras per branch, ``per_s`` events a second in all."""
    sent, interval = 0, 1.0 / per_s
    next_at = time.perf_counter()
    while next_at < until:
        branch = branches[sent % len(branches)]
        end = dt.datetime.now(dt.UTC)
        data = Footfall(
            branch_id=branch,
            at=end,
            camera_id=f"cam{sent % CAMERAS}",
            window_start=end - dt.timedelta(seconds=1),
            window_end=end,
            entered=sent % 3,
            exited=sent % 2,
            occupancy={"hall": 5},
        )
        event = new_event(topics.FOOTFALL, data, source="branchops/queue/bench-load")
        await producer.send(topics.FOOTFALL.name, encode(event), key=branch.encode())
        sent += 1
        next_at += interval
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
    return sent


async def run_stage(
    load: Load, producer: AIOKafkaProducer, rate: float, seconds: float, mix: tuple[tuple[str, float], ...] = MIX
) -> tuple[Stage, int]:
    stage = Stage(rate)
    names, weights = [n for n, _ in mix], [w for _, w in mix]
    started = time.perf_counter()
    until = started + seconds
    feed = asyncio.create_task(footfall(producer, load.branches, max(1.0, rate * 0.2), until))
    tasks: set[asyncio.Task[None]] = set()
    kyc_every = 8 * 3600 / (SPEED * KYC_CHECKS_PER_BRANCH_DAY * len(load.branches))  # seconds between ID-card reads
    kyc_next = started + load.rng.uniform(0, kyc_every)
    n = 0
    while True:
        due = started + n / rate
        if due >= until:
            break
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        task = asyncio.create_task(load.one(load.rng.choices(names, weights)[0], stage, due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        n += 1
        if due >= kyc_next:  # KYC at the pace of a branch day at SPEED, whatever the stage's request rate
            kyc = asyncio.create_task(load.one("POST kyc id-card", stage, kyc_next))
            tasks.add(kyc)
            kyc.add_done_callback(tasks.discard)
            kyc_next += kyc_every
    if tasks:
        await asyncio.wait(tasks, timeout=30)
    return stage, await feed


def rss_mb(pid: int | None, field: str = "VmRSS") -> float | None:
    """``VmRSS`` (all resident pages) or ``RssAnon`` (heap and other anonymous memory) of a process, in MB.

    On a shared machine the kernel reclaims file-backed pages (shared libraries, mapped models) under memory
    pressure, and VmRSS drops without the process freeing anything; with no swap, RssAnon moves only when the
    process allocates or frees, which is what a leak shows in.
    """
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError):
        pass
    return None


async def lag(http: httpx.AsyncClient, stack: Stack) -> dict[str, float]:
    total: dict[str, float] = {}
    for name in NAMES:
        try:
            text = (await http.get(stack.url(name, "/metrics"))).text
        except httpx.HTTPError:
            continue
        for topic, value in _LAG.findall(text):
            key = f"{name}:{topic.removeprefix('branchops.')}"
            total[key] = total.get(key, 0.0) + float(value)
    return total


async def sampler(
    stack: Stack,
    http: httpx.AsyncClient,
    t0: float,
    out: list[dict[str, Any]],
    stop: asyncio.Event,
    stage_of: Callable[[], float],
) -> None:
    while not stop.is_set():
        out.append(
            {
                "t_s": round(time.perf_counter() - t0, 1),
                "stage_rate": stage_of(),
                "rss_mb": {name: rss_mb(stack.pid(name)) for name in PROCESSES},
                "anon_mb": {name: rss_mb(stack.pid(name), "RssAnon") for name in PROCESSES},
                "lag": await lag(http, stack),
            }
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), SAMPLE_EVERY_S)


@dataclass
class Driving:
    load: Load
    producer: AIOKafkaProducer
    samples: list[dict[str, Any]]
    current: list[float]  # the offered rate the sampler records; one cell, set by the caller
    t0: float


@contextlib.asynccontextmanager
async def driving(stack: Stack, branches: int, initial_rate: float) -> AsyncIterator[Driving]:
    """Clients, open windows, a footfall producer and the memory/lag sampler for one run; after the
    caller's stages the offered rate drops to 0 and consumers get a few seconds to drain (lag sampled)."""
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(timeout=10, limits=limits) as http, httpx.AsyncClient(timeout=5) as probe:
        load = Load(stack, http, [f"load-b{i}" for i in range(branches)], random.Random(5))
        await load.open_windows()
        producer = AIOKafkaProducer(bootstrap_servers=stack.dev.kafka_bootstrap, acks="all", linger_ms=5)
        await producer.start()
        run = Driving(load, producer, [], [initial_rate], time.perf_counter())
        stop = asyncio.Event()
        sampling = asyncio.create_task(sampler(stack, probe, run.t0, run.samples, stop, lambda: run.current[0]))
        try:
            yield run
            run.current[0] = 0.0
            await asyncio.sleep(4)  # let consumers drain, sample the lag after
        finally:
            stop.set()
            await sampling
            await producer.stop()


async def soak(stack: Stack, rate: float, minutes: int, warmup_s: float, branches: int) -> dict[str, Any]:
    """``minutes`` one-minute stages at ``rate`` with the balanced mix, after ``warmup_s`` at that rate."""
    async with driving(stack, branches, initial_rate=-1.0) as run:  # -1: warm-up
        load, producer, samples, current, t0 = run.load, run.producer, run.samples, run.current, run.t0
        stages: list[dict[str, Any]] = []
        left = warmup_s
        while left > 0:  # in pieces of at most a minute: run_stage waits for a stage's stragglers
            await run_stage(load, producer, rate, min(60.0, left), SOAK_MIX)
            left -= 60.0
        warm_end_s = round(time.perf_counter() - t0, 1)
        current[0] = rate
        for minute in range(minutes):
            stage, events = await run_stage(load, producer, rate, 60.0, SOAK_MIX)
            stages.append(
                {
                    **stage.summary(60.0),
                    "minute": minute + 1,
                    "footfall_events": events,
                    "loadavg_1m": round(os.getloadavg()[0], 2),
                }
            )
            rss = samples[-1]["rss_mb"] if samples else {}
            anon = samples[-1]["anon_mb"] if samples else {}
            print(
                f"  minute {minute + 1:>3}/{minutes} done; RSS (anon) MB "
                + ", ".join(f"{n} {rss.get(n)} ({anon.get(n)})" for n in PROCESSES)
                + f"; load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
        end_s = round(time.perf_counter() - t0, 1)
    return {"stages": stages, "samples": samples, "warmup_end_s": warm_end_s, "end_s": end_s}


def _slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (t_s, MB), in MB per minute."""
    if len(points) < 3:
        return None
    n = len(points)
    mt, mv = sum(t for t, _ in points) / n, sum(v for _, v in points) / n
    var = sum((t - mt) ** 2 for t, _ in points)
    return round(60 * sum((t - mt) * (v - mv) for t, v in points) / var, 3) if var else None


def memory(
    samples: list[dict[str, Any]], warm_end_s: float, end_s: float, window: int = 5, kind: str = "rss_mb"
) -> dict[str, Any]:
    """Per process: memory (``rss_mb`` or ``anon_mb``) at warm-up end and at the end (medians of ``window``
    samples), growth, slopes."""
    loaded = [s for s in samples if warm_end_s <= s["t_s"] <= end_s]
    half = warm_end_s + (end_s - warm_end_s) / 2
    report: dict[str, Any] = {}
    for name in PROCESSES:
        points = [(s["t_s"], s[kind][name]) for s in loaded if s.get(kind, {}).get(name) is not None]
        if len(points) < 2 * window:
            report[name] = None
            continue
        start = statistics.median(v for _, v in points[:window])
        end = statistics.median(v for _, v in points[-window:])
        report[name] = {
            "warmup_end_mb": start,
            "end_mb": end,
            "growth_mb": round(end - start, 1),
            "growth_pct": round(100 * (end - start) / start, 1),
            "min_mb": min(v for _, v in points),
            "max_mb": max(v for _, v in points),
            "slope_mb_per_min": _slope(points),
            "slope_second_half_mb_per_min": _slope([p for p in points if p[0] >= half]),
            "samples": len(points),
        }
    return report


def soak_table(result: dict[str, Any]) -> str:
    rows = [
        f"soak: {result['rate_per_s']:.0f} requests/s for {result['minutes']} min after {result['warmup_s']:.0f} s "
        f"of warm-up, {result['branches']} branches"
    ]
    names = sorted({n for s in result["stages"] for n in s["endpoints"]})
    rows.append(f"{'minute':>7} " + " ".join(f"{n[:17]:>17}" for n in names) + f" {'load':>5}")
    for stage in result["stages"]:
        cells = []
        for n in names:
            e = stage["endpoints"].get(n)
            cells.append(f"{e['p50_ms']:>7.1f}/{e['p99_ms']:<7.1f}{'*' if e['errors'] else ' '}" if e else f"{'-':>17}")
        rows.append(f"{stage['minute']:>7} " + " ".join(f"{c:>17}" for c in cells) + f" {stage['loadavg_1m']:>5.1f}")
    rows.append("(p50/p99 ms; * some errors in that minute: see the JSON)")
    for title, key in (("VmRSS", "memory"), ("RssAnon", "memory_anon")):
        rows.append(
            f"{title:<9} {'warm-up end':>11} {'end':>8} {'growth':>8} {'%':>6} {'slope':>9} {'2nd half':>9}"
            "   (MB; slopes MB/min)"
        )
        for name, m in result[key].items():
            if m is None:
                rows.append(f"{name:<9} (not enough samples)")
                continue
            second = m["slope_second_half_mb_per_min"]
            rows.append(
                f"{name:<9} {m['warmup_end_mb']:>11.1f} {m['end_mb']:>8.1f} {m['growth_mb']:>+8.1f} "
                f"{m['growth_pct']:>+6.1f} {m['slope_mb_per_min']:>+9.3f} "
                f"{'-' if second is None else f'{second:+.3f}':>9}"
            )
    peak: dict[str, float] = {}
    for s in result["samples"]:
        for k, v in s["lag"].items():
            peak[k] = max(peak.get(k, 0.0), v)
    rows.append("peak consumer lag: " + (", ".join(f"{k} {v:.0f}" for k, v in sorted(peak.items()) if v) or "0"))
    rows.append("lag after drain: " + json.dumps(result["samples"][-1]["lag"] if result["samples"] else {}))
    return "\n".join(rows)


async def drive(stack: Stack, rates: list[float], stage_s: float, branches: int) -> dict[str, Any]:
    async with driving(stack, branches, initial_rate=0.0) as run:
        load, producer, current = run.load, run.producer, run.current
        stages: list[dict[str, Any]] = []
        warm, _ = await run_stage(load, producer, rates[0], min(5.0, stage_s))  # warm-up, not reported
        del warm
        for rate in rates:
            current[0] = rate
            stage, events = await run_stage(load, producer, rate, stage_s)
            stages.append({**stage.summary(stage_s), "footfall_events": events})
            print(f"  stage {rate:>6.0f}/s done", flush=True)
    return {"stages": stages, "samples": run.samples}


def saturation(stages: list[dict[str, Any]]) -> dict[str, float | None]:
    first: dict[str, float | None] = {}
    for stage in stages:
        for name, numbers in stage["endpoints"].items():
            first.setdefault(name, None)
            if first[name] is None and numbers["p99_ms"] > SATURATION_MS:
                first[name] = stage["rate_per_s"]
    return first


def table(result: dict[str, Any]) -> str:
    names = sorted({n for s in result["stages"] for n in s["endpoints"]})
    head = f"{'rate/s':>7} " + " ".join(f"{n[:17]:>17}" for n in names)
    rows = [head, " " * 8 + " ".join(f"{'p50/p99 ms':>17}" for _ in names)]
    for stage in result["stages"]:
        cells = []
        for n in names:
            e = stage["endpoints"].get(n)
            cells.append(f"{e['p50_ms']:>7.1f}/{e['p99_ms']:<7.1f}{'*' if e['errors'] else ' '}" if e else f"{'-':>17}")
        rows.append(f"{stage['rate_per_s']:>7.0f} " + " ".join(f"{c:>17}" for c in cells))
    rows.append("(* some errors in that stage: see load.json)")
    sat = result["saturation_rate_per_s"]
    rows.append(
        "p99 > 200 ms first at: " + ", ".join(f"{n} {'never' if v is None else f'{v:.0f}/s'}" for n, v in sat.items())
    )
    samples = [s for s in result["samples"] if s["stage_rate"]]
    if samples:
        first, last = samples[0], samples[-1]
        rows.append(
            "RSS MB first/last loaded sample: "
            + ", ".join(f"{n} {first['rss_mb'][n]}/{last['rss_mb'][n]}" for n in NAMES)
        )
        peak: dict[str, float] = {}
        for s in result["samples"]:
            for k, v in s["lag"].items():
                peak[k] = max(peak.get(k, 0.0), v)
        rows.append("peak consumer lag: " + ", ".join(f"{k} {v:.0f}" for k, v in sorted(peak.items()) if v) or "0")
        rows.append("lag after drain: " + json.dumps(result["samples"][-1]["lag"]))
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="10,20,40,80,160", help="requests per second, one stage each")
    parser.add_argument("--stage-s", type=float, default=15.0)
    parser.add_argument("--branches", type=int, default=4)
    parser.add_argument("--minutes", type=int, default=0, help="soak run: this many minutes at --rate (max 120)")
    parser.add_argument("--rate", type=float, default=20.0, help="soak: requests per second (sustainable)")
    parser.add_argument("--warmup-s", type=float, default=60.0, help="soak: warm-up at --rate, not reported")
    parser.add_argument("--out", default=None, help="result name under bench/results (default load / load-soak)")
    args = parser.parse_args(argv)
    if args.minutes:
        return main_soak(args)
    rates = [float(r) for r in args.rates.split(",") if r]
    stage_s = min(args.stage_s, MAX_STAGE_S)
    before = machine()
    with tempfile.TemporaryDirectory(prefix="branchops-load-") as folder:
        stack = start(Path(folder))
        try:
            started = time.perf_counter()
            result: dict[str, Any] = asyncio.run(drive(stack, rates, stage_s, args.branches))
            result["wall_s"] = round(time.perf_counter() - started, 1)
        finally:
            stack.dev.stop()
            stack.redis.stop()
    result.update(
        {
            "machine_before": before,
            "machine_after": machine(),
            "stage_s": stage_s,
            "mix": dict(MIX),
            "windows_per_branch": WINDOWS,
            "cameras": CAMERAS,
            "kiosks": KIOSKS,
            "branches": args.branches,
            "saturation_ms": SATURATION_MS,
            "saturation_rate_per_s": saturation(result["stages"]),
        }
    )
    print(table(result))
    print(
        f"machine: {before['nproc']} cores, load {before['loadavg_1m']:.2f} before, "
        f"{result['machine_after']['loadavg_1m']:.2f} after; wall {result['wall_s']} s"
    )
    print(f"wrote {write_result(args.out or 'load', result)}")
    return 0


def main_soak(args: argparse.Namespace) -> int:
    minutes = min(max(1, args.minutes), 120)
    before = machine()
    with tempfile.TemporaryDirectory(prefix="branchops-soak-") as folder:
        stack = start(Path(folder))
        try:
            started = time.perf_counter()
            result: dict[str, Any] = asyncio.run(soak(stack, args.rate, minutes, args.warmup_s, args.branches))
            result["wall_s"] = round(time.perf_counter() - started, 1)
        finally:
            stack.dev.stop()
            stack.redis.stop()
    result.update(
        {
            "mode": "soak",
            "machine_before": before,
            "machine_after": machine(),
            "rate_per_s": args.rate,
            "minutes": minutes,
            "warmup_s": args.warmup_s,
            "mix": dict(SOAK_MIX),
            "windows_per_branch": WINDOWS,
            "cameras": CAMERAS,
            "kiosks": KIOSKS,
            "branches": args.branches,
            "sample_every_s": SAMPLE_EVERY_S,
            "command": " ".join(sys.argv),
        }
    )
    result["memory"] = memory(result["samples"], result["warmup_end_s"], result["end_s"])
    result["memory_anon"] = memory(result["samples"], result["warmup_end_s"], result["end_s"], kind="anon_mb")
    print(soak_table(result))
    loads = [s["loadavg_1m"] for s in result["stages"]]
    print(
        f"machine: {before['nproc']} cores, load {before['loadavg_1m']:.2f} before, "
        f"{result['machine_after']['loadavg_1m']:.2f} after, {min(loads):.1f}-{max(loads):.1f} during; "
        f"wall {result['wall_s']} s"
    )
    print(f"wrote {write_result(args.out or 'load-soak', result)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
