"""``branchops staffing solve instance.json --out plan.json``: plan one branch-day from the command line.

Registered through the ``branchops.cli`` entry points (pyproject.toml); the solver (OR-Tools, numpy) is
imported only when the command runs. Exit codes: 0 planned (also with named shortfalls, see the plan's ``status``),
2 invalid instance or unreadable file (one-line reason on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _solve(args: argparse.Namespace) -> int:
    from services.staffing.domain.plan_json import plan_to_json
    from services.staffing.solve import InvalidInstance, parse_instance, solve_problem

    try:
        instance = json.loads(Path(args.instance).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        print(f"branchops staffing solve: cannot read {args.instance}: {exc}", file=sys.stderr)
        return 2
    try:
        problem = parse_instance(instance)
        plan = solve_problem(problem, time_limit_s=args.time_limit, seed=args.seed, workers=args.workers)
    except InvalidInstance as exc:
        print(f"branchops staffing solve: invalid instance: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(plan_to_json(plan), ensure_ascii=False, indent=1)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    print(
        f"{plan.status}: {plan.paid_hours:g} paid hours, {plan.people} people, "
        f"{len(plan.shortfalls)} shortfalls, {plan.stats.solve_ms:.0f} ms",
        file=sys.stderr,
    )
    return 0


def _positive(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return number


def register(subparsers: Any) -> None:
    staffing = subparsers.add_parser("staffing", help="staffing plans (issue #5)")
    commands = staffing.add_subparsers(dest="staffing_command", required=True)
    solve = commands.add_parser("solve", help="plan one branch-day: instance.json -> plan.json")
    solve.add_argument("instance", help="instance file (bench/staffing/README.md format)")
    solve.add_argument("--out", default=None, help="where to write the plan (default: stdout)")
    solve.add_argument("--time-limit", type=_positive, default=10.0, help="seconds for the whole solve")
    solve.add_argument("--seed", type=int, default=0)
    solve.add_argument("--workers", type=int, default=1, help="CP-SAT workers (1: deterministic)")
    solve.set_defaults(func=_solve)
