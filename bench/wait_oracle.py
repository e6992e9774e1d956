"""A perfectly informed wait predictor for simulated days: the floor of the prediction error.

It knows what no real predictor can: the true arrival rates, service-time distributions, no-show share,
patience and the exact window plan of the day, and the branch as it is when the ticket joins (lines in
call order, who is served since when). It does not know the future draws: from that state it simulates
the rest of the day ``runs`` times with fresh randomness, under the same routing rules as the simulator,
until the ticket is called, and predicts the mean of those waits (runs where the ticket gives up are not
counted: only called tickets are scored). Appointments still to come are drawn again from the booking,
conditioned on what the snapshot says arrived so far per slot (a booked customer not yet here still
comes with the conditional chance, at a uniform time in the rest of the slot's arrival span); a
window's pace scales its service times as in the simulator. Its error is what no predictor can avoid
with this information, up to the Monte-Carlo noise of the mean (an extra variance of about var/runs per ticket).
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import random
from dataclasses import dataclass, field

from branchops.contracts.enums import Priority, ServiceName
from services.queue.domain.routing import Head, RoutingRules, choose_next
from simulation.branch_day import SLOT_MIN, DaySpec, ServiceSpec, Snapshot, WindowPlan, service_time

NO_SHOW_MIN, NO_SHOW_MAX = 0.5, 1.5  # the simulator's no-show occupancy, uniform
HORIZON_MIN = 24 * 60.0


def _survival(spec: ServiceSpec, elapsed: float) -> float:
    if abs(spec.cv - 1.0) < 1e-9:
        return math.exp(-elapsed / spec.aht_min)
    if elapsed <= 0:
        return 1.0
    s2 = math.log1p(spec.cv**2)
    z = (math.log(elapsed) - (math.log(spec.aht_min) - s2 / 2)) / math.sqrt(s2)
    return 0.5 * math.erfc(z / math.sqrt(2))


def remaining(rng: random.Random, spec: ServiceSpec, no_show_share: float, elapsed: float) -> float:
    """Rest of an occupancy (service or no-show) that has lasted ``elapsed`` minutes so far."""
    p_no_show = no_show_share * min(max((NO_SHOW_MAX - elapsed) / (NO_SHOW_MAX - NO_SHOW_MIN), 0.0), 1.0)
    p_service = (1 - no_show_share) * _survival(spec, elapsed)
    if p_no_show + p_service <= 0:
        return 0.0
    if rng.random() * (p_no_show + p_service) < p_no_show:
        return rng.uniform(max(NO_SHOW_MIN, elapsed), NO_SHOW_MAX) - elapsed
    if abs(spec.cv - 1.0) < 1e-9:
        return rng.expovariate(1 / spec.aht_min)
    for _ in range(10_000):
        took = service_time(rng, spec)
        if took > elapsed:
            return took - elapsed
    return spec.aht_min  # a tail too far for rejection sampling: the mean as a stand-in


def remaining_paced(rng: random.Random, spec: ServiceSpec, no_show_share: float, elapsed: float, pace: float) -> float:
    """:func:`remaining` at a window whose service times are ``pace`` times the service's."""
    if abs(pace - 1.0) < 1e-9:
        return remaining(rng, spec, no_show_share, elapsed)
    scaled = ServiceSpec(spec.arrivals, spec.aht_min * pace, spec.cv, spec.patience_min)
    return remaining(rng, scaled, no_show_share, elapsed)


def next_arrival(rng: random.Random, spec: ServiceSpec, t: float) -> float | None:
    """Next arrival after ``t`` of the non-stationary Poisson process (memoryless within a slot)."""
    while True:
        slot = int(t // SLOT_MIN)
        if slot >= len(spec.arrivals):
            return None
        rate = spec.arrivals[slot] / SLOT_MIN
        end = (slot + 1) * SLOT_MIN
        if rate > 0:
            t_next = t + rng.expovariate(rate)
            if t_next < end:
                return t_next
        t = end


@dataclass
class _Run:
    spec: DaySpec
    rules: RoutingRules
    rng: random.Random
    t: float
    lines: dict[ServiceName, list[tuple[float, int, str]]]
    open_windows: set[str]
    closing: set[str]
    busy: set[str] = field(default_factory=set)
    events: list[tuple[float, int, str, tuple[object, ...]]] = field(default_factory=list)
    seq: int = 0

    def push(self, minute: float, kind: str, *args: object) -> None:
        self.seq += 1
        heapq.heappush(self.events, (minute, self.seq, kind, args))

    def score(self, minute: float, priority: Priority) -> float:
        return self.rules.score(self.spec.open_at + dt.timedelta(minutes=minute), priority)


def one_run(spec: DaySpec, rules: RoutingRules, snap: Snapshot, target: str, rng: random.Random) -> float | None:
    """Minutes until ``target`` is called in one continuation of the day; None if it gave up first."""
    run = _Run(
        spec,
        rules,
        rng,
        snap.now,
        {s: [(sc, i, tid) for i, (sc, tid) in enumerate(line)] for s, line in snap.lines.items()},
        set(snap.open_windows),
        set(snap.closing),
    )
    plans_by_id = {p.window_id: p for p in spec.windows}
    for window, (service, since) in snap.serving.items():
        run.busy.add(window)
        pace = plans_by_id[window].pace if window in plans_by_id else 1.0
        rest = remaining_paced(rng, spec.services[service], spec.no_show_share, snap.now - since, pace)
        run.push(snap.now + rest, "done", window)
    for plan in spec.windows:
        for start, end in plan.open_periods:
            if start > snap.now:
                run.push(start, "open", plan.window_id)
            if end > snap.now:
                run.push(end, "close", plan.window_id)
    for t_app, service in future_appointments(spec, snap, rng):
        run.push(t_app, "arrive", service, Priority.VIP)
    for service, s in spec.services.items():
        t_next = next_arrival(rng, s, snap.now)
        if t_next is not None:
            run.push(t_next, "arrive", service)
        if s.patience_min:
            for _, _, tid in run.lines.get(service, ()):
                run.push(snap.now + rng.expovariate(1 / s.patience_min), "leave", service, tid)
    plans = {p.window_id: p for p in spec.windows}
    while True:
        called = _call_free(run, plans, target)
        if called:
            return run.t - snap.now
        if not run.events:
            return None
        run.t, _, kind, args = heapq.heappop(run.events)
        if run.t > HORIZON_MIN:
            return None
        if _apply(run, kind, args, target) is False:
            return None


def future_appointments(spec: DaySpec, snap: Snapshot, rng: random.Random) -> list[tuple[float, ServiceName]]:
    """Booked customers still to come after ``snap.now``, drawn given how many came so far per slot."""
    out = []
    span = spec.appointment_early_min + spec.appointment_late_min
    for service, booked in spec.appointments.items():
        for slot, count in enumerate(booked):
            lo = max(slot * SLOT_MIN - spec.appointment_early_min, 0.0)
            hi = slot * SLOT_MIN + spec.appointment_late_min
            missing = count - snap.appointments_arrived.get((service, slot), 0)
            if missing <= 0 or hi <= snap.now:
                continue
            later = min((hi - max(snap.now, lo)) / span, 1.0) if span > 0 else 1.0
            comes = (1 - spec.appointment_no_show) * later
            p = comes / (spec.appointment_no_show + comes) if comes > 0 else 0.0
            for _ in range(missing):
                if rng.random() < p:
                    out.append((rng.uniform(max(snap.now, lo), hi), service))
    return out


def _apply(run: _Run, kind: str, args: tuple[object, ...], target: str) -> bool:
    """One event; False when the target gave up."""
    if kind == "arrive":
        service = args[0]
        assert isinstance(service, ServiceName)
        s = run.spec.services[service]
        booked = len(args) > 1
        if booked:
            priority = Priority.VIP
        else:
            priority = Priority.ELDERLY if run.rng.random() < run.spec.priority_share else Priority.NORMAL
        run.seq += 1
        tid = f"future-{run.seq}"
        line = run.lines.setdefault(service, [])
        line.append((run.score(run.t, priority), run.seq, tid))
        line.sort()
        t_next = None if booked else next_arrival(run.rng, s, run.t)
        if t_next is not None:
            run.push(t_next, "arrive", service)
        if s.patience_min:
            run.push(run.t + run.rng.expovariate(1 / s.patience_min), "leave", service, tid)
    elif kind == "leave":
        leaving = run.lines.get(args[0], [])  # type: ignore[call-overload]
        for i, entry in enumerate(leaving):
            if entry[2] == args[1]:
                del leaving[i]
                if args[1] == target:
                    return False
                break
    elif kind == "open":
        run.closing.discard(str(args[0]))
        run.open_windows.add(str(args[0]))
    elif kind == "close":
        window = str(args[0])
        if window in run.busy:
            run.closing.add(window)
        else:
            run.open_windows.discard(window)
    elif kind == "done":
        window = str(args[0])
        run.busy.discard(window)
        if window in run.closing:
            run.closing.discard(window)
            run.open_windows.discard(window)
    return True


def _call_free(run: _Run, plans: dict[str, WindowPlan], target: str) -> bool:
    """Every free open window calls, as the simulator's windows do; True when the target is called."""
    for window, plan in plans.items():
        if window not in run.open_windows or window in run.busy or window in run.closing:
            continue
        heads = [Head(s, run.lines[s][0][2], run.lines[s][0][0]) for s in plan.skills if run.lines.get(s)]
        chosen = choose_next(heads, plan.skills, run.rules)
        if chosen is None:
            continue
        run.lines[chosen.service].pop(0)
        if chosen.ticket_id == target:
            return True
        run.busy.add(window)
        s = run.spec.services[chosen.service]
        took = (
            run.rng.uniform(NO_SHOW_MIN, NO_SHOW_MAX)
            if run.rng.random() < run.spec.no_show_share
            else service_time(run.rng, s) * plan.pace
        )
        run.push(run.t + took, "done", window)
    return False


def ideal_wait(
    spec: DaySpec, rules: RoutingRules, snap: Snapshot, target: str, rng: random.Random, runs: int
) -> tuple[float, float] | None:
    """Mean wait of ``target`` over ``runs`` continuations in which it is called, and the Monte-Carlo
    variance of that mean (sample variance / runs), which inflates the squared error it scores."""
    waits = [w for w in (one_run(spec, rules, snap, target, rng) for _ in range(runs)) if w is not None]
    if not waits:
        return None
    mean = sum(waits) / len(waits)
    spread = sum((w - mean) ** 2 for w in waits) / max(len(waits) - 1, 1)
    return mean, spread / len(waits)
