"""Plans and alerts of the domain as the event contracts of DESIGN.md section 3."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from branchops.contracts.enums import AlertKind, ServiceName, Severity
from branchops.contracts.events import Assignment, LocalizedText, PlanInterval, StaffingAlert, StaffingPlan, TimeSpan
from services.staffing.domain import notices
from services.staffing.domain.alerts import Alert

KNOWN_SERVICES = frozenset(s.value for s in ServiceName)


def unknown_services(instance: Mapping[str, Any]) -> list[str]:
    """Service and skill names outside DESIGN.md's vocabulary (events could not carry them)."""
    names = set(instance.get("services") or {})
    for member in instance.get("staff") or []:
        if isinstance(member, Mapping) and isinstance(member.get("skills"), list):
            names.update(s for s in member["skills"] if isinstance(s, str))
    return sorted(n for n in names if n not in KNOWN_SERVICES)


def plan_event(plan: Mapping[str, Any], version: int, at: dt.datetime) -> StaffingPlan:
    """README plan -> staffing.plan.v1: planned = open windows; skills = the services a person serves."""
    intervals = [PlanInterval(start=row["start"], required=row["required"], planned=row["open_windows"])
                 for row in plan["intervals"]]
    assignments = [
        Assignment(staff_id=a["staff_id"], start=a["start"], end=a["end"],
                   breaks=[TimeSpan(start=b["start"], end=b["end"]) for b in a.get("breaks", [])],
                   skills=sorted({ServiceName(s["service"]) for s in a.get("serving", [])}))
        for a in plan["assignments"]
    ]
    return StaffingPlan(branch_id=plan["branch_id"], at=at, date=dt.date.fromisoformat(plan["date"]), version=version,
                        intervals=intervals, assignments=assignments, solve_ms=round(float(plan["solve_ms"])),
                        objective=float(plan.get("cost", 0.0)))


def local_time(day: dt.date, minute: int, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), zone) + dt.timedelta(minutes=minute)


def alert_event(branch_id: str, alert: Alert, day: dt.date, zone: dt.tzinfo, at: dt.datetime,
                reason: Mapping[str, float | int | str]) -> StaffingAlert:
    return StaffingAlert(
        branch_id=branch_id, at=at, alert_id=f"al-{uuid.uuid4().hex[:16]}", kind=AlertKind(alert.kind),
        severity=Severity(notices.severity(alert)), message=LocalizedText(**alert.message),
        action=notices.action(alert), window_id=alert.window_id, staff_id=alert.staff_id,
        reason={"service": alert.service, "predicted_wait_min": round(alert.predicted_wait_min, 1),
                "target_wait_min": alert.target_wait_min, **reason},
        expires_at=local_time(day, alert.expires_min, zone).astimezone(dt.UTC))


def camera_down_event(branch_id: str, camera_id: str, error: str | None, at: dt.datetime) -> StaffingAlert:
    return StaffingAlert(
        branch_id=branch_id, at=at, alert_id=f"al-{uuid.uuid4().hex[:16]}", kind=AlertKind.CAMERA_DOWN,
        severity=Severity.WARNING, message=LocalizedText(**notices.camera_down_message(camera_id, error)),
        action=f"check camera {camera_id}", reason={"camera_id": camera_id},
        expires_at=at + dt.timedelta(minutes=notices.CAMERA_ALERT_MIN))
