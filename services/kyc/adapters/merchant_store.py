"""Merchant onboarding cases in Redis: JSON with a TTL (``KYC_MERCHANT_CASE_TTL_S``), never images.

A case keeps the fields read in full (the officer reviews and corrects them) until it expires; events and
logs carry masked values only. The officer's decision, its kyc.results.v1 event (outbox) and its audit entry
are written in one transaction that watches the case, so two officers cannot both decide it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, cast

import redis.asyncio as aioredis

from branchops.bus.outbox import Outbox, Transaction
from branchops.contracts import topics
from branchops.contracts.events import KycResult
from branchops.state import branch_key, global_key
from services.kyc.adapters.session_store import SERVICE, SessionStore


class MerchantCaseStore:
    def __init__(self, redis: aioredis.Redis, outbox: Outbox, sessions: SessionStore, ttl_s: int) -> None:
        self._redis = redis
        self._outbox = outbox
        self._sessions = sessions  # the audit stream
        self.ttl_s = ttl_s

    def _key(self, branch_id: str, case_id: str) -> str:
        return branch_key(SERVICE, branch_id, "merchant-case", case_id)

    def _index(self, case_id: str) -> str:
        return global_key(SERVICE, "merchant-case-branch", case_id)

    def _branch_cases(self, branch_id: str) -> str:
        return branch_key(SERVICE, branch_id, "merchant-cases")

    async def create(self, case: dict[str, Any], audit: dict[str, str], opened_at: float) -> None:
        cid, branch = case["case_id"], case["branch_id"]
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(self._branch_cases(branch), {cid: opened_at})
            pipe.zremrangebyscore(self._branch_cases(branch), "-inf", opened_at - self.ttl_s)
            pipe.expire(self._branch_cases(branch), self.ttl_s)
            pipe.set(self._index(cid), branch, ex=self.ttl_s)
            pipe.set(self._key(branch, cid), json.dumps(case, ensure_ascii=False), ex=self.ttl_s)
            self._sessions.stage_audit(pipe, branch, audit)
            await pipe.execute()

    async def get(self, case_id: str) -> dict[str, Any] | None:
        branch = cast(bytes | None, await self._redis.get(self._index(case_id)))
        if branch is None:
            return None
        raw = cast(bytes | None, await self._redis.get(self._key(branch.decode(), case_id)))
        return None if raw is None else cast(dict[str, Any], json.loads(raw))

    async def of_branch(self, branch_id: str, limit: int = 200) -> list[dict[str, Any]]:
        """The branch's live cases, newest first (expired ones are skipped)."""
        ids = cast(list[bytes], await self._redis.zrevrange(self._branch_cases(branch_id), 0, limit - 1))
        if not ids:
            return []
        raws = cast(list[bytes | None], await self._redis.mget([self._key(branch_id, i.decode()) for i in ids]))
        return [cast(dict[str, Any], json.loads(raw)) for raw in raws if raw is not None]

    async def audit(self, branch_id: str, entry: dict[str, str]) -> None:
        """An audit entry on its own (an officer looked at a document, say)."""
        await self._sessions.audit(branch_id, entry)

    async def save(self, case: dict[str, Any], audit: dict[str, str]) -> None:
        """Replace the case, keeping its remaining lifetime, with its audit entry."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key(case["branch_id"], case["case_id"]), json.dumps(case, ensure_ascii=False), keepttl=True)
            self._sessions.stage_audit(pipe, case["branch_id"], audit)
            await pipe.execute()

    async def decide(
        self,
        case_id: str,
        branch_id: str,
        apply: Callable[[dict[str, Any]], tuple[dict[str, Any], KycResult, dict[str, str]]],
    ) -> dict[str, Any]:
        """Read the case under watch, let ``apply`` decide it (it raises to refuse) and write the decided case,
        its event and its audit entry at once; retried on a concurrent change."""
        key = self._key(branch_id, case_id)

        async def body(tx: Transaction) -> dict[str, Any]:
            raw = cast(bytes | None, await tx.pipe.get(key))
            if raw is None:
                raise LookupError(case_id)
            decided, event, audit = apply(json.loads(raw))
            tx.multi()
            tx.pipe.set(key, json.dumps(decided, ensure_ascii=False), keepttl=True)
            tx.stage(topics.KYC_RESULTS, event)
            self._sessions.stage_audit(tx.pipe, branch_id, audit)
            return decided

        return await self._outbox.transaction(branch_id, body, watch=[key])
