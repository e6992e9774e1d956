"""Alerts to a webhook (enterprise chat bots and the like), on the platform's signed webhook
(branchops/webhook.py: signature, timestamp and delivery headers, retries with backoff, a bounded queue
that never blocks a consumer).

Body: ``{"type": "branchops.staffing.alerts.v1", "delivery_id", "sent_at", "alert": {...}}``.
"""

from __future__ import annotations

from typing import Any

from branchops.contracts import topics
from branchops.contracts.events import StaffingAlert
from branchops.webhook import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, SignedWebhook, sign, verify

__all__ = ["DELIVERY_HEADER", "SIGNATURE_HEADER", "TIMESTAMP_HEADER", "WebhookSender", "sign", "verify"]


class WebhookSender(SignedWebhook):
    def __init__(
        self, url: str, secret: bytes, *, retries: int, backoff_s: float, queue_size: int, timeout_s: float = 5.0
    ) -> None:
        super().__init__(
            url,
            secret,
            channel="staffing-alerts",
            event_type=topics.STAFFING_ALERTS.event_type,
            key="alert",
            retries=retries,
            backoff_s=backoff_s,
            queue_size=queue_size,
            timeout_s=timeout_s,
        )

    def offer(self, payload: StaffingAlert | dict[str, Any], label: str = "") -> None:
        """Hand an alert over without waiting; dropped (counted) when the queue is full."""
        if isinstance(payload, StaffingAlert):
            super().offer(payload.model_dump(mode="json"), label=f"alert {payload.alert_id}")
        else:
            super().offer(payload, label)
