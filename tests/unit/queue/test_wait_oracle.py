"""The perfectly informed predictor of the wait bench (bench/wait_oracle.py) against closed forms."""

from __future__ import annotations

import datetime as dt
import random
import statistics

from bench.wait_oracle import ideal_wait, next_arrival, one_run, remaining
from branchops.contracts.enums import ServiceName
from services.queue.domain.routing import RoutingRules
from simulation.branch_day import DaySpec, ServiceSpec, Snapshot, WindowPlan, simulate_day

G = ServiceName.GENERAL
OPEN_AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def spec(
    windows: int,
    arrivals: tuple[float, ...] = (0.0,) * 32,
    aht: float = 6.0,
    no_show: float = 0.0,
    patience: float | None = None,
) -> DaySpec:
    plans = tuple(WindowPlan(f"w{k}", (G,), ((0.0, 480.0),)) for k in range(windows))
    return DaySpec(
        "b",
        OPEN_AT.date(),
        OPEN_AT,
        {G: ServiceSpec(arrivals, aht, patience_min=patience)},
        plans,
        priority_share=0.0,
        no_show_share=no_show,
    )


def busy_branch(day: DaySpec, ahead: int, now: float = 60.0) -> Snapshot:
    line = tuple((float(i), f"t{i}") for i in range(ahead + 1))  # the last one is the ticket predicted
    serving = {p.window_id: (G, now - 3.0) for p in day.windows}
    return Snapshot(now, {G: line}, serving, frozenset(serving), frozenset())


def test_exponential_race_gives_the_erlang_mean() -> None:
    """c busy windows, exponential service, k ahead, nobody arriving: the call needs k+1 completions
    of a race at rate c/AHT, so the mean wait is (k+1) AHT / c."""
    day = spec(windows=3)
    result = ideal_wait(day, RoutingRules(), busy_branch(day, ahead=4), "t4", random.Random(1), runs=4000)
    assert result is not None
    mean, mc_variance = result
    assert abs(mean - 5 * 6.0 / 3) < 0.3, mean
    assert 0 < mc_variance < 0.01  # var (k+1)(AHT/c)^2 = 20 over 4000 runs


def test_idle_window_calls_the_ticket_at_once() -> None:
    day = spec(windows=2)
    snap = Snapshot(10.0, {G: ((0.0, "t0"),)}, {"w0": (G, 9.0)}, frozenset({"w0", "w1"}), frozenset())
    assert one_run(day, RoutingRules(), snap, "t0", random.Random(2)) == 0.0


def test_window_the_plan_opens_later_is_waited_for() -> None:
    """Every window closed now, one opens at minute 30 per the plan: the ticket waits exactly 20 min."""
    plans = (WindowPlan("w0", (G,), ((30.0, 480.0),)),)
    day = DaySpec("b", OPEN_AT.date(), OPEN_AT, {G: ServiceSpec((0.0,) * 32, 6.0)}, plans, priority_share=0.0)
    snap = Snapshot(10.0, {G: ((0.0, "t0"),)}, {}, frozenset(), frozenset())
    assert one_run(day, RoutingRules(), snap, "t0", random.Random(3)) == 20.0


def test_a_ticket_that_gives_up_in_every_run_has_no_prediction() -> None:
    day = spec(windows=1, patience=0.001)
    snap = busy_branch(day, ahead=0)
    snap = Snapshot(snap.now, snap.lines, {"w0": (G, snap.now)}, snap.open_windows, snap.closing)
    assert ideal_wait(day, RoutingRules(), snap, "t0", random.Random(4), runs=20) is None


def test_remaining_occupancy_is_conditioned_on_the_time_spent() -> None:
    rng = random.Random(5)
    service = ServiceSpec((0.0,), 6.0, cv=0.6)
    fresh = statistics.fmean(remaining(rng, service, 0.0, 0.0) for _ in range(4000))
    late = statistics.fmean(remaining(rng, service, 0.0, 12.0) for _ in range(4000))
    assert abs(fresh - 6.0) < 0.3
    assert 0 < late < fresh  # a log-normal service that has run twice its mean ends sooner than a new one
    no_shows_only = [remaining(rng, ServiceSpec((0.0,), 6.0), 1.0, 1.0) for _ in range(200)]
    assert all(0.0 <= r <= 0.5 for r in no_shows_only)  # a no-show lasts 0.5-1.5 min


def test_arrivals_follow_the_slot_rates() -> None:
    rng = random.Random(6)
    service = ServiceSpec((30.0, 0.0, 15.0), 6.0)  # 2/min, none, 1/min
    times: list[float] = []
    t: float | None = 0.0
    while (t := next_arrival(rng, service, t)) is not None:  # type: ignore[arg-type]
        times.append(t)
    assert not [x for x in times if 15.0 <= x < 30.0]
    assert max(times) < 45.0
    assert 20 < len([x for x in times if x < 15.0]) < 42


def test_the_hook_does_not_change_the_simulated_day() -> None:
    day = spec(windows=2, arrivals=(12.0,) * 8, no_show=0.03)
    plain, _ = simulate_day(day, seed=11)
    seen: list[str] = []
    hooked, _ = simulate_day(day, seed=11, on_issue=lambda ticket_id, snap: seen.append(ticket_id))
    assert [(e, d.model_dump()) for e, d in plain] == [(e, d.model_dump()) for e, d in hooked]
    assert len(seen) == sum(1 for _, d in plain if getattr(d, "status", None) == "issued") > 50
