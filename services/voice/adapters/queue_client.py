"""Tickets for the customer through the queue service's HTTP API (the voice service owns no queue state),
and the expected waits the queue publishes on queue.forecast.v1 (kept per branch in Redis)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx
import redis.asyncio as aioredis

from branchops.contracts.events import QueueForecast
from branchops.state.keys import branch_key

log = logging.getLogger(__name__)
WAITS_TTL_S = 30 * 60


@dataclass(frozen=True)
class IssuedTicket:
    number: str
    service: str
    position: int | None
    priority: str = "normal"
    token: str | None = None  # the phone page's token: the kiosk shows its QR code


class QueueClient:
    def __init__(self, http: httpx.AsyncClient, base_url: str, api_key: str, *, priority: str) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.priority = priority

    async def issue(self, branch_id: str, service: str, *, handoff: bool) -> IssuedTicket | None:
        """A ticket with channel ``voice`` (priority when ``handoff``), or None when the queue cannot answer.

        When the queue's policy refuses the priority for the voice channel (422), the customer still gets
        an ordinary ticket (``priority`` of the result says which one was granted)."""
        wanted = self.priority if handoff else "normal"
        issued = await self._post(branch_id, {"service": service, "channel": "voice", "priority": wanted})
        if issued == 422 and wanted != "normal":
            log.warning("queue refused %s tickets from the voice channel; issuing a normal one", wanted)
            issued = await self._post(branch_id, {"service": service, "channel": "voice", "priority": "normal"})
        return issued if isinstance(issued, IssuedTicket) else None

    async def _post(self, branch_id: str, body: dict[str, str]) -> IssuedTicket | int | None:
        try:
            response = await self.http.post(
                f"{self.base_url}/v1/branches/{branch_id}/tickets", json=body, headers={"X-API-Key": self.api_key}
            )
        except httpx.HTTPError as exc:
            log.warning("queue service unreachable for a voice ticket: %s", type(exc).__name__)
            return None
        if response.status_code != 201:
            log.warning("queue service refused a voice ticket: %s", response.status_code)
            return response.status_code
        data: dict[str, Any] = response.json()
        position = data.get("position")
        return IssuedTicket(
            str(data["number"]),
            str(data.get("service", body["service"])),
            position if isinstance(position, int) else None,
            str(data.get("priority", "normal")),
            str(data["token"]) if data.get("token") else None,
        )


class WaitBoard:
    """Latest expected wait per branch and service, from queue.forecast.v1."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis

    async def record(self, forecast: QueueForecast) -> None:
        key = branch_key("voice", forecast.branch_id, "waits")
        mapping: dict[Any, Any] = {q.service.value: f"{q.est_wait_min:.2f}" for q in forecast.per_service}
        if mapping:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hset(key, mapping=mapping)
                pipe.expire(key, WAITS_TTL_S)
                await pipe.execute()

    async def wait_minutes(self, branch_id: str, service: str) -> float | None:
        raw = await self.redis.hget(branch_key("voice", branch_id, "waits"), service)
        return None if raw is None else float(raw)
