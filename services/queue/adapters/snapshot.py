"""Reads of a branch's live state and history for the predictor (no writes but side tables)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import cast

import redis.asyncio as aioredis

from branchops.contracts.enums import ServiceName
from branchops.contracts.events import Footfall, StaffingAlert
from services.queue.adapters.keys import BRANCHES, TTL_S, Keys
from services.queue.adapters.ticket_store import decode_hash
from services.queue.domain.arrivals import SLOTS
from services.queue.domain.model import Model
from services.queue.domain.schedule import Mark, mark_from_json
from services.queue.domain.tickets import TicketRecord

HISTORY_DAYS = 84
WINDOW_HISTORY_DAYS = 56


@dataclass(frozen=True)
class Waiters:
    tickets: list[TicketRecord]  # in line order per service, services in enum order
    scheduled: list[TicketRecord]  # appointments not yet due


class SnapshotReader:
    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis

    async def branches(self) -> list[str]:
        return sorted(m.decode() for m in cast(set[bytes], await self._redis.smembers(BRANCHES)))

    async def waiting(self, branch_id: str) -> Waiters:
        keys = Keys(branch_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            for service in ServiceName:
                pipe.zrange(keys.line(service), 0, -1)
            pipe.zrange(keys.scheduled, 0, -1)
            id_lists = cast(list[list[bytes]], await pipe.execute())
        ids = [i.decode() for lst in id_lists for i in lst]
        n_live = sum(len(lst) for lst in id_lists[:-1])
        async with self._redis.pipeline(transaction=False) as pipe:
            for ticket_id in ids:
                pipe.hgetall(keys.ticket(ticket_id))
            rows = await pipe.execute()
        records = [TicketRecord.from_fields(decode_hash(r)) if r else None for r in rows]
        live = [r for r in records[:n_live] if r is not None]
        return Waiters(live, [r for r in records[n_live:] if r is not None])

    async def model(self, branch_id: str) -> Model:
        return Model.from_json(await self._redis.get(Keys(branch_id).model))

    async def arrivals(self, branch_id: str, today: dt.date) -> tuple[dict[dt.date, list[float]], list[float]]:
        """(history per past day, today's counts) per 15-minute slot of local time."""
        keys = Keys(branch_id)
        since = (today - dt.timedelta(days=HISTORY_DAYS)).toordinal()
        days = [d.decode() for d in cast(list[bytes], await self._redis.zrangebyscore(
            keys.arrival_days, since, today.toordinal()))]
        async with self._redis.pipeline(transaction=False) as pipe:
            for day in days:
                pipe.hgetall(keys.arrivals(dt.date.fromisoformat(day)))
            rows = await pipe.execute()
        history: dict[dt.date, list[float]] = {}
        for day, row in zip(days, rows, strict=True):
            counts = [0.0] * SLOTS
            for slot, n in decode_hash(row).items():
                counts[int(slot)] = float(n)
            history[dt.date.fromisoformat(day)] = counts
        return history, history.pop(today, [0.0] * SLOTS)

    async def window_history(self, branch_id: str, today: dt.date) -> dict[dt.date, list[Mark]]:
        """Window changes of past days (the usual schedule's input), oldest first."""
        keys = Keys(branch_id)
        since = (today - dt.timedelta(days=WINDOW_HISTORY_DAYS)).toordinal()
        days = [dt.date.fromisoformat(d.decode()) for d in cast(list[bytes], await self._redis.zrangebyscore(
            keys.window_log_days, since, today.toordinal() - 1))]
        async with self._redis.pipeline(transaction=False) as pipe:
            for day in days:
                pipe.lrange(keys.window_log(day), 0, -1)
            rows = cast(list[list[bytes]], await pipe.execute())
        return {day: [mark_from_json(m) for m in row] for day, row in zip(days, rows, strict=True)}

    async def record_footfall(self, event: Footfall) -> None:
        """Latest count per camera (an older window never overwrites a newer one)."""
        key = Keys(event.branch_id).footfall
        current = await self._redis.hget(key, event.camera_id)
        if current and json.loads(current)["window_end"] >= event.window_end.isoformat():
            return
        value = {"window_end": event.window_end.isoformat(), "people": sum(event.occupancy.values())}
        await self._redis.hset(key, event.camera_id, json.dumps(value))
        await self._redis.expire(key, TTL_S)
        await self._redis.sadd(BRANCHES, event.branch_id)

    async def people_in_hall(self, branch_id: str, now: dt.datetime, max_age_s: float = 300.0) -> int:
        total = 0
        for raw in cast(dict[bytes, bytes], await self._redis.hgetall(Keys(branch_id).footfall)).values():
            value = json.loads(raw)
            if (now - dt.datetime.fromisoformat(value["window_end"])).total_seconds() <= max_age_s:
                total += int(value["people"])
        return total

    async def record_alert(self, alert: StaffingAlert) -> None:
        key = Keys(alert.branch_id).alerts
        await self._redis.hset(key, alert.alert_id, alert.model_dump_json())
        await self._redis.expire(key, TTL_S)

    async def alerts(self, branch_id: str, now: dt.datetime) -> list[StaffingAlert]:
        key = Keys(branch_id).alerts
        out: list[StaffingAlert] = []
        stale: list[bytes] = []
        for alert_id, raw in cast(dict[bytes, bytes], await self._redis.hgetall(key)).items():
            alert = StaffingAlert.model_validate_json(raw)
            if alert.expires_at > now:
                out.append(alert)
            else:
                stale.append(alert_id)
        if stale:
            await self._redis.hdel(key, *stale)
        return sorted(out, key=lambda a: a.at)
