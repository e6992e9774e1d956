"""Appointments in Redis (issue 18 item 4): the day's capacity from the newest plan, the places taken per
slot, the appointments, their confirmation codes and (apart, short-lived) the contact number.

Keys of a branch (hash tag: the branch, so every script below touches one Cluster slot):

- ``appt-plan.<date>``: hash, the day's capacity (``DayCapacity.to_fields``: ``_version``, ``_interval_min``,
  ``_starts`` and ``<service>@<HH:MM>`` -> capacity), replaced only by a newer plan version;
- ``appt-booked.<date>``: hash ``<service>@<HH:MM>`` -> places taken (booked or checked in);
- ``appt-day.<date>``: set of the day's appointment ids;
- ``appt.<id>``: hash, the appointment (``Appointment.to_fields``); ``appt-contact.<id>``: the number as given,
  for the notification port only, gone at the end of the appointment's day.

A code is looked up without a branch (the public page and the kiosk know the code only): the global key
``appt-code.<code>`` -> ``<branch> <id>``, reserved with SET NX before the booking (so codes are unique) and
dropped again when the booking is refused.

Booking is one Lua script: read the slot's capacity and places taken, refuse or take a place and write the
appointment, atomically; under any number of concurrent bookings the last place goes to exactly one.
TTLs are relative to the domain clock's now (a simulated or fixed clock gives sensible lifetimes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, cast

import redis.asyncio as aioredis

from branchops.contracts.enums import ServiceName
from branchops.state import branch_key, global_key
from services.queue.adapters.keys import SERVICE
from services.queue.domain.appointments import (
    Appointment,
    AppointmentStatus,
    DayCapacity,
    parse_slot_field,
    slot_field,
)

KEEP_DAYS = 3  # an appointment, its code and its day's counters live this long after its day
MIN_TTL_S = 3600
SEPARATOR = " "

# KEYS: plan. ARGV: version, ttl_s, field, value, ... Keeps the higher version only.
_PUT_PLAN = """
local old = redis.call('HGET', KEYS[1], '_version')
if old and tonumber(old) >= tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""

# KEYS: plan, booked, appointment, day, contact. ARGV: slot field, id, ttl_s, contact ttl_s, contact ('' none),
# then the appointment's field, value pairs. Answers ok, no_plan or slot_full.
_BOOK = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 'no_plan' end
local capacity = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local taken = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if taken >= capacity then return 'slot_full' end
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('HSET', KEYS[3], unpack(ARGV, 6))
redis.call('EXPIRE', KEYS[3], ARGV[3])
redis.call('SADD', KEYS[4], ARGV[2])
redis.call('EXPIRE', KEYS[4], ARGV[3])
if ARGV[5] ~= '' then
  redis.call('SET', KEYS[5], ARGV[5])
  redis.call('EXPIRE', KEYS[5], ARGV[4])
end
return 'ok'
"""

# KEYS: appointment, booked. ARGV: from status, to status, slot field, release ('1': give the place back),
# then field, value pairs to set. Answers ok, missing or the status it found.
_MOVE = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'missing' end
if status ~= ARGV[1] then return status end
redis.call('HSET', KEYS[1], 'status', ARGV[2], unpack(ARGV, 5))
if ARGV[4] == '1' then redis.call('HINCRBY', KEYS[2], ARGV[3], -1) end
return 'ok'
"""


def _text(raw: Any) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)


def _decode(raw: Any) -> dict[str, str]:
    return {_text(k): _text(v) for k, v in cast(dict[Any, Any], raw).items()}


class AppointmentStore:
    def __init__(self, redis: aioredis.Redis, tz: dt.tzinfo) -> None:
        self._redis = redis
        self._put_plan = redis.register_script(_PUT_PLAN)
        self._book = redis.register_script(_BOOK)
        self._move = redis.register_script(_MOVE)
        self.tz = tz

    # keys
    @staticmethod
    def _k(branch_id: str, *parts: str) -> str:
        return branch_key(SERVICE, branch_id, *parts)

    def plan_key(self, branch_id: str, date: dt.date) -> str:
        return self._k(branch_id, "appt-plan", date.isoformat())

    def booked_key(self, branch_id: str, date: dt.date) -> str:
        return self._k(branch_id, "appt-booked", date.isoformat())

    def day_key(self, branch_id: str, date: dt.date) -> str:
        return self._k(branch_id, "appt-day", date.isoformat())

    def appointment_key(self, branch_id: str, appointment_id: str) -> str:
        return self._k(branch_id, "appt", appointment_id)

    def contact_key(self, branch_id: str, appointment_id: str) -> str:
        return self._k(branch_id, "appt-contact", appointment_id)

    @staticmethod
    def code_key(code: str) -> str:
        return global_key(SERVICE, "appt-code", code)

    # lifetimes
    def _until(self, date: dt.date, days_after: int, now: dt.datetime) -> int:
        """Seconds from ``now`` to local midnight ``days_after`` days after ``date`` (at least an hour)."""
        end = dt.datetime.combine(date + dt.timedelta(days=days_after), dt.time(0), self.tz)
        return max(int((end - now).total_seconds()), MIN_TTL_S)

    def keep_s(self, date: dt.date, now: dt.datetime) -> int:
        return self._until(date, KEEP_DAYS, now)

    def contact_s(self, date: dt.date, now: dt.datetime) -> int:
        """The contact lives until the day after the appointment begins (its reminders are over)."""
        return self._until(date, 1, now)

    # plans
    async def put_plan(self, branch_id: str, day: DayCapacity, now: dt.datetime) -> bool:
        """Keep ``day`` unless a plan version at least as new is stored; True when kept."""
        args: list[str | int] = [day.version, self.keep_s(day.date, now)]
        for name, value in day.to_fields().items():
            args += [name, value]
        kept = await self._put_plan(keys=[self.plan_key(branch_id, day.date)], args=args)
        return bool(kept)

    async def plan(self, branch_id: str, date: dt.date) -> DayCapacity | None:
        raw = _decode(await self._redis.hgetall(self.plan_key(branch_id, date)))
        return DayCapacity.from_fields(date, raw) if raw else None

    async def booked(self, branch_id: str, date: dt.date) -> dict[tuple[ServiceName, str], int]:
        raw = _decode(await self._redis.hgetall(self.booked_key(branch_id, date)))
        return {parse_slot_field(name): int(value) for name, value in raw.items()}

    # codes
    async def reserve_code(self, code: str, branch_id: str, appointment_id: str, ttl_s: int) -> bool:
        """Claim ``code`` for the appointment; False when another appointment holds it."""
        value = f"{branch_id}{SEPARATOR}{appointment_id}"
        return bool(await self._redis.set(self.code_key(code), value, nx=True, ex=ttl_s))

    async def release_code(self, code: str) -> None:
        await self._redis.delete(self.code_key(code))

    async def by_code(self, code: str) -> Appointment | None:
        raw = await self._redis.get(self.code_key(code))
        if raw is None:
            return None
        branch_id, _, appointment_id = _text(raw).partition(SEPARATOR)
        return await self.get(branch_id, appointment_id)

    # appointments
    async def book(self, appointment: Appointment, contact: str | None, now: dt.datetime) -> str:
        """Take a place in the appointment's slot and store it: ``ok``, ``no_plan`` or ``slot_full``."""
        a = appointment
        args: list[str | int] = [
            slot_field(a.service, a.start),
            a.appointment_id,
            self.keep_s(a.date, now),
            self.contact_s(a.date, now),
            contact or "",
        ]
        for name, value in a.to_fields().items():
            args += [name, value]
        keys = [
            self.plan_key(a.branch_id, a.date),
            self.booked_key(a.branch_id, a.date),
            self.appointment_key(a.branch_id, a.appointment_id),
            self.day_key(a.branch_id, a.date),
            self.contact_key(a.branch_id, a.appointment_id),
        ]
        return _text(await self._book(keys=keys, args=args))

    async def move(
        self,
        appointment: Appointment,
        before: AppointmentStatus,
        after: AppointmentStatus,
        *,
        release: bool = False,
        changes: Mapping[str, str] | None = None,
    ) -> str:
        """Set the status from ``before`` to ``after`` (and ``changes``) if it still is ``before``; ``release``
        gives its place back. Answers ``ok``, ``missing`` or the status found instead."""
        a = appointment
        args: list[str] = [before.value, after.value, slot_field(a.service, a.start), "1" if release else "0"]
        for name, value in (changes or {}).items():
            args += [name, value]
        keys = [self.appointment_key(a.branch_id, a.appointment_id), self.booked_key(a.branch_id, a.date)]
        return _text(await self._move(keys=keys, args=args))

    async def set_fields(self, appointment: Appointment, changes: Mapping[str, str]) -> None:
        await self._redis.hset(
            self.appointment_key(appointment.branch_id, appointment.appointment_id),
            mapping=cast(dict[Any, Any], dict(changes)),
        )

    async def get(self, branch_id: str, appointment_id: str) -> Appointment | None:
        try:
            key = self.appointment_key(branch_id, appointment_id)
        except ValueError:
            return None
        raw = _decode(await self._redis.hgetall(key))
        return Appointment.from_fields(raw) if raw else None

    async def contact(self, appointment: Appointment) -> str | None:
        raw = await self._redis.get(self.contact_key(appointment.branch_id, appointment.appointment_id))
        return None if raw is None else _text(raw)

    async def claim_reminder(self, appointment: Appointment, now: dt.datetime) -> bool:
        """True once per appointment (whichever replica asks first): its reminder is this caller's to send."""
        key = self._k(appointment.branch_id, "appt-reminded", appointment.appointment_id)
        return bool(await self._redis.set(key, "1", nx=True, ex=self.keep_s(appointment.date, now)))

    async def of_day(self, branch_id: str, date: dt.date) -> list[Appointment]:
        ids = sorted(_text(i) for i in await self._redis.smembers(self.day_key(branch_id, date)))
        async with self._redis.pipeline(transaction=False) as pipe:
            for appointment_id in ids:
                pipe.hgetall(self.appointment_key(branch_id, appointment_id))
            rows = await pipe.execute()
        return [Appointment.from_fields(_decode(row)) for row in rows if row]
