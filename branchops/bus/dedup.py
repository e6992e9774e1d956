"""Drop duplicate deliveries by CloudEvent id, remembered in Redis for at least ``ttl_s``.

Ids are marked only after their message was handled (or dead-lettered), so a crash between handling
and marking redelivers the message: at-least-once delivery, idempotent handlers.

Cost matters here (it is paid per message): ids of one partition batch go to Redis joined in ONE
argument of one script call to check and one to mark, into sets bucketed by time (``ttl_s`` wide; the
current and previous bucket are checked, so an id is remembered between ``ttl_s`` and twice that).
Keys carry the consumer group and partition as a hash tag: one Redis Cluster slot per batch.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence

import redis.asyncio as aioredis

from branchops.state.keys import ROOT

_SAFE = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
_UNSAFE_CHAR = re.compile(r"[^A-Za-z0-9_.-]")

_SEEN = """
local out = {}
for id in string.gmatch(ARGV[1], '[^\\n]+') do
  local hit = '0'
  for _, key in ipairs(KEYS) do
    if redis.call('SISMEMBER', key, id) == 1 then hit = '1' break end
  end
  out[#out + 1] = hit
end
return table.concat(out)
"""
_MARK = """
for id in string.gmatch(ARGV[1], '[^\\n]+') do redis.call('SADD', KEYS[1], id) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""


def safe_id(value: str) -> str:
    return value if _SAFE.match(value) else (_UNSAFE_CHAR.sub("_", value)[:128] or "_")


class Deduplicator:
    def __init__(self, redis: aioredis.Redis, group: str, ttl_s: int, clock: Callable[[], float] = time.time) -> None:
        self._group = safe_id(group)
        self._ttl_s = ttl_s
        self._clock = clock
        self._seen = redis.register_script(_SEEN)
        self._mark = redis.register_script(_MARK)

    def _bucket(self, scope: str, index: int) -> str:
        return f"{ROOT}:bus:dedup:{{{self._group}:{safe_id(scope)}}}:{index}"

    def _current(self) -> int:
        return int(self._clock() // self._ttl_s)

    async def seen(self, scope: str, event_ids: Sequence[str]) -> list[bool]:
        """For each id, whether this consumer group already handled it (``scope``: topic and partition)."""
        if not event_ids:
            return []
        now = self._current()
        flags = await self._seen(
            keys=[self._bucket(scope, now), self._bucket(scope, now - 1)],
            args=["\n".join(safe_id(i) for i in event_ids)],
        )
        text = flags.decode() if isinstance(flags, bytes) else str(flags)
        return [flag == "1" for flag in text]

    async def mark(self, scope: str, event_ids: Sequence[str]) -> None:
        if event_ids:
            await self._mark(
                keys=[self._bucket(scope, self._current())],
                args=["\n".join(safe_id(i) for i in event_ids), 2 * self._ttl_s],
            )
