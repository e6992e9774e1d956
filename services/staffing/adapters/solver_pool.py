"""CP-SAT solves in worker processes, never on the event loop; a bounded number may wait."""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

from services.staffing.domain.plan import Plan
from services.staffing.domain.problem import StaffingProblem
from services.staffing.solve import FloorModel, LiveDay, replan_problem, solve_problem

T = TypeVar("T")
GRACE_S = 30.0  # process start-up (imports) on top of the solver's own time limit


class SolverBusy(Exception):
    """More solves are waiting than the service accepts."""


class SolverPool:
    def __init__(self, processes: int, max_pending: int) -> None:
        self._processes = processes
        self._slots = asyncio.Semaphore(processes)  # the timeout starts when a process is free
        self._pending = 0
        self._max_pending = max_pending
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:  # spawn: no fork of a process running an event loop and sockets
            self._executor = ProcessPoolExecutor(self._processes, mp_context=multiprocessing.get_context("spawn"))
        return self._executor

    async def _run(self, job: Callable[[], T], limit_s: float) -> T:
        if self._pending >= self._max_pending:
            raise SolverBusy(f"{self._pending} solves already waiting")
        self._pending += 1
        try:
            async with self._slots:
                future = asyncio.get_running_loop().run_in_executor(self._pool(), job)
                return await asyncio.wait_for(future, limit_s + GRACE_S)
        finally:
            self._pending -= 1

    async def solve(
        self,
        problem: StaffingProblem,
        time_limit_s: float,
        seed: int,
        floor: FloorModel | None = None,
        verify_days: int = 120,
    ) -> Plan:
        """``floor``: verify the roster on the floor (mixed-skill days, :mod:`..domain.verified_day`)."""
        job = functools.partial(
            solve_problem, problem, time_limit_s=time_limit_s, seed=seed, floor=floor, verify_days=verify_days
        )
        return await self._run(job, time_limit_s)

    async def replan(self, problem: StaffingProblem, live: LiveDay, time_limit_s: float, seed: int) -> Plan:
        job = functools.partial(replan_problem, problem, live, time_limit_s=time_limit_s, seed=seed)
        return await self._run(job, time_limit_s)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
