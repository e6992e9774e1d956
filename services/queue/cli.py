"""``branchops queue replay events.jsonl --out predictions.jsonl`` and ``branchops simulate --branch B
--speed 60`` (DESIGN.md section 5)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any


def register(subparsers: Any) -> None:
    queue = subparsers.add_parser("queue", help="queue service tools")
    sub = queue.add_subparsers(dest="queue_command", required=True)
    replay = sub.add_parser("replay", help="predict the wait of every issued ticket from the events before it")
    replay.add_argument("events", help="CloudEvents, one per line (tickets.v1, windows.v1, footfall.v1), time order")
    replay.add_argument("--out", required=True, help="predictions.jsonl: ticket_id, at, predicted_wait_min, p90_min")
    replay.add_argument("--timezone", default="Asia/Shanghai", help="branch local time zone (day boundaries)")
    replay.set_defaults(func=_replay)
    simulate = subparsers.add_parser("simulate", help="synthetic cameras + ticket traffic + tellers into a running stack")
    simulate.add_argument("--branch", required=True, help="branch id")
    simulate.add_argument("--speed", type=float, default=60.0, help="simulated minutes per real minute")
    simulate.add_argument("--queue-url", default=os.environ.get("BRANCHOPS_QUEUE_URL", "http://127.0.0.1:8001"),
                          help="the queue service (env BRANCHOPS_QUEUE_URL)")
    simulate.add_argument("--api-key", default=os.environ.get("BRANCHOPS_SIM_API_KEY", ""),
                          help="a teller, manager or service key (env BRANCHOPS_SIM_API_KEY)")
    simulate.add_argument("--redis-url", default=os.environ.get("QUEUE_REDIS_URL", ""),
                          help="the queue service's Redis: cameras stage footfall.v1 in its outbox (env "
                               "QUEUE_REDIS_URL); without it the cameras are off")
    simulate.add_argument("--minutes", type=float, default=480.0, help="simulated minutes to run (a day is 480)")
    simulate.add_argument("--scale", type=float, default=1.0, help="arrivals multiplier")
    simulate.add_argument("--seed", type=int, default=None)
    simulate.set_defaults(func=_simulate)


def _replay(args: argparse.Namespace) -> int:
    import json
    import zoneinfo
    from pathlib import Path

    from branchops.contracts import EventDecodeError, decode
    from branchops.contracts.topics import UnknownTopic
    from services.queue.domain.replay import Replayer

    source = Path(args.events)
    if not source.is_file():
        raise FileNotFoundError(f"no such events file: {source}")
    replayer = Replayer(tz=zoneinfo.ZoneInfo(args.timezone))
    written = 0
    with source.open(encoding="utf-8") as lines, Path(args.out).open("w", encoding="utf-8") as out:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                event = decode(str(json.loads(line).get("type", "")), line)
            except (EventDecodeError, UnknownTopic, ValueError, AttributeError) as exc:
                replayer.skipped.append((f"line {number}", str(exc)))
                continue
            prediction = replayer.feed(event.id, event.data)
            if prediction is not None:
                out.write(json.dumps(prediction.as_json()) + "\n")
                written += 1
    for where, reason in replayer.skipped:
        print(f"skipped {where}: {reason}", file=sys.stderr)
    print(f"{written} predictions, {len(replayer.skipped)} events skipped", file=sys.stderr)
    return 0


def _simulate(args: argparse.Namespace) -> int:
    import asyncio

    if not args.api_key:
        raise ValueError("an API key is needed: --api-key or BRANCHOPS_SIM_API_KEY (a teller, manager or service key)")
    if args.speed <= 0 or args.minutes <= 0 or args.scale <= 0:
        raise ValueError("--speed, --minutes and --scale must be positive")
    return asyncio.run(_simulate_async(args))


async def _simulate_async(args: argparse.Namespace) -> int:
    import httpx

    from services.queue.live_camera import OutboxCameras
    from services.queue.live_sim import LiveBranch

    async with httpx.AsyncClient(base_url=args.queue_url.rstrip("/"), headers={"X-API-Key": args.api_key},
                                 timeout=10.0) as client:
        try:
            ready = await client.get("/healthz")
        except httpx.HTTPError as exc:
            raise ValueError(f"the queue service is not reachable at {args.queue_url}: {exc}") from exc
        if ready.status_code != 200:
            raise ValueError(f"the queue service at {args.queue_url} answers {ready.status_code} on /healthz")
        cameras = OutboxCameras(args.redis_url) if args.redis_url else None
        if cameras is None:
            print("cameras off (no --redis-url)", file=sys.stderr)
        branch = LiveBranch(client, args.branch, args.speed, seed=args.seed, scale=args.scale, minutes=args.minutes,
                            cameras=cameras)
        try:
            counts = await branch.run()
        finally:
            if cameras is not None:
                await cameras.close()
    print(f"done: {counts.line()}" + (f"; errors {counts.errors}" if counts.errors else ""), flush=True)
    return 0 if counts.issued and counts.failed <= counts.issued // 10 else 1
