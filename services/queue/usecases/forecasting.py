"""Live queue state and predictions for a branch: reads Redis, runs the pure predictor.

With ``expected_arrivals`` (``QUEUE_PREDICT_EXPECTED_ARRIVALS``, on by default) the projection also
counts the customers expected to come, from the branch's last hour of tickets by the rule the replay
and the wait bench use (:func:`arrivals.recent_incoming`), and shares its races fairly between fast and
slow windows (issue 23).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

from branchops.contracts.enums import Priority, ServiceName, WindowState
from branchops.contracts.events import ArrivalForecast, QueueForecast, ServiceQueue
from services.queue.adapters.call_next import WindowStore
from services.queue.adapters.snapshot import SnapshotReader
from services.queue.domain.arrivals import (
    arrival_span,
    booked_per_interval,
    forecast_day,
    incoming_from_counts,
    slot_of,
    slot_start,
    with_appointments,
)
from services.queue.domain.model import Model
from services.queue.domain.predict import (
    Estimate,
    Incoming,
    Projection,
    Waiting,
    WindowView,
    calibrate,
    expected_changes,
    project,
)
from services.queue.domain.routing import RoutingRules
from services.queue.domain.schedule import Change, Pattern, learn_pattern
from services.queue.domain.tickets import TicketRecord
from services.queue.domain.windows import WindowRecord

PHANTOM = "new-arrival"


class BookedAhead(Protocol):
    """The booked appointments a day still expects (``usecases.appointments.Appointments``)."""

    async def still_expected(self, branch_id: str, date: dt.date) -> dict[str, int]: ...

    async def show_share(self, branch_id: str, today: dt.date, days: int = 3) -> float: ...


@dataclass(frozen=True)
class ServiceView:
    service: ServiceName
    waiting: int
    open_windows: int
    new_arrival: Estimate


@dataclass(frozen=True)
class QueueView:
    branch_id: str
    at: dt.datetime
    tickets: list[tuple[TicketRecord, int, Estimate]]  # waiting tickets with position and estimate
    scheduled: list[TicketRecord]
    windows: list[WindowRecord]
    services: list[ServiceView]


@dataclass
class LiveQueue:
    reader: SnapshotReader
    windows: WindowStore
    rules: RoutingRules
    tz: dt.tzinfo
    footfall_conversion: float = 0.8
    patterns: dict[str, tuple[dt.date, Pattern]] = field(default_factory=dict)  # per branch, for a local day
    histories: dict[str, tuple[dt.date, dict[dt.date, list[float]]]] = field(default_factory=dict)  # past arrivals
    booked: BookedAhead | None = None  # appointments add arrivals at their slots (set by the composition root)
    expected_arrivals: bool = False  # count the customers expected to come (the last hour's arrivals)

    async def _incoming(self, branch_id: str, now: dt.datetime) -> list[Incoming]:
        """The expected arrivals per service and priority, or none when they are not counted."""
        if not self.expected_arrivals:
            return []
        first = await self.reader.first_arrival(branch_id, now.astimezone(self.tz).date())
        if first is None:  # no ticket yet this local day: yesterday's last customers do not count (as in the replay)
            return []
        start, span = arrival_span(now, first)  # the replay's rule (arrivals.recent_incoming), counted in Redis
        return incoming_from_counts(await self.reader.recent_counts(branch_id, start, now), span)

    async def _changes(self, branch_id: str, views: list[WindowView], now: dt.datetime) -> list[Change]:
        """The usual window changes still to come today (past days do not change: one read a day)."""
        local = now.astimezone(self.tz)
        cached = self.patterns.get(branch_id)
        if cached is None or cached[0] != local.date():
            pattern = learn_pattern(await self.reader.window_history(branch_id, local.date()), local.date())
            self.patterns[branch_id] = cached = (local.date(), pattern)
        return expected_changes(cached[1], views, local)

    @staticmethod
    def _views(windows: list[WindowRecord]) -> list[WindowView]:
        return [WindowView(w.window_id, w.state, w.skills, w.service, w.busy_since) for w in windows]

    @staticmethod
    def _waiting(records: list[TicketRecord]) -> list[Waiting]:
        return [Waiting(r.ticket_id, r.service, r.joined_at, r.priority) for r in records]

    def _new_arrivals(
        self,
        waiting: list[Waiting],
        views: list[WindowView],
        model: Model,
        services: list[tuple[ServiceName, Priority]],
        now: dt.datetime,
        changes: list[Change],
        incoming: list[Incoming],
    ) -> tuple[dict[str, Projection], dict[ServiceName, Projection]]:
        """Projections of the waiting tickets and of a customer of each service joining now (one pass)."""
        probes = [Waiting(f"{PHANTOM}:{service.value}", service, now, priority) for service, priority in services]
        fair = self.expected_arrivals
        out = project(waiting, views, model, self.rules, now, changes, probes, incoming=incoming, fair_race=fair)
        return out, {p.service: out[p.ticket_id] for p in probes}

    async def predict_new(
        self, branch_id: str, service: ServiceName, priority: Priority, now: dt.datetime, reserve: str | None = None
    ) -> tuple[Projection, Estimate, int | None]:
        """The wait of a customer joining now; ``reserve``: a number counter taken in the same read."""
        snap, incoming = await asyncio.gather(self.reader.lean(branch_id, reserve), self._incoming(branch_id, now))
        views = self._views(snap.windows)
        changes = await self._changes(branch_id, views, now)
        probe = [(service, priority)]
        _, new = self._new_arrivals(snap.waiting, views, snap.model, probe, now, changes, incoming)
        return new[service], calibrate(new[service], snap.model), snap.sequence

    def _per_service(
        self,
        in_line: Counter[ServiceName],
        waiting: list[Waiting],
        windows: list[WindowRecord],
        views: list[WindowView],
        model: Model,
        now: dt.datetime,
        changes: list[Change],
        incoming: list[Incoming],
    ) -> tuple[dict[str, Projection], list[ServiceView]]:
        """The waiting tickets' projections, and every service with an open window or people in line:
        its line, its open windows and the wait of a customer joining it now (one projection)."""
        open_for = {s: sum(1 for w in windows if w.state is WindowState.OPEN and s in w.skills) for s in ServiceName}
        shown = [s for s in ServiceName if open_for[s] or in_line[s]]
        projections, new = self._new_arrivals(
            waiting, views, model, [(s, Priority.NORMAL) for s in shown], now, changes, incoming
        )
        return projections, [ServiceView(s, in_line[s], open_for[s], calibrate(new[s], model)) for s in shown]

    async def view(self, branch_id: str, now: dt.datetime) -> QueueView:
        snap, incoming = await asyncio.gather(self.reader.snapshot(branch_id), self._incoming(branch_id, now))
        live, scheduled, windows, model = snap.waiters.tickets, snap.waiters.scheduled, snap.windows, snap.model
        waiting, views = self._waiting(live + scheduled), self._views(windows)
        changes = await self._changes(branch_id, views, now)
        projections, services = self._per_service(
            Counter(r.service for r in live), waiting, windows, views, model, now, changes, incoming
        )
        positions: Counter[ServiceName] = Counter()
        tickets = []
        for record in live:
            positions[record.service] += 1
            tickets.append((record, positions[record.service], calibrate(projections[record.ticket_id], model)))
        return QueueView(branch_id, now, tickets, scheduled, windows, services)

    async def services_now(self, branch_id: str, now: dt.datetime) -> tuple[list[ServiceView], int, int]:
        """(per service: waiting, open windows, the wait of a new arrival; customers waiting in the lines;
        customers at windows) from the lean read: what a forecast needs, without every ticket's estimate."""
        snap, incoming = await asyncio.gather(self.reader.lean(branch_id), self._incoming(branch_id, now))
        views = self._views(snap.windows)
        changes = await self._changes(branch_id, views, now)
        in_line = Counter(w.service for w in snap.waiting[: snap.queued])
        _, services = self._per_service(in_line, snap.waiting, snap.windows, views, snap.model, now, changes, incoming)
        return services, snap.queued, sum(1 for w in snap.windows if w.ticket_id)

    async def _arrivals(self, branch_id: str, today: dt.date) -> tuple[dict[dt.date, list[float]], list[float]]:
        """Past days' arrivals read once a day per branch (they do not change); today's on every call."""
        cached = self.histories.get(branch_id)
        if cached is None or cached[0] != today:
            history, counts = await self.reader.arrivals(branch_id, today)
            if len(self.histories) > 10_000:
                self.histories.clear()
            self.histories[branch_id] = (today, history)
            return history, counts
        return cached[1], await self.reader.arrivals_on(branch_id, today)

    async def forecast(self, branch_id: str, now: dt.datetime) -> QueueForecast:
        services, queued, at_windows = await self.services_now(branch_id, now)
        local = now.astimezone(self.tz)
        history, today = await self._arrivals(branch_id, local.date())
        in_hall = await self.reader.people_in_hall(branch_id, now)
        without_ticket = max(in_hall - queued - at_windows, 0)
        slots = forecast_day(
            history,
            local.date(),
            today,
            slot_of(local),
            waiting_in_hall=without_ticket,
            conversion=self.footfall_conversion,
        )
        if self.booked is not None:
            ahead = booked_per_interval(await self.booked.still_expected(branch_id, local.date()))
            if ahead:
                share = await self.booked.show_share(branch_id, local.date())
                slots = with_appointments(slots, ahead, slot_of(local), share)
        arrivals = [
            ArrivalForecast(
                interval_start=slot_start(local.date(), s.slot, self.tz),
                expected=round(s.expected, 2),
                p10=round(min(s.p10, s.expected), 2),
                p90=round(max(s.p90, s.expected), 2),
            )
            for s in slots
        ]
        per_service = [
            ServiceQueue(
                service=s.service,
                waiting=s.waiting,
                open_windows=s.open_windows,
                est_wait_min=round(s.new_arrival.mean_min, 2),
                est_wait_p90_min=round(max(s.new_arrival.high_min, s.new_arrival.mean_min), 2),
            )
            for s in services
        ]
        return QueueForecast(branch_id=branch_id, at=now, per_service=per_service, arrivals=arrivals)
