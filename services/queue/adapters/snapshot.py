"""Reads of a branch's live state and history for the predictor (no writes but side tables)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, cast

import redis.asyncio as aioredis

from branchops.contracts.enums import Priority, ServiceName
from branchops.contracts.events import Footfall, StaffingAlert
from services.queue.adapters.keys import BRANCHES, TTL_S, Keys
from services.queue.adapters.ticket_store import decode_hash
from services.queue.domain.arrivals import SLOTS
from services.queue.domain.model import Model
from services.queue.domain.predict import Waiting
from services.queue.domain.schedule import Mark, mark_from_json
from services.queue.domain.tickets import TicketRecord
from services.queue.domain.windows import WindowRecord

HISTORY_DAYS = 84
WINDOW_HISTORY_DAYS = 56


# One atomic read of everything the predictor needs: the lines (services in enum order), the
# appointments not yet due, the windows and the learned model. KEYS: the line keys, the scheduled
# set, the windows set, the model, then optionally a day's number counter; ARGV: ticket key prefix,
# window key prefix, "full" (every field of a ticket) or "lean" (only what a wait projection needs,
# LEAN_FIELDS), then "reserve" when the last key is a counter to INCR (a new ticket's number, taken in
# the same round trip as the read; the answer then ends with it). Every key carries the branch's hash
# tag, so the script stays in one Redis Cluster slot.
LEAN_FIELDS = ("ticket_id", "service", "issued_at", "ready_at", "priority")
_SNAPSHOT = """
local reserve = ARGV[4] == 'reserve'
local n = #KEYS - 2
if reserve then n = n - 1 end
local lean = ARGV[3] == 'lean'
local out = {}
for i = 1, n do
  local rows = {}
  for j, id in ipairs(redis.call('ZRANGE', KEYS[i], 0, -1)) do
    if lean then
      rows[j] = redis.call('HMGET', ARGV[1] .. id, 'ticket_id', 'service', 'issued_at', 'ready_at', 'priority')
    else
      rows[j] = redis.call('HGETALL', ARGV[1] .. id)
    end
  end
  out[i] = rows
end
local ids = redis.call('SMEMBERS', KEYS[n + 1])
table.sort(ids)
local windows = {}
for j, id in ipairs(ids) do windows[j] = redis.call('HGETALL', ARGV[2] .. id) end
out[n + 1] = windows
out[n + 2] = redis.call('GET', KEYS[n + 2])
if reserve then out[n + 3] = redis.call('INCR', KEYS[n + 3]) end
return out
"""


# The last hour's arrivals counted per kind in Redis (a busy branch holds hundreds; only the counts travel):
# KEYS[1] the branch's recent-arrivals set (members "<ticket_id> <service> <priority>"), ARGV the span's
# start and end (epoch seconds, inclusive); returns kind, count, kind, count...
_RECENT = """
local counts = {}
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[2])) do
  local kind = string.match(member, ' (.+)$')
  if kind then counts[kind] = (counts[kind] or 0) + 1 end
end
local out = {}
for kind, n in pairs(counts) do
  out[#out + 1] = kind
  out[#out + 1] = n
end
return out
"""


@dataclass(frozen=True)
class Waiters:
    tickets: list[TicketRecord]  # in line order per service, services in enum order
    scheduled: list[TicketRecord]  # appointments not yet due


@dataclass(frozen=True)
class Snapshot:
    waiters: Waiters
    windows: list[WindowRecord]
    model: Model


@dataclass(frozen=True)
class LeanSnapshot:
    waiting: list[Waiting]  # the lines (services in enum order), then the appointments not yet due
    windows: list[WindowRecord]
    model: Model
    sequence: int | None = None  # the number reserved with the read, if one was asked for
    queued: int = 0  # how many of ``waiting`` stand in the lines (the rest: appointments not yet due)


_PRIORITIES = {p.value: p for p in Priority}
_SERVICES = {s.value: s for s in ServiceName}
MODEL_CACHE = 4096  # branches whose parsed model is kept


def _waiting(row: list[bytes | None]) -> Waiting | None:
    ticket_id, service, issued, ready, priority = row
    if not ticket_id or not service or not issued or not priority:
        return None  # the ticket left between the line read and this one (cannot happen in one script)
    joined = dt.datetime.fromisoformat((ready or issued).decode())
    return Waiting(ticket_id.decode(), _SERVICES[service.decode()], joined, _PRIORITIES[priority.decode()])


def _pairs(flat: list[bytes]) -> dict[str, str]:
    return {flat[i].decode(): flat[i + 1].decode() for i in range(0, len(flat), 2)}


class SnapshotReader:
    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis
        self._snapshot = redis.register_script(_SNAPSHOT)
        self._models: dict[str, tuple[bytes, Model]] = {}  # per branch: the last model read, parsed once
        self._recent = redis.register_script(_RECENT)
        self._firsts: dict[tuple[str, dt.date], dt.datetime] = {}  # a day's first ticket: set once, then read once

    async def _read(
        self, branch_id: str, mode: str, counter: str | None = None
    ) -> tuple[list[Any], list[WindowRecord], Model, int | None]:
        keys = Keys(branch_id)
        script_keys = [*(keys.line(s) for s in ServiceName), keys.scheduled, keys.windows, keys.model]
        args = [keys.ticket("x")[:-1], keys.window("x")[:-1], mode]
        if counter is not None:
            script_keys.append(counter)
            args.append("reserve")
        *groups, window_rows, raw_model = cast(list[Any], await self._snapshot(keys=script_keys, args=args))
        sequence = None
        if counter is not None:
            window_rows, raw_model, sequence = groups.pop(), window_rows, int(raw_model)
        windows = [WindowRecord.from_fields(_pairs(row)) for row in window_rows if row]
        return groups, windows, self._model(branch_id, raw_model), sequence

    async def snapshot(self, branch_id: str) -> Snapshot:
        """Lines, appointments, windows and model of a branch in one round trip, consistent with each other."""
        groups, windows, model, _ = await self._read(branch_id, "full")
        records = [[TicketRecord.from_fields(_pairs(row)) for row in group if row] for group in groups]
        return Snapshot(Waiters([r for group in records[:-1] for r in group], records[-1]), windows, model)

    async def lean(self, branch_id: str, reserve: str | None = None) -> LeanSnapshot:
        """The same read with only the fields a wait projection needs (the cost of every new ticket);
        ``reserve``: a number counter to increment in the same atomic step (a new ticket's number)."""
        groups, windows, model, sequence = await self._read(branch_id, "lean", reserve)
        waiting = [w for group in groups[:-1] for w in map(_waiting, group) if w is not None]
        queued = len(waiting)
        waiting += [w for w in map(_waiting, groups[-1]) if w is not None]
        return LeanSnapshot(waiting, windows, model, sequence, queued)

    def _model(self, branch_id: str, raw: bytes | None) -> Model:
        cached = self._models.get(branch_id)
        if raw and cached is not None and cached[0] == raw:
            return cached[1]
        model = Model.from_json(raw)
        if raw:
            if len(self._models) >= MODEL_CACHE:
                self._models.clear()
            self._models[branch_id] = (raw, model)
        return model

    async def branches(self) -> list[str]:
        return sorted(m.decode() for m in cast(set[bytes], await self._redis.smembers(BRANCHES)))

    async def arrivals_on(self, branch_id: str, day: dt.date) -> list[float]:
        """One day's arrival counts per 15-minute slot of local time."""
        counts = [0.0] * SLOTS
        for slot, n in decode_hash(await self._redis.hgetall(Keys(branch_id).arrivals(day))).items():
            counts[int(slot)] = float(n)
        return counts

    async def arrivals(self, branch_id: str, today: dt.date) -> tuple[dict[dt.date, list[float]], list[float]]:
        """(history per past day, today's counts) per 15-minute slot of local time."""
        keys = Keys(branch_id)
        since = (today - dt.timedelta(days=HISTORY_DAYS)).toordinal()
        days = [
            d.decode()
            for d in cast(list[bytes], await self._redis.zrangebyscore(keys.arrival_days, since, today.toordinal()))
        ]
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

    async def first_arrival(self, branch_id: str, day: dt.date) -> dt.datetime | None:
        """The time of the local day ``day``'s first ticket, or None before it (kept once known)."""
        known = self._firsts.get((branch_id, day))
        if known is not None:
            return known
        raw = await self._redis.get(Keys(branch_id).first_arrival(day))
        if raw is None:
            return None
        if len(self._firsts) >= MODEL_CACHE:
            self._firsts.clear()
        self._firsts[(branch_id, day)] = first = dt.datetime.fromtimestamp(float(raw), dt.UTC)
        return first

    async def recent_counts(
        self, branch_id: str, start: dt.datetime, end: dt.datetime
    ) -> dict[tuple[ServiceName, Priority], int]:
        """Tickets issued from ``start`` to ``end`` (both included) per (service, priority), counted in Redis
        (``arrivals.arrival_span`` gives the span; the set holds the last hour)."""
        flat = cast(
            list[bytes | int],
            await self._recent(
                keys=[Keys(branch_id).recent_arrivals], args=[repr(start.timestamp()), repr(end.timestamp())]
            ),
        )
        counts: dict[tuple[ServiceName, Priority], int] = {}
        for i in range(0, len(flat), 2):
            service, _, priority = cast(bytes, flat[i]).decode().partition(" ")
            if service in _SERVICES and priority in _PRIORITIES:
                counts[(_SERVICES[service], _PRIORITIES[priority])] = int(flat[i + 1])
        return counts

    async def window_history(self, branch_id: str, today: dt.date) -> dict[dt.date, list[Mark]]:
        """Window changes of past days (the usual schedule's input), oldest first."""
        keys = Keys(branch_id)
        since = (today - dt.timedelta(days=WINDOW_HISTORY_DAYS)).toordinal()
        days = [
            dt.date.fromisoformat(d.decode())
            for d in cast(
                list[bytes], await self._redis.zrangebyscore(keys.window_log_days, since, today.toordinal() - 1)
            )
        ]
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
