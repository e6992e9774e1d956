"""Solve a branch-day, keep its base instance, store each new plan and announce it (staffing.plan.v1).

Instances arrive parsed (``domain.instance.parse_service_instance`` at the route, the store's read);
plans stay typed until the store and the routes serialise them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from services.staffing.adapters.plan_store import PlanStore
from services.staffing.adapters.solver_pool import SolverPool
from services.staffing.contract import plan_event
from services.staffing.domain.plan import Plan
from services.staffing.domain.problem import StaffingProblem
from services.staffing.settings import StaffingSettings

Clock = Callable[[], dt.datetime]


@dataclass
class Planning:
    plans: PlanStore
    pool: SolverPool
    settings: StaffingSettings
    clock: Clock

    async def solve(self, problem: StaffingProblem) -> Plan:
        """Plan the problem's day; it becomes the branch's base instance and the day's newest plan."""
        plan = await self.pool.solve(problem, self.settings.solve_time_limit_s, self.settings.solve_seed)
        await self.plans.set_instance(problem)
        return await self.publish(plan)

    async def solve_day(self, problem: StaffingProblem, time_limit_s: float | None = None) -> Plan:
        limit = self.settings.solve_time_limit_s if time_limit_s is None else time_limit_s
        plan = await self.pool.solve(problem, limit, self.settings.solve_seed)
        return await self.publish(plan)

    async def set_instance(self, problem: StaffingProblem) -> None:
        await self.plans.set_instance(problem)

    async def publish(self, plan: Plan) -> Plan:
        return await self.plans.save_plan(plan, lambda stored: plan_event(stored, self.clock()))

    async def latest(self, branch_id: str, day: str) -> Plan | None:
        return await self.plans.plan(branch_id, day)
