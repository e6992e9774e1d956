"""A bounded log of recent events per branch, for SSE reconnects with ``Last-Event-ID``."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class StreamItem:
    event_id: str
    event_type: str
    branch_id: str
    payload: str  # the CloudEvent JSON as it came from Kafka
    ticket_id: str | None = None  # tickets.v1 only: lets a kiosk's stream keep just its own tickets


class RecentEvents:
    """Keeps the last ``capacity`` items of one branch; ``after(id)`` returns what came since ``id``."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._items: OrderedDict[str, StreamItem] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item: StreamItem) -> bool:
        """Append; False (and nothing changes) when the id is already there."""
        if item.event_id in self._items:
            return False
        self._items[item.event_id] = item
        while len(self._items) > self._capacity:
            self._items.popitem(last=False)
        return True

    def after(self, last_event_id: str | None) -> tuple[list[StreamItem], bool]:
        """(items after ``last_event_id``, complete). Unknown id: everything kept, complete=False."""
        items = list(self._items.values())
        if not last_event_id:
            return [], True
        for index, item in enumerate(items):
            if item.event_id == last_event_id:
                return items[index + 1 :], True
        return items, False
