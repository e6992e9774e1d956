"""Customer ratings at a window (pure): what may be rated, and which ticket a window's pad rates.

The pad at a window rates "the ticket just served there": the newest ticket the gateway saw at that
window whose service started or finished, not longer ago than the rating window. A pad may name the
ticket it showed the customer (it does, so a tap never lands on the next customer's ticket); a named
ticket must have been served at this window too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from branchops.contracts.enums import ServiceName
from services.gateway.domain.snapshot import parse_time

SERVED = frozenset({"serving", "completed"})
NOT_YET = frozenset({"issued", "called"})
MAX_TAGS = 6


class RatingTag(StrEnum):
    """Optional reasons; the pad offers the positive ones for 4-5 stars and the negative ones for 1-3."""

    FRIENDLY = "friendly"
    FAST = "fast"
    PROFESSIONAL = "professional"
    CLEAR = "clear"
    LONG_WAIT = "long_wait"
    SLOW_SERVICE = "slow_service"
    UNFRIENDLY = "unfriendly"
    UNCLEAR = "unclear"
    ENVIRONMENT = "environment"


TicketIdText = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,128}$")]


class RateVisit(BaseModel):
    """The pad's one tap: 1-5, optional reasons, and the ticket it showed (else the window's latest)."""

    model_config = ConfigDict(extra="forbid")
    rating: int = Field(ge=1, le=5, description="1 (very unhappy) to 5 (very happy)")
    tags: list[RatingTag] = Field(default_factory=list, max_length=MAX_TAGS)
    ticket_id: TicketIdText | None = Field(None, description="the ticket the pad showed; default: the window's latest")

    @field_validator("tags")
    @classmethod
    def _unique(cls, tags: list[RatingTag]) -> list[RatingTag]:
        if len(set(tags)) != len(tags):
            raise ValueError("each tag at most once")
        return tags


@dataclass(frozen=True)
class Target:
    """The ticket a rating is for."""

    ticket_id: str
    number: str | None
    service: ServiceName
    window_id: str
    staff_id: str | None
    status: str
    at: str | None

    def view(self) -> dict[str, Any]:
        return {
            "ticket_id": self.ticket_id,
            "number": self.number,
            "service": self.service.value,
            "window_id": self.window_id,
            "staff_id": self.staff_id,
            "status": self.status,
            "at": self.at,
        }


class NotRateable(Exception):
    """Why a ticket cannot be rated here (the routes answer 409, or 404 for :class:`NothingToRate`)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NothingToRate(NotRateable):
    """There is no such ticket, or none served at the window recently."""


def target_of(
    ticket: Mapping[str, Any], window_id: str, staff_id: str | None, now: dt.datetime, max_age: dt.timedelta | None
) -> Target:
    """Check that ``ticket`` (as the gateway or the queue service knows it) was served at ``window_id``."""
    ticket_id = str(ticket.get("ticket_id"))
    status = str(ticket.get("status"))
    at_window = ticket.get("window_id")
    if status in NOT_YET:
        raise NotRateable(f"ticket {ticket_id} has not been served yet")
    if status not in SERVED:
        raise NotRateable(f"ticket {ticket_id} was not served (status {status})")
    if at_window != window_id:
        raise NotRateable(f"ticket {ticket_id} was served at window {at_window}, not {window_id}")
    when = parse_time(ticket.get("at"))
    if max_age is not None and when is not None and now - when > max_age:
        raise NotRateable(f"ticket {ticket_id} was served too long ago to be rated")
    try:
        service = ServiceName(str(ticket.get("service")))
    except ValueError:
        raise NotRateable(f"ticket {ticket_id} has no known service") from None
    return Target(ticket_id, ticket.get("number"), service, window_id, staff_id, status, ticket.get("at"))


def latest_served(
    tickets: Iterable[Mapping[str, Any]], window_id: str, staff_id: str | None, now: dt.datetime, max_age: dt.timedelta
) -> Target:
    """The newest ticket served at ``window_id`` (``tickets`` oldest first, as the snapshot keeps them).

    The next customer being called does not hide it: its customer may still be at the pad."""
    for ticket in reversed(list(tickets)):
        if ticket.get("window_id") == window_id and ticket.get("status") in SERVED:
            return target_of(ticket, window_id, staff_id, now, max_age)
    raise NothingToRate(f"no ticket served at window {window_id} recently")
