"""Retained KYC images in Redis, AES-GCM encrypted, only when ``KYC_RETENTION_TTL_S`` > 0.

One hash per session, ``bo:kyc:{branch}:images:<session id>``, field = kind (``document:portrait``,
``document:emblem``, ``document:licence``, ``selfie:00`` ...), value = the envelope of
``domain/envelope.py`` bound to session id and kind. The hash and the index ``bo:kyc:images-branch:<id>``
(which branch holds it, so a deletion request still finds the images after the session itself expired)
carry the retention TTL, renewed by each upload of the session. Nothing here logs or returns plaintext
except ``load`` (no HTTP route calls it) and ``load_one``, through which the officer's review of a merchant case
sees a downscaled crop of the case's documents (never the selfies).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, cast

import redis.asyncio as aioredis

from branchops.state import branch_key, global_key
from services.kyc.domain.envelope import KEY_BYTES, associated_data, open_sealed, seal

SERVICE = "kyc"


class RetainedImages:
    def __init__(self, redis: aioredis.Redis, key: bytes, ttl_s: int) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"retention key must be {KEY_BYTES} bytes")
        if ttl_s <= 0:
            raise ValueError("retention TTL must be positive")
        aad = associated_data("self-test", "start")
        if open_sealed(key, seal(key, b"ok", aad), aad) != b"ok":  # fails at start if cryptography is missing
            raise RuntimeError("AES-GCM self-test failed")
        self._redis = redis
        self._key_bytes = key
        self.ttl_s = ttl_s

    def key(self, branch_id: str, session_id: str) -> str:
        return branch_key(SERVICE, branch_id, "images", session_id)

    def index(self, session_id: str) -> str:
        return global_key(SERVICE, "images-branch", session_id)

    def _seal_all(self, session_id: str, images: Sequence[tuple[str, bytes]]) -> dict[str, bytes]:
        return {kind: seal(self._key_bytes, data, associated_data(session_id, kind)) for kind, data in images}

    async def keep(self, branch_id: str, session_id: str, images: Sequence[tuple[str, bytes]]) -> None:
        """Encrypt and store ``(kind, image bytes)`` pairs; a kind stored again is replaced."""
        if not images:
            return
        sealed = await asyncio.to_thread(self._seal_all, session_id, images)  # megabytes: off the event loop
        key = self.key(branch_id, session_id)
        # the index is a global key (another Redis Cluster slot than the branch's): written first, on its own
        # (an index without images loads nothing; images without an index could not be found to be deleted)
        await self._redis.set(self.index(session_id), branch_id, ex=self.ttl_s)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=cast(dict[Any, Any], sealed))
            pipe.expire(key, self.ttl_s)
            await pipe.execute()

    async def branch_of(self, session_id: str) -> str | None:
        branch = cast(bytes | None, await self._redis.get(self.index(session_id)))
        return None if branch is None else branch.decode()

    async def load(self, session_id: str) -> dict[str, bytes]:
        """Every retained image of the session, decrypted (for an operator's tooling; no route serves it)."""
        branch = await self.branch_of(session_id)
        if branch is None:
            return {}
        raw = cast(dict[bytes, bytes], await self._redis.hgetall(self.key(branch, session_id)))
        return {
            kind.decode(): open_sealed(self._key_bytes, blob, associated_data(session_id, kind.decode()))
            for kind, blob in raw.items()
        }

    async def kinds(self, session_id: str) -> list[str]:
        """The kinds kept for the session (names only: nothing is decrypted)."""
        branch = await self.branch_of(session_id)
        if branch is None:
            return []
        names = cast(list[bytes], await self._redis.hkeys(self.key(branch, session_id)))
        return sorted(name.decode() for name in names)

    async def load_one(self, session_id: str, kind: str) -> bytes | None:
        """One retained image of the session, decrypted, or None (for the officer's review crops)."""
        branch = await self.branch_of(session_id)
        if branch is None:
            return None
        blob = cast(bytes | None, await self._redis.hget(self.key(branch, session_id), kind))
        if blob is None:
            return None
        return open_sealed(self._key_bytes, blob, associated_data(session_id, kind))

    async def delete(self, session_id: str, branch_id: str | None = None) -> bool:
        """Remove the session's images; True when something was removed."""
        branch = branch_id or await self.branch_of(session_id)
        if branch is None:
            return False
        return bool(await self._redis.delete(self.key(branch, session_id), self.index(session_id)))
