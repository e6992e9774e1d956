"""Which events a stream subscriber may see, by role (pure)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from branchops.contracts import topics
from branchops.settings import Role
from services.gateway.domain.replay import StreamItem

StreamFilter = Callable[[StreamItem], bool]
# A kiosk stands in the public hall: it sees the aggregate queue state and its own tickets, nothing else.
KIOSK_AGGREGATES = frozenset({topics.QUEUE_FORECAST.event_type})
MAX_KIOSK_TICKETS = 20


@dataclass(frozen=True)
class KioskFilter:
    tickets: frozenset[str]

    def __call__(self, item: StreamItem) -> bool:
        if item.event_type == topics.TICKETS.event_type:
            return item.ticket_id is not None and item.ticket_id in self.tickets
        return item.event_type in KIOSK_AGGREGATES


DISPLAY_TOPICS = frozenset({topics.TICKETS.event_type, topics.QUEUE_FORECAST.event_type})


@dataclass(frozen=True)
class DisplayFilter:
    """A calling display in the hall: every ticket's number, status and window, and the queue's aggregates."""

    def __call__(self, item: StreamItem) -> bool:
        return item.event_type in DISPLAY_TOPICS


@dataclass(frozen=True)
class TypeFilter:
    types: frozenset[str]

    def __call__(self, item: StreamItem) -> bool:
        return not self.types or item.event_type in self.types


def stream_filter(
    role: Role, *, tickets: frozenset[str] = frozenset(), types: frozenset[str] = frozenset(), display: bool = False
) -> StreamFilter:
    if role is Role.KIOSK and display:
        return DisplayFilter()
    if role is Role.KIOSK:
        return KioskFilter(tickets)
    return TypeFilter(types)


def parse_types(raw: str | None) -> frozenset[str]:
    """``?types=tickets.v1,staffing.alerts.v1`` (short or full names); unknown names are a ValueError."""
    if not raw:
        return frozenset()
    known = {t.short: t.event_type for t in topics.ALL_TOPICS} | {t.event_type: t.event_type for t in topics.ALL_TOPICS}
    chosen = set()
    for name in (n.strip() for n in raw.split(",") if n.strip()):
        if name not in known:
            raise ValueError(f"unknown event type {name!r}")
        chosen.add(known[name])
    return frozenset(chosen)
