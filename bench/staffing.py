"""Staffing bench: our plan vs pyworkforce (MinRequiredResources) on the same instance and simulator.

    .venv/bin/python bench/staffing.py [--days 1000] [--runs 5] [--scale-days 100]
    PYWORKFORCE_PYTHON=/tmp/pwf/bin/python .venv/bin/python bench/staffing.py

The pyworkforce column runs in a subprocess with the interpreter given by --pyworkforce-python or
$PYWORKFORCE_PYTHON and is skipped when neither is given. Writes bench/results/staffing.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from services.staffing.domain.closed_loop import Budget  # noqa: E402
from services.staffing.domain.intraday import LiveDay, WorkedShift, replan  # noqa: E402
from services.staffing.domain.patterns import staff_patterns  # noqa: E402
from services.staffing.domain.plan import Plan  # noqa: E402
from services.staffing.domain.problem import StaffingProblem  # noqa: E402
from services.staffing.domain.simulate import simulate_service  # noqa: E402
from services.staffing.solve import parse_instance, solve_problem  # noqa: E402

EVAL_SEED = 20261201  # differs from the solver's seed: the plan is judged on days it never saw

PYWORKFORCE_SCRIPT = r"""
import json, sys, time
from pyworkforce.queuing import ErlangC
from pyworkforce.scheduling import MinRequiredResources
job = json.load(sys.stdin)
required = []
for arrivals in job["arrivals"]:
    if arrivals <= 0:
        required.append(0)
        continue
    erlang = ErlangC(transactions=arrivals, aht=job["aht"], asa=job["asa"], interval=job["interval"])
    required.append(erlang.required_positions(service_level=job["service_level"])["positions"])
scheduler = MinRequiredResources(num_days=1, periods=len(required), shifts_coverage=job["coverage"],
                                 required_resources=[required], max_period_concurrency=job["max_windows"],
                                 max_shift_concurrency=job["max_windows"], cost_dict=job.get("cost"))
started = time.perf_counter()
solution = scheduler.solve()
elapsed = time.perf_counter() - started
chosen = {row["shift"]: row["resources"] for row in solution["resources_shifts"] if row["resources"] > 0}
print(json.dumps({"status": solution["status"], "solve_s": elapsed, "required": required, "chosen": chosen}))
"""


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu_model": model, "python": platform.python_version()}


def simulate_open_windows(
    problem: StaffingProblem, open_windows: dict[str, list[int]], days: int, seed: int
) -> dict[str, Any]:
    """Same simulator for every plan; levels pooled over services by arrival interval."""
    arrivals = np.zeros(problem.n_intervals)
    within = np.zeros(problem.n_intervals)
    for offset, service in enumerate(problem.services):
        sim = simulate_service(
            service.arrivals,
            open_windows[service.name],
            aht_min=service.aht_min,
            interval_min=problem.interval_minutes,
            target_wait_min=problem.service_level.target_wait_min,
            patience_min=service.patience_min,
            days=days,
            seed=seed + offset,
        )
        arrivals += sim.arrivals
        within += sim.within_target
    levels = np.divide(within, arrivals, out=np.ones_like(within), where=arrivals > 0)
    return {
        "day_level": float(within.sum() / arrivals.sum()),
        "worst_interval_level": float(levels.min()),
        "interval_levels": [round(float(x), 4) for x in levels],
        "intervals_below_target": int((levels < problem.service_level.target_fraction).sum()),
    }


def plan_open_windows(problem: StaffingProblem, plan: Plan) -> dict[str, list[int]]:
    return {name: [row.open_windows[name] for row in plan.intervals] for name in problem.service_names}


def ours(problem: StaffingProblem, runs: int, days: int, time_limit_s: float) -> dict[str, Any]:
    plans = [solve_problem(problem, time_limit_s=time_limit_s, seed=0) for _ in range(runs)]
    plan = plans[-1]
    return {
        "same_plan_all_runs": all(p.assignments == plan.assignments for p in plans),
        "stable_runs": sum(p.stats.stable for p in plans),
        "solve_s_p50": statistics.median(p.stats.solve_ms for p in plans) / 1000,
        "solve_s_max": max(p.stats.solve_ms for p in plans) / 1000,
        "status": plan.status,
        "paid_hours": plan.paid_hours,
        "people": plan.people,
        "window_intervals": sum(sum(row.open_windows.values()) for row in plan.intervals),
        "shortfalls": len(plan.shortfalls),
        "simulated": simulate_open_windows(problem, plan_open_windows(problem, plan), days, EVAL_SEED),
    }


def pyworkforce(problem: StaffingProblem, python: str | None, days: int) -> dict[str, Any] | None:
    if not python or len(problem.services) != 1 or not Path(python).exists():
        return None
    service = problem.services[0]
    patterns = {}
    for index, pattern in enumerate(staff_patterns(problem, problem.staff[0])):
        coverage = [int(pattern.works(i)) for i in range(problem.n_intervals)]
        patterns[f"p{index:03d}"] = (coverage, pattern.paid_min)
    job = {
        "arrivals": list(service.arrivals),
        "aht": service.aht_min,
        "asa": problem.service_level.target_wait_min,
        "interval": problem.interval_minutes,
        "service_level": problem.service_level.target_fraction,
        "max_windows": problem.max_windows,
        "coverage": {k: v[0] for k, v in patterns.items()},
        "cost": {k: v[1] for k, v in patterns.items()},  # paid minutes: the same cost as ours (hours)
    }
    done = subprocess.run(
        [python, "-c", PYWORKFORCE_SCRIPT],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    result = json.loads(done.stdout)
    open_windows = [0] * problem.n_intervals
    for name, count in result["chosen"].items():
        for i, covered in enumerate(patterns[name][0]):
            open_windows[i] += covered * count
    return {
        "solve_s_p50": result["solve_s"],
        "status": result["status"],
        "paid_hours": sum(patterns[name][1] * count for name, count in result["chosen"].items()) / 60,
        "people": sum(result["chosen"].values()),
        "window_intervals": sum(open_windows),
        "erlang_window_intervals": sum(result["required"]),
        "simulated": simulate_open_windows(problem, {service.name: open_windows}, days, EVAL_SEED),
    }


def intraday(problem: StaffingProblem, runs: int) -> dict[str, Any]:
    """Re-plan the rest of the reference day at 12:10 from the morning plan, demand +20%, 9 queued."""
    morning = solve_problem(problem, time_limit_s=2.0)

    def minute(clock: str) -> int:
        return int(clock[:2]) * 60 + int(clock[3:])

    now = minute("12:10")
    started = {}
    for a in morning.assignments:
        if minute(a.start) <= now:
            b = a.breaks[0] if a.breaks else None
            started[a.staff_id] = WorkedShift(
                a.shift_type,
                minute(a.start),
                minute(a.end),
                minute(b.start) if b else None,
                minute(b.end) if b else None,
            )
    live = LiveDay(now_min=now, started=started, queue={"general": 9}, demand_factor={"general": 1.2})
    times, plans = [], []
    for _ in range(runs):
        began = time.perf_counter()
        budget = Budget(remaining=lambda began=began: 1.0 - (time.perf_counter() - began), total_s=1.0)
        _, day = replan(problem, live, budget)
        times.append(time.perf_counter() - began)
        plans.append(day)
    return {
        "replan_s_p50": statistics.median(times),
        "replan_s_max": max(times),
        "budget_s": 1.0,
        "paid_hours_rest": sum(a.pattern.paid_min for a in plans[-1].roster.assignments) / 60,
        "shortfalls": len(plans[-1].roster.shortfalls),
        "status": plans[-1].roster.status,
    }


def scale_instance(template: dict[str, Any], index: int, staff_count: int) -> dict[str, Any]:
    rng = np.random.default_rng(1000 + index)
    instance = json.loads(json.dumps(template))
    instance["branch_id"] = f"scale-{index:03d}"
    instance["max_windows"] = 14
    factor = rng.uniform(0.9, 1.5)
    for spec in instance["services"].values():
        spec["arrivals"] = [round(float(a * factor * rng.uniform(0.85, 1.15)), 2) for a in spec["arrivals"]]
    skill_sets = [
        ["general", "cash"],
        ["cash"],
        ["general"],
        ["corporate", "general"],
        ["general", "cash", "corporate"],
    ]
    instance["staff"] = [
        {
            "id": f"x{k:02d}",
            "skills": skill_sets[int(rng.integers(len(skill_sets)))],
            "shift_types": ["4h", "6h", "8h"],
            "available": {"from": "09:00", "to": "17:00"},
            "cost_per_hour": float(rng.choice([1.0, 1.1, 1.25])),
        }
        for k in range(staff_count)
    ]
    return instance


def _solve_scale_day(args: tuple[dict[str, Any], float]) -> dict[str, Any]:
    instance, time_limit_s = args
    problem = parse_instance(instance)
    plan = solve_problem(problem, time_limit_s=time_limit_s, workers=1)
    sim = simulate_open_windows(problem, plan_open_windows(problem, plan), 200, EVAL_SEED)
    return {
        "solve_s": plan.stats.solve_ms / 1000,
        "status": plan.status,
        "paid_hours": plan.paid_hours,
        "shortfalls": len(plan.shortfalls),
        "worst_interval_level": sim["worst_interval_level"],
    }


def scale(template: dict[str, Any], days: int, staff: int, workers: int, time_limit_s: float) -> dict[str, Any]:
    jobs = [(scale_instance(template, i, staff), time_limit_s) for i in range(days)]
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(_solve_scale_day, jobs))
    wall = time.perf_counter() - started
    return {
        "branch_days": days,
        "staff_each": staff,
        "processes": workers,
        "time_limit_s": time_limit_s,
        "wall_s": wall,
        "solve_s_p50": statistics.median(r["solve_s"] for r in results),
        "days_over_limit_by_10pct": sum(r["solve_s"] > 1.1 * time_limit_s for r in results),
        "solve_s_max": max(r["solve_s"] for r in results),
        "statuses": {s: sum(r["status"] == s for r in results) for s in {r["status"] for r in results}},
        "days_with_shortfalls": sum(r["shortfalls"] > 0 for r in results),
        "days_below_target_200_sim_days": sum(r["worst_interval_level"] < 0.8 for r in results),
    }


def row(name: str, result: dict[str, Any] | None) -> str:
    if result is None:
        return f"{name:<28} {'skipped (no pyworkforce interpreter / not single-service)':>60}"
    sim = result["simulated"]
    return (
        f"{name:<28} {result['solve_s_p50']:>8.2f} {result['paid_hours']:>6.1f} {result['people']:>6d} "
        f"{result['window_intervals']:>7d} {sim['day_level']:>8.1%} {sim['worst_interval_level']:>8.1%} "
        f"{sim['intervals_below_target']:>5d}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=1000, help="simulated days per plan")
    parser.add_argument("--runs", type=int, default=5, help="solves of each instance (for the p50)")
    parser.add_argument("--time-limit", type=float, default=2.0)
    parser.add_argument("--scale-days", type=int, default=100)
    parser.add_argument("--scale-staff", type=int, default=30)
    parser.add_argument("--scale-time-limit", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pyworkforce-python", default=os.environ.get("PYWORKFORCE_PYTHON"))
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "staffing.json"))
    args = parser.parse_args()
    here = ROOT / "bench" / "staffing"
    report: dict[str, Any] = {"machine": machine(), "simulated_days": args.days, "instances": {}}
    print(f"machine: {report['machine']}")
    print(
        f"{'plan':<28} {'solve_s':>8} {'paid_h':>6} {'people':>6} {'win_int':>7} {'day_SL':>8} {'worst':>8} {'<80%':>5}"
    )
    for file_name in ("reference_day.json", "multiskill_day.json"):
        problem = parse_instance(json.loads((here / file_name).read_text()))
        mine = ours(problem, args.runs, args.days, args.time_limit)
        theirs = pyworkforce(problem, args.pyworkforce_python, args.days)
        report["instances"][file_name] = {"branchops": mine, "pyworkforce": theirs}
        print(row(f"{file_name[:-5]} branchops", mine))
        print(row(f"{file_name[:-5]} pyworkforce", theirs))
    reference = parse_instance(json.loads((here / "reference_day.json").read_text()))
    report["intraday"] = intraday(reference, args.runs)
    print(f"intraday re-plan (reference day at 12:10): {json.dumps(report['intraday'])}")
    if args.scale_days > 0:
        template = json.loads((here / "multiskill_day.json").read_text())
        result = scale(template, args.scale_days, args.scale_staff, args.workers, args.scale_time_limit)
        report["scale"] = result
        print(f"scale: {json.dumps(result)}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
