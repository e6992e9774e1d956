"""A branch's whole waiting line from the queue, fetched once per change and shared by every phone page that
change wakes (issue 18 target: 2,000 open pages on one gateway).

A call moves every page of its line at once. Asking the queue for each page's ticket would cost the queue a
full computation of the branch's line per page (its public lookup works out the branch's live view to place
one ticket); ``GET /v1/branches/{b}/queue`` gives every waiting ticket's place and wait range in one answer.
A view counts for a page when it was fetched after the change that woke the page (the watch's sequence
number): concurrent pages share one fetch in flight (single flight), and a fetch that started before the
change is awaited and followed by a fresh one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

Line = dict[tuple[str, str], dict[str, Any]]  # (number, issued_at) -> the queue's ticket view
Fetch = Callable[[str], Awaitable[Line | None]]


class LineViews:
    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch
        self._views: dict[str, tuple[int, Line | None]] = {}
        self._pending: dict[str, tuple[int, asyncio.Future[Line | None]]] = {}

    async def line(self, branch_id: str, fresh_from: int, now_seq: int) -> Line | None:
        """The branch's line as fetched at sequence ``fresh_from`` or later (None: the queue did not answer).
        ``now_seq``: the watch's sequence now (what a fetch started now reflects)."""
        for _ in range(3):
            kept = self._views.get(branch_id)
            if kept is not None and kept[0] >= fresh_from:
                return kept[1]
            pending = self._pending.get(branch_id)
            if pending is None:
                future = asyncio.ensure_future(self._run(branch_id, now_seq))
                pending = self._pending[branch_id] = (now_seq, future)
            with contextlib.suppress(Exception):
                await asyncio.shield(pending[1])
        kept = self._views.get(branch_id)
        return kept[1] if kept is not None and kept[0] >= fresh_from else None

    async def _run(self, branch_id: str, seq: int) -> Line | None:
        try:
            line = await self._fetch(branch_id)
            kept = self._views.get(branch_id)
            if kept is None or kept[0] <= seq:
                self._views[branch_id] = (seq, line)
            return line
        finally:
            self._pending.pop(branch_id, None)


class PageCache:
    """The last answer each page got (by token), with the watch's sequence number it was current at: a page
    asking again with that answer's ETag waits for a change without the gateway asking the queue first, as
    long as nothing of its line or ticket changed since and the answer is younger than ``max_age_s`` (wait
    ranges drift with time). Only tokens the queue answered for are kept; least recently used go first."""

    def __init__(self, max_pages: int = 50_000, max_age_s: float = 60.0) -> None:
        self.max_pages = max_pages
        self.max_age_s = max_age_s
        self._pages: OrderedDict[str, tuple[float, int, dict[str, Any]]] = OrderedDict()

    def get(self, token: str, now: float) -> tuple[int, dict[str, Any]] | None:
        kept = self._pages.get(token)
        if kept is None or now - kept[0] > self.max_age_s:
            return None
        self._pages.move_to_end(token)
        return kept[1], kept[2]

    def put(self, token: str, now: float, seq: int, body: dict[str, Any]) -> None:
        self._pages[token] = (now, seq, body)
        self._pages.move_to_end(token)
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)

    def forget(self, token: str) -> None:
        self._pages.pop(token, None)
