"""What the floor looks like now, per branch: the last queue forecast, each window, alert hysteresis."""

from __future__ import annotations

import json
from typing import Any, cast

import redis.asyncio as aioredis

from branchops.contracts.events import QueueForecast, Window
from branchops.state import branch_key
from services.staffing.domain.alerts import Memory
from services.staffing.domain.live import WindowState

SERVICE = "staffing"
DAY_S = 24 * 3600
LOCK_MS = 60_000
# A window event older than the stored state (a replay, the simulator's backfilled history) changes nothing.
_PUT_WINDOW = """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if raw then
  local old = cjson.decode(raw)
  if old['ts'] and tonumber(old['ts']) > tonumber(ARGV[3]) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""
_UNLOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


class LiveStore:
    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis
        self._unlock = redis.register_script(_UNLOCK)
        self._put_window = redis.register_script(_PUT_WINDOW)

    def _key(self, branch_id: str, *parts: str) -> str:
        return branch_key(SERVICE, branch_id, *parts)

    async def put_forecast(self, forecast: QueueForecast) -> tuple[bool, QueueForecast | None]:
        """Keep the newest forecast: (stored?, the one it replaced)."""
        key = self._key(forecast.branch_id, "forecast")
        old_raw = await self._redis.get(key)
        old = QueueForecast.model_validate_json(old_raw) if old_raw else None
        if old is not None and old.at > forecast.at:
            return False, old  # a late redelivery: keep the newer one
        await self._redis.set(key, forecast.model_dump_json(), ex=DAY_S)
        return True, old

    async def forecast(self, branch_id: str) -> QueueForecast | None:
        raw = await self._redis.get(self._key(branch_id, "forecast"))
        return QueueForecast.model_validate_json(raw) if raw else None

    async def put_window(self, window: Window) -> None:
        """Upsert of the window's last state, unless the stored one is newer (a replay, backfilled history)."""
        key = self._key(window.branch_id, "windows")
        ts = window.at.timestamp()
        value = {
            "state": window.state.value,
            "staff_id": window.staff_id,
            "skills": [s.value for s in window.skills],
            "at": window.at.isoformat(),
            "ts": ts,
        }
        await self._put_window(keys=[key], args=[window.window_id, json.dumps(value), repr(ts), 2 * DAY_S])

    async def windows(self, branch_id: str) -> list[WindowState]:
        raw = cast(dict[bytes, bytes], await self._redis.hgetall(self._key(branch_id, "windows")))
        out = []
        for window_id, value in raw.items():
            data: dict[str, Any] = json.loads(value)
            out.append(WindowState(window_id.decode(), data["state"], data.get("staff_id"), tuple(data["skills"])))
        return out

    async def memory(self, branch_id: str, day: str) -> Memory:
        raw = await self._redis.get(self._key(branch_id, "hysteresis", day))
        return {w: (kind, int(minute)) for w, (kind, minute) in json.loads(raw).items()} if raw else {}

    async def save_memory(self, branch_id: str, day: str, memory: Memory) -> None:
        await self._redis.set(self._key(branch_id, "hysteresis", day), json.dumps(memory), ex=DAY_S)

    async def lock(self, branch_id: str, owner: str) -> bool:
        """One re-plan of a branch at a time across replicas."""
        return bool(await self._redis.set(self._key(branch_id, "replan-lock"), owner, nx=True, px=LOCK_MS))

    async def unlock(self, branch_id: str, owner: str) -> None:
        await self._unlock(keys=[self._key(branch_id, "replan-lock")], args=[owner])
