"""Tickets for the customer through the queue service's HTTP API (the voice service owns no queue state),
and the expected waits the queue publishes on queue.forecast.v1 (kept per branch in Redis)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import httpx
import redis.asyncio as aioredis

from branchops.contracts.events import QueueForecast
from branchops.state.keys import branch_key
from services.voice.domain.dialogue.booking import TicketState

log = logging.getLogger(__name__)
WAITS_TTL_S = 30 * 60


@dataclass(frozen=True)
class IssuedTicket:
    number: str
    service: str
    position: int | None
    priority: str = "normal"
    token: str | None = None  # the phone page's token: the kiosk shows its QR code
    ticket_id: str | None = None
    has_form: bool = False  # the queue took the prepared form


class QueueClient:
    def __init__(self, http: httpx.AsyncClient, base_url: str, api_key: str, *, priority: str) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.priority = priority

    async def issue(
        self, branch_id: str, service: str, *, handoff: bool, form: dict[str, object] | None = None
    ) -> IssuedTicket | None:
        """A ticket with channel ``voice`` (priority when ``handoff``) carrying the prepared ``form``, or None
        when the queue cannot answer.

        When the queue's policy refuses the priority for the voice channel (422), the customer still gets
        an ordinary ticket (``priority`` of the result says which one was granted); when it refuses the form
        (422 again), a ticket without it (the teller asks: the customer is never left without a number)."""
        wanted = self.priority if handoff else "normal"
        body: dict[str, object] = {"service": service, "channel": "voice", "priority": wanted}
        if form is not None:
            body["form"] = form
        issued = await self._post(branch_id, body)
        if issued == 422 and wanted != "normal":
            log.warning("queue refused %s tickets from the voice channel; issuing a normal one", wanted)
            body["priority"] = "normal"
            issued = await self._post(branch_id, body)
        if issued == 422 and form is not None:
            log.warning("queue refused the prepared form of a %s ticket; issuing it without", service)
            body.pop("form")
            issued = await self._post(branch_id, body)
        return issued if isinstance(issued, IssuedTicket) else None

    async def status(self, branch_id: str, ticket_id: str) -> TicketState | None:
        """The ticket's number, status, place in line and wait range; None when the queue does not know it.
        Raises :class:`QueueUnavailable` when the queue cannot answer."""
        data = await self._get(f"/v1/branches/{branch_id}/tickets/{ticket_id}")
        return None if data is None else _ticket_state(data)

    async def find(self, branch_id: str, number: str) -> TicketState | None:
        """Today's ticket with ``number`` (what a customer reads from the slip) while it waits or is at a
        window; None otherwise. Raises :class:`QueueUnavailable` when the queue cannot answer."""
        data = await self._get(f"/v1/branches/{branch_id}/queue") or {}
        wanted = number.upper()
        waiting = data.get("waiting") or []
        found = [t for t in waiting if isinstance(t, dict) and str(t.get("number", "")).upper() == wanted]
        if found:
            return _ticket_state(found[-1])
        at_windows = [w["ticket_id"] for w in data.get("windows") or [] if isinstance(w, dict) and w.get("ticket_id")]
        tickets = await asyncio.gather(*(self._get(f"/v1/branches/{branch_id}/tickets/{t}") for t in at_windows))
        called = [t for t in tickets if t and str(t.get("number", "")).upper() == wanted]
        return _ticket_state(called[0]) if called else None  # called: the customer is told the window

    async def _get(self, path: str) -> dict[str, Any] | None:
        try:
            response = await self.http.get(f"{self.base_url}{path}", headers={"X-API-Key": self.api_key})
        except httpx.HTTPError as exc:
            raise QueueUnavailable(type(exc).__name__) from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise QueueUnavailable(f"queue answered {response.status_code}")
        data: dict[str, Any] = response.json()
        return data

    async def _post(self, branch_id: str, body: dict[str, object]) -> IssuedTicket | int | None:
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
            str(data["ticket_id"]) if data.get("ticket_id") else None,
            bool(data.get("form")),
        )


class QueueUnavailable(Exception):
    """The queue service could not be reached or did not answer as it should."""


def _ticket_state(data: dict[str, Any]) -> TicketState:
    wait = data.get("wait") if isinstance(data.get("wait"), dict) else None
    position = data.get("position")
    return TicketState(
        number=str(data.get("number", "")),
        status=str(data.get("status", "")),
        position=position if isinstance(position, int) else None,
        wait_low_min=int(wait["low_min"]) if wait and isinstance(wait.get("low_min"), int) else None,
        wait_high_min=int(wait["high_min"]) if wait and isinstance(wait.get("high_min"), int) else None,
        window_id=str(data["window_id"]) if data.get("window_id") else None,
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
