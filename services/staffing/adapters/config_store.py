"""The newest branch configuration per branch (from ``branchops.branch-config.v1``), and which version each
planned day was made from.

Keys: ``config`` (JSON ``{"version", "config"}``) per branch, the set ``config-branches``, and
``dayplan:<day>`` (JSON ``{"version", "phase", "history_days"}``: the configuration version, the phase
(``ahead`` or ``morning``) and the days of history of the day's last plan made from the configuration).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import cast

import redis.asyncio as aioredis

from branchops.contracts.branch_config import BranchConfig
from branchops.state import branch_key, global_key

SERVICE = "staffing"
DAYPLAN_TTL_S = 3 * 24 * 3600
# Keep the higher version only: a redelivered or older event never replaces a newer configuration.
_PUT = """
local raw = redis.call('GET', KEYS[1])
if raw then
  local old = cjson.decode(raw)
  if tonumber(old['version']) >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
"""


@dataclass(frozen=True)
class StoredConfig:
    version: int
    config: BranchConfig


@dataclass(frozen=True)
class DayPlanMark:
    version: int
    phase: str
    history_days: int = 0


class ConfigStore:
    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis
        self._put = redis.register_script(_PUT)
        self.branches_key = global_key(SERVICE, "config-branches")
        self._parsed: dict[str, tuple[bytes, StoredConfig]] = {}

    async def put(self, branch_id: str, version: int, config: BranchConfig) -> bool:
        """Keep ``config`` unless a version at least as new is stored; True when it was kept."""
        value = json.dumps({"version": version, "config": config.model_dump(mode="json")}, ensure_ascii=False)
        key = branch_key(SERVICE, branch_id, "config")
        # the branch set is a global key (another Redis Cluster slot than the branch's): announced first, on
        # its own (a member without a configuration is skipped by the planner; a missing one would be lost)
        await self._redis.sadd(self.branches_key, branch_id)
        return bool(await self._put(keys=[key], args=[version, value]))

    async def get(self, branch_id: str) -> StoredConfig | None:
        raw = cast(bytes | None, await self._redis.get(branch_key(SERVICE, branch_id, "config")))
        if raw is None:
            return None
        known = self._parsed.get(branch_id)
        if known is not None and known[0] == raw:
            return known[1]
        data = json.loads(raw)
        stored = StoredConfig(int(data["version"]), BranchConfig.model_validate(data["config"]))
        self._parsed[branch_id] = (raw, stored)
        return stored

    async def branches(self) -> list[str]:
        members = cast(set[bytes], await self._redis.smembers(self.branches_key))
        return sorted(m.decode() for m in members)

    async def mark(self, branch_id: str, day: str) -> DayPlanMark | None:
        raw = await self._redis.get(branch_key(SERVICE, branch_id, "dayplan", day))
        if raw is None:
            return None
        data = json.loads(raw)
        return DayPlanMark(int(data["version"]), str(data["phase"]), int(data.get("history_days", 0)))

    async def set_mark(self, branch_id: str, day: str, mark: DayPlanMark) -> None:
        await self._redis.set(
            branch_key(SERVICE, branch_id, "dayplan", day),
            json.dumps({"version": mark.version, "phase": mark.phase, "history_days": mark.history_days}),
            ex=DAYPLAN_TTL_S,
        )
