"""Replay of a branch's event history through the service's predictor (pure, state in memory).

The prediction for a ticket is made at its ``issued`` event with only what happened before it: the
same projection, model and calibration the service runs, with the live state rebuilt from the events.
The model carries across days (and the file may hold several); waiting tickets left at a day change
are dropped. With ``expected_arrivals`` (on, as in the live service by default:
``QUEUE_PREDICT_EXPECTED_ARRIVALS``) the projection also counts the customers expected to come in the
next minutes -- by the live service's rule, :func:`arrivals.recent_incoming` over the tickets issued in
the last hour of the day -- and shares its races fairly between fast and slow windows (issue 23); off,
only the customers present count (the wait bench's "before"). Events that cannot
apply (duplicates, out of time order, a transition the state machine refuses, a ticket never issued)
are skipped with a reason and leave the state as it was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from branchops.contracts.base import EventData
from branchops.contracts.enums import ServiceName, TicketStatus, WindowState
from branchops.contracts.events import Footfall, Ticket, Window
from services.queue.domain.arrivals import LOOKBACK_MIN, Arrival, recent_incoming
from services.queue.domain.learning import learn_transition
from services.queue.domain.lifecycle import AT_WINDOW, FINAL, WAITING, Action, InvalidTransition, transition
from services.queue.domain.model import Model
from services.queue.domain.predict import Waiting, WindowView, calibrate, expected_changes, project
from services.queue.domain.routing import RoutingRules
from services.queue.domain.schedule import Mark, Pattern, learn_pattern, mark_of
from services.queue.domain.tickets import TicketRecord

ACTION_FOR: dict[TicketStatus, Action] = {
    TicketStatus.CALLED: Action.CALL,
    TicketStatus.SERVING: Action.START,
    TicketStatus.COMPLETED: Action.COMPLETE,
    TicketStatus.NO_SHOW: Action.NO_SHOW,
    TicketStatus.TRANSFERRED: Action.TRANSFER,
    TicketStatus.ABANDONED: Action.ABANDON,
    TicketStatus.CANCELLED: Action.CANCEL,
}
SLACK = dt.timedelta(seconds=1)
HISTORY_DAYS = 84  # window changes kept for the usual schedule  # events of one instant may interleave across producers


@dataclass(frozen=True)
class Prediction:
    ticket_id: str
    at: dt.datetime
    predicted_wait_min: float
    p10_min: float
    p90_min: float

    def as_json(self) -> dict[str, object]:
        """The line DESIGN.md section 5 defines."""
        return {
            "ticket_id": self.ticket_id,
            "at": self.at.isoformat(),
            "predicted_wait_min": round(self.predicted_wait_min, 3),
            "p90_min": round(self.p90_min, 3),
        }


@dataclass
class BranchState:
    day: dt.date | None = None
    tickets: dict[str, TicketRecord] = field(default_factory=dict)
    windows: dict[str, WindowView] = field(default_factory=dict)
    model: Model = field(default_factory=Model)
    last_at: dt.datetime | None = None
    marks: dict[dt.date, list[Mark]] = field(default_factory=dict)  # window changes per local day
    pattern: Pattern = field(default_factory=lambda: Pattern({}, {}))
    issued: list[Arrival] = field(default_factory=list)  # today's tickets of the last hour
    first_arrival: dt.datetime | None = None  # the day's first ticket


@dataclass
class Replayer:
    rules: RoutingRules = field(default_factory=RoutingRules)
    tz: dt.tzinfo = dt.UTC
    branches: dict[str, BranchState] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    expected_arrivals: bool = True

    def feed(self, event_id: str, data: EventData) -> Prediction | None:
        if event_id in self.seen:
            self.skipped.append((event_id, "duplicate event id"))
            return None
        state = self.branches.setdefault(data.branch_id, BranchState())
        if state.last_at is not None and data.at < state.last_at - SLACK:
            self.skipped.append((event_id, f"out of order: {data.at.isoformat()} before {state.last_at.isoformat()}"))
            return None
        try:
            prediction = self._apply(state, data)
        except (InvalidTransition, LookupError, ValueError) as exc:
            self.skipped.append((event_id, str(exc)))
            return None
        self.seen.add(event_id)
        state.last_at = max(data.at, state.last_at or data.at)
        return prediction

    def _apply(self, state: BranchState, data: EventData) -> Prediction | None:
        day = data.at.astimezone(self.tz).date()
        if state.day != day:
            state.day = day
            state.marks = {d: m for d, m in state.marks.items() if (day - d).days <= HISTORY_DAYS}
            state.pattern = learn_pattern(state.marks, day)
            state.tickets = {k: t for k, t in state.tickets.items() if t.status in AT_WINDOW}
            state.issued, state.first_arrival = [], None
        if isinstance(data, Window):
            self._window(state, data)
            return None
        if isinstance(data, Ticket):
            return self._ticket(state, data)
        if isinstance(data, Footfall):
            return None
        raise ValueError(f"unexpected event data {type(data).__name__}")

    def _window(self, state: BranchState, event: Window) -> None:
        if event.state is WindowState.OPEN and not event.skills:
            raise ValueError(f"window {event.window_id} opened without skills")
        old = state.windows.get(event.window_id)
        local = event.at.astimezone(self.tz)
        state.marks.setdefault(local.date(), []).append(mark_of(event.window_id, event.state, event.skills, local))
        state.windows[event.window_id] = WindowView(
            event.window_id,
            event.state,
            tuple(event.skills),
            old.service if old else None,
            old.busy_since if old else None,
        )

    def _ticket(self, state: BranchState, event: Ticket) -> Prediction | None:
        if event.status is TicketStatus.ISSUED:
            if event.ticket_id in state.tickets:
                raise ValueError(f"ticket {event.ticket_id} issued twice")
            record = TicketRecord(
                event.ticket_id,
                event.branch_id,
                event.number,
                event.service,
                event.channel,
                event.priority,
                TicketStatus.ISSUED,
                event.at,
            )
            estimate = self.predict(state, record, event.at)
            since = event.at - dt.timedelta(minutes=LOOKBACK_MIN)
            state.issued = [a for a in state.issued if a.at >= since]
            state.issued.append(Arrival(event.at, event.service, event.priority))
            state.first_arrival = state.first_arrival or event.at
            state.tickets[record.ticket_id] = record.evolve(pred_wait_min=estimate[0], pred_sd_min=estimate[1])
            low, mean, high = estimate[2:]
            return Prediction(record.ticket_id, event.at, mean, low, high)
        before = state.tickets.get(event.ticket_id)
        if before is None:
            raise LookupError(f"ticket {event.ticket_id} is not known (never issued, or already finished)")
        action = (
            Action.RECALL
            if before.status is TicketStatus.CALLED and event.status is TicketStatus.CALLED
            else ACTION_FOR[event.status]
        )
        status = transition(before.status, action)
        state.model = learn_transition(state.model, before, status, event.at)
        self._move(state, before, event, status)
        return None

    def _move(self, state: BranchState, before: TicketRecord, event: Ticket, status: TicketStatus) -> None:
        if before.window_id and before.status in AT_WINDOW and status not in AT_WINDOW:
            self._set_busy(state, before.window_id, None, None)
        if status in FINAL:
            del state.tickets[before.ticket_id]
            return
        if status is TicketStatus.CALLED:
            if not event.window_id:
                raise ValueError(f"called event of {event.ticket_id} without window_id")
            called_at = before.called_at if before.status is TicketStatus.CALLED else event.at
            state.tickets[before.ticket_id] = before.evolve(
                status=status, window_id=event.window_id, called_at=called_at
            )
            self._set_busy(state, event.window_id, before.service, called_at)
        elif status is TicketStatus.SERVING:
            state.tickets[before.ticket_id] = before.evolve(status=status, started_at=event.at)
        elif status is TicketStatus.TRANSFERRED:
            if event.service is before.service:
                raise ValueError(f"transfer of {event.ticket_id} to the service it is in")
            state.tickets[before.ticket_id] = before.evolve(
                status=status,
                service=event.service,
                window_id=None,
                called_at=None,
                started_at=None,
                transferred_from=before.service,
            )

    @staticmethod
    def _set_busy(state: BranchState, window_id: str, service: ServiceName | None, since: dt.datetime | None) -> None:
        old = state.windows.get(window_id) or WindowView(window_id, WindowState.OPEN, ())
        state.windows[window_id] = WindowView(window_id, old.state, old.skills, service, since)

    def predict(
        self, state: BranchState, record: TicketRecord, now: dt.datetime
    ) -> tuple[float, float, float, float, float]:
        """(raw mean, raw spread, low, calibrated mean, high) for ``record`` joining now."""
        waiting = [
            Waiting(t.ticket_id, t.service, t.joined_at, t.priority)
            for t in state.tickets.values()
            if t.status in WAITING
        ]
        waiting.append(Waiting(record.ticket_id, record.service, record.joined_at, record.priority))
        views = list(state.windows.values())
        changes = expected_changes(state.pattern, views, now.astimezone(self.tz))
        incoming = recent_incoming(state.issued, now, state.first_arrival) if self.expected_arrivals else []
        fair = self.expected_arrivals
        projected = project(waiting, views, state.model, self.rules, now, changes, incoming=incoming, fair_race=fair)
        projection = projected[record.ticket_id]
        estimate = calibrate(projection, state.model)
        return projection.mean_min, projection.sd_min, estimate.low_min, estimate.mean_min, estimate.high_min
