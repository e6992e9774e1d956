"""Alerts to a webhook (enterprise chat bots and the like), signed, retried, never blocking a consumer.

Body: ``{"type": "branchops.staffing.alerts.v1", "delivery_id", "sent_at", "alert": {...}}``.
Headers: ``X-BranchOps-Signature: sha256=<hex HMAC-SHA256 of the raw body>``, ``X-BranchOps-Timestamp``
(Unix seconds, also inside the signed body as ``sent_at``, so a receiver refuses old or replayed
deliveries) and ``X-BranchOps-Delivery`` (one id per alert, the same on every retry, for dedup).
A bounded queue feeds one worker; a full queue drops the alert (counted, logged); a delivery that
keeps failing is given up after the retries (counted, logged). 5xx, 408, 429 and network errors are
retried with doubling backoff; other 4xx are not.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
import uuid
from typing import Any

import httpx
from prometheus_client import Counter

from branchops.contracts import topics
from branchops.contracts.events import StaffingAlert

log = logging.getLogger(__name__)
DELIVERIES = Counter("branchops_staffing_webhook_deliveries_total", "Webhook deliveries", ["outcome"])
FAILURES = Counter("branchops_staffing_webhook_failures_total", "Failed webhook attempts", ["reason"])
SIGNATURE_HEADER = "X-BranchOps-Signature"
TIMESTAMP_HEADER = "X-BranchOps-Timestamp"
DELIVERY_HEADER = "X-BranchOps-Delivery"
MAX_BACKOFF_S = 60.0


def sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(secret: bytes, body: bytes, signature: str, timestamp: str, *, now: float, tolerance_s: float = 300) -> bool:
    """What a receiver does: signature over the raw body, timestamp fresh and equal to the signed one."""
    if not hmac.compare_digest(sign(secret, body), signature):
        return False
    try:
        sent = int(json.loads(body)["sent_at"])
    except (ValueError, KeyError, TypeError):
        return False
    return str(sent) == timestamp and abs(now - sent) <= tolerance_s


def _retryable(status: int) -> bool:
    return status >= 500 or status in (408, 429)


class WebhookSender:
    def __init__(
        self, url: str, secret: bytes, *, retries: int, backoff_s: float, queue_size: int, timeout_s: float = 5.0
    ) -> None:
        self.url = url
        self._secret = secret
        self._retries = retries
        self._backoff_s = backoff_s
        self._timeout_s = timeout_s
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue(queue_size)
        self._stop = asyncio.Event()

    def offer(self, alert: StaffingAlert) -> None:
        """Hand an alert over without waiting; dropped (counted) when the queue is full."""
        try:
            self._queue.put_nowait((uuid.uuid4().hex, alert.model_dump(mode="json")))
        except asyncio.QueueFull:
            FAILURES.labels("queue_full").inc()
            DELIVERIES.labels("dropped").inc()
            log.error("webhook queue full: alert %s dropped", alert.alert_id)

    def body(self, delivery_id: str, alert: dict[str, Any], sent_at: int) -> bytes:
        return json.dumps(
            {"type": topics.STAFFING_ALERTS.event_type, "delivery_id": delivery_id, "sent_at": sent_at, "alert": alert},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()

    async def _attempt(self, client: httpx.AsyncClient, delivery_id: str, alert: dict[str, Any]) -> str:
        sent_at = int(time.time())
        body = self.body(delivery_id, alert, sent_at)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self._secret, body),
            TIMESTAMP_HEADER: str(sent_at),
            DELIVERY_HEADER: delivery_id,
        }
        try:
            response = await client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            FAILURES.labels("network").inc()
            log.warning("webhook delivery %s failed: %s", delivery_id, type(exc).__name__)
            return "retry"
        if response.is_success:
            return "delivered"
        FAILURES.labels(f"http_{response.status_code // 100}xx").inc()
        log.warning("webhook delivery %s answered %d", delivery_id, response.status_code)
        return "retry" if _retryable(response.status_code) else "rejected"

    async def deliver(self, client: httpx.AsyncClient, delivery_id: str, alert: dict[str, Any]) -> str:
        delay = self._backoff_s
        for attempt in range(self._retries + 1):
            outcome = await self._attempt(client, delivery_id, alert)
            if outcome != "retry":
                break
            if attempt == self._retries or self._stop.is_set():
                outcome = "given_up"
                break
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_S)
        DELIVERIES.labels(outcome).inc()
        if outcome != "delivered":
            log.error("webhook delivery %s of alert %s %s", delivery_id, alert.get("alert_id"), outcome)
        return outcome

    async def run(self) -> None:
        async with httpx.AsyncClient(timeout=self._timeout_s) as client:
            while not self._stop.is_set():
                getter = asyncio.ensure_future(self._queue.get())
                stopper = asyncio.ensure_future(self._stop.wait())
                done, _ = await asyncio.wait({getter, stopper}, return_when=asyncio.FIRST_COMPLETED)
                stopper.cancel()
                if getter not in done:
                    getter.cancel()
                    break
                delivery_id, alert = getter.result()
                try:
                    await self.deliver(client, delivery_id, alert)
                except Exception:  # never let one delivery stop the worker
                    log.exception("webhook worker error")

    def stop(self) -> None:
        self._stop.set()
