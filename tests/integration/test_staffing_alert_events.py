"""Staffing with the real broker and Redis: an alert is published when raised, again (same alert_id) with
``acknowledged_at`` when a manager acknowledges it, and again once with ``expired`` when it expires
unacknowledged; an acknowledged alert never expires and nothing is published twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from typing import Any

from branchops.bus import EventPublisher
from branchops.contracts import topics
from branchops.contracts.enums import CameraState
from branchops.contracts.events import CameraStatus
from branchops.settings import PlatformSettings, Role
from services.staffing.domain import notices
from tests.conftest import api_key
from tests.integration.kafka_helpers import read_topic, wait_for
from tests.integration.staffing_support import FakeClock, running_app, staffing_settings

MANAGER = {"X-API-Key": api_key(Role.MANAGER)}
TELLER = {"X-API-Key": api_key(Role.TELLER)}


async def test_acknowledged_and_expired_alerts_are_published_once_each(
    platform: PlatformSettings, redis_url: str
) -> None:
    branch = f"st-{uuid.uuid4().hex[:8]}"
    clock = FakeClock()
    async with running_app(staffing_settings(redis_url), platform, clock) as (_, client):
        publisher = EventPublisher(platform, source="branchops/vision/test")
        await publisher.start()
        try:
            for camera in ("cam-a", "cam-b"):
                await publisher.publish(
                    topics.CAMERA_STATUS,
                    CameraStatus(branch_id=branch, at=clock(), camera_id=camera, state=CameraState.DOWN),
                )
        finally:
            await publisher.stop()

        async def listed() -> list[dict[str, Any]]:
            answer = await client.get(f"/v1/branches/{branch}/alerts", headers=MANAGER)
            return list(answer.json()["alerts"])

        async def both_open() -> bool:
            return len(await listed()) == 2

        await wait_for(both_open, timeout_s=30, what="two camera_down alerts")
        by_camera = {a["reason"]["camera_id"]: a["alert_id"] for a in await listed()}
        acked_id, expiring_id = by_camera["cam-a"], by_camera["cam-b"]

        clock.advance(minutes=3)
        acked = await client.post(f"/v1/branches/{branch}/alerts/{acked_id}/ack", headers=MANAGER)
        assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
        assert (await client.post(f"/v1/branches/{branch}/alerts/{acked_id}/ack", headers=MANAGER)).status_code == 200
        assert [a["alert_id"] for a in await listed()] == [expiring_id]
        floor = await client.get(
            f"/v1/branches/{branch}/alerts", params={"include_acknowledged": "true"}, headers=TELLER
        )
        assert {(a["alert_id"], a["status"]) for a in floor.json()["alerts"]} == {
            (expiring_id, "open"),
            (acked_id, "acknowledged"),
        }, "what the floor acts on"

        clock.advance(minutes=notices.CAMERA_ALERT_MIN)  # both past their expiry; only cam-b was unacknowledged
        late = await client.post(f"/v1/branches/{branch}/alerts/{expiring_id}/ack", headers=MANAGER)
        assert late.status_code == 409

        def ours(records: list[Any]) -> list[dict[str, Any]]:
            events = [json.loads(r.value) for r in records]
            return [e["data"] for e in events if e["subject"] == branch]

        def complete(records: list[Any]) -> bool:
            return len(ours(records)) >= 4

        records = await read_topic(
            platform.kafka_bootstrap, topics.STAFFING_ALERTS.name, expect=4, timeout_s=30, until=complete
        )
        await asyncio.sleep(0.5)  # a few more ticks of the expiry sweep (every 0.1 s): nothing new
        records = await read_topic(
            platform.kafka_bootstrap, topics.STAFFING_ALERTS.name, expect=4, timeout_s=2, until=lambda _: False
        )
        events = ours(records)
        acked_events = [e for e in events if e["alert_id"] == acked_id]
        expired_events = [e for e in events if e["alert_id"] == expiring_id]
        assert [(e["acknowledged_at"] is not None, e["expired"]) for e in acked_events] == [
            (False, False),
            (True, False),
        ]
        assert [(e["acknowledged_at"], e["expired"]) for e in expired_events] == [(None, False), (None, True)]
        acknowledged_at = dt.datetime.fromisoformat(acked_events[1]["acknowledged_at"])
        assert acknowledged_at == dt.datetime.fromisoformat(acked.json()["acked_at"])
