"""Solve a branch-day, keep its base instance, store each new plan and announce it (staffing.plan.v1).

On a mixed-skill day (:func:`.domain.verified_day.is_mixed_skill`) with ``verify_roster`` on, the roster is
verified on the floor (:mod:`.domain.verified_roster`) and the plan carries the verification record.

Instances arrive parsed (``domain.instance.parse_service_instance`` at the route, the store's read);
plans stay typed until the store and the routes serialise them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from services.staffing.adapters.plan_store import PlanStore
from services.staffing.adapters.solver_pool import SolverPool
from services.staffing.contract import plan_event
from services.staffing.domain.plan import Plan
from services.staffing.domain.problem import StaffingProblem
from services.staffing.domain.verified_day import floor_model, is_mixed_skill
from services.staffing.domain.verify import FloorModel
from services.staffing.settings import StaffingSettings

Clock = Callable[[], dt.datetime]


@dataclass
class Planning:
    plans: PlanStore
    pool: SolverPool
    settings: StaffingSettings
    clock: Clock

    def floor(
        self, problem: StaffingProblem, history_sigma: Mapping[str, float] | None = None, mixed_windows: bool = False
    ) -> FloorModel | None:
        """The floor model to verify the roster on, or None (verifier off, or a single-service day)."""
        if not self.settings.verify_roster or not is_mixed_skill(problem, mixed_windows):
            return None
        return floor_model(problem, self.settings.verify_sigma, history_sigma or {})

    async def _solve(self, problem: StaffingProblem, limit: float, floor: FloorModel | None) -> Plan:
        seed, days = self.settings.solve_seed, self.settings.verify_days
        return await self.pool.solve(problem, limit, seed, floor=floor, verify_days=days)

    async def solve(self, problem: StaffingProblem) -> Plan:
        """Plan the problem's day; it becomes the branch's base instance and the day's newest plan."""
        plan = await self._solve(problem, self.settings.solve_time_limit_s, self.floor(problem))
        await self.plans.set_instance(problem)
        return await self.publish(plan)

    async def solve_day(
        self,
        problem: StaffingProblem,
        time_limit_s: float | None = None,
        *,
        history_sigma: Mapping[str, float] | None = None,
        mixed_windows: bool = False,
    ) -> Plan:
        """``history_sigma``: lognormal sigma of the services' handling times; ``mixed_windows``: a window
        of the configuration serves several of the day's services."""
        limit = self.settings.solve_time_limit_s if time_limit_s is None else time_limit_s
        plan = await self._solve(problem, limit, self.floor(problem, history_sigma, mixed_windows))
        return await self.publish(plan)

    async def set_instance(self, problem: StaffingProblem) -> None:
        await self.plans.set_instance(problem)

    async def publish(self, plan: Plan) -> Plan:
        return await self.plans.save_plan(plan, lambda stored: plan_event(stored, self.clock()))

    async def latest(self, branch_id: str, day: str) -> Plan | None:
        return await self.plans.plan(branch_id, day)
