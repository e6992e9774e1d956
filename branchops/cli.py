"""The ``branchops`` command (DESIGN.md section 5)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from branchops.plugins import PluginError, load_cli

Command = Callable[[argparse.Namespace], int]


def _up(args: argparse.Namespace) -> int:
    from branchops.up import run_up

    return run_up(
        log_dir=args.log_dir,
        simulate=not args.no_simulate,
        branch=args.branch,
        speed=args.speed,
        data_dir=args.data_dir,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="branchops", description="BranchOps: a bank branch's digital operations")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="whole stack on this machine: embedded broker, Redis, services, simulated branch")
    up.add_argument("--branch", default="demo-001", help="id of the simulated branch")
    up.add_argument("--speed", type=float, default=20.0, help="simulated minutes per real minute")
    up.add_argument("--no-simulate", action="store_true", help="start without simulated customers")
    up.add_argument("--log-dir", type=Path, default=None, help="where process logs go (default: a temp folder)")
    up.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="keep the embedded PostgreSQL's data in this folder between runs (default: a fresh temp "
        "folder; BRANCHOPS_DATABASE_URL, when set, is used instead)",
    )
    up.set_defaults(func=_up)
    for register in load_cli():  # the services' subcommands (entry points, group branchops.cli)
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
    except PluginError as exc:  # a service's entry point is broken: say which, not a traceback
        print(f"branchops: error: {exc}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    func: Command = args.func
    try:
        return func(args)
    except KeyboardInterrupt:
        return 130
    except (ValueError, FileNotFoundError, PluginError) as exc:
        print(f"branchops: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
