"""What a branch looks like right now, folded from its typed events (pure: contract models in, views out).

The dashboard's first paint and head office's table come from here; afterwards the browser applies the
same events itself, so every view holds the values as the events' JSON writes them (times with ``Z``,
enums by value). "Today" is the branch's local day: day counters start over at local midnight.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, cast
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, TypeAdapter

from branchops.contracts.base import EventData
from branchops.contracts.enums import CameraState, TicketStatus
from branchops.contracts.events import (
    CameraStatus,
    Feedback,
    Footfall,
    KycResult,
    QueueForecast,
    StaffingAlert,
    StaffingPlan,
    Ticket,
    VoiceInteraction,
    Window,
)
from services.gateway.domain.floor import CallBoard, WindowDay, WindowDays

ARRIVAL_SLOT_MIN = 15
RECENT_TICKETS = 200
_TIME: TypeAdapter[dt.datetime] = TypeAdapter(AwareDatetime)


def json_time(value: dt.datetime) -> str:
    """``value`` as an event's JSON carries it (the browser compares the two)."""
    return cast(str, _TIME.dump_python(value, mode="json"))


def parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def slot_of(when: dt.datetime, zone: ZoneInfo) -> str:
    local = when.astimezone(zone)
    minute = (local.hour * 60 + local.minute) // ARRIVAL_SLOT_MIN * ARRIVAL_SLOT_MIN
    return local.replace(hour=minute // 60, minute=minute % 60, second=0, microsecond=0).isoformat()


@dataclass
class Ratings:
    count: int = 0
    total: int = 0

    def add(self, rating: int) -> None:
        self.count += 1
        self.total += rating

    def view(self) -> dict[str, float | int]:
        return {"count": self.count, "average": round(self.total / self.count, 2) if self.count else 0.0}


@dataclass
class CameraCounts:
    """One camera's people counts today and its newest footfall.v1."""

    last: Footfall
    entered_today: int = 0
    exited_today: int = 0

    def view(self) -> dict[str, Any]:
        return {
            "entered_today": self.entered_today,
            "exited_today": self.exited_today,
            "occupancy": dict(self.last.occupancy),
            "dwell_p50_s": dict(self.last.dwell_p50_s),
            "at": json_time(self.last.at),
        }


@dataclass
class AlertState:
    """A staffing.alerts.v1 and what this gateway knows of it since (a manager acknowledged it here)."""

    alert: StaffingAlert
    status: str = "open"
    acked_by: str | None = None

    def view(self) -> dict[str, Any]:
        view = {**self.alert.model_dump(mode="json"), "status": self.status}
        if self.acked_by is not None:
            view["acked_by"] = self.acked_by
        return view


def camera_view(status: CameraStatus) -> dict[str, Any]:
    return {"state": status.state.value, "fps": status.fps, "error": status.error, "at": json_time(status.at)}


def forecast_view(forecast: QueueForecast) -> dict[str, Any]:
    return {
        "at": json_time(forecast.at),
        "per_service": [q.model_dump(mode="json") for q in forecast.per_service],
        "arrivals": [a.model_dump(mode="json") for a in forecast.arrivals],
    }


def plan_view(plan: StaffingPlan) -> dict[str, Any]:
    return plan.model_dump(mode="json", include={"date", "version", "intervals", "assignments", "solve_ms"})


def window_view(window: Window) -> dict[str, Any]:
    return {
        "window_id": window.window_id,
        "state": window.state.value,
        "staff_id": window.staff_id,
        "skills": [s.value for s in window.skills],
        "at": json_time(window.at),
    }


def ticket_view(ticket: Ticket) -> dict[str, Any]:
    """Also what the rating rules read (:mod:`.ratings`), like the queue service's answer for a ticket."""
    return {
        "ticket_id": ticket.ticket_id,
        "number": ticket.number,
        "service": ticket.service.value,
        "status": ticket.status.value,
        "window_id": ticket.window_id,
        "channel": ticket.channel.value,
        "priority": ticket.priority.value,
        "at": json_time(ticket.at),
    }


@dataclass
class BranchState:
    branch_id: str
    zone: ZoneInfo
    target_wait_min: float = 10.0
    day: str = ""
    updated_at: str | None = None
    cameras: dict[str, CameraStatus] = field(default_factory=dict)
    footfall: dict[str, CameraCounts] = field(default_factory=dict)
    forecast: QueueForecast | None = None
    plan: StaffingPlan | None = None
    alerts: dict[str, AlertState] = field(default_factory=dict)
    windows: dict[str, Window] = field(default_factory=dict)
    tickets: OrderedDict[str, dict[str, Any]] = field(default_factory=OrderedDict)  # ticket id -> its view
    arrivals: dict[str, int] = field(default_factory=dict)
    issued_at: dict[str, dt.datetime] = field(default_factory=dict)
    called: int = 0
    called_in_target: int = 0
    in_target: set[str] = field(default_factory=set)  # tickets called within the target today
    missed: int = 0  # customers who left before their call (abandoned): missed, never called
    ratings_by_window: dict[str, Ratings] = field(default_factory=dict)
    ratings_by_service: dict[str, Ratings] = field(default_factory=dict)
    rated_tickets: set[str] = field(default_factory=set)
    kyc: dict[str, int] = field(default_factory=dict)
    voice_turns: int = 0
    board: CallBoard = field(default_factory=CallBoard)  # the calling display's latest calls
    window_days: WindowDays = field(default_factory=WindowDays)  # served and handling time per window today
    undo_issued_at: dict[str, dt.datetime] = field(default_factory=dict)  # called today -> issued, for an undo
    seeded_ratings: Ratings = field(default_factory=Ratings)  # today's ratings before the seed (records' totals)
    seeded_day: str = ""  # the local day records' figures were read for (see seed_today)
    seeded_at: str | None = None  # records' generated_at of that report

    def _roll_day(self, when: dt.datetime) -> None:
        day = when.astimezone(self.zone).date().isoformat()
        if day <= self.day:
            return
        self.day = day
        self.arrivals.clear()
        self.issued_at.clear()
        self.called = self.called_in_target = self.voice_turns = self.missed = 0
        self.in_target.clear()
        self.ratings_by_window.clear()
        self.ratings_by_service.clear()
        self.rated_tickets.clear()
        self.kyc.clear()
        self.window_days.clear()
        self.undo_issued_at.clear()
        self.seeded_ratings = Ratings()
        for camera in self.footfall.values():
            camera.entered_today = camera.exited_today = 0

    def seed_today(self, report: dict[str, Any], now: dt.datetime) -> bool:
        """Today's figures from records' daily report (``GET /v1/branches/{b}/reports/daily``), so a gateway
        that restarted shows the whole day, not the day since its start; live events are then folded on top.

        The report replaces the day counters this gateway folded so far (records consumed the same events);
        tickets still waiting or at a window keep what this gateway knows of them. A report of another day
        (the branch's local today per this gateway's clock), or one with fewer arrivals than this gateway
        counted (records still catching up), is ignored: False."""
        today = now.astimezone(self.zone).date().isoformat()
        if report.get("date") != today:
            return False
        self._roll_day(now)
        if self.day != today:
            return False
        totals = _mapping(report.get("totals"))
        arrivals: dict[str, int] = {}
        for interval in report.get("intervals") or []:
            start = parse_time(_mapping(interval).get("start"))
            if start is not None:
                slot = slot_of(start, self.zone)
                arrivals[slot] = arrivals.get(slot, 0) + _count(interval.get("arrivals"))
        if sum(arrivals.values()) < sum(self.arrivals.values()):
            return False  # records is behind this gateway (catching up after an outage): keep what was folded
        self.arrivals = arrivals
        self.called, self.missed = _count(totals.get("called")), _count(totals.get("abandoned"))
        share = totals.get("within_target_share")
        judged = self.called + self.missed
        self.called_in_target = round(float(share) * judged) if isinstance(share, int | float) else 0
        self.seeded_ratings = _ratings(totals.get("ratings"), totals.get("rating_avg"))
        self.ratings_by_service.clear()  # records has no ratings per service: its total is seeded_ratings
        self.ratings_by_window = {}
        self.window_days.windows.clear()
        for row in report.get("windows") or []:
            window = _mapping(row).get("window_id")
            if not isinstance(window, str):
                continue
            rated = _ratings(row.get("ratings"), row.get("rating_avg"))
            if rated.count:
                self.ratings_by_window[window] = rated
            served, handling = _count(row.get("served")), row.get("handling_min_avg")
            seconds = float(handling) * 60 * served if isinstance(handling, int | float) else 0.0
            self.window_days.windows[window] = WindowDay(served, seconds)
        self.kyc = {
            str(k["decision"]): _count(k.get("count"))
            for k in report.get("kyc") or []
            if isinstance(k, dict) and k.get("decision")
        }
        self.voice_turns = _count(_mapping(report.get("voice")).get("turns"))
        self.seeded_day = today
        generated = report.get("generated_at")
        self.seeded_at = generated if isinstance(generated, str) else now.isoformat()
        return True

    def apply(self, event: EventData) -> None:
        """Fold one event of any topic; one the snapshot does not show still marks the branch as active."""
        self._roll_day(event.at)
        self.updated_at = event.at.isoformat()
        match event:
            case Ticket():
                self._on_ticket(event)
            case Window():
                self.windows[event.window_id] = event
            case QueueForecast():
                self.forecast = event
            case Footfall():
                self._on_footfall(event)
            case CameraStatus():
                self.cameras[event.camera_id] = event
            case StaffingPlan():
                if self.plan is None or (event.date, event.version) >= (self.plan.date, self.plan.version):
                    self.plan = event
            case StaffingAlert():
                known = self.alerts.get(event.alert_id)
                status = known.status if known else "open"
                if event.expired:  # staffing says it lapsed unacknowledged: off the dashboard at once
                    status = "expired"
                elif event.acknowledged_at is not None and status == "open":  # acknowledged elsewhere
                    status = "acknowledged"
                self.alerts[event.alert_id] = AlertState(event, status, known.acked_by if known else None)
            case Feedback():
                self._on_feedback(event)
            case KycResult():
                self.kyc[event.decision.value] = self.kyc.get(event.decision.value, 0) + 1
            case VoiceInteraction():
                self.voice_turns += 1
            case _:
                pass

    def _on_footfall(self, event: Footfall) -> None:
        camera = self.footfall.get(event.camera_id)
        if camera is None:
            camera = self.footfall[event.camera_id] = CameraCounts(event)
        camera.entered_today += event.entered
        camera.exited_today += event.exited
        camera.last = event

    def _on_ticket(self, event: Ticket) -> None:
        before = self.tickets.get(event.ticket_id)
        self.board.apply(event)
        self.window_days.apply(event)
        if event.status is TicketStatus.ISSUED and before is not None and before["status"] == "called":
            self._undo_call(event)
        elif event.status is TicketStatus.ISSUED and event.ticket_id not in self.issued_at:
            self.issued_at[event.ticket_id] = event.at
            slot = slot_of(event.at, self.zone)
            self.arrivals[slot] = self.arrivals.get(slot, 0) + 1
        elif event.status is TicketStatus.CALLED and event.ticket_id in self.issued_at:
            issued = self.undo_issued_at[event.ticket_id] = self.issued_at.pop(event.ticket_id)
            waited = (event.at - issued).total_seconds() / 60
            self.called += 1
            if waited <= self.target_wait_min:
                self.called_in_target += 1
                self.in_target.add(event.ticket_id)
        elif event.status is TicketStatus.ABANDONED and self.issued_at.pop(event.ticket_id, None) is not None:
            self.missed += 1  # gave up waiting: the branch missed this customer
        elif event.status is TicketStatus.NO_SHOW and event.ticket_id in self.in_target:
            self.in_target.discard(event.ticket_id)  # called in time, but nobody was served: missed
            self.called_in_target -= 1
        elif event.status is TicketStatus.CANCELLED:
            self.issued_at.pop(event.ticket_id, None)  # withdrawn by the customer or staff: not judged
        if event.status not in (TicketStatus.CALLED, TicketStatus.ISSUED):
            self.undo_issued_at.pop(event.ticket_id, None)  # served, gone or moved on: no undo any more
        self.tickets[event.ticket_id] = ticket_view(event)
        self.tickets.move_to_end(event.ticket_id)
        while len(self.tickets) > RECENT_TICKETS:
            self.tickets.popitem(last=False)

    def _undo_call(self, event: Ticket) -> None:
        """A call taken back (queue: undo-call): the ticket waits again as before, its call is not counted."""
        issued = self.undo_issued_at.pop(event.ticket_id, None)
        if issued is None:
            return
        self.called = max(self.called - 1, 0)
        if event.ticket_id in self.in_target:
            self.in_target.discard(event.ticket_id)
            self.called_in_target -= 1
        self.issued_at[event.ticket_id] = issued

    def _on_feedback(self, event: Feedback) -> None:
        if event.ticket_id in self.rated_tickets:  # one rating per ticket, whoever sent a second one
            return
        self.rated_tickets.add(event.ticket_id)
        self.ratings_by_window.setdefault(event.window_id or "-", Ratings()).add(event.rating)
        self.ratings_by_service.setdefault(event.service.value, Ratings()).add(event.rating)

    def mark_acknowledged(self, alert_id: str, who: str) -> None:
        known = self.alerts.get(alert_id)
        if known is not None:
            known.status, known.acked_by = "acknowledged", who

    def staff_at(self, window_id: str) -> str | None:
        """Who the newest windows.v1 of ``window_id`` names (None: nobody, or no such event yet)."""
        window = self.windows.get(window_id)
        return window.staff_id if window is not None else None

    def open_alerts(self, now: dt.datetime) -> list[dict[str, Any]]:
        return [a.view() for a in self.alerts.values() if a.status == "open" and a.alert.expires_at > now]

    def waiting(self) -> int:
        return sum(q.waiting for q in self.forecast.per_service) if self.forecast is not None else 0

    def service_level(self) -> float | None:
        """Share of today's customers served within the target wait: of the called and those who gave up
        before their call, the ones called within the target who did not turn out to be no-shows."""
        judged = self.called + self.missed
        return round(self.called_in_target / judged, 4) if judged else None

    def summary(self, now: dt.datetime) -> dict[str, Any]:
        rated = Ratings(
            self.seeded_ratings.count + sum(r.count for r in self.ratings_by_service.values()),
            self.seeded_ratings.total + sum(r.total for r in self.ratings_by_service.values()),
        )
        return {
            "branch_id": self.branch_id,
            "day": self.day,
            "waiting": self.waiting(),
            "service_level": self.service_level(),
            "called_today": self.called,
            "abandoned_today": self.missed,
            "tickets_today": sum(self.arrivals.values()),
            "open_alerts": len(self.open_alerts(now)),
            "cameras_down": sum(1 for c in self.cameras.values() if c.state is CameraState.DOWN),
            "occupancy": sum(sum(c.last.occupancy.values()) for c in self.footfall.values()),
            "satisfaction": rated.view(),
            "updated_at": self.updated_at,
            "seeded_from_records": self.seeded_at if self.seeded_day and self.seeded_day == self.day else None,
        }

    def view(self, now: dt.datetime) -> dict[str, Any]:
        return {
            **self.summary(now),
            "target_wait_min": self.target_wait_min,
            "cameras": {k: camera_view(c) for k, c in self.cameras.items()},
            "footfall": {k: c.view() for k, c in self.footfall.items()},
            "forecast": forecast_view(self.forecast) if self.forecast is not None else None,
            "plan": plan_view(self.plan) if self.plan is not None else None,
            "alerts": [a.view() for a in self.alerts.values()],
            "windows": {k: window_view(w) for k, w in self.windows.items()},
            "tickets": list(self.tickets.values())[-50:],
            "arrivals_actual": self.arrivals,
            "satisfaction_by_window": {k: v.view() for k, v in self.ratings_by_window.items()},
            "satisfaction_by_service": {k: v.view() for k, v in self.ratings_by_service.items()},
            "rated_tickets": sorted(self.rated_tickets),
            "kyc_today": self.kyc,
            "voice_turns_today": self.voice_turns,
        }


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _count(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) and value > 0 else 0


def _ratings(count: Any, average: Any) -> Ratings:
    n = _count(count)
    return Ratings(n, round(float(average) * n)) if n and isinstance(average, int | float) else Ratings()
