"""Base instances and plans in Redis; a new plan, its version and its staffing.plan.v1 in one transaction.

Both are kept as their JSON (bench/staffing/README.md formats) and typed at this edge: an instance is
read back as a :class:`StaffingProblem`, a plan as a :class:`Plan`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import cast

import redis.asyncio as aioredis

from branchops.bus.outbox import Outbox, Transaction
from branchops.contracts import topics
from branchops.contracts.events import StaffingPlan
from branchops.state import branch_key, global_key
from services.staffing.domain.parse import parse_problem
from services.staffing.domain.plan import Plan
from services.staffing.domain.plan_json import plan_from_json, plan_to_json
from services.staffing.domain.problem import StaffingProblem
from services.staffing.domain.problem_json import problem_to_json

SERVICE = "staffing"
PLAN_TTL_S = 3 * 24 * 3600


class PlanStore:
    def __init__(self, redis: aioredis.Redis, outbox: Outbox) -> None:
        self._redis = redis
        self._outbox = outbox
        self.branches_key = global_key(SERVICE, "branches")
        self._parsed: dict[str, tuple[bytes, StaffingProblem]] = {}  # branch -> (stored JSON, its problem)

    def _plan_key(self, branch_id: str, day: str) -> str:
        return branch_key(SERVICE, branch_id, "plan", day)

    async def set_instance(self, problem: StaffingProblem) -> None:
        """Make ``problem`` its branch's base instance (each day is planned from it). The branch set is a
        global key (another Redis Cluster slot than the branch's), so not in one MULTI with the instance: one
        plain pipeline, the branch announced first (a member without an instance is skipped)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.sadd(self.branches_key, problem.branch_id)
            pipe.set(
                branch_key(SERVICE, problem.branch_id, "instance"),
                json.dumps(problem_to_json(problem), ensure_ascii=False),
            )
            await pipe.execute()

    async def instance(self, branch_id: str) -> StaffingProblem | None:
        """The base instance, parsed once per stored version (each forecast event reads it)."""
        raw = cast(bytes | None, await self._redis.get(branch_key(SERVICE, branch_id, "instance")))
        if raw is None:
            return None
        known = self._parsed.get(branch_id)
        if known is not None and known[0] == raw:
            return known[1]
        problem = parse_problem(json.loads(raw))
        self._parsed[branch_id] = (raw, problem)
        return problem

    async def branches(self) -> list[str]:
        members = cast(set[bytes], await self._redis.smembers(self.branches_key))
        return sorted(m.decode() for m in members)

    async def plan(self, branch_id: str, day: str) -> Plan | None:
        raw = await self._redis.get(self._plan_key(branch_id, day))
        return None if raw is None else plan_from_json(json.loads(raw))

    async def save_plan(self, plan: Plan, event: Callable[[Plan], StaffingPlan]) -> Plan:
        """Store ``plan`` as the next version of its branch-day and stage ``event(stored plan)``."""
        key = self._plan_key(plan.branch_id, plan.date)

        async def body(tx: Transaction) -> Plan:
            raw = await tx.pipe.get(key)
            stored = replace(plan, version=(json.loads(raw)["version"] if raw else 0) + 1)
            tx.multi()
            tx.pipe.set(key, json.dumps(plan_to_json(stored), ensure_ascii=False), ex=PLAN_TTL_S)
            tx.stage(topics.STAFFING_PLAN, event(stored))
            return stored

        return await self._outbox.transaction(plan.branch_id, body, watch=[key])
