"""Which lines changed: the phone page's long poll waits here for a change of its branch and service.

The gateway consumes every tickets.v1 event (handlers.py); a call, cancel, no-show, transfer or priority
ticket moves every waiting ticket of that branch's service, so a page waiting on (branch, service) is woken
and the gateway asks the queue again. A change between the page's fetch and its wait is caught by the
sequence number taken before the fetch.
"""

from __future__ import annotations

import asyncio


class TicketWatch:
    def __init__(self) -> None:
        self.seq = 0
        self._changed: dict[tuple[str, str], int] = {}
        self._events: dict[tuple[str, str], asyncio.Event] = {}

    def changed(self, branch_id: str, service: str) -> None:
        self.seq += 1
        key = (branch_id, service)
        self._changed[key] = self.seq
        event = self._events.pop(key, None)
        if event is not None:
            event.set()

    def since(self, branch_id: str, service: str, seq: int) -> bool:
        return self._changed.get((branch_id, service), 0) > seq

    async def wait(self, branch_id: str, service: str, seq: int, timeout_s: float) -> bool:
        """True when (branch, service) changed after ``seq`` (at once if it has), False after ``timeout_s``."""
        if self.since(branch_id, service, seq):
            return True
        key = (branch_id, service)
        event = self._events.get(key)
        if event is None:
            event = self._events[key] = asyncio.Event()
        try:
            await asyncio.wait_for(event.wait(), timeout_s)
        except TimeoutError:
            return False
        return True
