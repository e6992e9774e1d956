"""Staffing with the real broker and Redis: a long predicted wait becomes an open_window alert on
staffing.alerts.v1 and at a signed webhook; it escalates unacknowledged; a manager acknowledges it."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from branchops.bus import EventPublisher
from branchops.contracts import topics
from branchops.contracts.enums import ServiceName, WindowState
from branchops.contracts.events import QueueForecast, ServiceQueue, Window
from branchops.settings import PlatformSettings, Role
from services.staffing.adapters.webhook import verify
from tests.conftest import api_key
from tests.integration.kafka_helpers import read_topic, wait_for
from tests.integration.staffing_support import (
    FakeClock,
    WebhookReceiver,
    running_app,
    small_instance,
    staffing_settings,
)

SECRET = "webhook-secret-0123456789"
MANAGER = {"X-API-Key": api_key(Role.MANAGER)}


def _on_shift(plan: dict[str, Any], clock: str) -> list[str]:
    out = []
    for a in plan["assignments"]:
        resting = any(b["start"] <= clock < b["end"] for b in a["breaks"])
        if a["start"] <= clock < a["end"] and not resting:
            out.append(a["staff_id"])
    return out


async def test_long_wait_opens_a_window_alert_signed_escalated_and_acknowledged(
    platform: PlatformSettings, redis_url: str
) -> None:
    branch = f"st-{uuid.uuid4().hex[:8]}"
    clock = FakeClock()
    async with WebhookReceiver() as hook:
        settings = staffing_settings(redis_url, webhook_url=hook.url, webhook_secret=SECRET, escalate_after_s=60)
        async with running_app(settings, platform, clock) as (_, client):
            solved = await client.post("/v1/plans:solve", json=small_instance(branch), headers=MANAGER)
            assert solved.status_code == 200, solved.text
            plan = solved.json()
            assert plan["version"] == 1 and plan["status"] in ("OPTIMAL", "FEASIBLE")
            on_shift = _on_shift(plan, "10:00")
            assert len(on_shift) >= 2, plan["assignments"]

            publisher = EventPublisher(platform, source="branchops/queue/test")
            await publisher.start()
            try:
                now = clock()
                await publisher.publish(
                    topics.WINDOWS,
                    Window(
                        branch_id=branch,
                        at=now,
                        window_id="w1",
                        state=WindowState.OPEN,
                        staff_id=on_shift[0],
                        skills=[ServiceName.GENERAL],
                    ),
                )
                for window_id in ("w2", "w3"):
                    await publisher.publish(
                        topics.WINDOWS, Window(branch_id=branch, at=now, window_id=window_id, state=WindowState.CLOSED)
                    )
                await publisher.publish(
                    topics.QUEUE_FORECAST,
                    QueueForecast(
                        branch_id=branch,
                        at=now,
                        per_service=[
                            ServiceQueue(
                                service=ServiceName.GENERAL,
                                waiting=18,
                                open_windows=1,
                                est_wait_min=30.0,
                                est_wait_p90_min=45.0,
                            )
                        ],
                    ),
                )
            finally:
                await publisher.stop()

            async def open_window() -> dict[str, Any] | None:
                listed = (await client.get(f"/v1/branches/{branch}/alerts", headers=MANAGER)).json()["alerts"]
                return next((a for a in listed if a["kind"] == "open_window"), None)

            await wait_for(open_window, timeout_s=40, what="an open_window alert")
            alert = await open_window()
            assert alert is not None
            assert alert["window_id"] in ("w2", "w3") and alert["staff_id"] in on_shift[1:]
            assert alert["severity"] == "urgent"  # 30 min against 10 is three times the target
            assert alert["reason"]["predicted_wait_min"] == 30.0 and alert["reason"]["target_wait_min"] == 10.0
            assert "predicted wait 30 min vs target 10 min" in alert["message"]["en"]

            def ours(records: list[Any]) -> bool:
                published = [json.loads(r.value) for r in records]
                return any(e["data"]["alert_id"] == alert["alert_id"] and e["subject"] == branch for e in published)

            records = await read_topic(
                platform.kafka_bootstrap, topics.STAFFING_ALERTS.name, expect=1, timeout_s=15, until=ours
            )
            assert ours(records), "the alert is on staffing.alerts.v1"

            def deliveries() -> list[tuple[Any, dict[str, Any]]]:
                bodies = [(d, json.loads(d.body)["alert"]) for d in hook.received]
                return [(d, a) for d, a in bodies if a["alert_id"] == alert["alert_id"]]

            await wait_for(lambda: len(deliveries()) >= 1, timeout_s=15, what="the webhook delivery")
            delivery, _ = deliveries()[0]
            assert verify(
                SECRET.encode(),
                delivery.body,
                delivery.headers["x-branchops-signature"],
                delivery.headers["x-branchops-timestamp"],
                now=time.time(),
            )
            assert not verify(
                b"wrong-secret-000000",
                delivery.body,
                delivery.headers["x-branchops-signature"],
                delivery.headers["x-branchops-timestamp"],
                now=time.time(),
            )

            clock.advance(seconds=61)  # not acknowledged within escalate_after_s
            await wait_for(lambda: len(deliveries()) >= 2, timeout_s=15, what="the escalation")
            escalated = deliveries()[1][1]
            assert escalated["severity"] == "urgent" and escalated["reason"]["escalated"] == 1

            teller = await client.post(
                f"/v1/branches/{branch}/alerts/{alert['alert_id']}/ack", headers={"X-API-Key": api_key(Role.TELLER)}
            )
            assert teller.status_code == 403
            acked = await client.post(f"/v1/branches/{branch}/alerts/{alert['alert_id']}/ack", headers=MANAGER)
            assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
            again = await client.post(f"/v1/branches/{branch}/alerts/{alert['alert_id']}/ack", headers=MANAGER)
            assert again.status_code == 200 and again.json()["acked_at"] == acked.json()["acked_at"]
            listed = (await client.get(f"/v1/branches/{branch}/alerts", headers=MANAGER)).json()["alerts"]
            assert alert["alert_id"] not in {a["alert_id"] for a in listed}

            plans = await read_topic(platform.kafka_bootstrap, topics.STAFFING_PLAN.name, expect=1, timeout_s=10)
            versions = [
                json.loads(r.value)["data"]["version"] for r in plans if json.loads(r.value)["subject"] == branch
            ]
            assert versions and versions[0] == 1 and versions == sorted(versions)
