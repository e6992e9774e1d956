"""``branchops simulate --branch B --speed 60`` (DESIGN.md section 5): a simulated branch into a running stack.

Registered under the ``branchops.cli`` entry point ``queue.simulate``; ``branchops up`` runs it for the queue
service (its descriptor's ``simulator``). ``branchops simulate-history`` seeds the branch configuration into
records and backfills past days of tickets (:mod:`simulation.history`); ``branchops up`` runs it for the
staffing service. Heavy imports happen inside the commands.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any


def register(subparsers: Any) -> None:
    simulate = subparsers.add_parser(
        "simulate", help="synthetic cameras + ticket traffic + tellers into a running stack"
    )
    simulate.add_argument("--branch", required=True, help="branch id")
    simulate.add_argument("--speed", type=float, default=60.0, help="simulated minutes per real minute")
    simulate.add_argument(
        "--queue-url",
        default=os.environ.get("BRANCHOPS_QUEUE_URL", "http://127.0.0.1:8001"),
        help="the queue service (env BRANCHOPS_QUEUE_URL)",
    )
    simulate.add_argument(
        "--api-key",
        default=os.environ.get("BRANCHOPS_SIM_API_KEY", ""),
        help="a teller, manager or service key (env BRANCHOPS_SIM_API_KEY)",
    )
    simulate.add_argument(
        "--redis-url",
        default=os.environ.get("QUEUE_REDIS_URL", ""),
        help="the queue service's Redis: cameras stage footfall.v1 in its outbox (env "
        "QUEUE_REDIS_URL); without it the cameras are off",
    )
    simulate.add_argument(
        "--staffing-url",
        default=os.environ.get("BRANCHOPS_STAFFING_URL", ""),
        help="the staffing service: the tellers follow its plan and act on acknowledged alerts (env "
        "BRANCHOPS_STAFFING_URL; default: the URL simulate-history announced in --redis-url; none: a fixed day)",
    )
    simulate.add_argument(
        "--plain", action="store_true", help="a plain day: no lunch surge, no late teller, no camera failure"
    )
    simulate.add_argument("--minutes", type=float, default=480.0, help="simulated minutes to run (a day is 480)")
    simulate.add_argument("--scale", type=float, default=1.0, help="arrivals multiplier")
    simulate.add_argument("--seed", type=int, default=None)
    simulate.set_defaults(func=_simulate)

    history = subparsers.add_parser(
        "simulate-history", help="seed the branch configuration into records and backfill past days of tickets"
    )
    history.add_argument("--branch", required=True, help="branch id")
    history.add_argument(
        "--records-url",
        default=os.environ.get("BRANCHOPS_RECORDS_URL", "http://127.0.0.1:8005"),
        help="the records service (env BRANCHOPS_RECORDS_URL)",
    )
    history.add_argument(
        "--api-key",
        default=os.environ.get("BRANCHOPS_SIM_MANAGER_KEY", ""),
        help="a manager key: records takes configuration changes from managers (env BRANCHOPS_SIM_MANAGER_KEY)",
    )
    history.add_argument(
        "--kafka",
        default=os.environ.get("BRANCHOPS_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
        help="Kafka bootstrap servers (env BRANCHOPS_KAFKA_BOOTSTRAP)",
    )
    history.add_argument(
        "--redis-url", default="", help="remember the days done here, so a restart does not publish them again"
    )
    history.add_argument("--days", type=int, default=30, help="past days to backfill (0: none)")
    history.add_argument(
        "--staffing-url",
        default="",
        help="announce the staffing service's URL in --redis-url, for `branchops simulate` to find its plan",
    )
    history.set_defaults(func=_simulate_history)


def _simulate(args: argparse.Namespace) -> int:
    import asyncio

    if not args.api_key:
        raise ValueError("an API key is needed: --api-key or BRANCHOPS_SIM_API_KEY (a teller, manager or service key)")
    if args.speed <= 0 or args.minutes <= 0 or args.scale <= 0:
        raise ValueError("--speed, --minutes and --scale must be positive")
    return asyncio.run(_simulate_async(args))


async def _simulate_async(args: argparse.Namespace) -> int:
    import httpx

    from simulation.cameras import OutboxCameras
    from simulation.live_branch import LIVE_SURPRISES, LiveBranch

    async with httpx.AsyncClient(
        base_url=args.queue_url.rstrip("/"), headers={"X-API-Key": args.api_key}, timeout=10.0
    ) as client:
        try:
            ready = await client.get("/healthz")
        except httpx.HTTPError as exc:
            raise ValueError(f"the queue service is not reachable at {args.queue_url}: {exc}") from exc
        if ready.status_code != 200:
            raise ValueError(f"the queue service at {args.queue_url} answers {ready.status_code} on /healthz")
        cameras = OutboxCameras(args.redis_url) if args.redis_url else None
        if cameras is None:
            print("cameras off (no --redis-url)", file=sys.stderr)
        staffing_url = args.staffing_url or await _announced_staffing(args.redis_url, args.branch)
        staffing = (
            httpx.AsyncClient(base_url=staffing_url.rstrip("/"), headers={"X-API-Key": args.api_key}, timeout=10.0)
            if staffing_url
            else None
        )
        print(f"staffing: {staffing_url or 'none: the tellers keep a fixed day'}", flush=True)
        branch = LiveBranch(
            client,
            args.branch,
            args.speed,
            seed=args.seed,
            scale=args.scale,
            minutes=args.minutes,
            cameras=cameras,
            camera_status=cameras.status if cameras is not None else None,
            occupancy=cameras.occupancy if cameras is not None else None,
            staffing=staffing,
            surprises=None if args.plain else LIVE_SURPRISES,
        )
        try:
            counts = await branch.run()
        finally:
            if cameras is not None:
                await cameras.close()
            if staffing is not None:
                await staffing.aclose()
    print(f"done: {counts.line()}" + (f"; errors {counts.errors}" if counts.errors else ""), flush=True)
    return 0 if counts.issued and counts.failed <= counts.issued // 10 else 1


async def _announced_staffing(redis_url: str, branch: str, wait_s: float = 20.0) -> str:
    """The staffing URL ``simulate-history --staffing-url`` put in Redis (both start together under
    ``branchops up``: wait a little for it)."""
    import asyncio
    import time

    from branchops.state.client import create_redis
    from simulation.history import staffing_url_key

    if not redis_url:
        return ""
    redis = create_redis(redis_url)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            raw = await redis.get(staffing_url_key(branch))
            if raw is not None or time.monotonic() >= deadline:
                return raw.decode() if isinstance(raw, bytes) else str(raw or "")
            await asyncio.sleep(0.5)
    finally:
        await redis.aclose()


def _simulate_history(args: argparse.Namespace) -> int:
    import asyncio

    if args.days < 0:
        raise ValueError("--days must be 0 or more")
    return asyncio.run(_history_async(args))


async def _history_async(args: argparse.Namespace) -> int:
    import time
    from zoneinfo import ZoneInfo

    import httpx

    from branchops.bus.producer import EventPublisher
    from branchops.clock import platform_clock
    from branchops.settings import PlatformSettings
    from branchops.state.client import create_redis
    from simulation.demo_config import ZONE
    from simulation.history import backfill, past_days, reannounce, seed_config, staffing_url_key

    started = time.monotonic()
    # tansu has no idempotent producer; a day published twice has the same event ids (records keeps one)
    settings = PlatformSettings(kafka_bootstrap=args.kafka, kafka_idempotence=False, kafka_linger_ms=20)
    publisher = EventPublisher(settings, source="branchops/simulate/history")
    redis = create_redis(args.redis_url) if args.redis_url else None
    if redis is not None and args.staffing_url:
        await redis.set(staffing_url_key(args.branch), args.staffing_url)
    await publisher.start()
    try:
        if args.api_key:
            async with httpx.AsyncClient(
                base_url=args.records_url.rstrip("/"), headers={"X-API-Key": args.api_key}, timeout=30.0
            ) as client:
                said, existing = await seed_config(client, args.branch)
            if existing is not None:
                await reannounce(publisher, existing)
                said += " (announced again on branch-config.v1)"
            print(said, flush=True)
        else:
            print("no --api-key: the configuration is not seeded", file=sys.stderr)
        today = platform_clock().now().astimezone(ZoneInfo(ZONE)).date()
        report = await backfill(publisher, args.branch, past_days(today, args.days), redis)
    finally:
        await publisher.stop()
        if redis is not None:
            await redis.aclose()
    print(f"{report.line()}; total {time.monotonic() - started:.1f} s", flush=True)
    return 0
