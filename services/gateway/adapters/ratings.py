"""One rating per ticket (Redis, shared by every gateway instance), and its feedback.v1 event.

The "rated" marker (SET NX) and the event are written in one MULTI/EXEC through the gateway's outbox
(``Outbox.transaction``), under WATCH of the marker: two pads (or two gateway replicas) racing for one
ticket get one event and one 409; an accepted rating always gets its event out, even with the broker
down at that moment.
"""

from __future__ import annotations

import json
from typing import Any, cast

import redis.asyncio as aioredis

from branchops.bus.outbox import Outbox, Transaction
from branchops.contracts import topics
from branchops.contracts.events import Feedback
from branchops.state.keys import branch_key

HOLD_S = 3 * 24 * 3600  # a ticket is rated on its day; the marker outlives it comfortably


class RatingStore:
    def __init__(self, redis: aioredis.Redis, outbox: Outbox) -> None:
        self._redis = redis
        self._outbox = outbox

    @staticmethod
    def key(branch_id: str, ticket_id: str) -> str:
        return branch_key("gateway", branch_id, "rated", ticket_id)

    async def existing(self, branch_id: str, ticket_id: str) -> dict[str, Any] | None:
        """The rating already given for the ticket, or None."""
        raw = cast(bytes | None, await self._redis.get(self.key(branch_id, ticket_id)))
        return _parse(raw)

    async def record(self, feedback: Feedback) -> dict[str, Any] | None:
        """Store and stage the rating; None when it is new, else the rating given before (nothing written)."""
        key = self.key(feedback.branch_id, feedback.ticket_id)
        value = json.dumps({"rating": feedback.rating, "tags": feedback.tags, "at": feedback.at.isoformat()})

        async def body(tx: Transaction) -> dict[str, Any] | None:
            before = cast(bytes | None, await tx.pipe.get(key))
            if before is not None:  # rated before (a rating racing ours makes this look again and land here)
                return _parse(before) or {}
            tx.multi()
            tx.pipe.set(key, value, nx=True, ex=HOLD_S)
            tx.stage(topics.FEEDBACK, feedback)
            return None

        return await self._outbox.transaction(feedback.branch_id, body, watch=[key])


def _parse(raw: bytes | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        found = json.loads(raw)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
