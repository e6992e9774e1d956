"""The webhook sender against a real HTTP receiver on 127.0.0.1 (loopback only)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time

import httpx
import pytest

from branchops.contracts.enums import AlertKind, Severity
from branchops.contracts.events import LocalizedText, StaffingAlert
from services.staffing.adapters.webhook import WebhookSender, sign, verify
from tests.integration.staffing_support import WebhookReceiver

SECRET = b"0123456789abcdef-secret"


def _alert(n: int = 1) -> StaffingAlert:
    now = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    return StaffingAlert(
        branch_id="b1",
        at=now,
        alert_id=f"al-{n}",
        kind=AlertKind.OPEN_WINDOW,
        severity=Severity.WARNING,
        message=LocalizedText(zh="开窗", en="open"),
        action="open window w2",
        window_id="w2",
        expires_at=now + dt.timedelta(minutes=15),
    )


def test_signature_covers_body_and_timestamp() -> None:
    body = json.dumps({"sent_at": 1000, "alert": {}}).encode()
    signature = sign(SECRET, body)
    assert verify(SECRET, body, signature, "1000", now=1100)
    assert not verify(SECRET, body, signature, "1000", now=2000)  # too old: a replay
    assert not verify(SECRET, body, signature, "1999", now=2000)  # header does not match the signed time
    assert not verify(SECRET, body.replace(b"1000", b"1001"), signature, "1001", now=1100)


@pytest.mark.parametrize(
    ("statuses", "outcome", "attempts"),
    [
        ([500, 503], "delivered", 3),
        ([500, 500, 500], "given_up", 3),
        ([400], "rejected", 1),
    ],
)
async def test_retries_with_backoff(statuses: list[int], outcome: str, attempts: int) -> None:
    async with WebhookReceiver(statuses) as hook:
        sender = WebhookSender(hook.url, SECRET, retries=2, backoff_s=0.01, queue_size=10)
        async with httpx.AsyncClient() as client:
            assert await sender.deliver(client, "d1", _alert().model_dump(mode="json")) == outcome
        assert len(hook.received) == attempts
        assert {r.headers["x-branchops-delivery"] for r in hook.received} == {"d1"}
        last = hook.received[-1]
        assert verify(
            SECRET,
            last.body,
            last.headers["x-branchops-signature"],
            last.headers["x-branchops-timestamp"],
            now=time.time(),
        )


async def test_worker_delivers_in_order_and_drops_when_full() -> None:
    async with WebhookReceiver() as hook:
        sender = WebhookSender(hook.url, SECRET, retries=0, backoff_s=0.01, queue_size=2)
        for n in range(3):
            sender.offer(_alert(n))  # the third does not fit: dropped, counted
        task = asyncio.create_task(sender.run())
        for _ in range(200):
            if len(hook.received) >= 2:
                break
            await asyncio.sleep(0.02)
        sender.stop()
        await asyncio.wait_for(task, 5)
    assert [json.loads(r.body)["alert"]["alert_id"] for r in hook.received] == ["al-0", "al-1"]
