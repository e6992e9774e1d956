"""``branchops queue replay events.jsonl --out predictions.jsonl`` (DESIGN.md section 5).

``branchops simulate`` drives the service from outside and lives in the top-level ``simulation`` package.
"""

from __future__ import annotations

import argparse
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
