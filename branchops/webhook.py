"""Signed webhooks, retried, never blocking the caller: the platform's outbound notification channel.

Body: ``{"type", "delivery_id", "sent_at", <key>: {...}}``. Headers: ``X-BranchOps-Signature:
sha256=<hex HMAC-SHA256 of the raw body>``, ``X-BranchOps-Timestamp`` (Unix seconds, also inside the
signed body as ``sent_at``, so a receiver refuses old or replayed deliveries) and ``X-BranchOps-Delivery``
(one id per message, the same on every retry, for dedup). A bounded queue feeds one worker; a full queue
drops the message (counted, logged); a delivery that keeps failing is given up after the retries
(counted, logged). 5xx, 408, 429 and network errors are retried with doubling backoff; other 4xx are not.
Staffing sends its alerts this way, the queue its customer notices (an SMS or WeChat gateway of the bank
receives them).
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

log = logging.getLogger(__name__)
DELIVERIES = Counter("branchops_webhook_deliveries_total", "Webhook deliveries", ["channel", "outcome"])
FAILURES = Counter("branchops_webhook_failures_total", "Failed webhook attempts", ["channel", "reason"])
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


class SignedWebhook:
    """``channel`` names the sender in metrics and logs; ``key`` is the body's field holding the payload."""

    def __init__(
        self,
        url: str,
        secret: bytes,
        *,
        channel: str,
        event_type: str,
        key: str,
        retries: int,
        backoff_s: float,
        queue_size: int,
        timeout_s: float = 5.0,
    ) -> None:
        self.url = url
        self.channel = channel
        self.event_type = event_type
        self.key = key
        self._secret = secret
        self._retries = retries
        self._backoff_s = backoff_s
        self._timeout_s = timeout_s
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue(queue_size)
        self._stop = asyncio.Event()

    def offer(self, payload: dict[str, Any], label: str = "") -> None:
        """Hand a message over without waiting; dropped (counted) when the queue is full. ``label``: what the
        logs may say of it (never personal data)."""
        try:
            self._queue.put_nowait((uuid.uuid4().hex, payload))
        except asyncio.QueueFull:
            FAILURES.labels(self.channel, "queue_full").inc()
            DELIVERIES.labels(self.channel, "dropped").inc()
            log.error("%s webhook queue full: %s dropped", self.channel, label or "a message")

    def body(self, delivery_id: str, payload: dict[str, Any], sent_at: int) -> bytes:
        return json.dumps(
            {"type": self.event_type, "delivery_id": delivery_id, "sent_at": sent_at, self.key: payload},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()

    async def _attempt(self, client: httpx.AsyncClient, delivery_id: str, payload: dict[str, Any]) -> str:
        sent_at = int(time.time())
        body = self.body(delivery_id, payload, sent_at)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self._secret, body),
            TIMESTAMP_HEADER: str(sent_at),
            DELIVERY_HEADER: delivery_id,
        }
        try:
            response = await client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            FAILURES.labels(self.channel, "network").inc()
            log.warning("%s webhook delivery %s failed: %s", self.channel, delivery_id, type(exc).__name__)
            return "retry"
        if response.is_success:
            return "delivered"
        FAILURES.labels(self.channel, f"http_{response.status_code // 100}xx").inc()
        log.warning("%s webhook delivery %s answered %d", self.channel, delivery_id, response.status_code)
        return "retry" if _retryable(response.status_code) else "rejected"

    async def deliver(self, client: httpx.AsyncClient, delivery_id: str, payload: dict[str, Any]) -> str:
        delay = self._backoff_s
        for attempt in range(self._retries + 1):
            outcome = await self._attempt(client, delivery_id, payload)
            if outcome != "retry":
                break
            if attempt == self._retries or self._stop.is_set():
                outcome = "given_up"
                break
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_S)
        DELIVERIES.labels(self.channel, outcome).inc()
        if outcome != "delivered":
            log.error("%s webhook delivery %s %s", self.channel, delivery_id, outcome)
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
                delivery_id, payload = getter.result()
                try:
                    await self.deliver(client, delivery_id, payload)
                except Exception:  # never let one delivery stop the worker
                    log.exception("%s webhook worker error", self.channel)

    def stop(self) -> None:
        self._stop.set()
