"""Plans for the staffing domain tests, written as the plan JSON and typed like the store reads them."""

from __future__ import annotations

from typing import Any

from services.staffing.domain.plan import Plan
from services.staffing.domain.plan_json import plan_from_json

DEFAULTS: dict[str, Any] = {
    "branch_id": "b",
    "date": "2026-12-01",
    "status": "OPTIMAL",
    "solver_status": "OPTIMAL",
    "solve_ms": 10.0,
    "paid_hours": 0.0,
    "cost": 0.0,
    "people": 0,
    "intervals": [],
    "assignments": [],
    "shortfalls": [],
    "loop_rounds": 1,
    "stable": True,
}


def typed_plan(**fields: Any) -> Plan:
    """``fields`` over :data:`DEFAULTS`; an assignment may leave out its shift type, paid hours, breaks, stretches."""
    assignments = [
        {"shift_type": "", "paid_hours": 0.0, "breaks": [], "serving": [], **a} for a in fields.pop("assignments", [])
    ]
    return plan_from_json(DEFAULTS | fields | {"assignments": assignments})
