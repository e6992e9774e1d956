"""Today's figures of a branch from records, so that a gateway restart loses nothing (issue 16 item 5).

The gateway folds the live events into each branch's snapshot, but only those since it started. Records
keeps every event; its daily report of today seeds the snapshot (``BranchState.seed_today``) once per
branch and day: at start for the configured branches, and at a page's first paint for any branch not seeded
yet. Without records the gateway keeps working on what it saw (a failed seed is tried again after
``RETRY_S``, never more often).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Iterable

from branchops.settings import PlatformSettings, Role
from branchops.web import issue_token
from services.gateway.adapters.upstream import Upstreams
from services.gateway.handlers import GatewayHandlers

log = logging.getLogger(__name__)
RETRY_S = 30.0


class TodaySeeder:
    def __init__(
        self,
        handlers: GatewayHandlers,
        upstreams: Upstreams,
        platform: PlatformSettings,
        *,
        timeout_s: float = 3.0,
    ) -> None:
        self.handlers = handlers
        self.upstreams = upstreams
        self.platform = platform
        self.timeout_s = timeout_s
        self._tried: dict[str, float] = {}  # branch -> monotonic time of the last failed attempt
        self._running: dict[str, asyncio.Task[bool]] = {}

    def _headers(self) -> dict[str, str]:
        token = issue_token(self.platform, "gateway", Role.SERVICE, None)
        return {"Authorization": f"Bearer {token}"}

    def needs(self, branch_id: str, now: dt.datetime) -> bool:
        state = self.handlers.state(branch_id)
        today = now.astimezone(state.zone).date().isoformat()
        if state.seeded_day == today:
            return False
        tried = self._tried.get(branch_id)
        return tried is None or time.monotonic() - tried >= RETRY_S

    async def _seed(self, branch_id: str, now: dt.datetime) -> bool:
        state = self.handlers.state(branch_id)
        today = now.astimezone(state.zone).date().isoformat()
        try:
            report = await self.upstreams.fetch_json(
                "records", f"/v1/branches/{branch_id}/reports/daily", self._headers(), params={"date": today}
            )
            seeded = report is not None and state.seed_today(report, now)
        except Exception:  # a malformed report must not break a page: paint what this gateway saw
            log.exception("records' daily report of %s could not be read", branch_id)
            seeded = False
        if not seeded:
            self._tried[branch_id] = time.monotonic()
            log.info("today's figures of %s not read from records (unreachable or no report)", branch_id)
            return False
        self._tried.pop(branch_id, None)
        return True

    async def seed(self, branch_ids: Iterable[str], now: dt.datetime) -> None:
        """Seed the branches not seeded today; waits at most ``timeout_s`` (a slow records: paint without it,
        the seed lands for the next paint)."""
        tasks = []
        for branch in set(branch_ids):
            if not self.needs(branch, now):
                continue
            task = self._running.get(branch)
            if task is None or task.done():
                task = self._running[branch] = asyncio.create_task(self._seed(branch, now))
            tasks.append(task)
        if tasks:
            await asyncio.wait(tasks, timeout=self.timeout_s)
