"""The queue service's booked appointments of a day (``GET /v1/branches/{b}/appointments/expected``), for the
day's plan: the morning plan covers the booked slots. Called with a short service JWT minted from the platform
key; a queue that does not answer gives None (the day is planned from the history forecast alone, logged)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import httpx

from branchops.settings import PlatformSettings, Role
from branchops.web import issue_token
from services.staffing.domain.history import BookedSlots

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DayAppointments:
    slots: BookedSlots
    show_share: float


class QueueAppointments:
    def __init__(self, http: httpx.AsyncClient, base_url: str, platform: PlatformSettings) -> None:
        self.http = http
        self.base = base_url.rstrip("/")
        self.platform = platform

    async def of_day(self, branch_id: str, day: dt.date) -> DayAppointments | None:
        token = issue_token(self.platform, "staffing-day-planner", Role.SERVICE, None)
        try:
            got = await self.http.get(
                f"{self.base}/v1/branches/{branch_id}/appointments/expected",
                params={"date": day.isoformat()},
                headers={"Authorization": f"Bearer {token}"},
            )
        except httpx.HTTPError as exc:
            log.warning("appointments of %s on %s not read: %s", branch_id, day, type(exc).__name__)
            return None
        if got.status_code != 200:
            log.warning("appointments of %s on %s not read: HTTP %d", branch_id, day, got.status_code)
            return None
        return parse_expected(got.json())


def parse_expected(body: Any) -> DayAppointments | None:
    try:
        slots = {(str(s["service"]), str(s["start"])): (int(s["booked"]), int(s["checked_in"])) for s in body["slots"]}
        share = float(body["show_share"])
    except (KeyError, TypeError, ValueError):
        log.warning("the queue's appointments answer is not understood")
        return None
    return DayAppointments(slots, min(max(share, 0.0), 1.0))
