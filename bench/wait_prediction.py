"""Wait prediction bench: simulated branch days with a known ground truth, our predictor against
baselines, in one run.

    .venv/bin/python bench/wait_prediction.py [--days 10] [--seed 7]

Scenarios (each a run of consecutive days replayed through one predictor, so it learns across days):
reference (bench/staffing/reference_day.json, windows per Erlang C for 80% within 10 min), lean (one
window fewer all day), abandonment (lean, customers give up after 15 min on average), multiskill (cash
and general lines, one window serving both). The first day of each run is warm-up and not scored.
Baselines are told the truth: queue length x true AHT / open windows, head-of-line (the wait of the
last customer called), Erlang C mean wait with the true rates. The "ideal" column is the floor: a
perfectly informed predictor (bench/wait_oracle.py: true rates and distributions, the exact window plan,
the branch as the ticket joins) that predicts the mean of ``--oracle-runs`` simulated continuations of
the day; 0 leaves it out. Writes bench/results/wait_prediction.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, write_result  # noqa: E402
from bench.wait_oracle import ideal_wait  # noqa: E402
from branchops.contracts.enums import ServiceName  # noqa: E402
from services.queue.domain.replay import Replayer  # noqa: E402
from services.queue.domain.routing import RoutingRules  # noqa: E402
from simulation.branch_day import DaySpec, ServiceSpec, Snapshot, Truth, WindowPlan, simulate_day  # noqa: E402

REFERENCE = ROOT / "bench" / "staffing" / "reference_day.json"


def erlang_c(c: int, load: float) -> float:
    """Probability of waiting in M/M/c with offered load ``load`` (erlangs)."""
    if c <= load:
        return 1.0
    term, total = 1.0, 1.0
    for k in range(1, c):
        term *= load / k
        total += term
    top = term * load / c * c / (c - load)
    return top / (total + top)


def staff_for(arrivals: list[float], aht: float, target_min: float = 10.0, fraction: float = 0.8) -> list[int]:
    out = []
    for count in arrivals:
        lam = count / 15.0
        load = lam * aht
        c = max(1, math.ceil(load))
        while True:
            pw = erlang_c(c, load)
            sl = 1 - pw * math.exp(-(c - load) * target_min / aht) if c > load else 0.0
            if sl >= fraction:
                break
            c += 1
        out.append(c)
    return out


def plan_windows(levels: list[int], skills: tuple[ServiceName, ...], prefix: str = "w") -> tuple[WindowPlan, ...]:
    plans = []
    for k in range(1, max(levels) + 1):
        periods: list[tuple[float, float]] = []
        for slot, level in enumerate(levels):
            if level >= k:
                if periods and periods[-1][1] == slot * 15:
                    periods[-1] = (periods[-1][0], (slot + 1) * 15.0)
                else:
                    periods.append((slot * 15.0, (slot + 1) * 15.0))
        plans.append(WindowPlan(f"{prefix}{k}", skills, tuple(periods)))
    return tuple(plans)


def scenarios() -> dict[str, tuple[dict[ServiceName, ServiceSpec], tuple[WindowPlan, ...]]]:
    ref = json.loads(REFERENCE.read_text())["services"]["general"]
    arrivals, aht = [float(a) for a in ref["arrivals"]], float(ref["aht_min"])
    levels = staff_for(arrivals, aht)
    lean = [max(1, c - 1) for c in levels]
    general = ServiceSpec(tuple(arrivals), aht)
    cash = ServiceSpec(tuple(a * 0.6 for a in arrivals), 4.0, cv=0.6)
    mixed = (
        *plan_windows([max(1, c - 1) for c in levels], (ServiceName.GENERAL,), "g"),
        *plan_windows(staff_for(list(cash.arrivals), 4.0), (ServiceName.CASH,), "c"),
        WindowPlan("m1", (ServiceName.CASH, ServiceName.GENERAL), ((0.0, 480.0),)),
    )
    return {
        "reference": ({ServiceName.GENERAL: general}, plan_windows(levels, (ServiceName.GENERAL,))),
        "lean": ({ServiceName.GENERAL: general}, plan_windows(lean, (ServiceName.GENERAL,))),
        "abandonment": (
            {ServiceName.GENERAL: ServiceSpec(tuple(arrivals), aht, patience_min=15.0)},
            plan_windows(lean, (ServiceName.GENERAL,)),
        ),
        "multiskill": ({ServiceName.GENERAL: general, ServiceName.CASH: cash}, mixed),
    }


def baselines(truth: Truth, aht: float) -> dict[str, float]:
    c = truth.open_capable
    ql = truth.ahead * aht / c if c else truth.ahead * aht
    hol = truth.head_of_line_min if truth.head_of_line_min is not None else ql
    load = truth.arrival_rate * aht
    erl = erlang_c(c, load) * aht / (c - load) if c and c > load else ql
    return {"queue_length": ql, "head_of_line": hol, "erlang_c": erl}


def run(name: str, days: int, seed: int, oracle_runs: int = 0) -> dict[str, Any]:
    services, windows = scenarios()[name]
    replayer = Replayer()
    errors: dict[str, list[float]] = {"ours": [], "queue_length": [], "head_of_line": [], "erlang_c": []}
    if oracle_runs:
        errors["ideal"] = []
    oracle_rng = random.Random(seed)
    mc_noise: list[float] = []
    covered = 0
    started = time.perf_counter()
    n_events = 0
    for d in range(days):
        day = dt.date(2026, 11, 2) + dt.timedelta(days=d)
        opening = dt.datetime.combine(day, dt.time(9, 0), tzinfo=dt.UTC)
        spec = DaySpec(f"bench-{name}", day, opening, services, windows)
        ideal: dict[str, tuple[float, float] | None] = {}

        def on_issue(ticket_id: str, snap: Snapshot, spec: DaySpec = spec, ideal: dict = ideal) -> None:
            ideal[ticket_id] = ideal_wait(spec, RoutingRules(), snap, ticket_id, oracle_rng, oracle_runs)

        events, truths = simulate_day(spec, seed=seed * 1000 + d, on_issue=on_issue if oracle_runs and d else None)
        predictions = {}
        for event_id, data in events:
            p = replayer.feed(event_id, data)
            if p is not None:
                predictions[p.ticket_id] = p
        n_events += len(events)
        if d == 0:
            continue
        for ticket_id, truth in truths.items():
            if truth.wait_min is None:
                continue
            p = predictions[ticket_id]
            errors["ours"].append(p.predicted_wait_min - truth.wait_min)
            covered += p.p10_min <= truth.wait_min <= p.p90_min
            for key, value in baselines(truth, services[truth.service].aht_min).items():
                errors[key].append(value - truth.wait_min)
            if oracle_runs:
                best = ideal[ticket_id] or (truth.wait_min, 0.0)
                errors["ideal"].append(best[0] - truth.wait_min)
                mc_noise.append(best[1])
    elapsed = time.perf_counter() - started
    n = len(errors["ours"])
    out: dict[str, Any] = {
        "tickets_scored": n,
        "events": n_events,
        "replay_s": round(elapsed, 2),
        "skipped_events": len(replayer.skipped),
        "coverage_80": round(covered / n, 3),
    }
    if mc_noise:  # the ideal's squared error less the Monte-Carlo variance of its means: the floor itself
        floor = sum(e * e for e in errors["ideal"]) / n - sum(mc_noise) / n
        out["floor_rmse"] = round(math.sqrt(max(floor, 0.0)), 3)
    for key, errs in errors.items():
        out[key] = {
            "mae": round(sum(abs(e) for e in errs) / n, 3),
            "rmse": round(math.sqrt(sum(e * e for e in errs) / n), 3),
            "bias": round(sum(errs) / n, 3),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument(
        "--oracle-runs",
        type=int,
        default=100,
        help="continuations per ticket of the perfectly informed predictor (0: leave it out)",
    )
    args = parser.parse_args()
    names = [n for n in scenarios() if not args.only or n in args.only.split(",")]
    results = {name: run(name, args.days, args.seed, args.oracle_runs) for name in names}
    columns = ("ours", "queue_length", "head_of_line", "erlang_c", *(("ideal",) if args.oracle_runs else ()))
    header = f"{'scenario':<12} {'n':>6} {'cover80':>8} " + " ".join(f"{k + ' mae/rmse':>24}" for k in columns)
    print(header)
    for name, r in results.items():
        cells = " ".join(f"{r[k]['mae']:>11.2f} /{r[k]['rmse']:>11.2f}" for k in columns)
        print(f"{name:<12} {r['tickets_scored']:>6} {r['coverage_80']:>8.3f} {cells}")
    if args.oracle_runs:
        print(
            "floor (ideal rmse less its Monte-Carlo noise): "
            + ", ".join(
                f"{name} {r['floor_rmse']:.2f} (ours {r['ours']['rmse'] / r['floor_rmse']:.3f}x)"
                for name, r in results.items()
            )
        )
    path = write_result(
        "wait_prediction",
        {
            "machine": machine(),
            "days": args.days,
            "seed": args.seed,
            "oracle_runs": args.oracle_runs,
            "minutes": "errors in minutes of wait, scored from day 2",
            "scenarios": results,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
