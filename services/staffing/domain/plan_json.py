"""A :class:`.plan.Plan` as the plan JSON of bench/staffing/README.md, and back.

The keys come in the order the plan has always had (``replanned_from`` only on an intraday re-plan,
``version`` only once stored, ``verification`` only when the roster was verified on the floor); values
pass through unconverted, so a stored plan reads back as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .plan import IntervalPlan, Plan, PlanShortfall, PlanVerification, ShiftAssignment, SolveStats, Span, Stretch


def _assignment_json(a: ShiftAssignment) -> dict[str, Any]:
    return {
        "staff_id": a.staff_id,
        "shift_type": a.shift_type,
        "start": a.start,
        "end": a.end,
        "paid_hours": a.paid_hours,
        "breaks": [{"start": b.start, "end": b.end} for b in a.breaks],
        "serving": [{"start": s.start, "end": s.end, "service": s.service} for s in a.serving],
    }


def plan_to_json(plan: Plan) -> dict[str, Any]:
    body: dict[str, Any] = {
        "branch_id": plan.branch_id,
        "date": plan.date,
        "status": plan.status,
        "solver_status": plan.stats.solver_status,
        "solve_ms": plan.stats.solve_ms,
        "paid_hours": plan.paid_hours,
        "cost": plan.cost,
        "people": plan.people,
        "intervals": [
            {"start": r.start, "required": dict(r.required), "open_windows": dict(r.open_windows)}
            for r in plan.intervals
        ],
        "assignments": [_assignment_json(a) for a in plan.assignments],
        "shortfalls": [
            {"start": s.start, "service": s.service, "rule": s.rule, "missing_windows": s.missing_windows}
            for s in plan.shortfalls
        ],
        "loop_rounds": plan.stats.loop_rounds,
        "stable": plan.stats.stable,
    }
    if plan.replanned_from is not None:
        body["replanned_from"] = plan.replanned_from
    if plan.version is not None:
        body["version"] = plan.version
    if plan.verification is not None:
        body["verification"] = verification_json(plan.verification)
    return body


def verification_json(v: PlanVerification) -> dict[str, Any]:
    return {
        "worst_interval": v.worst_interval,
        "service_worst": dict(v.service_worst),
        "target_fraction": v.target_fraction,
        "replications": v.replications,
        "gap": v.gap,
        "repaired": v.repaired,
        "reproducible": v.reproducible,
    }


def _verification(raw: Mapping[str, Any] | None) -> PlanVerification | None:
    if raw is None:
        return None
    return PlanVerification(
        worst_interval=raw["worst_interval"],
        service_worst=dict(raw["service_worst"]),
        target_fraction=raw["target_fraction"],
        replications=raw["replications"],
        gap=raw["gap"],
        repaired=raw["repaired"],
        reproducible=raw["reproducible"],
    )


def _assignment(raw: Mapping[str, Any]) -> ShiftAssignment:
    return ShiftAssignment(
        staff_id=raw["staff_id"],
        shift_type=raw["shift_type"],
        start=raw["start"],
        end=raw["end"],
        paid_hours=raw["paid_hours"],
        breaks=tuple(Span(b["start"], b["end"]) for b in raw["breaks"]),
        serving=tuple(Stretch(s["start"], s["end"], s["service"]) for s in raw["serving"]),
    )


def plan_from_json(raw: Mapping[str, Any]) -> Plan:
    """The plan ``plan_to_json`` wrote (a KeyError names a missing key)."""
    return Plan(
        branch_id=raw["branch_id"],
        date=raw["date"],
        status=raw["status"],
        stats=SolveStats(
            solver_status=raw["solver_status"],
            solve_ms=raw["solve_ms"],
            loop_rounds=raw["loop_rounds"],
            stable=raw["stable"],
        ),
        paid_hours=raw["paid_hours"],
        cost=raw["cost"],
        people=raw["people"],
        intervals=tuple(
            IntervalPlan(r["start"], dict(r["required"]), dict(r["open_windows"])) for r in raw["intervals"]
        ),
        assignments=tuple(_assignment(a) for a in raw["assignments"]),
        shortfalls=tuple(
            PlanShortfall(s["start"], s["service"], s["rule"], s["missing_windows"]) for s in raw["shortfalls"]
        ),
        replanned_from=raw.get("replanned_from"),
        version=raw.get("version"),
        verification=_verification(raw.get("verification")),
    )
