"""Rosters on mixed-skill days verified on the floor (issue 23 item 3), against per-service Erlang C sizing.

    .venv/bin/python -m bench.roster_mixed [--family 1 2 3 4 5 6] [--seeds 0 1] [--eval-days 500]
    .venv/bin/python -m bench.roster_mixed --write-kept   # (re)writes bench/staffing/mixed_day_*.json
    .venv/bin/python -m bench.roster_mixed --service-cost  # the service's own path: cost of verifying

Instances: the kept days bench/staffing/mixed_day_*.json (2, 3 and 4 services) and days of the family
(:func:`services.staffing.domain.mixed_family.mixed_day`) for the ``--family`` seeds. Per instance and
planning seed: :func:`~services.staffing.domain.verified_roster.plan_verified` (requirement loop, CP-SAT
roster, floor simulation of who calls whom with lognormal service times, repair / relax rounds) is run
twice (same seed: same roster?), timed on the wall clock and in CPU seconds of this process. The kept
roster is then judged on ``--eval-days`` fresh replications (seed 20261201, never seen by the planner):
worst 15-minute interval (pooled over services) and worst (service, interval) cell, shares pooled over
the replications. Baselines, judged on the same replications:

- ``erlang``: pyworkforce-style sizing, each service alone (Erlang C per interval at the target, then the
  cheapest shifts covering it; dedicated windows, no sharing, no staff list);
- ``erlang+sim``: the same, raised where its own simulation misses ``target + margin`` (same repair rule
  and planning replications as ours), i.e. the baseline at the service level our roster is held to;
- ``closed loop``: the existing planner (``solve_problem``, 5 s) judged on the mixed floor.

Writes bench/results/roster_mixed.json with the machine and its load average.

``--service-cost``: the staffing service's path (``solve_problem`` with the day-plan budget, 5 s) on the
single-service reference day and the kept mixed days, each planned by the closed loop and verified on the
floor (``floor`` of :mod:`services.staffing.domain.verified_day`: sigma 0.8, calling by skill order; the
service verifies only mixed days, the single-service row shows what verifying it would add). Wall and CPU
seconds of this process, whether the budget cut the rounds, and each plan judged on ``--eval-days`` fresh
replications of that floor. Writes bench/results/roster_service_cost.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from bench.common import machine, write_result
from services.staffing.domain.erlang_baseline import (
    DedicatedRoster,
    dedicated_cover,
    erlang_requirement,
    repaired_dedicated,
)
from services.staffing.domain.mixed_family import floor_model, mixed_day
from services.staffing.domain.plan import Plan
from services.staffing.domain.problem import StaffingProblem
from services.staffing.domain.verified_day import floor_model as service_floor
from services.staffing.domain.verified_roster import VerifySettings, plan_verified
from services.staffing.domain.verify import (
    Customers,
    Floor,
    FloorModel,
    Verification,
    draw_days,
    floor_from_counts,
    floor_from_roster,
    verify_floor,
)
from services.staffing.solve import parse_instance, solve_problem

HERE = Path(__file__).resolve().parent / "staffing"
EVAL_SEED = 20261201  # the plan is judged on days it never saw
KEPT = {"mixed_day_2svc.json": (101, 2), "mixed_day_3svc.json": (102, 3), "mixed_day_4svc.json": (103, 4)}


def judged(problem: StaffingProblem, floor: Floor, days: list[Customers] | tuple[Customers, ...]) -> dict[str, Any]:
    found: Verification = verify_floor(
        problem.service_names, floor, days, problem.n_intervals, problem.service_level.target_wait_min
    )
    share, service, interval = found.worst_cell()
    return {
        "worst_interval": round(found.worst_interval(), 4),
        "worst_cell": round(share, 4),
        "worst_cell_at": f"{service}@{problem.interval_start(interval)}",
        "day_share": round(found.day_share, 4),
        "intervals_below_target": sum(
            s is not None and s < problem.service_level.target_fraction for s in found.interval_shares()
        ),
    }


def dedicated_row(problem: StaffingProblem, roster: DedicatedRoster, days: tuple[Customers, ...]) -> dict[str, Any]:
    floor = floor_from_counts(problem.service_names, roster.open_windows, problem.interval_minutes)
    return {"paid_hours": roster.paid_hours, "shifts": roster.shifts, "status": roster.status} | judged(
        problem, floor, days
    )


def ours(problem: StaffingProblem, model: FloorModel, seed: int, eval_days: tuple[Customers, ...]) -> dict[str, Any]:
    settings = VerifySettings(seed=seed)
    wall, cpu = time.perf_counter(), time.process_time()
    result = plan_verified(problem, model, settings)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    again = plan_verified(problem, model, settings)
    roster = result.roster
    share, _, _ = result.verification.worst_cell()
    return {
        "solve_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "status": roster.status,
        "gap": None if result.gap is None else round(result.gap, 4),
        "solves": len(result.rounds),
        "steps": [f"{r.step}:{r.cells_below}" for r in result.rounds],
        "paid_hours": sum(a.pattern.paid_min for a in roster.assignments) / 60,
        "people": len(roster.assignments),
        "shortfalls": len(roster.shortfalls),
        "planning_worst_cell": round(share, 4),
        "same_roster_again": again.roster.assignments == roster.assignments and again.gap == result.gap,
        "reproducible": result.reproducible and again.reproducible,  # no solve cut by the wall clock
        "cpsat_wall_s": [r.solve_s for r in result.rounds],
    } | judged(problem, floor_from_roster(problem, roster, model.pooling, model.calling), eval_days)


def plan_floor(problem: StaffingProblem, model: FloorModel, plan: Plan) -> Floor:
    """The floor of a rendered plan: who sits at a window when, calling as ``model`` says."""
    calls = []
    names = problem.service_names
    skills = {m.id: [names.index(s) for s in m.skills if s in names] for m in problem.staff}
    start_of = {problem.interval_start(i): i for i in range(problem.n_intervals)}
    for a in plan.assignments:
        row: list[tuple[int, ...]] = [()] * problem.n_intervals
        for stretch in a.serving:
            own = names.index(stretch.service)
            order = (own, *[s for s in skills[a.staff_id] if s != own]) if model.pooling else (own,)
            if model.calling == "skills":
                order = tuple(skills[a.staff_id]) if model.pooling else (skills[a.staff_id][0],)
            end = start_of.get(stretch.end, problem.n_intervals)
            for i in range(start_of[stretch.start], end):
                row[i] = order
        calls.append(tuple(row))
    return Floor(tuple(calls), problem.interval_minutes, len(names))


def closed_loop(problem: StaffingProblem, model: FloorModel, eval_days: tuple[Customers, ...]) -> dict[str, Any]:
    """The existing planner (one FCFS queue per service, exponential) judged on the mixed floor."""
    plan = solve_problem(problem, time_limit_s=5.0, seed=0)
    return {"solve_s": round(plan.stats.solve_ms / 1000, 2), "paid_hours": plan.paid_hours} | judged(
        problem, plan_floor(problem, model, plan), eval_days
    )


def service_cost(eval_days_n: int, out: str) -> None:
    """Closed loop against verified, as the service plans a day (5 s budget), per instance."""
    report: dict[str, Any] = {"machine": machine(), "eval_days": eval_days_n, "budget_s": 5.0, "instances": {}}
    print(f"machine: {report['machine']}")
    print(f"{'instance':<20} {'planner':<10} {'wall_s':>6} {'cpu_s':>6} {'cut':>5} {'paid_h':>6} {'worst_int':>9}")
    names = ["reference_day.json", *KEPT]
    for name in names:
        doc = json.loads((HERE / name).read_text())
        problem = parse_instance(doc.get("instance", doc))
        model = service_floor(problem, 0.8, {})
        eval_days = draw_days(problem, model, eval_days_n, EVAL_SEED)
        entry: dict[str, Any] = {"services": len(problem.services)}
        for label, floor in (("closed", None), ("verified", model)):
            wall, cpu = time.perf_counter(), time.process_time()
            plan = solve_problem(problem, time_limit_s=5.0, seed=0, floor=floor)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            row = {
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "stable": plan.stats.stable,
                "paid_hours": plan.paid_hours,
                "rounds": plan.stats.loop_rounds,
            } | judged(problem, plan_floor(problem, model, plan), eval_days)
            entry[label] = row
            print(
                f"{name:<20} {label:<10} {wall:>6.2f} {cpu:>6.2f} {not plan.stats.stable!s:>5} "
                f"{plan.paid_hours:>6.1f} {row['worst_interval']:>9.1%}"
            )
        report["instances"][name] = entry
    report["loadavg_after"] = os.getloadavg()[0]
    print(f"load average (1 min) before {report['machine']['loadavg_1m']:.2f}, after {report['loadavg_after']:.2f}")
    print(f"wrote {write_result(out, report)}")


def instances(family: list[int]) -> list[tuple[str, dict[str, Any]]]:
    found = [(name, json.loads((HERE / name).read_text())) for name in KEPT]
    return found + [(f"family seed {seed}", mixed_day(seed)) for seed in family]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--family", type=int, nargs="*", default=[1, 2, 3, 4, 5, 6])
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1])
    parser.add_argument("--eval-days", type=int, default=500)
    parser.add_argument("--no-closed-loop", action="store_true", help="skip the existing planner's column")
    parser.add_argument("--write-kept", action="store_true")
    parser.add_argument("--out", default=None, help="result name (default roster_mixed / roster_service_cost)")
    parser.add_argument("--service-cost", action="store_true", help="closed loop against verified, service path")
    args = parser.parse_args()
    if args.service_cost:
        service_cost(args.eval_days, args.out or "roster_service_cost")
        return
    if args.write_kept:
        for name, (seed, count) in KEPT.items():
            (HERE / name).write_text(json.dumps(mixed_day(seed, count), indent=1) + "\n")
            print(f"wrote {HERE / name}")
        return
    report: dict[str, Any] = {"machine": machine(), "eval_days": args.eval_days, "instances": {}}
    print(f"machine: {report['machine']}")
    head = (
        f"{'instance':<20} {'roster':<12} {'solve_s':>7} {'cpu_s':>6} {'gap':>7} {'paid_h':>6} "
        f"{'worst_int':>9} {'worst_cell':>10} {'same':>5}"
    )
    print(head)
    for name, doc in instances(args.family):
        problem = parse_instance(doc["instance"])
        model = floor_model(doc["floor"])
        eval_days = draw_days(problem, model, args.eval_days, EVAL_SEED)
        plan_days = draw_days(problem, model, VerifySettings().days, 0)
        goal = problem.service_level.target_fraction + VerifySettings().margin
        entry: dict[str, Any] = {
            "services": {s.name: {"aht_min": s.aht_min, "sigma": model.sigma.get(s.name)} for s in problem.services},
            "staff": len(problem.staff),
            "shared_staff": sum(len(m.skills) > 1 for m in problem.staff),
            "erlang": dedicated_row(problem, dedicated_cover(problem, erlang_requirement(problem)), eval_days),
        }
        repaired, _, rounds = repaired_dedicated(problem, model, plan_days, goal)
        entry["erlang+sim"] = dedicated_row(problem, repaired, eval_days) | {"repair_rounds": rounds}
        if not args.no_closed_loop:
            entry["closed_loop"] = closed_loop(problem, model, eval_days)
        entry["ours"] = {str(seed): ours(problem, model, seed, eval_days) for seed in args.seeds}
        report["instances"][name] = entry
        for seed, row in entry["ours"].items():
            gap = "-" if row["gap"] is None else f"{row['gap']:.4f}"
            print(
                f"{name:<20} {'ours s' + seed:<12} {row['solve_s']:>7.2f} {row['cpu_s']:>6.2f} {gap:>7} "
                f"{row['paid_hours']:>6.1f} {row['worst_interval']:>9.1%} {row['worst_cell']:>10.1%} "
                f"{row['same_roster_again']!s:>5}"
            )
        for label in ("erlang", "erlang+sim", "closed_loop"):
            if label in entry:
                row = entry[label]
                print(
                    f"{name:<20} {label:<12} {row.get('solve_s', float('nan')):>7.2f} {'':>6} {'':>7} "
                    f"{row['paid_hours']:>6.1f} {row['worst_interval']:>9.1%} {row['worst_cell']:>10.1%}"
                )
    report["loadavg_after"] = os.getloadavg()[0]
    print(f"load average (1 min) before {report['machine']['loadavg_1m']:.2f}, after {report['loadavg_after']:.2f}")
    print(f"wrote {write_result(args.out or 'roster_mixed', report)}")


if __name__ == "__main__":
    main()
