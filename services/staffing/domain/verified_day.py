"""Which days the planner verifies on the floor, with what floor model, and the plan's verification record.

A **mixed-skill day** has someone who serves more than one of the day's services, or a window that does
(the branch configuration's windows): there the per-service requirement loop misjudges the floor (a
shared window calls its other queues, slow and fast services share staff) and the roster is planned by
:func:`.verified_roster.plan_verified`. On a single-service day every window serves one queue, which the
requirement loop already models, and the closed loop (:mod:`.closed_loop`) plans as before.

Floor model: lognormal service times with the service's sigma from its handling-time history
(:func:`.history.service_time_sigma`) or the configured default; a shared window calls its person's
skills in the order the configuration lists them (``calling="skills"``), other queues when its first is
empty (pooling).
"""

from __future__ import annotations

from collections.abc import Mapping

from .plan import PlanVerification
from .problem import StaffingProblem
from .verified_roster import VerifiedRoster
from .verify import FloorModel


def is_mixed_skill(problem: StaffingProblem, mixed_windows: bool = False) -> bool:
    """Someone serves more than one of the day's services (or, told by the caller, a window does)."""
    names = set(problem.service_names)
    return mixed_windows or any(len(names.intersection(m.skills)) > 1 for m in problem.staff)


def floor_model(problem: StaffingProblem, default_sigma: float, history_sigma: Mapping[str, float]) -> FloorModel:
    sigma: dict[str, float | None] = {
        name: float(history_sigma.get(name, default_sigma)) for name in problem.service_names
    }
    return FloorModel(sigma=sigma, pooling=True, calling="skills")


def verification_record(problem: StaffingProblem, verified: VerifiedRoster) -> PlanVerification:
    check = verified.verification
    service_worst = {}
    for s, name in enumerate(problem.service_names):
        shares = [x for i in range(problem.n_intervals) if (x := check.share(s, i)) is not None]
        service_worst[name] = round(min(shares), 4) if shares else 1.0
    return PlanVerification(
        worst_interval=round(check.worst_interval(), 4),
        service_worst=service_worst,
        target_fraction=problem.service_level.target_fraction,
        replications=check.days,
        gap=None if verified.gap is None else round(verified.gap, 6),
        repaired=any(r.step == "repair" for r in verified.rounds),
        reproducible=verified.reproducible,
    )
