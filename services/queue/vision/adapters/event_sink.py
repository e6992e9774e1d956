"""Where the camera side's events go: ``EventSink``; the queue service's is ``OutboxSink`` (its Redis outbox)."""

from __future__ import annotations

from typing import Protocol

from branchops.bus.outbox import Outbox
from branchops.contracts import Topic
from branchops.contracts.base import EventData


class EventSink(Protocol):
    async def emit(self, topic: Topic, data: EventData) -> None: ...


class OutboxSink:
    """Stages each event in the queue service's Redis outbox, so counts survive a Kafka outage; its relay
    publishes them."""

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    async def emit(self, topic: Topic, data: EventData) -> None:
        await self._outbox.add_event(topic, data)
