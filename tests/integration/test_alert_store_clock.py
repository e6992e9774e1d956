"""The alert store against a real Redis with a domain clock a year away from Redis's own clock.

Redis expires keys by its wall clock; the staffing service's clock is simulated in ``make run``, fixed in
tests and may be skewed between hosts. Expiries must reach Redis as TTLs relative to the domain clock.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any, cast

import pytest
import redis.asyncio as aioredis

from branchops.bus.outbox import Outbox
from services.staffing.adapters.alert_store import KEEP_AFTER_EXPIRY_S, AlertStore, seconds_until
from services.staffing.contract import camera_down_event
from services.staffing.domain import notices
from services.staffing.domain.errors import AlertExpired

YEAR = dt.timedelta(days=365)
ALERT_S = notices.CAMERA_ALERT_MIN * 60


def wall_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture(params=[-YEAR, YEAR], ids=["clock-a-year-behind", "clock-a-year-ahead"])
def domain_now(request: pytest.FixtureRequest) -> dt.datetime:
    return wall_now() + request.param


def store_for(redis_client: aioredis.Redis) -> AlertStore:
    return AlertStore(redis_client, Outbox(redis_client, "staffing", source="branchops/staffing/test", instance="t"))


async def test_alert_lives_as_long_as_the_domain_clock_says(
    redis_client: aioredis.Redis, domain_now: dt.datetime
) -> None:
    store, branch = store_for(redis_client), f"b-{uuid.uuid4().hex[:8]}"
    alert = camera_down_event(branch, "cam-1", "no frames", domain_now)
    assert await store.raise_alert(alert, "fp-cam-1", None, domain_now)

    ttl_alert = await redis_client.ttl(store._key(branch, "alert", alert.alert_id))
    ttl_fp = await redis_client.ttl(store._key(branch, "alerts", "fp", "fp-cam-1"))
    assert ALERT_S - 5 <= ttl_fp <= ALERT_S
    assert ALERT_S + KEEP_AFTER_EXPIRY_S - 5 <= ttl_alert <= ALERT_S + KEEP_AFTER_EXPIRY_S

    assert [r.alert.alert_id for r in await store.open_alerts(branch, domain_now)] == [alert.alert_id]
    again = camera_down_event(branch, "cam-1", "no frames", domain_now)
    assert not await store.raise_alert(again, "fp-cam-1", None, domain_now), "same alert raised twice"

    acked = await store.acknowledge(branch, alert.alert_id, "manager-1", domain_now + dt.timedelta(minutes=1))
    assert acked.status == "acknowledged"
    assert await store.open_alerts(branch, domain_now) == []


async def test_expiry_follows_the_domain_clock_not_redis(redis_client: aioredis.Redis, domain_now: dt.datetime) -> None:
    store, branch = store_for(redis_client), f"b-{uuid.uuid4().hex[:8]}"
    alert = camera_down_event(branch, "cam-2", None, domain_now)
    assert await store.raise_alert(alert, "fp-cam-2", None, domain_now)
    later = alert.expires_at + dt.timedelta(seconds=1)
    assert await store.open_alerts(branch, later) == []
    with pytest.raises(AlertExpired):
        await store.acknowledge(branch, alert.alert_id, "manager-1", later)


async def test_escalation_due_by_the_domain_clock(redis_client: aioredis.Redis, domain_now: dt.datetime) -> None:
    store, branch = store_for(redis_client), f"b-{uuid.uuid4().hex[:8]}"
    alert = camera_down_event(branch, "cam-3", None, domain_now)
    assert await store.raise_alert(alert, "fp-cam-3", domain_now + dt.timedelta(seconds=60), domain_now)
    assert await store.escalate_due(branch, domain_now + dt.timedelta(seconds=30), 60) == []
    escalated = await store.escalate_due(branch, domain_now + dt.timedelta(seconds=61), 60)
    assert [a.alert_id for a in escalated] == [alert.alert_id]


def test_ttl_is_relative_and_at_least_one_second() -> None:
    now = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)
    assert seconds_until(now + dt.timedelta(seconds=90.2), now) == 91
    assert seconds_until(now - dt.timedelta(hours=3), now) == 1
    assert seconds_until(now, now) == 1


async def _staged(redis_client: aioredis.Redis, store: AlertStore, branch: str) -> list[dict[str, Any]]:
    """The staffing.alerts.v1 data staged in the branch's outbox, in order."""
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], await redis_client.xrange(store._outbox.stream(branch)))
    return [json.loads(fields[b"value"])["data"] for _, fields in entries]


async def test_acknowledgement_is_published_once_with_acknowledged_at(
    redis_client: aioredis.Redis, domain_now: dt.datetime
) -> None:
    store, branch = store_for(redis_client), f"b-{uuid.uuid4().hex[:8]}"
    alert = camera_down_event(branch, "cam-4", None, domain_now)
    assert await store.raise_alert(alert, "fp-cam-4", None, domain_now)
    ack_at = domain_now + dt.timedelta(minutes=2)
    await store.acknowledge(branch, alert.alert_id, "manager-1", ack_at)
    await store.acknowledge(branch, alert.alert_id, "manager-1", ack_at + dt.timedelta(minutes=1))  # idempotent
    assert await store.expire_due(branch, alert.expires_at + dt.timedelta(seconds=1)) == [], "acked: no expiry"

    staged = await _staged(redis_client, store, branch)
    assert [s["alert_id"] for s in staged] == [alert.alert_id, alert.alert_id]
    assert staged[0]["acknowledged_at"] is None and staged[0]["expired"] is False
    assert dt.datetime.fromisoformat(staged[1]["acknowledged_at"]) == ack_at and staged[1]["expired"] is False


async def test_expiry_is_published_once_with_expired(redis_client: aioredis.Redis, domain_now: dt.datetime) -> None:
    store, branch = store_for(redis_client), f"b-{uuid.uuid4().hex[:8]}"
    alert = camera_down_event(branch, "cam-5", None, domain_now)
    assert await store.raise_alert(alert, "fp-cam-5", domain_now + dt.timedelta(seconds=60), domain_now)
    assert await store.expire_due(branch, domain_now + dt.timedelta(minutes=1)) == [], "not expired yet"
    later = alert.expires_at + dt.timedelta(seconds=1)
    assert await store.open_alerts(branch, later) == []
    expired = await store.expire_due(branch, later)
    assert [(a.alert_id, a.expired, a.acknowledged_at) for a in expired] == [(alert.alert_id, True, None)]
    assert await store.expire_due(branch, later + dt.timedelta(minutes=5)) == [], "expired once"
    assert await store.escalate_due(branch, later, 60) == [], "an expired alert does not escalate"
    with pytest.raises(AlertExpired):
        await store.acknowledge(branch, alert.alert_id, "manager-1", later)
    record = await store.get(branch, alert.alert_id)
    assert record is not None and record.status == "expired"

    staged = await _staged(redis_client, store, branch)
    assert [(s["alert_id"], s["expired"]) for s in staged] == [(alert.alert_id, False), (alert.alert_id, True)]


async def test_camera_back_expires_its_open_alert_once(redis_client: aioredis.Redis, domain_now: dt.datetime) -> None:
    store, branch = store_for(redis_client), f"b-{uuid.uuid4().hex[:8]}"
    alert = camera_down_event(branch, "cam-6", None, domain_now)
    assert await store.raise_alert(alert, "fp-cam-6", None, domain_now)
    back = domain_now + dt.timedelta(minutes=5)
    resolved = await store.resolve(branch, "fp-cam-6", back)
    assert resolved is not None and resolved.expired and resolved.expires_at == back and resolved.at == alert.at
    assert await store.resolve(branch, "fp-cam-6", back) is None, "once"
    assert await store.open_alerts(branch, back) == []
    assert await store.expire_due(branch, alert.expires_at + dt.timedelta(seconds=1)) == [], "not again at expiry"
    again = camera_down_event(branch, "cam-6", None, back)
    assert await store.raise_alert(again, "fp-cam-6", None, back), "a new failure raises a new alert"
    staged = await _staged(redis_client, store, branch)
    assert [(s["alert_id"], s["expired"]) for s in staged] == [
        (alert.alert_id, False),
        (alert.alert_id, True),
        (again.alert_id, False),
    ]
