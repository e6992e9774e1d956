"""Password checks off the event loop: a small thread pool (``hashlib.scrypt`` releases the GIL) with a
bounded number of checks in flight; past that the caller is told the pool is busy instead of queueing."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from services.gateway.domain.passwords import verify_password


class HasherBusy(Exception):
    """Every slot of the pool is taken; try again later."""


class PasswordChecker:
    def __init__(self, workers: int = 2, max_pending: int = 4) -> None:
        self.max_pending = max_pending
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="password")
        self._pending = 0

    @property
    def pending(self) -> int:
        return self._pending

    async def verify(self, password: str, encoded: str | None) -> bool:
        if self._pending >= self.max_pending:
            raise HasherBusy(f"{self._pending} password checks in flight")
        self._pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, verify_password, password, encoded)
        finally:
            self._pending -= 1

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
