"""What the intraday loop is worth (issue 17 item 5): the same simulated days run (a) on the morning plan alone
and (b) with BranchOps' re-plans and alerts acted on ``--act-min`` minutes later. In-process, no services.

Each day is the demo branch of ``make run`` (simulation/demo_config.py: 12 windows, 16 tellers, 09:00-17:00,
general and cash lines of simulation/live_branch.py ``demo_day``), played by the discrete-event simulator of
simulation/branch_day.py (Poisson arrivals, service times, abandonment, no-shows), one seed per day, the
same seed in (a) and (b) (common random numbers: arrivals are drawn first, so both runs meet the same
customers). The morning plan is staffing's own (``solve_problem`` on the problem ``problem_from_config``
builds from the configuration and the usual day's arrivals). Windows open per the plan's assignments:
each person serving a service in an interval opens a window of it.

Days: ``plain`` (the usual day), ``surge`` (+30% arrivals 11:30-13:00), ``absent`` (the teller with the
longest planned shift does not come), ``camera`` (the hall camera is down 10:00-13:00 while 15% more
customers come: the loop loses its live arrival nowcast and works from tickets alone, and a camera_down
alert is raised), ``drift`` (service times 25% longer from 11:00).

The loop (b), as the staffing service's intraday loop does it: every ``--every-min`` minutes it observes the
floor (tickets issued so far against the forecast, the queue now, recent handling times, who is absent),
re-plans the rest of the day (``replan_problem`` with the live day: started shifts kept, absent people left
out, the queue added, demand scaled by the observed factor, handling times updated when they drift by the
service's own rule, services/staffing/domain/drift.py), keeps the new plan only when it changes meaningfully
(``meaningful_change``, as the service does), and the floor acts ``--act-min`` minutes later. Alerts counted
as the floor would get them: one open_window/close_window per window that changes in the next interval, one
sla_risk per service whose predicted wait is over target with no window added, one camera_down per outage.

Reported per day and policy: share of customers served within the target wait (abandoned = missed), the
worst 15-minute interval (by arrival), paid hours, alerts per branch-hour, time to act (decision to
effect, and surprise onset to the first window it changed). ``python -m bench.closed_loop [--seeds 2]``
prints a table and writes bench/results/closed_loop.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

from bench.common import machine, write_result
from branchops.contracts.branch_config import BranchConfig
from branchops.contracts.enums import ServiceName, TicketStatus
from branchops.contracts.events import Ticket
from services.staffing.domain.drift import DriftRule, drifted_handling_times
from services.staffing.domain.intraday import LiveDay
from services.staffing.domain.live import clock_min, started_shifts
from services.staffing.domain.merge import meaningful_change, merge_rest_of_day
from services.staffing.domain.plan import Plan
from services.staffing.domain.problem import StaffingProblem, minutes_to_clock
from services.staffing.solve import InvalidInstance, replan_problem, solve_problem
from simulation.branch_day import SLOT_MIN, DaySpec, ServiceSpec, WindowPlan, simulate_day
from simulation.demo_config import demo_config
from simulation.live_branch import demo_day

BRANCH = "bench-001"
DAY = dt.date(2026, 12, 7)
ZONE = ZoneInfo("Asia/Shanghai")
OPEN_MIN = 9 * 60
LENGTH_MIN = 480
N_INTERVALS = LENGTH_MIN // SLOT_MIN
TARGET_MIN = 10.0
VERBOSE = bool(os.environ.get("CLOSED_LOOP_VERBOSE"))
Z = 2.5  # a deviation from the forecast of arrivals counts beyond this many standard errors
DRIFT = DriftRule()  # handling times: the staffing service's own drift rule
KINDS = ("plain", "surge", "absent", "camera", "drift")


@dataclass(frozen=True)
class Surprise:
    kind: str
    arrivals: Mapping[int, float] = field(default_factory=dict)  # interval -> multiplier
    aht_factor_from: tuple[int, float] | None = None  # (minute, multiplier of service times)
    absent: frozenset[str] = frozenset()
    camera_down: tuple[int, int] | None = None  # minutes from opening
    onset_min: int = 0


def surprise(kind: str, plan: Plan) -> Surprise:
    if kind == "surge":
        return Surprise(kind, {i: 1.3 for i in range(10, 16)}, onset_min=150)
    if kind == "absent":
        longest = max(plan.assignments, key=lambda a: (a.paid_hours, a.staff_id))
        return Surprise(kind, absent=frozenset({longest.staff_id}), onset_min=0)
    if kind == "camera":
        return Surprise(kind, {i: 1.15 for i in range(4, 16)}, camera_down=(60, 240), onset_min=60)
    if kind == "drift":
        return Surprise(kind, aht_factor_from=(120, 1.25), onset_min=120)
    return Surprise(kind)


# --- the branch and its morning plan --------------------------------------------------------------------------
def morning_problem() -> tuple[StaffingProblem, dict[ServiceName, ServiceSpec]]:
    from services.staffing.domain.from_config import problem_from_config

    services, _ = demo_day()
    config = BranchConfig.model_validate(demo_config(BRANCH))
    arrivals = {s.value: list(spec.arrivals) for s, spec in services.items()}
    aht = {s.value: spec.aht_min for s, spec in services.items()}
    problem = problem_from_config(BRANCH, config, DAY, arrivals, aht)
    assert problem is not None
    return problem, services


def counts_of(plan: Plan, absent: frozenset[str]) -> dict[str, list[int]]:
    """Windows per service and interval that the plan's people open (the absent open none)."""
    counts = {"general": [0] * N_INTERVALS, "cash": [0] * N_INTERVALS}
    for a in plan.assignments:
        if a.staff_id in absent:
            continue
        for stretch in a.serving:
            first = (clock_min(stretch.start) - OPEN_MIN) // SLOT_MIN
            last = (clock_min(stretch.end) - OPEN_MIN) // SLOT_MIN
            for i in range(max(first, 0), min(last, N_INTERVALS)):
                counts.setdefault(stretch.service, [0] * N_INTERVALS)[i] += 1
    return counts


def paid_hours(plan: Plan, absent: frozenset[str]) -> float:
    return sum(float(a.paid_hours) for a in plan.assignments if a.staff_id not in absent)


# --- the floor: window schedule -> simulated day ---------------------------------------------------------------
@dataclass
class Schedule:
    """Windows per service as they really open: versions of per-interval counts, each from a minute on."""

    versions: list[tuple[float, dict[str, list[int]]]]

    def count(self, service: str, minute: float) -> int:
        counts = [c for at, c in self.versions if at <= minute][-1]
        return counts[service][min(int(minute // SLOT_MIN), N_INTERVALS - 1)]

    def windows(self) -> tuple[WindowPlan, ...]:
        cuts = sorted({float(i * SLOT_MIN) for i in range(N_INTERVALS)} | {at for at, _ in self.versions})
        cuts = [c for c in cuts if c < LENGTH_MIN] + [float(LENGTH_MIN)]
        plans = []
        for service in ("general", "cash"):
            most = max(max(c[service]) for _, c in self.versions)
            for slot in range(most):
                periods: list[tuple[float, float]] = []
                for a, b in itertools.pairwise(cuts):
                    if self.count(service, a) > slot:
                        if periods and periods[-1][1] == a:
                            periods[-1] = (periods[-1][0], b)
                        else:
                            periods.append((a, b))
                if periods:
                    plans.append(WindowPlan(f"{service[0]}{slot + 1}", (ServiceName(service),), tuple(periods)))
        return tuple(plans)


@dataclass
class Day:
    """One simulated day's tickets: minute issued, called, done, and how it ended."""

    tickets: dict[str, dict[str, Any]]

    def issued_before(self, minute: float) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in self.tickets.values():
            if t["issued"] < minute:
                out[t["service"]] = out.get(t["service"], 0) + 1
        return out

    def waiting_at(self, minute: float) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in self.tickets.values():
            gone = min(t.get("called", 1e9), t.get("abandoned", 1e9))
            if t["issued"] < minute < gone:
                out[t["service"]] = out.get(t["service"], 0) + 1
        return out

    def handling_times(self, service: str, now: float, window: float) -> list[tuple[float, float]]:
        """(minutes since the service began, handling minutes) of the tickets completed by ``now`` whose service
        began in the last ``window`` minutes: what the staffing service knows at ``now``."""
        return [
            (now - t["called"], t["done"] - t["called"])
            for t in self.tickets.values()
            if t["service"] == service and t.get("completed") and t["done"] < now and now - window <= t["called"]
        ]

    def levels(self) -> tuple[float, float, int]:
        """(share within target, worst interval share, customers)."""
        per: dict[int, list[int]] = {}
        good = total = 0
        for t in self.tickets.values():
            ok = "called" in t and t["called"] - t["issued"] <= TARGET_MIN + 1e-9
            i = int(t["issued"] // SLOT_MIN)
            per.setdefault(i, [0, 0])
            per[i][0] += ok
            per[i][1] += 1
            good += ok
            total += 1
        worst = min((g / n for g, n in per.values() if n >= 3), default=1.0)
        return (good / total if total else 1.0), worst, total


def play(services: Mapping[ServiceName, ServiceSpec], schedule: Schedule, s: Surprise, seed: int) -> Day:
    specs = {}
    for name, service in services.items():
        arrivals = tuple(a * s.arrivals.get(i, 1.0) for i, a in enumerate(service.arrivals))
        specs[name] = replace(service, arrivals=arrivals)
    open_at = dt.datetime.combine(DAY, dt.time(9, 0), ZONE)
    day = DaySpec(BRANCH, DAY, open_at, specs, schedule.windows())
    if s.aht_factor_from is not None:
        return _play_drift(day, s.aht_factor_from, seed, open_at)
    events, _ = simulate_day(day, seed)
    return _day(events, open_at)


def _play_drift(spec: DaySpec, drift: tuple[int, float], seed: int, open_at: dt.datetime) -> Day:
    """Service times ``drift[1]`` times longer for customers called from minute ``drift[0]`` on."""
    import simulation.branch_day as branch_day

    original = branch_day.service_time
    clock = {"now": 0.0}

    def drifting(rng: random.Random, spec: ServiceSpec) -> float:
        took = original(rng, spec)
        return took * drift[1] if clock["now"] >= drift[0] else took

    original_call = branch_day._call

    def call(sim: Any, plan: Any, now: float, schedule: Any) -> None:
        clock["now"] = now
        original_call(sim, plan, now, schedule)

    branch_day.service_time, branch_day._call = drifting, call
    try:
        events, _ = simulate_day(spec, seed)
    finally:
        branch_day.service_time, branch_day._call = original, original_call
    return _day(events, open_at)


def _day(events: Sequence[tuple[str, Any]], open_at: dt.datetime) -> Day:
    tickets: dict[str, dict[str, Any]] = {}
    for _, data in events:
        if not isinstance(data, Ticket):
            continue
        minute = (data.at - open_at).total_seconds() / 60.0
        t = tickets.setdefault(data.ticket_id, {"service": data.service.value})
        if data.status is TicketStatus.ISSUED:
            t["issued"] = minute
        elif data.status is TicketStatus.CALLED:
            t["called"] = minute
        elif data.status is TicketStatus.ABANDONED:
            t["abandoned"] = minute
        elif data.status in (TicketStatus.COMPLETED, TicketStatus.NO_SHOW):
            t["done"] = minute
            t["completed"] = data.status is TicketStatus.COMPLETED
    return Day(tickets)


# --- the two policies ------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    kind: str
    seed: int
    policy: str
    within_target: float
    worst_interval: float
    customers: int
    paid_hours: float
    alerts: int
    replans: int = 0
    published: int = 0
    act_delay_min: float | None = None
    onset_to_first_change_min: float | None = None

    def row(self) -> dict[str, Any]:
        return {**self.__dict__, "alerts_per_branch_hour": round(self.alerts / (LENGTH_MIN / 60), 2)}


def morning_only(
    problem: StaffingProblem, plan: Plan, services: Mapping[ServiceName, ServiceSpec], s: Surprise, seed: int
) -> Outcome:
    day = play(services, Schedule([(0.0, counts_of(plan, s.absent))]), s, seed)
    share, worst, n = day.levels()
    return Outcome(s.kind, seed, "morning plan", share, worst, n, paid_hours(plan, s.absent), 0)


def with_loop(
    problem: StaffingProblem,
    plan: Plan,
    services: Mapping[ServiceName, ServiceSpec],
    s: Surprise,
    seed: int,
    *,
    every_min: int,
    act_min: float,
    solve_s: float,
    min_change: int = 4,
    min_paid_hours: float = 1.0,
) -> Outcome:
    schedule = Schedule([(0.0, counts_of(plan, s.absent))])
    current, known_absent, absent_handled = plan, frozenset[str](), False
    alerts = replans = published = 0
    first_change: float | None = None
    if s.camera_down is not None:
        alerts += 1  # camera_down, raised when it fails
    for decision in range(0, LENGTH_MIN - SLOT_MIN, every_min):
        day = play(services, schedule, s, seed)  # the same seed: the day so far is what really happened
        now = float(decision)
        effect = now + act_min
        if s.absent and decision >= act_min:
            known_absent = s.absent  # they did not come: the manager knows once the floor has looked
        camera_up = s.camera_down is None or not s.camera_down[0] <= now < s.camera_down[1]
        factors: dict[str, float] = {}
        window = 60 if camera_up else 120  # the hall camera counts the last hour; without it, tickets of two
        if decision >= window:
            recent, earlier = day.issued_before(now), day.issued_before(now - window)
            for sv in problem.services:
                first, last = (decision - window) // SLOT_MIN, decision // SLOT_MIN
                expected = sum(sv.arrivals[first:last])
                got = recent.get(sv.name, 0) - earlier.get(sv.name, 0)
                if expected >= 10 and abs(got - expected) > Z * expected**0.5:  # beyond Poisson noise
                    factors[sv.name] = min(max(got / expected, 0.5), 2.0)
        recent = {sv.name: day.handling_times(sv.name, now, DRIFT.window_min) for sv in problem.services}
        drifts = drifted_handling_times(recent, {sv.name: sv.aht_min for sv in problem.services}, DRIFT)
        aht = {sv.name: drifts[sv.name].recent_min if sv.name in drifts else sv.aht_min for sv in problem.services}
        queue = day.waiting_at(now)
        over = any(
            queue.get(sv.name, 0) * aht[sv.name] / max(schedule.count(sv.name, now), 1) > TARGET_MIN
            for sv in problem.services
        )
        moved = bool(factors)
        drifted = bool(drifts)  # the service's rule (services/staffing/domain/drift.py)
        if not (over or moved or drifted or (known_absent and not absent_handled)):
            continue  # nothing changed: the service's forecast trigger would not fire; no re-plan, no alert
        absent_handled = absent_handled or bool(known_absent)
        if VERBOSE:
            print(f"    {s.kind} {decision:3d} min: over={over} factors={factors} aht={aht} queue={queue}")
        live_problem = replace(problem, services=tuple(replace(sv, aht_min=aht[sv.name]) for sv in problem.services))
        live = LiveDay(
            now_min=OPEN_MIN + decision,
            started=started_shifts(current, OPEN_MIN + decision),
            absent=known_absent,
            queue=queue,
            demand_factor=factors,
        )
        replans += 1
        try:
            rest = replan_problem(live_problem, live, time_limit_s=solve_s, seed=seed)
        except InvalidInstance:
            continue
        merged = merge_rest_of_day(current, rest)
        cut = merged.replanned_from or "00:00"
        before = counts_of(current, s.absent)
        until = minutes_to_clock(min(clock_min(cut) + 120, 24 * 60 - 1))
        if meaningful_change(current, merged, cut, min_change, min_paid_hours, until=until) or (
            known_absent and current is plan
        ):
            current = merged
            published += 1
            after = counts_of(current, s.absent)
            schedule.versions.append((effect, after))
            nxt = min(int(effect // SLOT_MIN), N_INTERVALS - 1)
            changed = sum(abs(after[k][nxt] - schedule_count_before(before, k, nxt)) for k in after)
            alerts += changed
            if changed and first_change is None and effect >= s.onset_min:
                first_change = effect - s.onset_min
        nxt = min(int(effect // SLOT_MIN), N_INTERVALS - 1)
        for sv in problem.services:  # sla_risk: over target now and no window added for it
            open_now = max(schedule.count(sv.name, now), 1)
            predicted = queue.get(sv.name, 0) * aht[sv.name] / open_now
            if predicted > TARGET_MIN and schedule.count(sv.name, nxt * SLOT_MIN) <= open_now:
                alerts += 1
    final = play(services, schedule, s, seed)
    share, worst, n = final.levels()
    return Outcome(
        s.kind,
        seed,
        "loop",
        share,
        worst,
        n,
        paid_hours(current, s.absent),
        alerts,
        replans,
        published,
        act_min,
        first_change,
    )


def schedule_count_before(counts: Mapping[str, list[int]], service: str, interval: int) -> int:
    return counts.get(service, [0] * N_INTERVALS)[interval]


# --- the run ---------------------------------------------------------------------------------------------------
def run(seeds: int, kinds: Sequence[str], every_min: int, act_min: float, solve_s: float) -> dict[str, Any]:
    started = time.perf_counter()
    problem, services = morning_problem()
    plan = solve_problem(problem, time_limit_s=10.0, seed=0)
    rows: list[Outcome] = []
    for kind in kinds:
        s = surprise(kind, plan)
        for k in range(seeds):
            seed = 1000 + 17 * k
            a = morning_only(problem, plan, services, s, seed)
            b = with_loop(problem, plan, services, s, seed, every_min=every_min, act_min=act_min, solve_s=solve_s)
            rows += [a, b]
            print(
                f"  {kind:<7} seed {seed}: within target {a.within_target:.1%} -> {b.within_target:.1%}, "
                f"paid {a.paid_hours:.1f} -> {b.paid_hours:.1f} h, alerts {b.alerts}",
                flush=True,
            )
    summary = summarise(rows, float(plan.paid_hours))
    return {
        "benchmark": "closed_loop",
        "what": "issue 17 item 5: morning plan alone vs intraday re-plans and alerts acted on",
        "settings": {
            "seeds_per_kind": seeds,
            "every_min": every_min,
            "act_min": act_min,
            "replan_time_limit_s": solve_s,
            "target_wait_min": TARGET_MIN,
            "morning_plan": {"status": plan.status, "paid_hours": plan.paid_hours, "people": plan.people},
        },
        "machine": machine(),
        "seconds": round(time.perf_counter() - started, 1),
        "days": [r.row() for r in rows],
        "summary": summary,
    }


def summarise(rows: Sequence[Outcome], planned: float = 0.0) -> dict[str, Any]:
    """Per kind of day; ``planned``: the morning plan's paid hours (an absent teller is not paid in (a))."""
    out: dict[str, Any] = {}
    for kind in dict.fromkeys(r.kind for r in rows):
        a = [r for r in rows if r.kind == kind and r.policy == "morning plan"]
        b = [r for r in rows if r.kind == kind and r.policy == "loop"]

        def mean(values: Sequence[float]) -> float:
            return sum(values) / len(values) if values else float("nan")

        share_a, share_b = mean([r.within_target for r in a]), mean([r.within_target for r in b])
        paid_a, paid_b = mean([r.paid_hours for r in a]), mean([r.paid_hours for r in b])
        reactions = [r.onset_to_first_change_min for r in b if r.onset_to_first_change_min is not None]
        gain = (share_b - share_a) * 100
        paid = (paid_b / paid_a - 1) * 100 if paid_a else 0.0
        per_hour = mean([r.alerts for r in b]) / (LENGTH_MIN / 60)
        target_met = gain >= 5 and paid <= 5 and per_hour <= 6 if kind != "plain" else gain >= -0.5
        out[kind] = {
            "within_target_morning": round(share_a, 4),
            "within_target_loop": round(share_b, 4),
            "gain_points": round(gain, 2),
            "worst_interval_morning": round(mean([r.worst_interval for r in a]), 3),
            "worst_interval_loop": round(mean([r.worst_interval for r in b]), 3),
            "paid_hours_morning": round(paid_a, 2),
            "paid_hours_loop": round(paid_b, 2),
            "paid_change_pct": round(paid, 2),
            "paid_loop_vs_planned_pct": round((paid_b / planned - 1) * 100, 2) if planned else None,
            "alerts_per_branch_hour": round(per_hour, 2),
            "act_delay_min": b[0].act_delay_min if b else None,
            "onset_to_first_change_min": round(mean(reactions), 1) if reactions else None,
            "published_versions": round(mean([float(r.published) for r in b]), 1),
            "target_met": target_met,
        }
    return out


def table(summary: Mapping[str, Mapping[str, Any]]) -> str:
    head = (
        f"{'day':<7} {'within target':>20} {'gain':>6} {'worst interval':>16} {'paid hours':>14} {'paid':>6} "
        f"{'alerts/h':>8} {'act':>4} {'react':>6} {'versions':>8}  target"
    )
    lines = [head, "-" * len(head)]
    for kind, s in summary.items():
        react = s["onset_to_first_change_min"]
        lines.append(
            f"{kind:<7} {s['within_target_morning']:>9.1%} -> {s['within_target_loop']:>6.1%} "
            f"{s['gain_points']:>+6.1f} {s['worst_interval_morning']:>7.0%} -> {s['worst_interval_loop']:>5.0%} "
            f"{s['paid_hours_morning']:>6.1f} -> {s['paid_hours_loop']:>5.1f} {s['paid_change_pct']:>+5.1f}% "
            f"{s['alerts_per_branch_hour']:>8.2f} {s['act_delay_min']:>4.0f} "
            f"{'-' if react is None else f'{react:.0f}':>6} {s['published_versions']:>8.1f}  "
            f"{'met' if s['target_met'] else 'MISSED'}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seeds", type=int, default=2, help="simulated days per kind")
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated, of {', '.join(KINDS)}")
    parser.add_argument("--every-min", type=int, default=30, help="re-plan every this many simulated minutes")
    parser.add_argument("--act-min", type=float, default=5.0, help="minutes from a decision to the floor acting")
    parser.add_argument("--solve-s", type=float, default=1.0, help="time limit of one re-plan (s)")
    parser.add_argument("--out", default="closed_loop", help="result name under bench/results/")
    args = parser.parse_args(argv)
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = set(kinds) - set(KINDS)
    if unknown:
        parser.error(f"unknown kinds: {sorted(unknown)}")
    result = run(args.seeds, kinds, args.every_min, args.act_min, args.solve_s)
    print()
    print(table(result["summary"]))
    print(f"\n{result['seconds']} s; written to {write_result(args.out, result)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
