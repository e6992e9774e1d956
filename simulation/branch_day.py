"""A simulated branch day (library): non-stationary Poisson arrivals per 15-minute interval, service
times, windows that open and close per a plan, abandonment, no-shows and priority customers, routed by
the same rules as the real service. It emits the events the real service emits (tickets.v1,
windows.v1) and keeps the ground truth: every ticket's realised wait, and what simple baselines knew
when it was issued. A window that closes finishes its current customer first.

Harder days (all optional, the defaults keep the simple day): windows that serve several services call
by the queue's own rule (:func:`routing.choose_next`: the first skill is the window's own, priorities
first); a window may be slower or faster than the branch (``WindowPlan.pace`` multiplies its service
times); appointments booked per 15-minute slot arrive around the slot's start (from
``appointment_early_min`` before to ``appointment_late_min`` after, uniform) as VIP tickets of the
appointment channel, and ``appointment_no_show`` of them never come; ``priority_share`` of walk-ins are
elderly customers.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import itertools
import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from branchops.contracts.base import EventData
from branchops.contracts.enums import Channel, Priority, ServiceName, TicketStatus, WindowState
from branchops.contracts.events import Ticket, Window
from services.queue.domain.routing import Head, RoutingRules, choose_next
from services.queue.domain.tickets import ticket_number

SLOT_MIN = 15


@dataclass(frozen=True)
class ServiceSpec:
    arrivals: tuple[float, ...]  # expected arrivals per 15-minute interval from the opening time
    aht_min: float
    cv: float = 1.0  # 1: exponential; otherwise log-normal with this coefficient of variation
    patience_min: float | None = None  # mean of an exponential patience; None: nobody leaves


@dataclass(frozen=True)
class WindowPlan:
    window_id: str
    skills: tuple[ServiceName, ...]
    open_periods: tuple[tuple[float, float], ...]  # minutes from opening
    pace: float = 1.0  # multiplies this window's service times (1.3: it takes 30% longer)


@dataclass(frozen=True)
class DaySpec:
    branch_id: str
    day: dt.date
    open_at: dt.datetime
    services: dict[ServiceName, ServiceSpec]
    windows: tuple[WindowPlan, ...]
    priority_share: float = 0.05
    no_show_share: float = 0.03
    appointments: dict[ServiceName, tuple[int, ...]] = field(default_factory=dict)  # booked per 15-min slot
    appointment_no_show: float = 0.0  # share of booked customers who never come
    appointment_early_min: float = 5.0
    appointment_late_min: float = 10.0


@dataclass(frozen=True)
class Truth:
    ticket_id: str
    service: ServiceName
    issued_min: float
    wait_min: float | None  # None: left before being called
    ahead: int  # waiting in its line when issued
    open_capable: int  # open windows with its skill when issued
    head_of_line_min: float | None  # wait of the last customer called for its service
    arrival_rate: float  # true arrivals per minute of its service in that interval


@dataclass(frozen=True)
class Snapshot:
    """What a perfectly informed predictor may know as a ticket is issued (and nothing of the future):
    the lines in call order, the open and closing windows and whom each serves since when."""

    now: float  # minutes from opening
    lines: dict[ServiceName, tuple[tuple[float, str], ...]]  # (routing score, ticket id), lowest first
    serving: dict[str, tuple[ServiceName, float]]  # window -> (service, minute called)
    open_windows: frozenset[str]
    closing: frozenset[str]
    appointments_arrived: dict[tuple[ServiceName, int], int] = field(default_factory=dict)  # per (service, slot)


@dataclass
class _Sim:
    spec: DaySpec
    rng: random.Random
    rules: RoutingRules
    events: list[tuple[float, int, str, EventData]] = field(default_factory=list)
    order: itertools.count[int] = field(default_factory=itertools.count)
    lines: dict[ServiceName, list[tuple[float, int, str]]] = field(default_factory=dict)
    info: dict[str, tuple[ServiceName, Priority, str, float]] = field(default_factory=dict)
    truth: dict[str, Truth] = field(default_factory=dict)
    last_wait: dict[ServiceName, float] = field(default_factory=dict)
    open_now: dict[str, bool] = field(default_factory=dict)
    busy: dict[str, bool] = field(default_factory=dict)
    serving: dict[str, tuple[ServiceName, float]] = field(default_factory=dict)
    channel: dict[str, Channel] = field(default_factory=dict)
    appointments_arrived: dict[tuple[ServiceName, int], int] = field(default_factory=dict)

    def at(self, minute: float) -> dt.datetime:
        return self.spec.open_at + dt.timedelta(minutes=minute)

    def emit(self, minute: float, data: EventData) -> None:
        self.events.append((minute, next(self.order), str(uuid.UUID(int=self.rng.getrandbits(128), version=4)), data))

    def ticket_event(self, minute: float, ticket_id: str, status: TicketStatus, window: str | None = None) -> None:
        service, priority, number, _ = self.info[ticket_id]
        self.emit(
            minute,
            Ticket(
                branch_id=self.spec.branch_id,
                at=self.at(minute),
                ticket_id=ticket_id,
                number=number,
                service=service,
                priority=priority,
                status=status,
                window_id=window,
                channel=self.channel.get(ticket_id, Channel.KIOSK),
            ),
        )


def arrival_times(spec: ServiceSpec, rng: random.Random) -> list[tuple[float, float]]:
    """Non-stationary Poisson arrivals: (minute from opening, the interval's rate per minute)."""
    out = []
    for slot, expected in enumerate(spec.arrivals):
        t = float(slot * SLOT_MIN)
        rate = expected / SLOT_MIN
        while rate > 0:
            t += rng.expovariate(rate)
            if t >= (slot + 1) * SLOT_MIN:
                break
            out.append((t, rate))
    return out


def appointment_arrivals(spec: DaySpec, rng: random.Random) -> list[tuple[float, ServiceName, int]]:
    """Booked customers who come: (minute from opening, service, slot), drawn at the day's start."""
    out = []
    for service, booked in spec.appointments.items():
        for slot, count in enumerate(booked):
            for _ in range(count):
                if rng.random() < spec.appointment_no_show:
                    continue
                start = slot * SLOT_MIN
                t = start + rng.uniform(-spec.appointment_early_min, spec.appointment_late_min)
                out.append((max(t, 0.0), service, slot))
    return out


def simulate_day(
    spec: DaySpec, seed: int, rules: RoutingRules | None = None, on_issue: Callable[[str, Snapshot], None] | None = None
) -> tuple[list[tuple[str, EventData]], dict[str, Truth]]:
    """The day's events in time order and every ticket's truth; ``on_issue`` sees the branch as each
    ticket joins its line (for a benchmark's perfectly informed predictor)."""
    sim = _Sim(spec, random.Random(seed), rules or RoutingRules())
    queue: list[tuple[float, int, str, tuple[Any, ...]]] = []

    def schedule(minute: float, kind: str, *args: Any) -> None:
        heapq.heappush(queue, (minute, next(sim.order), kind, args))

    for service, s in spec.services.items():
        for t, rate in arrival_times(s, sim.rng):
            schedule(t, "arrive", service, rate)
    for t, service, slot in appointment_arrivals(spec, sim.rng):
        walk_ins = spec.services[service].arrivals
        schedule(t, "arrive", service, walk_ins[slot] / SLOT_MIN if slot < len(walk_ins) else 0.0, slot)
    for plan in spec.windows:
        for start, end in plan.open_periods:
            schedule(start, "open", plan)
            schedule(end, "close", plan)
    plans = {p.window_id: p for p in spec.windows}
    closing: set[str] = set()
    numbers = dict.fromkeys(spec.services, 0)
    while queue:
        now, _, kind, args = heapq.heappop(queue)
        if kind == "arrive":
            service, rate = args[:2]
            numbers[service] += 1
            ticket_id = f"t-{spec.day:%Y%m%d}-{service.value}-{numbers[service]}"
            if len(args) > 2:  # a booked customer: VIP by the appointment channel
                priority = Priority.VIP
                sim.channel[ticket_id] = Channel.APPOINTMENT
                key = (service, args[2])
                sim.appointments_arrived[key] = sim.appointments_arrived.get(key, 0) + 1
            else:
                priority = Priority.ELDERLY if sim.rng.random() < spec.priority_share else Priority.NORMAL
            sim.info[ticket_id] = (service, priority, ticket_number(service, numbers[service]), now)
            line = sim.lines.setdefault(service, [])
            sim.truth[ticket_id] = Truth(
                ticket_id,
                service,
                now,
                None,
                len(line),
                sum(1 for w, p in plans.items() if sim.open_now.get(w) and w not in closing and service in p.skills),
                sim.last_wait.get(service),
                rate,
            )
            bisect.insort(line, (sim.rules.score(sim.at(now), priority), next(sim.order), ticket_id))
            sim.ticket_event(now, ticket_id, TicketStatus.ISSUED)
            if on_issue is not None:
                on_issue(ticket_id, _snapshot(sim, now, closing))
            patience = spec.services[service].patience_min
            if patience:
                schedule(now + sim.rng.expovariate(1 / patience), "leave", ticket_id)
        elif kind == "leave":
            ticket_id = args[0]
            service = sim.info[ticket_id][0]
            line = sim.lines[service]
            for i, entry in enumerate(line):
                if entry[2] == ticket_id:
                    del line[i]
                    sim.ticket_event(now, ticket_id, TicketStatus.ABANDONED)
                    break
        elif kind == "open":
            plan = args[0]
            closing.discard(plan.window_id)
            if not sim.open_now.get(plan.window_id):
                sim.open_now[plan.window_id] = True
                sim.emit(
                    now,
                    Window(
                        branch_id=spec.branch_id,
                        at=sim.at(now),
                        window_id=plan.window_id,
                        state=WindowState.OPEN,
                        skills=list(plan.skills),
                    ),
                )
        elif kind == "close":
            plan = args[0]
            if sim.busy.get(plan.window_id):
                closing.add(plan.window_id)
            else:
                _close(sim, plan, now)
        elif kind == "done":
            window_id, ticket_id, status = args
            sim.busy[window_id] = False
            sim.serving.pop(window_id, None)
            sim.ticket_event(now, ticket_id, status, window_id)
            if window_id in closing:
                closing.discard(window_id)
                _close(sim, plans[window_id], now)
        for window_id, plan in plans.items():  # every free open window calls
            if sim.open_now.get(window_id) and not sim.busy.get(window_id) and window_id not in closing:
                _call(sim, plan, now, schedule)
    sim.events.sort(key=lambda e: (e[0], e[1]))
    return [(event_id, data) for _, _, event_id, data in sim.events], sim.truth


def _snapshot(sim: _Sim, now: float, closing: set[str]) -> Snapshot:
    return Snapshot(
        now,
        {s: tuple((score, tid) for score, _, tid in line) for s, line in sim.lines.items()},
        dict(sim.serving),
        frozenset(w for w, is_open in sim.open_now.items() if is_open),
        frozenset(closing),
        dict(sim.appointments_arrived),
    )


def _close(sim: _Sim, plan: WindowPlan, now: float) -> None:
    sim.open_now[plan.window_id] = False
    sim.emit(
        now,
        Window(
            branch_id=sim.spec.branch_id,
            at=sim.at(now),
            window_id=plan.window_id,
            state=WindowState.CLOSED,
            skills=list(plan.skills),
        ),
    )


def _call(sim: _Sim, plan: WindowPlan, now: float, schedule: Any) -> None:
    heads = [Head(s, sim.lines[s][0][2], sim.lines[s][0][0]) for s in plan.skills if sim.lines.get(s)]
    chosen = choose_next(heads, plan.skills, sim.rules)
    if chosen is None:
        return
    sim.lines[chosen.service].pop(0)
    ticket_id = chosen.ticket_id
    waited = now - sim.info[ticket_id][3]
    sim.truth[ticket_id] = _with_wait(sim.truth[ticket_id], waited)
    sim.last_wait[chosen.service] = waited
    sim.busy[plan.window_id] = True
    sim.serving[plan.window_id] = (chosen.service, now)
    sim.ticket_event(now, ticket_id, TicketStatus.CALLED, plan.window_id)
    spec = sim.spec.services[chosen.service]
    if sim.rng.random() < sim.spec.no_show_share:
        took, status = 0.5 + sim.rng.random(), TicketStatus.NO_SHOW
    else:
        took, status = service_time(sim.rng, spec) * plan.pace, TicketStatus.COMPLETED
    schedule(now + took, "done", plan.window_id, ticket_id, status)


def _with_wait(truth: Truth, waited: float) -> Truth:
    return Truth(
        truth.ticket_id,
        truth.service,
        truth.issued_min,
        waited,
        truth.ahead,
        truth.open_capable,
        truth.head_of_line_min,
        truth.arrival_rate,
    )


def service_time(rng: random.Random, spec: ServiceSpec) -> float:
    if abs(spec.cv - 1.0) < 1e-9:
        return rng.expovariate(1 / spec.aht_min)
    s2 = math.log1p(spec.cv**2)
    return rng.lognormvariate(math.log(spec.aht_min) - s2 / 2, math.sqrt(s2))
