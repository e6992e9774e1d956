"""The intraday loop: re-plan the rest of each branch's day from the live state on a significant forecast
change and every ``replan_every_min`` minutes of the platform clock (simulated in ``make run``; at least every
``replan_interval_s`` of the wall clock), never twice within ``replan_min_gap_min`` platform minutes (a trigger
inside the gap waits for its end); turn the differences between floor and plan into alerts.

The rest of the day is planned with the handling times the tellers are taking now when they drifted from the
plan's (:mod:`~services.staffing.domain.drift`: the last 90 minutes' completions, beyond 10% and beyond noise).

A re-plan is published as a new plan version only when it changes the plan meaningfully
(:func:`~services.staffing.domain.merge.meaningful_change`): a solver's equivalent reshuffle keeps the current
version, so the floor is not told something new every few seconds.

One re-plan of a branch at a time across replicas (a Redis lock). A branch without a plan for today
gets its whole day solved from its base instance first. Outside opening hours nothing happens.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from branchops.contracts.events import QueueForecast, StaffingAlert
from services.staffing.adapters.live_store import LiveStore
from services.staffing.adapters.plan_store import PlanStore
from services.staffing.adapters.solver_pool import SolverPool
from services.staffing.adapters.ticket_counts import TicketCounts
from services.staffing.domain.alerts import ServiceNow
from services.staffing.domain.drift import Drift, DriftRule, drifted_handling_times, with_handling_times
from services.staffing.domain.errors import InvalidInstance
from services.staffing.domain.intraday import LiveDay
from services.staffing.domain.live import (
    ArrivalPoint,
    clock_min,
    demand_factors,
    started_shifts,
    with_arrival_forecast,
)
from services.staffing.domain.merge import meaningful_change, merge_rest_of_day
from services.staffing.domain.plan import Plan
from services.staffing.domain.problem import StaffingProblem, minutes_to_clock
from services.staffing.settings import StaffingSettings
from services.staffing.usecases.alerting import Alerting
from services.staffing.usecases.planning import Planning

log = logging.getLogger(__name__)
Clock = Callable[[], dt.datetime]
FORECAST_MAX_AGE = dt.timedelta(minutes=15)
TICK_S = 1.0  # the loop looks at least this often (wall clock) whether a branch is due


@dataclass
class Intraday:
    plans: PlanStore
    live: LiveStore
    counts: TicketCounts
    planning: Planning
    alerting: Alerting
    pool: SolverPool
    settings: StaffingSettings
    clock: Clock
    owner: str
    drift: DriftRule = field(default_factory=DriftRule)
    _dirty: set[str] = field(default_factory=set)
    _last: dict[str, tuple[dt.datetime, float]] = field(default_factory=dict)  # branch -> (platform, monotonic)

    def __post_init__(self) -> None:
        self.zone = ZoneInfo(self.settings.timezone)
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()

    def trigger(self, branch_id: str) -> None:
        """Re-plan this branch soon (called by the forecast consumer; never waits)."""
        self._dirty.add(branch_id)
        self._wake.set()

    def due(self, branch_id: str, now: dt.datetime, mono: float) -> bool:
        """Is the branch due: never re-planned, or triggered and out of the gap, or its period is over."""
        last = self._last.get(branch_id)
        if last is None:
            return True
        since_min, since_s = (now - last[0]).total_seconds() / 60.0, mono - last[1]
        if since_min < 0:  # the platform clock went back (a new run's day): start afresh
            return True
        if since_min >= self.settings.replan_every_min or since_s >= self.settings.replan_interval_s:
            return True
        return branch_id in self._dirty and since_min >= self.settings.replan_min_gap_min

    async def run(self) -> None:
        next_listing = 0.0
        known: list[str] = []
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), TICK_S)
            self._wake.clear()
            if self._stop.is_set():
                break
            mono = time.monotonic()
            if mono >= next_listing:
                known = await self._all_branches()
                next_listing = mono + min(TICK_S * 10, self.settings.replan_interval_s)
            now = self.clock()
            for branch_id in sorted(set(known) | self._dirty):
                due, triggered = self.due(branch_id, now, mono), branch_id in self._dirty
                if not due and not triggered:
                    continue
                self._dirty.discard(branch_id)
                if due:
                    self._last[branch_id] = (now, mono)
                try:  # triggered inside the gap: the alerts look at the new forecast now, the plan stays
                    await self.replan_branch(branch_id, solve=due)
                except Exception:
                    log.exception("intraday re-plan of %s failed", branch_id)

    async def _all_branches(self) -> list[str]:
        try:
            return await self.plans.branches()
        except Exception:
            log.exception("cannot list branches")
            return []

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def replan_branch(self, branch_id: str, *, solve: bool = True) -> list[StaffingAlert]:
        """Re-plan the rest of the day (``solve``) and propose the alerts; without ``solve`` only the alerts,
        against the current plan."""
        if not await self.live.lock(branch_id, self.owner):
            return []
        try:
            return await self._replan(branch_id, solve)
        finally:
            await self.live.unlock(branch_id, self.owner)

    async def _replan(self, branch_id: str, solve: bool = True) -> list[StaffingAlert]:
        base = await self.plans.instance(branch_id)
        if base is None:
            return []
        now = self.clock()
        local = now.astimezone(self.zone)
        day, now_min = local.date(), local.hour * 60 + local.minute
        problem = replace(base, date=day.isoformat(), branch_id=branch_id)
        if not problem.open_min <= now_min < problem.close_min:
            return []
        plan = await self.plans.plan(branch_id, day.isoformat())
        if plan is None:
            plan = await self.planning.solve_day(problem)
        forecast = await self.live.forecast(branch_id)
        if forecast is not None and now - forecast.at > FORECAST_MAX_AGE:
            forecast = None
        points = self._points(forecast, day)
        covered = {p.service for p in points}
        drifts = await self._drifts(branch_id, now, problem)
        problem = with_handling_times(problem, drifts)  # the rest of the day at the handling times of now
        forecast_problem = with_arrival_forecast(problem, points)
        observed = await self.counts.issued_per_service(branch_id, now.date(), list(problem.service_names))
        factors = {
            s: f
            for s, f in demand_factors(problem, observed, now_min).items()
            if s not in covered and None not in covered
        }
        queue = {q.service.value: q.waiting for q in forecast.per_service} if forecast else {}
        live_day = LiveDay(now_min=now_min, started=started_shifts(plan, now_min), queue=queue, demand_factor=factors)
        if solve:
            plan = await self._solve_rest(branch_id, plan, forecast_problem, live_day)
        if forecast is None:
            return []
        services = [ServiceNow(q.service.value, q.waiting, q.est_wait_min) for q in forecast.per_service]
        return await self.alerting.propose(branch_id, problem, plan, services, now_min, day)

    async def _solve_rest(self, branch_id: str, plan: Plan, problem: StaffingProblem, live_day: LiveDay) -> Plan:
        """The re-plan of the rest of the day, published when it changes the plan meaningfully."""
        settings = self.settings
        try:
            rest = await self.pool.replan(problem, live_day, settings.replan_time_limit_s, settings.solve_seed)
        except InvalidInstance as exc:  # e.g. the last interval has begun: nothing left to re-plan
            log.info("no re-plan of %s: %s", branch_id, exc)
            return plan
        merged = merge_rest_of_day(plan, rest)
        cut = merged.replanned_from or "00:00"
        until = minutes_to_clock(min(clock_min(cut) + settings.replan_horizon_min, 24 * 60 - 1))
        if meaningful_change(
            plan, merged, cut, settings.replan_min_change, settings.replan_min_paid_hours, until=until
        ):
            return await self.planning.publish(merged)
        return plan

    async def _drifts(self, branch_id: str, now: dt.datetime, problem: StaffingProblem) -> dict[str, Drift]:
        recent = await self.counts.recent_handling(branch_id, now, self.drift.window_min)
        drifts = drifted_handling_times(recent, {s.name: s.aht_min for s in problem.services}, self.drift)
        for d in drifts.values():
            log.info(
                "service-time drift at %s: %s %.1f min (plan %.1f, %d tickets begun in %g min); re-planned with it",
                branch_id,
                d.service,
                d.recent_min,
                d.planned_min,
                d.samples,
                self.drift.window_min,
            )
        return drifts

    def _points(self, forecast: QueueForecast | None, day: dt.date) -> list[ArrivalPoint]:
        points = []
        for arrival in forecast.arrivals if forecast else []:
            local = arrival.interval_start.astimezone(self.zone)
            if local.date() == day:
                points.append(
                    ArrivalPoint(
                        local.hour * 60 + local.minute,
                        arrival.expected,
                        arrival.service.value if arrival.service else None,
                    )
                )
        return points
