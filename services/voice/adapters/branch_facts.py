"""The branch facts the digital employee answers with (name, address, phone, opening hours, services), kept
per branch in Redis from branchops.branch-config.v1 (compacted: the newest configuration of every branch stays)."""

from __future__ import annotations

import json

import redis.asyncio as aioredis

from branchops.contracts.events import BranchConfigChanged
from branchops.state.keys import branch_key
from services.voice.domain.dialogue.booking import BranchFacts


def facts_of(change: BranchConfigChanged) -> BranchFacts:
    config = change.config
    return BranchFacts(
        name=config.branch.name,
        hours={day.value: [(s.open, s.close) for s in spans] for day, spans in config.branch.hours.items()},
        services=[(s.name.zh, s.name.en) for s in config.services],
        holidays=[h.date.isoformat() for h in config.branch.holidays],
        address=(config.branch.address.zh, config.branch.address.en) if config.branch.address else None,
        phone=config.branch.phone,
    )


class BranchFactsBoard:
    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis

    def _key(self, branch_id: str) -> str:
        return branch_key("voice", branch_id, "branch-facts")

    async def record(self, change: BranchConfigChanged) -> bool:
        """Keep the facts of ``change`` unless a newer version is kept already (events may come twice or late)."""
        key = self._key(change.branch_id)
        facts = facts_of(change)
        document = json.dumps(
            {
                "version": change.version,
                "name": facts.name,
                "hours": facts.hours,
                "services": facts.services,
                "holidays": facts.holidays,
                "address": list(facts.address) if facts.address else None,
                "phone": facts.phone,
            },
            ensure_ascii=False,
        )
        kept = await self.redis.eval(
            "local old = redis.call('GET', KEYS[1]) "
            "if old and cjson.decode(old)['version'] >= tonumber(ARGV[1]) then return 0 end "
            "redis.call('SET', KEYS[1], ARGV[2]) return 1",
            1,
            key,
            str(change.version),
            document,
        )
        return bool(kept)

    async def facts(self, branch_id: str) -> BranchFacts | None:
        raw = await self.redis.get(self._key(branch_id))
        if raw is None:
            return None
        data = json.loads(raw)
        return BranchFacts(
            name=str(data["name"]),
            hours={day: [(a, b) for a, b in spans] for day, spans in data["hours"].items()},
            services=[(zh, en) for zh, en in data["services"]],
            holidays=list(data.get("holidays") or []),
            address=(str(data["address"][0]), str(data["address"][1])) if data.get("address") else None,
            phone=str(data["phone"]) if data.get("phone") else None,
        )
