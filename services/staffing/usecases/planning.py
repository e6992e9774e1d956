"""Solve a branch-day, keep its base instance, store each new plan and announce it (staffing.plan.v1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from branchops.contracts.base import BranchId
from services.staffing.adapters.plan_store import PlanStore
from services.staffing.adapters.solver_pool import SolverPool
from services.staffing.contract import plan_event, unknown_services
from services.staffing.settings import StaffingSettings
from services.staffing.solve import InvalidInstance, parse_instance

Clock = Callable[[], dt.datetime]
_BRANCH = TypeAdapter(BranchId)


def check_instance(instance: Any, branch_id: str | None = None) -> None:
    """Refuse what the solver or the events cannot take; the message says why (HTTP 422)."""
    if not isinstance(instance, Mapping):
        raise InvalidInstance("the instance must be a JSON object")
    try:
        _BRANCH.validate_python(instance.get("branch_id"))
    except ValidationError:
        raise InvalidInstance("branch_id must be a short id (letters, digits, '_', '.', '-')") from None
    if branch_id is not None and instance["branch_id"] != branch_id:
        raise InvalidInstance(f"branch_id {instance['branch_id']!r} does not match the path's {branch_id!r}")
    try:
        dt.date.fromisoformat(str(instance.get("date")))
    except ValueError:
        raise InvalidInstance("date must be YYYY-MM-DD") from None
    unknown = unknown_services(instance)
    if unknown:
        raise InvalidInstance(f"unknown service or skill name(s) {unknown}; use cash, general, corporate, wealth, fx")
    parse_instance(instance)


@dataclass
class Planning:
    plans: PlanStore
    pool: SolverPool
    settings: StaffingSettings
    clock: Clock

    async def solve(self, instance: Mapping[str, Any]) -> dict[str, Any]:
        """Plan the instance's day; it becomes the branch's base instance and the day's newest plan."""
        check_instance(instance)
        plan = await self.pool.solve(instance, self.settings.solve_time_limit_s, self.settings.solve_seed)
        await self.plans.set_instance(instance["branch_id"], instance)
        return await self.publish(plan)

    async def solve_day(self, instance: Mapping[str, Any]) -> dict[str, Any]:
        plan = await self.pool.solve(instance, self.settings.solve_time_limit_s, self.settings.solve_seed)
        return await self.publish(plan)

    async def set_instance(self, branch_id: str, instance: Mapping[str, Any]) -> None:
        check_instance(instance, branch_id)
        await self.plans.set_instance(branch_id, instance)

    async def publish(self, plan: Mapping[str, Any]) -> dict[str, Any]:
        return await self.plans.save_plan(plan["branch_id"], plan["date"], plan,
                                          lambda version: plan_event(plan, version, self.clock()))

    async def latest(self, branch_id: str, day: str) -> dict[str, Any] | None:
        return await self.plans.plan(branch_id, day)
