"""Camera configurations set by API, kept in Redis so they survive a restart (configuration only, never frames).

One hash per branch, ``bo:queue:{<branch>}:cameras`` (field: camera id, value: the config as JSON), and
a set of the branches that have one, ``bo:queue:camera-branches``, so a starting service (or camera-worker
shard) finds them without SCAN. Each command touches one key, so this stays legal on a Redis Cluster.
"""

from __future__ import annotations

import logging
from typing import cast

import redis.asyncio as aioredis
from pydantic import ValidationError

from branchops.state import branch_key, global_key
from services.queue.vision.domain.camera_config import CameraConfig

log = logging.getLogger(__name__)
SERVICE = "queue"
BRANCHES = global_key(SERVICE, "camera-branches")


def cameras_key(branch_id: str) -> str:
    return branch_key(SERVICE, branch_id, "cameras")


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


class CameraConfigStore:
    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis

    async def save(self, branch_id: str, camera_id: str, config: CameraConfig) -> None:
        """Stores ``config`` (its camera id set to ``camera_id``); raises on a Redis error."""
        data = config.model_copy(update={"camera_id": camera_id}).model_dump_json()
        key = cameras_key(branch_id)  # checks the branch id is a valid key part
        await self.redis.sadd(BRANCHES, branch_id)  # first: a branch listed without cameras is harmless
        await self.redis.hset(key, camera_id, data)

    async def load_all(self) -> dict[tuple[str, str], CameraConfig]:
        """Every stored config; one that is not valid JSON or not a valid config is skipped with a log line."""
        found: dict[tuple[str, str], CameraConfig] = {}
        branches = cast(set[bytes | str], await self.redis.smembers(BRANCHES))
        for branch_id in sorted(_text(b) for b in branches):
            try:
                key = cameras_key(branch_id)
            except ValueError:
                log.warning("skipping stored cameras of invalid branch id %r", branch_id)
                continue
            raw = cast(dict[bytes | str, bytes | str], await self.redis.hgetall(key))
            for field, value in sorted((_text(f), v) for f, v in raw.items()):
                try:
                    config = CameraConfig.model_validate_json(value)
                except (ValidationError, ValueError) as exc:
                    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                    log.warning(
                        "skipping stored config of camera %s in branch %s (%s): %s", field, branch_id, key, reason
                    )
                    continue
                found[(branch_id, field)] = config.model_copy(update={"camera_id": field})
        return found
