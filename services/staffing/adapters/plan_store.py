"""Base instances and plans in Redis; a new plan, its version and its staffing.plan.v1 in one transaction."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, cast

import redis.asyncio as aioredis

from branchops.bus.outbox import Outbox, Transaction
from branchops.contracts import topics
from branchops.contracts.events import StaffingPlan
from branchops.state import branch_key, global_key

SERVICE = "staffing"
PLAN_TTL_S = 3 * 24 * 3600


class PlanStore:
    def __init__(self, redis: aioredis.Redis, outbox: Outbox) -> None:
        self._redis = redis
        self._outbox = outbox
        self.branches_key = global_key(SERVICE, "branches")

    def _plan_key(self, branch_id: str, day: str) -> str:
        return branch_key(SERVICE, branch_id, "plan", day)

    async def set_instance(self, branch_id: str, instance: Mapping[str, Any]) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(branch_key(SERVICE, branch_id, "instance"), json.dumps(instance, ensure_ascii=False))
            pipe.sadd(self.branches_key, branch_id)
            await pipe.execute()

    async def instance(self, branch_id: str) -> dict[str, Any] | None:
        raw = await self._redis.get(branch_key(SERVICE, branch_id, "instance"))
        return None if raw is None else cast(dict[str, Any], json.loads(raw))

    async def branches(self) -> list[str]:
        members = cast(set[bytes], await self._redis.smembers(self.branches_key))
        return sorted(m.decode() for m in members)

    async def plan(self, branch_id: str, day: str) -> dict[str, Any] | None:
        raw = await self._redis.get(self._plan_key(branch_id, day))
        return None if raw is None else cast(dict[str, Any], json.loads(raw))

    async def save_plan(self, branch_id: str, day: str, plan: Mapping[str, Any],
                        event: Callable[[int], StaffingPlan]) -> dict[str, Any]:
        """Store ``plan`` as the next version of the branch's day and stage ``event(version)``."""
        key = self._plan_key(branch_id, day)

        async def body(tx: Transaction) -> dict[str, Any]:
            raw = await tx.pipe.get(key)
            version = (json.loads(raw)["version"] if raw else 0) + 1
            stored = dict(plan, version=version)
            tx.multi()
            tx.pipe.set(key, json.dumps(stored, ensure_ascii=False), ex=PLAN_TTL_S)
            tx.stage(topics.STAFFING_PLAN, event(version))
            return stored

        return await self._outbox.transaction(branch_id, body, watch=[key])
