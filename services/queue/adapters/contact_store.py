"""The numbers customers leave on the phone page, kept only until their ticket's day is over.

Keys (the branch as hash tag, like every queue key): ``ticket-contact.<ticket>`` a hash (``phone``, ``lang``,
``sent``: the notices already sent, comma separated), expiring ``CONTACT_TTL_S`` after it was left;
``ticket-contacts`` the set of tickets with a number, which the notices worker walks after a change.
The number is never logged or published whole (``mask_contact``).
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from branchops.state import branch_key
from services.queue.adapters.keys import SERVICE
from services.queue.domain.notices import NoticeKind

CONTACT_TTL_S = 18 * 3600  # longer than a branch day, shorter than two


@dataclass(frozen=True)
class Contact:
    ticket_id: str
    phone: str
    lang: str
    sent: frozenset[NoticeKind]


class ContactStore:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    @staticmethod
    def _contact(branch_id: str, ticket_id: str) -> str:
        return branch_key(SERVICE, branch_id, "ticket-contact", ticket_id)

    @staticmethod
    def _index(branch_id: str) -> str:
        return branch_key(SERVICE, branch_id, "ticket-contacts")

    async def leave(self, branch_id: str, ticket_id: str, phone: str, lang: str) -> None:
        key = self._contact(branch_id, ticket_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"phone": phone, "lang": lang})
            pipe.hsetnx(key, "sent", "")
            pipe.expire(key, CONTACT_TTL_S)
            pipe.sadd(self._index(branch_id), ticket_id)
            pipe.expire(self._index(branch_id), CONTACT_TTL_S)
            await pipe.execute()

    async def forget(self, branch_id: str, ticket_id: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._contact(branch_id, ticket_id))
            pipe.srem(self._index(branch_id), ticket_id)
            await pipe.execute()

    async def of_branch(self, branch_id: str) -> list[Contact]:
        ids = sorted(_text(member) for member in await self._redis.smembers(self._index(branch_id)))
        found: list[Contact] = []
        for ticket_id in ids:
            fields = await self._redis.hgetall(self._contact(branch_id, ticket_id))
            if not fields:  # expired: the index forgets it too
                await self._redis.srem(self._index(branch_id), ticket_id)
                continue
            text = {_text(k): _text(v) for k, v in fields.items()}
            sent = frozenset(NoticeKind(s) for s in text.get("sent", "").split(",") if s)
            found.append(Contact(ticket_id, text["phone"], text.get("lang", "zh"), sent))
        return found

    async def mark_sent(self, branch_id: str, ticket_id: str, sent: frozenset[NoticeKind]) -> bool:
        """Records what was sent; False when the number was taken back meanwhile (nothing to record)."""
        key = self._contact(branch_id, ticket_id)
        if not await self._redis.exists(key):
            return False
        await self._redis.hset(key, "sent", ",".join(sorted(sent)))
        return True


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
