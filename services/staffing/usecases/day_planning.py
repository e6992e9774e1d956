"""The day's plan from the branch configuration: made ahead, made again at opening, and again on a change.

For each branch with a configuration (``branchops.branch-config.v1``, newest version kept), on the domain
clock (``branchops.clock.platform_clock``, simulated in ``make run``) in the branch's time zone:

- **today**: planned once as soon as there is no plan of the current configuration version (phase
  ``ahead`` before opening), and planned again at opening (phase ``morning``) with the freshest history;
  it becomes the base instance the intraday loop re-plans from;
- **tomorrow**: planned ahead once the local time passes ``plan_tomorrow_at``;
- **more history** than the day's plan was made with (the first start's backfill, a late consumer)
  plans it again, so a plan made from the flat prior improves as soon as history arrives;
- **a new configuration version** (an absence, a new teller...) re-plans today and, past
  ``plan_tomorrow_at``, tomorrow, as a new plan version. Changes are debounced: a re-plan waits
  ``config_debounce_s`` after the last change of the branch, and two re-plans of a branch are at least
  ``config_min_gap_s`` apart, so a burst of edits costs one or two solves, not one each.

Each day's problem is built by :func:`.domain.from_config.problem_from_config` from the configuration, the
arrival forecast and handling times of :mod:`.domain.history`, plus the day's booked appointments at their
slots (the queue's, when ``appointments`` is wired: a booked customer with the show share, a checked-in one
whole), so the morning plan covers the booked slots. On a mixed-skill day the roster is verified on the
floor (:mod:`.planning`) with each service's handling-time dispersion from the same history (lognormal
sigma, ``verify_sigma`` without ``aht_min_samples`` of them) and the configuration's windows. What a day
was last planned from (version, phase) is kept in Redis, so replicas and restarts do not plan a day twice.
A mid-day re-plan solves the whole day again (shifts already worked are not pinned yet).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from branchops.contracts.events import BranchConfigChanged
from services.staffing.adapters.config_store import ConfigStore, DayPlanMark, StoredConfig
from services.staffing.adapters.live_store import LiveStore
from services.staffing.adapters.queue_appointments import DayAppointments
from services.staffing.adapters.ticket_counts import TicketCounts
from services.staffing.domain.errors import InvalidInstance
from services.staffing.domain.from_config import PlanningRules, opening_hours, problem_from_config
from services.staffing.domain.history import (
    forecast_arrivals,
    handling_times,
    service_time_sigma,
    with_appointments,
)
from services.staffing.domain.plan import Plan
from services.staffing.domain.problem import StaffingProblem
from services.staffing.settings import StaffingSettings
from services.staffing.usecases.planning import Planning

log = logging.getLogger(__name__)
Clock = Callable[[], dt.datetime]
AHEAD, MORNING = "ahead", "morning"


class AppointmentSource(Protocol):
    """A day's booked appointments (``adapters.queue_appointments.QueueAppointments``); None: not known."""

    async def of_day(self, branch_id: str, day: dt.date) -> DayAppointments | None: ...


def needs_plan(mark: DayPlanMark | None, version: int, phase: str, history_days: int) -> bool:
    """A day is (re)planned when never planned, planned from an older configuration or less history, or
    only ahead of a morning that has come."""
    return (
        mark is None
        or mark.version < version
        or mark.history_days < history_days
        or (phase == MORNING and mark.phase == AHEAD)
    )


@dataclass
class DayPlanner:
    configs: ConfigStore
    counts: TicketCounts
    planning: Planning
    live: LiveStore
    settings: StaffingSettings
    clock: Clock
    owner: str
    appointments: AppointmentSource | None = None
    _due: dict[str, float] = field(default_factory=dict)  # branch -> monotonic time of its re-plan
    _last: dict[str, float] = field(default_factory=dict)  # branch -> monotonic time of its last plan

    def __post_init__(self) -> None:
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self.rules = PlanningRules(
            target_fraction=self.settings.target_fraction, default_aht_min=self.settings.default_aht_min
        )
        hour, minute = self.settings.plan_tomorrow_at.split(":")
        self.tomorrow_at = dt.time(int(hour), int(minute))

    async def on_config(self, change: BranchConfigChanged) -> bool:
        """Keep a newer configuration and schedule its re-plan; False for an old or repeated version."""
        kept = await self.configs.put(change.branch_id, change.version, change.config)
        if kept:
            self.changed(change.branch_id)
        return kept

    def changed(self, branch_id: str) -> None:
        """Re-plan the branch after the debounce (a further change pushes it back), never sooner than the
        minimum gap after its last plan."""
        now = time.monotonic()
        due = now + self.settings.config_debounce_s
        last = self._last.get(branch_id)
        if last is not None:
            due = max(due, last + self.settings.config_min_gap_s)
        self._due[branch_id] = due
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def run(self) -> None:
        next_round = time.monotonic()
        while not self._stop.is_set():
            now = time.monotonic()
            wake_at = min([next_round, *self._due.values()])
            if wake_at > now:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wake_at - now)
                self._wake.clear()
                continue
            if self._stop.is_set():
                break
            if now >= next_round:
                branches = await self._all_branches()
                next_round = now + self.settings.dayplan_tick_s
            else:
                branches = []
            branches += [b for b, due in self._due.items() if due <= now and b not in branches]
            for branch_id in branches:
                self._due.pop(branch_id, None)
                try:
                    await self.plan_branch(branch_id)
                except Exception:
                    log.exception("day planning of %s failed", branch_id)

    async def _all_branches(self) -> list[str]:
        try:
            return await self.configs.branches()
        except Exception:
            log.exception("cannot list configured branches")
            return []

    def _zone(self, stored: StoredConfig) -> ZoneInfo:
        try:
            return ZoneInfo(stored.config.branch.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(self.settings.timezone)

    async def plan_branch(self, branch_id: str) -> list[Plan]:
        """Plan what is due of this branch now (today, tomorrow); the plans published."""
        stored = await self.configs.get(branch_id)
        if stored is None:
            return []
        local = self.clock().astimezone(self._zone(stored))
        today = local.date()
        days: list[tuple[dt.date, str, bool]] = []  # (day, phase, becomes the base instance)
        hours = opening_hours(stored.config, today, self.rules.interval_minutes)
        if hours is not None:
            days.append((today, MORNING if local.hour * 60 + local.minute >= hours[0] else AHEAD, True))
        if local.time() >= self.tomorrow_at:
            days.append((today + dt.timedelta(days=1), AHEAD, False))
        due = [d for d in days if await self._due_now(branch_id, stored, d[0], d[1])]
        if not due:
            return []  # nothing to do: no lock taken (the intraday loop shares it)
        if not await self.live.lock(branch_id, self.owner):
            self._due.setdefault(branch_id, time.monotonic() + max(self.settings.config_debounce_s, 1.0))
            return []  # a re-plan of the branch runs elsewhere: try again shortly
        try:
            published = []
            for day, phase, base in due:
                plan = await self._plan_day(branch_id, stored, day, phase, base=base)
                published += [plan] if plan else []
            return published
        finally:
            await self.live.unlock(branch_id, self.owner)

    async def _due_now(self, branch_id: str, stored: StoredConfig, day: dt.date, phase: str) -> bool:
        mark = await self.configs.mark(branch_id, day.isoformat())
        return needs_plan(mark, stored.version, phase, len(await self._history_days(branch_id, day)))

    async def _plan_day(
        self, branch_id: str, stored: StoredConfig, day: dt.date, phase: str, *, base: bool
    ) -> Plan | None:
        mark = await self.configs.mark(branch_id, day.isoformat())
        days = await self._history_days(branch_id, day)
        if not needs_plan(mark, stored.version, phase, len(days)):
            return None  # planned meanwhile (another replica)
        done = DayPlanMark(stored.version, phase, len(days))
        try:
            problem, handled = await self._day_problem(branch_id, stored, day, days)
        except InvalidInstance as exc:
            log.warning("no plan of %s on %s from configuration v%d: %s", branch_id, day, stored.version, exc)
            await self.configs.set_mark(branch_id, day.isoformat(), done)
            return None
        if problem is None:  # closed that day
            await self.configs.set_mark(branch_id, day.isoformat(), done)
            return None
        codes = problem.service_names
        plan = await self.planning.solve_day(
            problem,
            self.settings.config_solve_time_limit_s,
            history_sigma=service_time_sigma(handled, codes, min_samples=self.settings.aht_min_samples),
            mixed_windows=any(len(set(codes).intersection(w.skills)) > 1 for w in stored.config.windows),
        )
        if base:
            await self.planning.set_instance(problem)
        await self.configs.set_mark(branch_id, day.isoformat(), done)
        self._last[branch_id] = time.monotonic()
        log.info(
            "plan of %s on %s: version %d from configuration v%d (%s)",
            branch_id,
            day,
            plan.version,
            stored.version,
            phase,
        )
        return plan

    async def _history_days(self, branch_id: str, day: dt.date) -> list[dt.date]:
        weeks = self.settings.forecast_weeks
        return await self.counts.history_days(branch_id, day - dt.timedelta(weeks=weeks), day - dt.timedelta(days=1))

    async def problem(
        self, branch_id: str, stored: StoredConfig, day: dt.date, days: list[dt.date] | None = None
    ) -> StaffingProblem | None:
        """The day's problem from the configuration, the forecast from history and the handling times."""
        return (await self._day_problem(branch_id, stored, day, days))[0]

    async def _day_problem(
        self, branch_id: str, stored: StoredConfig, day: dt.date, days: list[dt.date] | None = None
    ) -> tuple[StaffingProblem | None, dict[str, list[float]]]:
        """The day's problem and the handling minutes per service it was made from."""
        hours = opening_hours(stored.config, day, self.rules.interval_minutes)
        if hours is None:
            return None, {}
        weeks = self.settings.forecast_weeks
        if days is None:
            days = await self._history_days(branch_id, day)
        arrivals, handled = await self.counts.history(branch_id, days)
        codes = [s.code.value for s in stored.config.services]
        interval = self.rules.interval_minutes
        forecast = forecast_arrivals(
            arrivals,
            day,
            codes,
            open_min=hours[0],
            interval=interval,
            n_intervals=(hours[1] - hours[0]) // interval,
            weeks=weeks,
            prior=self.settings.forecast_prior_per_interval,
        )
        aht = handling_times(
            handled, dict.fromkeys(codes, self.settings.default_aht_min), min_samples=self.settings.aht_min_samples
        )
        log.info(
            "forecast of %s on %s: %s over %d day(s), aht %s", branch_id, day, forecast.method, forecast.days_used, aht
        )
        expected: dict[str, tuple[float, ...]] = forecast.arrivals
        booked = await self.appointments.of_day(branch_id, day) if self.appointments is not None else None
        if booked is not None and booked.slots:
            n_intervals = (hours[1] - hours[0]) // interval
            expected = with_appointments(
                expected, booked.slots, booked.show_share, open_min=hours[0], interval=interval, n_intervals=n_intervals
            )
            log.info(
                "%s on %s: %d appointment(s) in %d slot(s) added (show share %.2f)",
                branch_id,
                day,
                sum(b + c for b, c in booked.slots.values()),
                len(booked.slots),
                booked.show_share,
            )
        return problem_from_config(branch_id, stored.config, day, expected, aht, self.rules), handled
