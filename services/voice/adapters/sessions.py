"""Dialogue sessions in Redis: one JSON value per session, ``bo:voice:{<branch>}:session:<id>``, with a TTL
renewed on every turn (an abandoned kiosk conversation disappears by itself)."""

from __future__ import annotations

import redis.asyncio as aioredis

from branchops.state.keys import branch_key
from services.voice.domain.dialogue.state import DialogueState


class SessionStore:
    def __init__(self, redis: aioredis.Redis, ttl_s: int) -> None:
        self.redis = redis
        self.ttl_s = ttl_s

    @staticmethod
    def key(branch_id: str, session_id: str) -> str:
        return branch_key("voice", branch_id, "session", session_id)

    async def get(self, branch_id: str, session_id: str) -> DialogueState | None:
        raw = await self.redis.get(self.key(branch_id, session_id))
        return None if raw is None else DialogueState.from_json(raw)

    async def put(self, state: DialogueState) -> None:
        await self.redis.set(self.key(state.branch_id, state.session_id), state.to_json(), ex=self.ttl_s)

    async def delete(self, state: DialogueState) -> None:
        await self.redis.delete(self.key(state.branch_id, state.session_id))
