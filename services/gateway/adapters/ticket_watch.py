"""Which lines changed: the phone page's long poll waits here for a change of its branch and service.

The gateway consumes every tickets.v1 event (handlers.py). A call, cancel, transfer or priority ticket moves
every waiting ticket of that branch's service: the pages waiting on (branch, service) are woken and the
gateway asks the queue again for each. Serving, completed or no-show change only that ticket: only its own
page is woken, on (branch, "#" + number). A change between the page's fetch and its wait is caught by the
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

    def since(self, branch_id: str, key: str, seq: int) -> bool:
        return self._changed.get((branch_id, key), 0) > seq

    async def wait(self, branch_id: str, keys: tuple[str, ...], seq: int, timeout_s: float) -> bool:
        """True when any of ``keys`` (a service, "#" + a number) of the branch changed after ``seq`` (at once if
        one has), False after ``timeout_s``."""
        if any(self.since(branch_id, key, seq) for key in keys):
            return True
        events = []
        for key in keys:
            event = self._events.get((branch_id, key))
            if event is None:
                event = self._events[(branch_id, key)] = asyncio.Event()
            events.append(event)
        waits = [asyncio.ensure_future(event.wait()) for event in events]
        try:
            done, _ = await asyncio.wait(waits, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
        return bool(done)
