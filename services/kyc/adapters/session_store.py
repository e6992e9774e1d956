"""KYC sessions in Redis (JSON with a TTL, never images), the per-kiosk rate limit and the audit stream.

A decision, its kyc.results.v1 event (through the outbox, ``Outbox.transaction``) and its audit entry are
written in one MULTI/EXEC. The portrait embedding (a biometric template, not an image) lives in the session
only until the decision.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from typing import Any, cast

import redis.asyncio as aioredis

from branchops.bus.outbox import Outbox, Transaction
from branchops.contracts import topics
from branchops.contracts.events import KycResult
from branchops.state import branch_key, global_key

SERVICE = "kyc"
AUDIT_MAXLEN = 100_000
log = logging.getLogger("branchops.kyc.audit")


def kiosk_token(kiosk_id: str) -> str:
    """A key-safe token for any kiosk or caller name."""
    return hashlib.sha256(kiosk_id.encode()).hexdigest()[:24]


class SessionStore:
    def __init__(self, redis: aioredis.Redis, outbox: Outbox, ttl_s: int) -> None:
        self._redis = redis
        self._outbox = outbox
        self._ttl_s = ttl_s

    def _key(self, branch_id: str, session_id: str) -> str:
        return branch_key(SERVICE, branch_id, "session", session_id)

    def _index(self, session_id: str) -> str:
        return global_key(SERVICE, "session-branch", session_id)

    async def create(self, session: dict[str, Any]) -> None:
        sid, branch = session["session_id"], session["branch_id"]
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(self._index(sid), branch, ex=self._ttl_s)
            pipe.set(self._key(branch, sid), json.dumps(session), ex=self._ttl_s)
            await pipe.execute()

    async def get(self, session_id: str) -> dict[str, Any] | None:
        branch = cast(bytes | None, await self._redis.get(self._index(session_id)))
        if branch is None:
            return None
        raw = cast(bytes | None, await self._redis.get(self._key(branch.decode(), session_id)))
        return None if raw is None else cast(dict[str, Any], json.loads(raw))

    async def save(self, session: dict[str, Any], audit: dict[str, str] | None = None) -> None:
        """Replace the session, keeping its remaining lifetime."""
        key = self._key(session["branch_id"], session["session_id"])
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(key, json.dumps(session), keepttl=True)
            if audit:
                self._stage_audit(pipe, session["branch_id"], audit)
            await pipe.execute()

    async def decide(self, session: dict[str, Any], event: KycResult, audit: dict[str, str]) -> None:
        """Store the decided session, stage its event and audit entry: all or nothing."""
        key = self._key(session["branch_id"], session["session_id"])

        async def body(tx: Transaction) -> None:
            tx.multi()
            tx.pipe.set(key, json.dumps(session), keepttl=True)
            tx.stage(topics.KYC_RESULTS, event)
            self._stage_audit(tx.pipe, event.branch_id, audit)

        await self._outbox.transaction(event.branch_id, body)

    async def audit(self, branch_id: str, entry: dict[str, str]) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            self._stage_audit(pipe, branch_id, entry)
            await pipe.execute()

    def stage_audit(self, pipe: Any, branch_id: str, entry: dict[str, str]) -> None:
        """Add the audit entry to ``pipe`` (a pipeline or transaction of the caller)."""
        self._stage_audit(pipe, branch_id, entry)

    def _stage_audit(self, pipe: Any, branch_id: str, entry: dict[str, str]) -> None:
        record = {"at": dt.datetime.now(dt.UTC).isoformat(), **entry}
        pipe.xadd(
            branch_key(SERVICE, branch_id, "audit"), cast(dict[Any, Any], record), maxlen=AUDIT_MAXLEN, approximate=True
        )
        log.info("kyc audit %s", json.dumps(record, ensure_ascii=False))

    async def delete(self, session_id: str) -> bool:
        branch = cast(bytes | None, await self._redis.get(self._index(session_id)))
        if branch is None:
            return False
        removed = await self._redis.delete(self._key(branch.decode(), session_id), self._index(session_id))
        return bool(removed)

    async def hit_rate_limit(self, kiosk_id: str, limit_per_minute: int, now: dt.datetime) -> int | None:
        """Count one request of ``kiosk_id``; the seconds to wait when over the limit, else None."""
        minute = now.strftime("%Y%m%d%H%M")
        key = global_key(SERVICE, "rate", kiosk_token(kiosk_id), minute)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, 120)
            count, _ = await pipe.execute()
        if int(count) > limit_per_minute:
            return 60 - now.second
        return None
