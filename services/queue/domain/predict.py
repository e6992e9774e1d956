"""Waiting-time prediction: a mean-field projection of the live queue under the real routing rules.

Every open window becomes free at ``now`` (idle) or after the expected rest of its current service
(the learned log-normal, conditioned on the time already spent). The next window to free up comes
from the race of the busy windows (each at its own rate, so every window keeps its throughput); it
calls, by :func:`routing.choose_next`, the ticket the real call-next would pick, and is then busy
for that ticket's expected occupancy: its (window, service) service time if the customer is still
there, the no-show time if not, nothing if they left (the abandonment hazard over the projected
wait). Windows the branch usually opens later join at their time; windows it usually closes stop
calling then and finish their customer (:mod:`schedule`, learned from past days). The projected
call time is the expected wait; its spread adds the variance of the occupancies before it on the
windows that can serve it. Learned residuals then calibrate the centre (their median) and the 80%
range (their 10% and 90% quantiles).

Customers who have not come yet can still be called first: a priority customer's head start, or a
mixed window's own service ahead of the other lines it serves (the secondary penalty). With
``incoming`` (expected arrivals per minute per service and priority, e.g. learned from the last hour)
the projection adds them as expected arrivals -- one every ``max(1/rate, STEP_MIN)`` minutes over the
next ``HORIZON_MIN``, each weighing the expected number it stands for -- and the routing rule decides
whether they go first; a window that calls one is busy for that share of an occupancy. Without
``incoming`` (the default, and the "before" predictor of the bench) only the customers present count.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from branchops.contracts.enums import Priority, ServiceName, WindowState
from services.queue.domain.model import Model
from services.queue.domain.routing import Head, RoutingRules, choose_next
from services.queue.domain.schedule import Change, Pattern, upcoming

Z80 = 1.2816
MODEL_SPREAD = 0.12  # relative uncertainty the projection cannot see (arrivals of priority, staff moves)
MIN_RESIDUALS = 30


STEP_MIN = 1.0  # expected arrivals are placed at least this far apart (a sparse stream: one in 1/rate)
HORIZON_MIN = 45.0  # and no further ahead than this


class Incoming(NamedTuple):
    """Customers expected to join a line: ``per_min`` arrivals per minute with ``priority``."""

    service: ServiceName
    per_min: float
    priority: Priority = Priority.NORMAL


class Waiting(NamedTuple):  # a tuple: the snapshot builds one per waiting customer on every new ticket
    ticket_id: str
    service: ServiceName
    joined_at: dt.datetime
    priority: Priority = Priority.NORMAL


@dataclass(frozen=True)
class WindowView:
    window_id: str
    state: WindowState
    skills: tuple[ServiceName, ...]
    service: ServiceName | None = None  # serving now
    busy_since: dt.datetime | None = None


@dataclass(frozen=True)
class Projection:
    mean_min: float
    sd_min: float
    served: bool  # False: no open window can serve it in the projection


@dataclass(frozen=True)
class Estimate:
    mean_min: float
    low_min: float
    high_min: float


@dataclass
class _Slot:
    """A window over a span of the projection: open from ``start`` until ``end`` (minutes from now)."""

    window_id: str
    skills: tuple[ServiceName, ...]
    start: float = 0.0
    end: float = math.inf
    remaining: float | None = None  # expected minutes until the current customer leaves; None: idle
    shape: float = 1.0  # squared coefficient of variation of the current service, clipped to 0..1
    variance: float = 0.0
    credit: float = 0.0  # share of a completion earned in races it did not win


Lines = dict[ServiceName, list[tuple[float, float, Waiting]]]


@dataclass(frozen=True)
class _Terms:
    mean: float  # service minutes at this window
    cv2: float  # squared coefficient of variation
    hazard: float  # abandonment per waited minute
    no_show: float  # share of calls nobody answers
    no_show_mean: float  # minutes a window loses on one


class _Lookup:
    """The model's numbers for a (service, window), read once per projection (a projection asks for
    them once per ticket it places)."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.cache: dict[tuple[str, str], _Terms] = {}

    def __call__(self, service: str, window: str) -> _Terms:
        terms = self.cache.get((service, window))
        if terms is None:
            dist = self.model.service_dist(service, window)
            terms = _Terms(
                dist.mean,
                dist.cv**2,
                self.model.abandon_hazard(service),
                self.model.no_show_share(service),
                self.model.no_show_time.mean,
            )
            self.cache[(service, window)] = terms
        return terms


def _slots(windows: Sequence[WindowView], changes: Sequence[Change], model: Model, now: dt.datetime) -> list[_Slot]:
    slots: list[_Slot] = []
    active: dict[str, _Slot] = {}
    for window in windows:
        if window.state is not WindowState.OPEN or not window.skills:
            continue
        slot = _Slot(window.window_id, window.skills)
        if window.service is not None and window.busy_since is not None:
            dist = model.service_dist(window.service.value, window.window_id)
            elapsed = max((now - window.busy_since).total_seconds() / 60.0, 0.0)
            slot.remaining, slot.shape = dist.residual(elapsed), min(dist.cv**2, 1.0)
        slots.append(slot)
        active[window.window_id] = slot
    for change in sorted(changes, key=lambda c: c.at_min):
        current = active.get(change.window_id)
        if change.opens and current is None and change.skills:
            active[change.window_id] = _Slot(change.window_id, change.skills, start=max(change.at_min, 0.0))
            slots.append(active[change.window_id])
        elif not change.opens and current is not None:
            current.end = max(change.at_min, current.start)
            del active[change.window_id]
    return slots


def project(
    waiting: Sequence[Waiting],
    windows: Sequence[WindowView],
    model: Model,
    rules: RoutingRules,
    now: dt.datetime,
    changes: Sequence[Change] = (),
    probes: Sequence[Waiting] = (),
    incoming: Sequence[Incoming] = (),
    fair_race: bool = False,
) -> dict[str, Projection]:
    """Expected call time of every waiting ticket; ``changes`` are the windows expected to open or
    close (a closing window finishes its customer, then calls nobody). ``probes`` are customers who
    would join now (one per service, say): each gets the call time it would have, but none occupies a
    window, so they do not change each other's or anyone's projection -- one pass answers for all.
    ``incoming`` adds the customers expected to come (see the module's description); ``fair_race``
    shares the races between fast and slow windows by their rates (needed once expected arrivals keep
    fast windows busy; off: the projection as before issue 23)."""
    lines: Lines = {}
    ghosts = frozenset(p.ticket_id for p in probes)
    expected, weights = _expected_arrivals(incoming, now)
    for w in (*waiting, *probes, *expected):
        ready = max((w.joined_at - now).total_seconds() / 60.0, 0.0)
        lines.setdefault(w.service, []).append((rules.score(w.joined_at, w.priority), ready, w))
    for line in lines.values():
        line.sort(key=lambda item: item[0])
    joined = _Due(lines)
    slots = _slots(windows, changes, model, now)
    out: dict[str, Projection] = {}
    lookup = _Lookup(model)
    left = len(waiting) + len(probes)  # real customers and probes still to place
    t = 0.0
    while left > 0:
        left -= _assign_idle(slots, lines, joined, lookup, rules, t, out, ghosts, weights)
        later = _next_event(slots, joined, t)
        busy = [s for s in slots if s.remaining is not None]
        if left == 0 or (not busy and later is None):
            break
        if not busy:
            t = float(later)  # type: ignore[arg-type]
            continue
        for s in busy:  # a closed window only finishes its customer: its remaining time runs down
            if t >= s.end - 1e-9:
                s.shape = 0.0
            elif later is None or s.end < later:
                later = s.end
        # Next completion: the race of the busy windows (exact for memoryless services, and it keeps
        # every window's throughput); services with less spread also use up the others' remaining time.
        # With ``fair_race`` every busy window earns credit at its rate (one
        # over its remaining time); a completion falls due when the credit of all busy windows reaches
        # one, and goes to the window with the most (which pays one): windows complete in proportion to
        # their rates, interruptions (arrivals, windows opening) lose nothing, and a fast window does
        # not win every race against slow memoryless ones. Without it the fastest window wins every
        # race and an interruption restarts the race (the projection before issue 23).
        rate = sum(1.0 / max(s.remaining or 0.0, 1e-3) for s in busy)
        due = max(1.0 - sum(s.credit for s in busy), 0.0) if fair_race else 1.0
        step = due / rate
        interrupted = later is not None and t + step > later
        if interrupted:
            step = float(later) - t  # type: ignore[arg-type]
        for s in busy:
            s.credit += step / max(s.remaining or 0.0, 1e-3)
        if interrupted:
            first: _Slot | None = None
        elif fair_race:
            first = max(busy, key=lambda s: (s.credit, -(s.remaining or 0.0)))
        else:
            first = min(busy, key=lambda s: s.remaining or 0.0)
        for s in busy:
            if s is first:
                s.remaining, s.credit = None, s.credit - 1.0
            else:
                s.remaining = max((s.remaining or 0.0) - (1 - s.shape) * step, 0.05)
        t += step
    for service, line in lines.items():  # nobody open can serve these: a rough guess, flagged
        dist = model.service_dist(service.value)
        ahead = 0  # real customers only: a probe holds nobody up
        for _, ready, item in line:
            if item.ticket_id in weights:
                continue
            rank = ahead + 1
            out[item.ticket_id] = Projection(ready + rank * dist.mean, rank * dist.mean, False)
            ahead += item.ticket_id not in ghosts
    return out


class _Due:
    """Which customers of each line have joined by a time and are not called yet, without a walk through
    the line (it also holds the customers still to come): a customer is called only once there."""

    def __init__(self, lines: Lines) -> None:
        self.joins = {service: sorted(ready for _, ready, _ in line if ready > 0) for service, line in lines.items()}
        self.present = {service: sum(1 for _, ready, _ in line if ready <= 0) for service, line in lines.items()}
        self.called = dict.fromkeys(lines, 0)

    def any_at(self, service: ServiceName, t: float) -> bool:
        joins = self.joins.get(service)
        if joins is None:
            return False
        return self.present[service] + bisect.bisect_right(joins, t + 1e-9) > self.called[service]

    def next_after(self, service: ServiceName, t: float) -> float | None:
        joins = self.joins.get(service, ())
        i = bisect.bisect_right(joins, t + 1e-9)
        return joins[i] if i < len(joins) else None


def _assign_idle(
    slots: Sequence[_Slot],
    lines: Lines,
    due: _Due,
    lookup: _Lookup,
    rules: RoutingRules,
    t: float,
    out: dict[str, Projection],
    ghosts: frozenset[str] = frozenset(),
    weights: dict[str, float] | None = None,
) -> int:
    """Idle open windows call whom the real call-next would; returns how many real customers (and
    probes) were called. A ghost (probe) is noted when called and the window calls again; an expected
    arrival (``weights``) occupies the window for the share of a customer it stands for."""
    placed = 0
    for slot in slots:
        if slot.remaining is not None or t >= slot.end - 1e-9 or slot.start > t + 1e-9:
            continue
        while slot.remaining is None:
            heads: list[Head] = []
            where: dict[ServiceName, int] = {}
            for service in slot.skills:
                if not due.any_at(service, t):
                    continue
                for i, (score, ready, item) in enumerate(lines[service]):
                    if ready <= t + 1e-9:
                        heads.append(Head(service, item.ticket_id, score))
                        where[service] = i
                        break
            chosen = choose_next(heads, slot.skills, rules)
            if chosen is None:
                slot.credit = 0.0  # idle: its races start afresh
                break
            _, _, item = lines[chosen.service].pop(where[chosen.service])
            due.called[chosen.service] += 1
            weight = weights.get(item.ticket_id) if weights else None
            if weight is None:
                weight, placed = 1.0, placed + 1
                capable = [s for s in slots if chosen.service in s.skills and s.start <= t]
                spread = math.sqrt(sum(s.variance for s in capable)) / len(capable)
                out[item.ticket_id] = Projection(t, spread, True)
            if item.ticket_id in ghosts:
                continue
            terms = lookup(chosen.service.value, slot.window_id)
            occupancy, var = _occupancy(terms, t)
            slot.remaining = weight * occupancy
            slot.shape = min(terms.cv2, 1.0)
            slot.variance += weight * var + weight * (1 - weight) * occupancy * occupancy
    return placed


def _next_event(slots: Sequence[_Slot], due: _Due, t: float) -> float | None:
    """The next time a window opens or a customer joins a line an idle open window serves."""
    later: float | None = None
    for slot in slots:
        if slot.remaining is not None or t >= slot.end - 1e-9:
            continue
        if slot.start > t + 1e-9:
            later = slot.start if later is None else min(later, slot.start)
            continue
        for service in slot.skills:
            joins = due.next_after(service, t)
            if joins is not None:
                later = joins if later is None else min(later, joins)
    return later


def _expected_arrivals(incoming: Sequence[Incoming], now: dt.datetime) -> tuple[list[Waiting], dict[str, float]]:
    """Expected arrivals as customers who join later, each with the count it stands for (<= 1)."""
    expected: list[Waiting] = []
    weights: dict[str, float] = {}
    for k, stream in enumerate(incoming):
        if stream.per_min <= 0:
            continue
        step = max(1.0 / stream.per_min, STEP_MIN)
        weight = min(stream.per_min * step, 1.0)
        at = step / 2
        n = 0
        while at < HORIZON_MIN:
            ticket_id = f"~expected-{k}-{n}"
            expected.append(Waiting(ticket_id, stream.service, now + dt.timedelta(minutes=at), stream.priority))
            weights[ticket_id] = weight
            at += step
            n += 1
    return expected, weights


def expected_changes(pattern: Pattern, windows: Sequence[WindowView], local_now: dt.datetime) -> list[Change]:
    """The usual window changes still to come today, from the branch's local time ``local_now``."""
    open_now = {w.window_id: w.state is WindowState.OPEN and bool(w.skills) for w in windows}
    minute = local_now.hour * 60 + local_now.minute + local_now.second / 60.0
    return upcoming(pattern, open_now, minute)


def _occupancy(terms: _Terms, t: float) -> tuple[float, float]:
    """Expected minutes a window spends on the next call, and the variance of it."""
    present = math.exp(-terms.hazard * t) if terms.hazard else 1.0
    shows = present * (1.0 - terms.no_show)
    no_show = present - shows
    mean = shows * terms.mean + no_show * terms.no_show_mean
    second = shows * terms.mean**2 * (1 + terms.cv2) + no_show * terms.no_show_mean**2
    return mean, max(second - mean * mean, 0.0)


def _quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def calibrate(projection: Projection, model: Model) -> Estimate:
    """Centre and 80% range from the learned residuals (normal quantiles until there are enough)."""
    mean = projection.mean_min
    sd = math.sqrt(projection.sd_min**2 + (MODEL_SPREAD * mean) ** 2)
    scale = sd + 0.5
    residuals = model.residuals
    n = len(residuals)
    if n >= MIN_RESIDUALS:
        weight = n / (n + 50.0)
        bias = weight * _quantile(residuals, 0.5)
        low_z, high_z = _quantile(residuals, 0.10), _quantile(residuals, 0.90)
        if not projection.served:
            low_z, high_z = min(low_z, -Z80), max(high_z, 2 * Z80)
    else:
        bias, low_z, high_z = 0.0, -Z80, Z80 * (1.0 if projection.served else 2.0)
    centre = max(mean + bias * scale, 0.0)
    low = max(mean + low_z * scale, 0.0)
    high = max(mean + high_z * scale, centre)
    return Estimate(centre, min(low, centre), high)
