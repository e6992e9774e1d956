"""Multi-service floor simulation: verify a roster on who-calls-whom, not on one queue per service.

Each person's window serves, in each interval, the service the roster gave it first and then (with
``pooling``) the person's other skills in their listed order: when it falls free it calls the head of
the first non-empty queue of that priority order. With ``calling="skills"`` the branch calls by a fixed
priority instead: always the person's skills in their listed order, whatever service the roster named
(the roster then only says who sits at a window when; a mixed window rostered on the slow service
still takes the fast queue first). An arrival that finds idle windows able to serve it
goes to the one that ranks its service highest (the window assigned to it first). Service times are
lognormal with the service's mean handling time and a given ``sigma`` (heavy tail; ``sigma = 0``:
deterministic, ``None``: exponential); patience is exponential as in :mod:`.simulate`. A window that
closes finishes its customer first; windows open in the last interval serve whoever is left at closing.

Replications are drawn from one seed (common random numbers: two rosters judged on the same seed see
the same customers). Shares are pooled over replications by the interval in which customers arrived.
Pure: values in, values out; event loop in plain Python (a few ms per simulated day).
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .problem import StaffingProblem
from .roster import Roster

CLOSED: tuple[int, ...] = ()
_NEVER = 1 << 30


@dataclass(frozen=True)
class FloorModel:
    """What the floor does beyond the forecast: service-time shape per service and mixed-window calling."""

    sigma: Mapping[str, float | None] = field(default_factory=dict)  # lognormal sigma; None/missing: exponential
    pooling: bool = True  # a window calls its other skills when its own service's queue is empty
    calling: str = "roster"  # roster: the rostered service first; skills: the person's skill order, always


@dataclass(frozen=True)
class Customers:
    """One simulated day: arrival minute (from opening, sorted), service index, service and patience minutes."""

    arrival: tuple[float, ...]
    service: tuple[int, ...]
    duration: tuple[float, ...]
    patience: tuple[float, ...]  # math.inf: never leaves


@dataclass(frozen=True)
class Floor:
    """Per window and interval the service indices it calls, in priority order (``CLOSED``: not open)."""

    calls: tuple[tuple[tuple[int, ...], ...], ...]
    interval_min: float
    n_services: int


@dataclass(frozen=True)
class Verification:
    services: tuple[str, ...]
    arrivals: tuple[tuple[int, ...], ...]  # [service][interval], pooled over replications
    within: tuple[tuple[int, ...], ...]
    abandoned: tuple[tuple[int, ...], ...]
    days: int

    def share(self, service: int, interval: int) -> float | None:
        total = self.arrivals[service][interval]
        return self.within[service][interval] / total if total else None

    def interval_shares(self) -> tuple[float | None, ...]:
        """Per interval, pooled over services."""
        n = len(self.arrivals[0]) if self.arrivals else 0
        shares: list[float | None] = []
        for i in range(n):
            total = sum(row[i] for row in self.arrivals)
            shares.append(sum(row[i] for row in self.within) / total if total else None)
        return tuple(shares)

    def worst_interval(self) -> float:
        shares = [s for s in self.interval_shares() if s is not None]
        return min(shares) if shares else 1.0

    def worst_cell(self) -> tuple[float, str, int]:
        """Lowest share over (service, interval): (share, service, interval)."""
        cells = [
            (share, name, i)
            for s, name in enumerate(self.services)
            for i in range(len(self.arrivals[s]))
            if (share := self.share(s, i)) is not None
        ]
        return min(cells) if cells else (1.0, "", 0)

    def misses(self, goal: float) -> tuple[tuple[str, int], ...]:
        """(service, interval) cells below ``goal``."""
        return tuple(
            (name, i)
            for s, name in enumerate(self.services)
            for i in range(len(self.arrivals[s]))
            if (share := self.share(s, i)) is not None and share < goal
        )

    @property
    def day_share(self) -> float:
        total = sum(map(sum, self.arrivals))
        return sum(map(sum, self.within)) / total if total else 1.0


def floor_from_roster(problem: StaffingProblem, roster: Roster, pooling: bool, calling: str = "roster") -> Floor:
    names = problem.service_names
    skills = {member.id: [names.index(s) for s in member.skills if s in names] for member in problem.staff}
    calls = []
    for assignment in roster.assignments:
        row: list[tuple[int, ...]] = [CLOSED] * problem.n_intervals
        for interval, service in assignment.serving:
            own = names.index(service)
            if calling == "skills":  # the branch's fixed calling order; the roster only says who is at a window
                row[interval] = tuple(skills[assignment.staff_id]) if pooling else (skills[assignment.staff_id][0],)
                continue
            others = [s for s in skills[assignment.staff_id] if s != own] if pooling else []
            row[interval] = (own, *others)
        calls.append(tuple(row))
    return Floor(tuple(calls), problem.interval_minutes, len(names))


def floor_from_counts(names: Sequence[str], open_windows: Mapping[str, Sequence[int]], interval_min: float) -> Floor:
    """Dedicated windows: window k of a service is open in interval i while ``open_windows[service][i] > k``."""
    calls = []
    for s, name in enumerate(names):
        counts = open_windows[name]
        for k in range(max(counts, default=0)):
            calls.append(tuple((s,) if c > k else CLOSED for c in counts))
    return Floor(tuple(calls), interval_min, len(names))


def draw_days(problem: StaffingProblem, model: FloorModel, days: int, seed: int) -> tuple[Customers, ...]:
    """``days`` replications of the day's walk-ins: Poisson per interval, uniform inside it."""
    rng = np.random.default_rng(seed)
    step = problem.interval_minutes
    out = []
    for _ in range(days):
        times: list[np.typing.NDArray[np.float64]] = []
        kinds: list[np.typing.NDArray[np.int64]] = []
        spans: list[np.typing.NDArray[np.float64]] = []
        waits: list[np.typing.NDArray[np.float64]] = []
        for s, service in enumerate(problem.services):
            counts = rng.poisson(np.asarray(service.arrivals, dtype=np.float64))
            interval = np.repeat(np.arange(counts.size), counts)
            times.append((interval + rng.random(interval.size)) * step)
            kinds.append(np.full(interval.size, s, dtype=np.int64))
            sigma = model.sigma.get(service.name)
            if sigma is None:
                spans.append(rng.exponential(service.aht_min, interval.size))
            elif sigma == 0:
                spans.append(np.full(interval.size, service.aht_min))
            else:  # mean aht_min: mu = ln(aht) - sigma^2 / 2
                mu = math.log(service.aht_min) - sigma * sigma / 2
                spans.append(rng.lognormal(mu, sigma, interval.size))
            patience = service.patience_min
            waits.append(
                np.full(interval.size, np.inf) if patience is None else rng.exponential(patience, interval.size)
            )
        arrival = np.concatenate(times)
        order = np.argsort(arrival, kind="stable")
        out.append(
            Customers(
                arrival=tuple(arrival[order].tolist()),
                service=tuple(np.concatenate(kinds)[order].tolist()),
                duration=tuple(np.concatenate(spans)[order].tolist()),
                patience=tuple(np.concatenate(waits)[order].tolist()),
            )
        )
    return tuple(out)


def _ranks(floor: Floor) -> list[list[list[int]]]:
    """rank[w][i][s]: position of service s in window w's calling order in interval i (_NEVER: not called)."""
    return [
        [[order.index(s) if s in order else _NEVER for s in range(floor.n_services)] for order in row]
        for row in floor.calls
    ]


def simulate_floor(floor: Floor, day: Customers, rank: list[list[list[int]]] | None = None) -> tuple[float, ...]:
    """Wait of each customer in minutes (``math.inf``: left or never served)."""
    step = floor.interval_min
    n = len(floor.calls[0]) if floor.calls else 0
    n_windows = len(floor.calls)
    waits = [math.inf] * len(day.arrival)
    if n == 0:
        return tuple(waits)
    rank = _ranks(floor) if rank is None else rank
    last = n - 1
    queues: list[deque[int]] = [deque() for _ in range(floor.n_services)]
    idle: set[int] = set()
    events: list[tuple[float, int, int]] = []  # (time, kind, window): 0 window free, 1 boundary

    def next_open(w: int, i: int) -> float | None:
        for j in range(i, n):
            if floor.calls[w][j]:
                return j * step
        return None

    def window_free(t: float, w: int) -> None:
        i = min(int(t // step), last)
        order = floor.calls[w][i]
        if not order:
            if t < n * step:
                start = next_open(w, i + 1)
                if start is not None:
                    heapq.heappush(events, (start, 0, w))
            return
        for s in order:
            queue = queues[s]
            while queue:
                c = queue.popleft()
                if t - day.arrival[c] > day.patience[c]:
                    continue  # left before being called
                waits[c] = t - day.arrival[c]
                heapq.heappush(events, (t + day.duration[c], 0, w))
                return
        idle.add(w)

    for w in range(n_windows):
        start = next_open(w, 0)
        if start is not None:
            heapq.heappush(events, (start, 0, w))
    for i in range(1, n):
        heapq.heappush(events, (i * step, 1, -1))
    c, total = 0, len(day.arrival)
    while c < total or events:
        if c < total and (not events or day.arrival[c] < events[0][0]):
            t, s = day.arrival[c], day.service[c]
            i = min(int(t // step), last)
            best, best_rank = -1, _NEVER
            for w in idle:
                r = rank[w][i][s]
                if r < best_rank or (r == best_rank and r < _NEVER and w < best):
                    best, best_rank = w, r
            if best >= 0:
                idle.discard(best)
                waits[c] = 0.0
                heapq.heappush(events, (t + day.duration[c], 0, best))
            else:
                queues[s].append(c)
            c += 1
            continue
        t, kind, w = heapq.heappop(events)
        if kind == 0:
            window_free(t, w)
        else:  # a new interval: idle windows take up their new calling order (or close)
            waiting = sorted(idle)
            idle.clear()
            for v in waiting:
                window_free(t, v)
    return tuple(waits)


def verify_floor(
    services: Sequence[str],
    floor: Floor,
    days: Sequence[Customers],
    n_intervals: int,
    target_wait_min: float,
) -> Verification:
    n_services = len(services)
    arrivals = [[0] * n_intervals for _ in range(n_services)]
    within = [[0] * n_intervals for _ in range(n_services)]
    abandoned = [[0] * n_intervals for _ in range(n_services)]
    step = floor.interval_min
    rank = _ranks(floor)
    for day in days:
        for t, s, wait in zip(day.arrival, day.service, simulate_floor(floor, day, rank), strict=True):
            i = min(int(t // step), n_intervals - 1)
            arrivals[s][i] += 1
            if wait <= target_wait_min + 1e-9:
                within[s][i] += 1
            elif wait == math.inf:
                abandoned[s][i] += 1
    return Verification(
        services=tuple(services),
        arrivals=tuple(map(tuple, arrivals)),
        within=tuple(map(tuple, within)),
        abandoned=tuple(map(tuple, abandoned)),
        days=len(days),
    )


def verify_roster(problem: StaffingProblem, model: FloorModel, roster: Roster, days: int, seed: int) -> Verification:
    """Share within target per service and interval of ``roster`` on ``days`` replications of ``seed``."""
    return verify_floor(
        problem.service_names,
        floor_from_roster(problem, roster, model.pooling, model.calling),
        draw_days(problem, model, days, seed),
        problem.n_intervals,
        problem.service_level.target_wait_min,
    )
