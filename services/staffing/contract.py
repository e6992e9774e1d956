"""Plans and alerts of the domain as the event contracts of DESIGN.md section 3."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping

from branchops.contracts.enums import AlertKind, ServiceName, Severity
from branchops.contracts.events import (
    Assignment,
    LocalizedText,
    PlanInterval,
    PlanVerification,
    StaffingAlert,
    StaffingPlan,
    TimeSpan,
)
from services.staffing.domain import notices
from services.staffing.domain.alerts import Alert
from services.staffing.domain.plan import Plan


def plan_event(plan: Plan, at: dt.datetime) -> StaffingPlan:
    """A stored plan -> staffing.plan.v1: planned = open windows; skills = the services a person serves."""
    if plan.version is None:
        raise ValueError("only a stored plan (with its version) is announced")
    intervals = [
        PlanInterval(start=row.start, required=row.required, planned=row.open_windows) for row in plan.intervals
    ]
    assignments = [
        Assignment(
            staff_id=a.staff_id,
            start=a.start,
            end=a.end,
            breaks=[TimeSpan(start=b.start, end=b.end) for b in a.breaks],
            skills=sorted({ServiceName(s.service) for s in a.serving}),
        )
        for a in plan.assignments
    ]
    return StaffingPlan(
        branch_id=plan.branch_id,
        at=at,
        date=dt.date.fromisoformat(plan.date),
        version=plan.version,
        intervals=intervals,
        assignments=assignments,
        solve_ms=round(float(plan.stats.solve_ms)),
        objective=float(plan.cost),
        verification=_verification(plan),
    )


def _verification(plan: Plan) -> PlanVerification | None:
    v = plan.verification
    if v is None:
        return None
    return PlanVerification(
        worst_interval=v.worst_interval,
        service_worst={ServiceName(name): share for name, share in v.service_worst.items()},
        target_fraction=v.target_fraction,
        replications=v.replications,
        gap=v.gap,
        repaired=v.repaired,
        reproducible=v.reproducible,
    )


def local_time(day: dt.date, minute: int, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), zone) + dt.timedelta(minutes=minute)


def alert_event(
    branch_id: str,
    alert: Alert,
    day: dt.date,
    zone: dt.tzinfo,
    at: dt.datetime,
    reason: Mapping[str, float | int | str],
) -> StaffingAlert:
    return StaffingAlert(
        branch_id=branch_id,
        at=at,
        alert_id=f"al-{uuid.uuid4().hex[:16]}",
        kind=AlertKind(alert.kind),
        severity=Severity(notices.severity(alert)),
        message=LocalizedText(**alert.message),
        action=notices.action(alert),
        window_id=alert.window_id,
        staff_id=alert.staff_id,
        reason={
            "service": alert.service,
            "predicted_wait_min": round(alert.predicted_wait_min, 1),
            "target_wait_min": alert.target_wait_min,
            **reason,
        },
        expires_at=local_time(day, alert.expires_min, zone).astimezone(dt.UTC),
    )


def camera_down_event(branch_id: str, camera_id: str, error: str | None, at: dt.datetime) -> StaffingAlert:
    return StaffingAlert(
        branch_id=branch_id,
        at=at,
        alert_id=f"al-{uuid.uuid4().hex[:16]}",
        kind=AlertKind.CAMERA_DOWN,
        severity=Severity.WARNING,
        message=LocalizedText(**notices.camera_down_message(camera_id, error)),
        action=f"check camera {camera_id}",
        reason={"camera_id": camera_id},
        expires_at=at + dt.timedelta(minutes=notices.CAMERA_ALERT_MIN),
    )
