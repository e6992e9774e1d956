"""What a branch looks like right now, folded from its events (pure: envelopes in, dicts out).

The dashboard's first paint and head office's table come from here; afterwards the browser applies the
same events itself. "Today" is the branch's local day: day counters start over at local midnight.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

ARRIVAL_SLOT_MIN = 15
RECENT_TICKETS = 200
TYPE_PREFIX = "branchops."


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
class BranchState:
    branch_id: str
    zone: ZoneInfo
    target_wait_min: float = 10.0
    day: str = ""
    updated_at: str | None = None
    cameras: dict[str, dict[str, Any]] = field(default_factory=dict)
    footfall: dict[str, dict[str, Any]] = field(default_factory=dict)
    forecast: dict[str, Any] | None = None
    plan: dict[str, Any] | None = None
    alerts: dict[str, dict[str, Any]] = field(default_factory=dict)
    windows: dict[str, dict[str, Any]] = field(default_factory=dict)
    tickets: OrderedDict[str, dict[str, Any]] = field(default_factory=OrderedDict)
    arrivals: dict[str, int] = field(default_factory=dict)
    issued_at: dict[str, dt.datetime] = field(default_factory=dict)
    called: int = 0
    called_in_target: int = 0
    ratings_by_window: dict[str, Ratings] = field(default_factory=dict)
    ratings_by_service: dict[str, Ratings] = field(default_factory=dict)
    rated_tickets: set[str] = field(default_factory=set)
    kyc: dict[str, int] = field(default_factory=dict)
    voice_turns: int = 0

    def _roll_day(self, when: dt.datetime) -> None:
        day = when.astimezone(self.zone).date().isoformat()
        if day <= self.day:
            return
        self.day = day
        self.arrivals.clear()
        self.issued_at.clear()
        self.called = self.called_in_target = self.voice_turns = 0
        self.ratings_by_window.clear()
        self.ratings_by_service.clear()
        self.rated_tickets.clear()
        self.kyc.clear()
        for camera in self.footfall.values():
            camera["entered_today"] = camera["exited_today"] = 0

    def apply(self, event_type: str, data: dict[str, Any]) -> None:
        when = parse_time(data.get("at")) or dt.datetime.now(dt.UTC)
        self._roll_day(when)
        self.updated_at = when.isoformat()
        kind = event_type.removeprefix(TYPE_PREFIX)
        handler = getattr(self, "_on_" + kind.rsplit(".v", 1)[0].replace(".", "_"), None)
        if handler is not None:
            handler(data, when)

    def _on_footfall(self, data: dict[str, Any], when: dt.datetime) -> None:
        camera = self.footfall.setdefault(str(data["camera_id"]), {"entered_today": 0, "exited_today": 0})
        camera["entered_today"] += int(data.get("entered", 0))
        camera["exited_today"] += int(data.get("exited", 0))
        camera["occupancy"] = dict(data.get("occupancy") or {})
        camera["dwell_p50_s"] = dict(data.get("dwell_p50_s") or {})
        camera["at"] = data.get("at")

    def _on_camera_status(self, data: dict[str, Any], when: dt.datetime) -> None:
        self.cameras[str(data["camera_id"])] = {k: data.get(k) for k in ("state", "fps", "error", "at")}

    def _on_queue_forecast(self, data: dict[str, Any], when: dt.datetime) -> None:
        self.forecast = {"at": data.get("at"), "per_service": data.get("per_service", []),
                         "arrivals": data.get("arrivals", [])}

    def _on_staffing_plan(self, data: dict[str, Any], when: dt.datetime) -> None:
        if self.plan is None or (data.get("date"), data.get("version", 0)) >= (self.plan.get("date"),
                                                                              self.plan.get("version", 0)):
            self.plan = {k: data.get(k) for k in ("date", "version", "intervals", "assignments", "solve_ms")}

    def _on_staffing_alerts(self, data: dict[str, Any], when: dt.datetime) -> None:
        known = self.alerts.get(str(data["alert_id"]), {})
        self.alerts[str(data["alert_id"])] = {**data, "status": known.get("status", "open")}

    def _on_windows(self, data: dict[str, Any], when: dt.datetime) -> None:
        self.windows[str(data["window_id"])] = {k: data.get(k) for k in ("window_id", "state", "staff_id", "skills", "at")}

    def _on_tickets(self, data: dict[str, Any], when: dt.datetime) -> None:
        ticket_id = str(data["ticket_id"])
        status = data.get("status")
        if status == "issued" and ticket_id not in self.issued_at:
            self.issued_at[ticket_id] = when
            slot = slot_of(when, self.zone)
            self.arrivals[slot] = self.arrivals.get(slot, 0) + 1
        elif status == "called" and ticket_id in self.issued_at:
            waited = (when - self.issued_at.pop(ticket_id)).total_seconds() / 60
            self.called += 1
            self.called_in_target += waited <= self.target_wait_min
        self.tickets[ticket_id] = {k: data.get(k) for k in ("ticket_id", "number", "service", "status", "window_id",
                                                            "channel", "priority", "at")}
        self.tickets.move_to_end(ticket_id)
        while len(self.tickets) > RECENT_TICKETS:
            self.tickets.popitem(last=False)

    def _on_feedback(self, data: dict[str, Any], when: dt.datetime) -> None:
        ticket_id = str(data.get("ticket_id"))
        if ticket_id in self.rated_tickets:  # one rating per ticket, whoever sent a second one
            return
        self.rated_tickets.add(ticket_id)
        rating = int(data.get("rating", 0))
        self.ratings_by_window.setdefault(str(data.get("window_id") or "-"), Ratings()).add(rating)
        self.ratings_by_service.setdefault(str(data.get("service")), Ratings()).add(rating)

    def _on_kyc_results(self, data: dict[str, Any], when: dt.datetime) -> None:
        decision = str(data.get("decision"))
        self.kyc[decision] = self.kyc.get(decision, 0) + 1

    def _on_voice_interactions(self, data: dict[str, Any], when: dt.datetime) -> None:
        self.voice_turns += 1

    def mark_acknowledged(self, alert_id: str, who: str) -> None:
        if alert_id in self.alerts:
            self.alerts[alert_id] = {**self.alerts[alert_id], "status": "acknowledged", "acked_by": who}

    def open_alerts(self, now: dt.datetime) -> list[dict[str, Any]]:
        return [a for a in self.alerts.values() if a.get("status") == "open"
                and (parse_time(a.get("expires_at")) or now) > now]

    def waiting(self) -> int:
        return sum(int(s.get("waiting", 0)) for s in (self.forecast or {}).get("per_service", []))

    def service_level(self) -> float | None:
        return round(self.called_in_target / self.called, 4) if self.called else None

    def summary(self, now: dt.datetime) -> dict[str, Any]:
        rated = Ratings(sum(r.count for r in self.ratings_by_service.values()),
                        sum(r.total for r in self.ratings_by_service.values()))
        return {"branch_id": self.branch_id, "day": self.day, "waiting": self.waiting(),
                "service_level": self.service_level(), "called_today": self.called,
                "tickets_today": sum(self.arrivals.values()), "open_alerts": len(self.open_alerts(now)),
                "cameras_down": sum(1 for c in self.cameras.values() if c.get("state") == "down"),
                "occupancy": sum(sum(c.get("occupancy", {}).values()) for c in self.footfall.values()),
                "satisfaction": rated.view(), "updated_at": self.updated_at}

    def view(self, now: dt.datetime) -> dict[str, Any]:
        return {**self.summary(now), "target_wait_min": self.target_wait_min, "cameras": self.cameras,
                "footfall": self.footfall, "forecast": self.forecast, "plan": self.plan,
                "alerts": list(self.alerts.values()), "windows": self.windows,
                "tickets": list(self.tickets.values())[-50:], "arrivals_actual": self.arrivals,
                "satisfaction_by_window": {k: v.view() for k, v in self.ratings_by_window.items()},
                "satisfaction_by_service": {k: v.view() for k, v in self.ratings_by_service.items()},
                "rated_tickets": sorted(self.rated_tickets),
                "kyc_today": self.kyc, "voice_turns_today": self.voice_turns}
