"""Alerts in Redis; raising, acknowledging, escalating and expiring one also stages its staffing.alerts.v1
in the same transaction (an acknowledgement or an expiry publishes the alert again with the same id, with
``acknowledged_at`` or ``expired``; once per alert id: the record's status moves on in that transaction).

Per branch: ``alert:<id>`` (JSON: the event data, status, ack), ``alerts:open`` (zset id -> expiry; left by
an acknowledgement, or by the expiry sweep that publishes the expiry),
``alerts:acked`` (zset id -> expiry of the acknowledged ones), ``alerts:escalate`` (zset id -> due time of
urgent ones), ``alerts:fp:<fingerprint>`` (the same alert
is not raised again while one is open or acknowledged and not expired).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from dataclasses import dataclass
from typing import Any, cast

import redis.asyncio as aioredis

from branchops.bus.outbox import Outbox, Transaction
from branchops.contracts import topics
from branchops.contracts.enums import Severity
from branchops.contracts.events import StaffingAlert
from branchops.state import branch_key, global_key
from services.staffing.domain.errors import AlertExpired, UnknownAlert

SERVICE = "staffing"
KEEP_AFTER_EXPIRY_S = 24 * 3600  # an expired alert still answers 409 for a day, then 404


def seconds_until(moment: dt.datetime, now: dt.datetime) -> int:
    """A Redis TTL (EX) for ``moment`` as seen from ``now`` of the same (domain) clock, at least 1 s.

    Redis expires keys by its own wall clock; an absolute expiry time from the domain clock (simulated in
    ``make run``, fixed in tests, skewed between hosts) would expire keys early or never.
    """
    return max(1, math.ceil((moment - now).total_seconds()))


@dataclass(frozen=True)
class AlertRecord:
    alert: StaffingAlert
    status: str  # open | acknowledged | expired
    escalated: bool = False
    acked_by: str | None = None
    acked_at: str | None = None

    def dump(self) -> str:
        return json.dumps(
            {
                "alert": self.alert.model_dump(mode="json"),
                "status": self.status,
                "escalated": self.escalated,
                "acked_by": self.acked_by,
                "acked_at": self.acked_at,
            }
        )

    @classmethod
    def load(cls, raw: bytes | str) -> AlertRecord:
        data: dict[str, Any] = json.loads(raw)
        return cls(
            StaffingAlert.model_validate(data["alert"]),
            data["status"],
            bool(data.get("escalated")),
            data.get("acked_by"),
            data.get("acked_at"),
        )

    def view(self) -> dict[str, Any]:
        return {
            **self.alert.model_dump(mode="json"),
            "status": self.status,
            "escalated": self.escalated,
            "acked_by": self.acked_by,
            "acked_at": self.acked_at,
        }


class AlertStore:
    def __init__(self, redis: aioredis.Redis, outbox: Outbox) -> None:
        self._redis = redis
        self._outbox = outbox
        self.branches_key = global_key(SERVICE, "alerts", "branches")

    def _key(self, branch_id: str, *parts: str) -> str:
        return branch_key(SERVICE, branch_id, *parts)

    async def raise_alert(
        self, alert: StaffingAlert, fingerprint: str, escalate_at: dt.datetime | None, now: dt.datetime
    ) -> bool:
        """Store and stage ``alert`` unless the same one is still live; True when it was raised.

        ``now`` is the domain clock's time: expiries go to Redis as TTLs relative to it.
        """
        b = alert.branch_id
        fp_key, expires = self._key(b, "alerts", "fp", fingerprint), alert.expires_at.timestamp()
        live_s = seconds_until(alert.expires_at, now)
        await self._redis.sadd(self.branches_key, b)

        async def body(tx: Transaction) -> bool:
            if await tx.pipe.exists(fp_key):
                return False  # still live (or raised by another replica at the same moment)
            tx.multi()
            tx.pipe.set(
                self._key(b, "alert", alert.alert_id),
                AlertRecord(alert, "open").dump(),
                ex=live_s + KEEP_AFTER_EXPIRY_S,
            )
            tx.pipe.zadd(self._key(b, "alerts", "open"), {alert.alert_id: expires})
            tx.pipe.set(fp_key, alert.alert_id, ex=live_s)
            if escalate_at is not None and escalate_at < alert.expires_at:
                tx.pipe.zadd(self._key(b, "alerts", "escalate"), {alert.alert_id: escalate_at.timestamp()})
            tx.stage(topics.STAFFING_ALERTS, alert)
            return True

        return await self._outbox.transaction(b, body, watch=[fp_key])

    async def get(self, branch_id: str, alert_id: str) -> AlertRecord | None:
        raw = await self._redis.get(self._key(branch_id, "alert", alert_id))
        return None if raw is None else AlertRecord.load(raw)

    async def open_alerts(self, branch_id: str, now: dt.datetime) -> list[AlertRecord]:
        """Open and not expired by ``now`` (the expired ones stay in the index for :meth:`expire_due`)."""
        index = self._key(branch_id, "alerts", "open")
        ids = cast(list[bytes], await self._redis.zrangebyscore(index, now.timestamp(), "+inf"))
        if not ids:
            return []
        raws = await self._redis.mget([self._key(branch_id, "alert", i.decode()) for i in ids])
        records = [AlertRecord.load(r) for r in raws if r is not None]
        return [r for r in records if r.status == "open"]

    async def acknowledged_alerts(self, branch_id: str, now: dt.datetime) -> list[AlertRecord]:
        """Acknowledged and not expired by ``now`` (what the floor is acting on)."""
        index = self._key(branch_id, "alerts", "acked")
        await self._redis.zremrangebyscore(index, "-inf", now.timestamp())
        ids = cast(list[bytes], await self._redis.zrangebyscore(index, now.timestamp(), "+inf"))
        if not ids:
            return []
        raws = await self._redis.mget([self._key(branch_id, "alert", i.decode()) for i in ids])
        records = [AlertRecord.load(r) for r in raws if r is not None]
        return [r for r in records if r.status == "acknowledged"]

    async def acknowledge(self, branch_id: str, alert_id: str, who: str, now: dt.datetime) -> AlertRecord:
        key = self._key(branch_id, "alert", alert_id)

        async def body(tx: Transaction) -> AlertRecord:
            raw = await tx.pipe.get(key)
            if raw is None:
                raise UnknownAlert(branch_id, alert_id)
            record = AlertRecord.load(raw)
            if record.status == "acknowledged":
                return record  # idempotent: published once
            if record.status == "expired" or now >= record.alert.expires_at:
                raise AlertExpired(alert_id, record.alert.expires_at)
            again = record.alert.model_copy(update={"acknowledged_at": now})  # ``at``: still when raised
            acked = AlertRecord(again, "acknowledged", record.escalated, who, now.isoformat())
            tx.multi()
            tx.pipe.set(key, acked.dump(), keepttl=True)
            tx.pipe.zrem(self._key(branch_id, "alerts", "open"), alert_id)
            tx.pipe.zrem(self._key(branch_id, "alerts", "escalate"), alert_id)
            acked_index = self._key(branch_id, "alerts", "acked")
            tx.pipe.zadd(acked_index, {alert_id: record.alert.expires_at.timestamp()})
            tx.pipe.expire(acked_index, seconds_until(record.alert.expires_at, now) + KEEP_AFTER_EXPIRY_S)
            tx.stage(topics.STAFFING_ALERTS, again)
            return acked

        return await self._outbox.transaction(branch_id, body, watch=[key])

    async def expire_due(self, branch_id: str, now: dt.datetime) -> list[StaffingAlert]:
        """Publish each alert of the branch that expired unacknowledged by ``now`` once, ``expired`` true."""
        index = self._key(branch_id, "alerts", "open")
        due = cast(list[bytes], await self._redis.zrangebyscore(index, "-inf", now.timestamp()))
        expired: list[StaffingAlert] = []
        for raw_id in due:
            alert_id = raw_id.decode()
            key = self._key(branch_id, "alert", alert_id)
            again = await self._outbox.transaction(
                branch_id,
                functools.partial(self._expired, branch_id=branch_id, key=key, alert_id=alert_id, now=now),
                watch=[key],
            )
            if again is not None:
                expired.append(again)
        return expired

    async def _expired(
        self, tx: Transaction, branch_id: str, key: str, alert_id: str, now: dt.datetime
    ) -> StaffingAlert | None:
        raw = await tx.pipe.get(key)
        record = AlertRecord.load(raw) if raw else None
        again = None
        tx.multi()
        tx.pipe.zrem(self._key(branch_id, "alerts", "open"), alert_id)
        tx.pipe.zrem(self._key(branch_id, "alerts", "escalate"), alert_id)
        if record is not None and record.status == "open" and now >= record.alert.expires_at:
            again = record.alert.model_copy(update={"expired": True})
            tx.pipe.set(key, AlertRecord(again, "expired", record.escalated).dump(), keepttl=True)
            tx.stage(topics.STAFFING_ALERTS, again)
        return again

    async def resolve(self, branch_id: str, fingerprint: str, now: dt.datetime) -> StaffingAlert | None:
        """The cause of the alert with this fingerprint is gone (a camera is back): an open one expires now,
        published once with ``expired`` and ``expires_at`` now; the same cause may raise a new alert later."""
        fp_key = self._key(branch_id, "alerts", "fp", fingerprint)
        raw_id = await self._redis.get(fp_key)
        if raw_id is None:
            return None
        alert_id = raw_id.decode() if isinstance(raw_id, bytes) else str(raw_id)
        key = self._key(branch_id, "alert", alert_id)

        async def body(tx: Transaction) -> StaffingAlert | None:
            raw = await tx.pipe.get(key)
            record = AlertRecord.load(raw) if raw else None
            again = None
            tx.multi()
            tx.pipe.delete(fp_key)
            if record is not None and record.status == "open" and now < record.alert.expires_at:
                again = record.alert.model_copy(update={"expired": True, "expires_at": now})
                tx.pipe.set(key, AlertRecord(again, "expired", record.escalated).dump(), keepttl=True)
                tx.pipe.zrem(self._key(branch_id, "alerts", "open"), alert_id)
                tx.pipe.zrem(self._key(branch_id, "alerts", "escalate"), alert_id)
                tx.stage(topics.STAFFING_ALERTS, again)
            return again

        return await self._outbox.transaction(branch_id, body, watch=[key, fp_key])

    async def alert_branches(self) -> list[str]:
        members = cast(set[bytes], await self._redis.smembers(self.branches_key))
        return sorted(m.decode() for m in members)

    async def escalate_due(self, branch_id: str, now: dt.datetime, after_s: float) -> list[StaffingAlert]:
        """Re-publish each urgent alert still open past its due time, severity urgent, escalated in reason."""
        index = self._key(branch_id, "alerts", "escalate")
        due = cast(list[bytes], await self._redis.zrangebyscore(index, "-inf", now.timestamp()))
        escalated: list[StaffingAlert] = []
        for raw_id in due:
            again = await self._escalate(branch_id, index, raw_id.decode(), now, after_s)
            if again is not None:
                escalated.append(again)
        return escalated

    async def _escalate(
        self, branch_id: str, index: str, alert_id: str, now: dt.datetime, after_s: float
    ) -> StaffingAlert | None:
        """Take the alert off the escalation index; stage it again as urgent if still open and live (an
        alert acknowledged meanwhile makes the transaction look again and only leave the index)."""
        key = self._key(branch_id, "alert", alert_id)
        return await self._outbox.transaction(
            branch_id, lambda tx: self._escalated(tx, key, index, alert_id, now, after_s), watch=[key]
        )

    @staticmethod
    async def _escalated(
        tx: Transaction, key: str, index: str, alert_id: str, now: dt.datetime, after_s: float
    ) -> StaffingAlert | None:
        raw = await tx.pipe.get(key)
        record = AlertRecord.load(raw) if raw else None
        again = None
        tx.multi()
        tx.pipe.zrem(index, alert_id)
        if record is not None and record.status == "open" and now < record.alert.expires_at:
            reason = {**record.alert.reason, "escalated": 1, "unacknowledged_s": int(after_s)}
            again = record.alert.model_copy(update={"severity": Severity.URGENT, "reason": reason, "at": now})
            tx.pipe.set(key, AlertRecord(again, "open", True).dump(), keepttl=True)
            tx.stage(topics.STAFFING_ALERTS, again)
        return again
