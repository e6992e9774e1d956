"""Appointments for the customer through the queue service's HTTP API (service credentials): the free slots
of a day and booking one. The voice service keeps no appointment state."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import httpx

from services.voice.domain.dialogue.booking import FreeSlot

log = logging.getLogger(__name__)
TAKEN_REASONS = frozenset({"slot_full", "outside_hours", "not_a_slot", "in_the_past", "no_plan"})
"""Refusals after which the customer is offered other times (the rest: the booking failed)."""


@dataclass(frozen=True)
class Booked:
    start: str
    code: str
    appointment_id: str


@dataclass(frozen=True)
class Refused:
    reason: str


class AppointmentClient:
    def __init__(self, http: httpx.AsyncClient, base_url: str, api_key: str) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key

    def _url(self, branch_id: str, tail: str = "") -> str:
        return f"{self.base_url}/v1/branches/{branch_id}/appointments{tail}"

    async def slots(self, branch_id: str, service: str, date: dt.date) -> list[FreeSlot] | None:
        """The day's slots with whether a place is free; [] without a plan; None when the queue cannot answer."""
        try:
            response = await self.http.get(
                self._url(branch_id, "/slots"),
                params={"service": service, "date": date.isoformat()},
                headers={"X-API-Key": self.api_key},
            )
        except httpx.HTTPError as exc:
            log.warning("queue service unreachable for appointment slots: %s", type(exc).__name__)
            return None
        if response.status_code != 200:
            log.warning("queue service refused appointment slots: %s", response.status_code)
            return None
        data: dict[str, Any] = response.json()
        return [
            FreeSlot(str(s["start"]), bool(s.get("bookable")))
            for s in data.get("slots") or []
            if isinstance(s, dict) and "start" in s
        ]

    async def book(self, branch_id: str, service: str, date: dt.date, start: str) -> Booked | Refused | None:
        """The booked appointment, the queue's refusal (``slot_full``, ``outside_hours``...) or None when the
        queue cannot answer."""
        body = {"service": service, "date": date.isoformat(), "start": start}
        try:
            response = await self.http.post(self._url(branch_id), json=body, headers={"X-API-Key": self.api_key})
        except httpx.HTTPError as exc:
            log.warning("queue service unreachable for an appointment: %s", type(exc).__name__)
            return None
        data: dict[str, Any] = response.json() if response.content else {}
        if response.status_code == 201:
            return Booked(str(data["start"]), str(data["code"]), str(data["appointment_id"]))
        reason = str(data.get("reason") or response.status_code)
        log.warning("queue service refused an appointment: %s", reason)
        return Refused(reason)
