"""No ticket number handed out twice, even after a Redis failover lost the newest INCRs of a counter.

Redis replication is asynchronous: a master acknowledges an INCR before its replica has it. When that master
dies, the replica that takes over may hold an older value of the day's counter, and the next tickets would
get numbers customers already hold (docs/reliability.md, "Redis Cluster failover"). The guard keeps a second
record of every number issued, the *claims* of the counter: a sorted set in another Redis Cluster slot, chosen
at least a third of the slot space away from the branch's own, so on the standard even split of 3+ masters
it lives on another master than the counter and survives the failover that rolled the counter back.

:meth:`NumberGuard.take` claims the number the counter gave (``ZADD NX``). A claim that already exists is a
number issued before: the guard then *refuses* it, raises the counter to the highest claim (so the
next INCR continues after every number ever handed out) and takes a fresh one, at most ``attempts`` times,
then :class:`NumberReused` (409, the caller may try again). Cost: one round trip to another master per ticket.

What it does not do: bring back the tickets lost with the old master's last writes (they are gone with it),
or hold when the counter's and the claims' masters both fail at once. A single Redis (no cluster) gets the
same check in its one server, where it costs a round trip and guards nothing a failover could break.
"""

from __future__ import annotations

from typing import cast

import redis.asyncio as aioredis
from redis.crc import key_slot

from services.queue.adapters.keys import TTL_S
from services.queue.domain.errors import Conflict

SLOTS = 16384
FAR = SLOTS // 3 + 1  # two slots this far apart are never in the same third of the slot space
_TAG_END = "}:"
_CLAIM = """
local added = redis.call('ZADD', KEYS[1], 'NX', ARGV[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
return {added, tonumber(top[2])}
"""
_RAISE = """
local now = tonumber(redis.call('GET', KEYS[1]) or '0')
if now < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) return tonumber(ARGV[1]) end
return now
"""


class NumberReused(Conflict):
    """The counter kept giving numbers already issued (its Redis master failed over and lost its newest
    increments); nothing was issued, and a new attempt continues after the highest number ever issued."""

    title = "Ticket number already issued"


def _slot(tag: str) -> int:
    return int(key_slot(tag.encode()))


def claims_key(counter: str) -> str:
    """The claims of a counter key ``bo:queue:{<branch>}:seq:<day>:<service>``: the same name under the hash
    tag ``{<branch>.claims-<k>}``, the first ``k`` whose slot is at least ``FAR`` slots from the branch's."""
    head, sep, rest = counter.partition("{")
    tag, end, tail = rest.partition(_TAG_END)
    if not sep or not end or not tag:
        raise ValueError(f"not a counter key with a hash tag: {counter!r}")
    home = _slot(tag)
    k = 0
    while abs(_slot(f"{tag}.claims-{k}") - home) < FAR:
        k += 1
    return f"{head}{{{tag}.claims-{k}}}:claims:{tail}"


class NumberGuard:
    def __init__(self, redis: aioredis.Redis, *, ttl_s: int = TTL_S, attempts: int = 3) -> None:
        self._redis = redis
        self._claim = redis.register_script(_CLAIM)
        self._raise = redis.register_script(_RAISE)
        self.ttl_s = ttl_s
        self.attempts = attempts
        self.refused = 0  # numbers refused since start (a metric for the reliability guide's check)

    async def claim(self, counter: str, sequence: int) -> tuple[bool, int]:
        """(whether ``sequence`` is new, the highest number claimed of ``counter``)."""
        added, top = cast(list[int], await self._claim(keys=[claims_key(counter)], args=[sequence, self.ttl_s]))
        return bool(added), int(top)

    async def take(self, counter: str, sequence: int | None = None) -> int:
        """A number of ``counter`` that no ticket had: ``sequence`` (already taken from the counter by the
        caller; else one INCR here) when its claim is new; else the counter is raised to the highest claim
        and a fresh number taken. :class:`NumberReused` after ``attempts`` refusals."""
        number = sequence if sequence is not None else int(await self._redis.incr(counter))
        for _ in range(self.attempts):
            new, top = await self.claim(counter, number)
            if new:
                return number
            self.refused += 1
            await self._raise(keys=[counter], args=[top, self.ttl_s])
            number = int(await self._redis.incr(counter))
        raise NumberReused(
            f"the number counter {counter} gave numbers already issued {self.attempts} times in a row "
            "(a Redis failover lost its newest increments); nothing was issued, try again"
        )
