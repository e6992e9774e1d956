"""``branchops replay``: the ``branchops.cli`` registration, kept light (``branchops --help`` loads every
registration; the Kafka and contract code loads when the command runs: branchops/bus/replay.py)."""

from __future__ import annotations

import argparse
import os
from typing import Any


def _default_bootstrap() -> str:
    return os.environ.get("BRANCHOPS_KAFKA_BOOTSTRAP", "127.0.0.1:9092")


def _run(args: argparse.Namespace) -> int:
    from branchops.bus.replay import run_command

    return run_command(args)


def register(sub: Any) -> None:
    """``branchops replay``: the ``branchops.cli`` entry point."""
    parser = sub.add_parser(
        "replay",
        help="head office: print a topic's events of a period as JSON lines (offsets for times on Kafka)",
        description="Print the events a topic took in [since, until), one JSON object a line on stdout; a "
        "summary (method: offsets_for_times on Apache Kafka, scan from the beginning on tansu) on stderr.",
    )
    parser.add_argument("--topic", required=True, help="topic name, e.g. branchops.tickets.v1")
    parser.add_argument("--since", required=True, help="ISO 8601 start, inclusive (UTC when no offset)")
    parser.add_argument("--until", required=True, help="ISO 8601 end, exclusive (UTC when no offset)")
    parser.add_argument("--branch", default=None, help="only this branch's events (the record key)")
    parser.add_argument(
        "--bootstrap",
        default=_default_bootstrap(),
        help="Kafka bootstrap servers (default: BRANCHOPS_KAFKA_BOOTSTRAP or 127.0.0.1:9092)",
    )
    parser.add_argument(
        "--method",
        choices=["auto", "offsets_for_times", "scan"],
        default="auto",
        help="auto: offsets for times where the broker has them, else a scan from the beginning",
    )
    parser.set_defaults(func=_run)
