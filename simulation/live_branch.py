"""A simulated branch driven into a running stack: ``branchops simulate --branch B --speed 60``.

The day of :mod:`simulation.branch_day` (non-stationary Poisson arrivals, service times, windows
opening and closing per a plan, abandonment, no-shows, elderly customers) played in real time, sped
up ``speed`` times, through the queue service's HTTP API: customers take tickets and give up,
tellers open and close their windows, call next, start, complete or mark a no-show. Synthetic
cameras count the people in the hall (waiting customers and those about to take a ticket) and stage
footfall.v1 in the queue service's Redis outbox, as its camera pipeline does; without a Redis URL
the cameras stay off. At ``speed`` 60 a six-minute service lasts six seconds. Under ``branchops up`` the
services and this simulator share the platform clock (:mod:`branchops.clock`), started at the branch's
opening: minute 0 of the day is that opening, and the events' times are the branch's simulated times.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from branchops.clock import platform_clock
from branchops.contracts.enums import ServiceName
from branchops.contracts.events import Footfall
from simulation.branch_day import ServiceSpec, WindowPlan, arrival_times, service_time
from simulation.cameras import footfall

GENERAL = (
    5,
    6,
    7,
    8,
    8,
    9,
    9,
    10,
    10,
    11,
    12,
    14,
    16,
    17,
    17,
    16,
    15,
    13,
    12,
    10,
    9,
    8,
    8,
    8,
    8,
    8,
    9,
    9,
    10,
    10,
    9,
    7,
)
POLL_MIN = 0.25  # an idle teller tries again after this many simulated minutes
CAMERA_MIN = 1.0  # one footfall count per camera and simulated minute
Cameras = Callable[[Footfall], Awaitable[None]]
"""Where the synthetic cameras' counts go (``OutboxCameras``, or a test's list)."""


def demo_day(scale: float = 1.0) -> tuple[dict[ServiceName, ServiceSpec], tuple[WindowPlan, ...]]:
    """Eight hours: general and cash lines (the bench's reference day), one window serving both."""
    general = ServiceSpec(tuple(a * scale for a in GENERAL), 6.0, patience_min=25.0)
    cash = ServiceSpec(tuple(a * 0.6 * scale for a in GENERAL), 4.0, cv=0.6, patience_min=20.0)
    g, c, both = (ServiceName.GENERAL,), (ServiceName.CASH,), (ServiceName.CASH, ServiceName.GENERAL)
    windows = (
        WindowPlan("g1", g, ((0.0, 480.0),)),
        WindowPlan("g2", g, ((0.0, 240.0), (270.0, 480.0))),
        WindowPlan("g3", g, ((60.0, 330.0),)),
        WindowPlan("g4", g, ((150.0, 270.0),)),
        WindowPlan("c1", c, ((0.0, 480.0),)),
        WindowPlan("c2", c, ((165.0, 255.0),)),
        WindowPlan("m1", both, ((30.0, 450.0),)),
    )
    return {ServiceName.GENERAL: general, ServiceName.CASH: cash}, windows


@dataclass
class Counts:
    issued: int = 0
    called: int = 0
    completed: int = 0
    no_show: int = 0
    abandoned: int = 0
    footfall: int = 0
    failed: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        return (
            f"issued {self.issued}, called {self.called}, completed {self.completed}, no-show {self.no_show}, "
            f"abandoned {self.abandoned}, footfall {self.footfall}, failed {self.failed}"
        )


class LiveBranch:
    def __init__(
        self,
        client: httpx.AsyncClient,
        branch: str,
        speed: float,
        *,
        seed: int | None = None,
        scale: float = 1.0,
        minutes: float | None = None,
        cameras: Cameras | None = None,
        priority_share: float = 0.05,
        no_show_share: float = 0.03,
    ) -> None:
        if speed <= 0 or scale <= 0:
            raise ValueError("speed and scale must be positive")
        self.client, self.branch, self.speed = client, branch, speed
        self.rng = random.Random(seed)
        self.services, self.plans = demo_day(scale)
        self.length = min(minutes or 480.0, 480.0)
        self.cameras = cameras
        self.priority_share, self.no_show_share = priority_share, no_show_share
        self.counts = Counts()
        self.waiting: set[str] = set()
        self._t0 = 0.0
        self._stop = asyncio.Event()

    # --- time ----------------------------------------------------------------------------------
    def minute(self) -> float:
        return (asyncio.get_running_loop().time() - self._t0) * self.speed / 60.0

    async def _until(self, minute: float) -> bool:
        """Sleep until simulated ``minute``; False when the day is over or stopped."""
        delay = (minute - self.minute()) * 60.0 / self.speed
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)
        return not self._stop.is_set() and minute < self.length

    # --- HTTP ----------------------------------------------------------------------------------
    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response | None:
        try:
            response = await self.client.request(method, f"/v1/branches/{self.branch}{path}", json=body)
        except httpx.HTTPError as exc:
            self._fail(type(exc).__name__)
            return None
        if response.status_code >= 500 or response.status_code in (401, 403):
            self._fail(str(response.status_code))
        return response

    def _fail(self, reason: str) -> None:
        self.counts.failed += 1
        self.counts.errors[reason] = self.counts.errors.get(reason, 0) + 1

    # --- actors --------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event | None = None, report_s: float = 10.0) -> Counts:
        self._t0 = asyncio.get_running_loop().time()
        clock = platform_clock()
        if clock.start is not None:  # the run's shared clock (branchops up): its start is the branch opening
            elapsed_s = max((clock.now() - clock.start).total_seconds(), 0.0)
            self._t0 -= elapsed_s / self.speed
        tasks = [asyncio.create_task(self._customers(s, spec)) for s, spec in self.services.items()]
        tasks += [asyncio.create_task(self._teller(plan)) for plan in self.plans]
        if self.cameras is not None:
            tasks.append(asyncio.create_task(self._camera(self.cameras)))
        watcher = asyncio.create_task(self._watch(stop, report_s))
        try:
            await asyncio.gather(*tasks)
        finally:
            self._stop.set()
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        return self.counts

    async def _watch(self, stop: asyncio.Event | None, report_s: float) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait() if stop else asyncio.sleep(report_s), report_s)
            if stop is not None and stop.is_set():
                self._stop.set()
            print(f"[{self.branch} {self.minute():6.1f} min] {self.counts.line()}", flush=True)
            if self.minute() >= self.length:
                self._stop.set()

    async def _customers(self, service: ServiceName, spec: ServiceSpec) -> None:
        leaving: list[asyncio.Task[None]] = []
        for minute, _ in arrival_times(spec, self.rng):
            if not await self._until(minute):
                break
            elderly = self.rng.random() < self.priority_share
            body = {"service": service.value, "channel": "kiosk", "priority": "elderly" if elderly else "normal"}
            response = await self._call("POST", "/tickets", body)
            if response is None or response.status_code != 201:
                continue
            ticket_id = str(response.json()["ticket_id"])
            self.counts.issued += 1
            self.waiting.add(ticket_id)
            if spec.patience_min:
                patience = self.rng.expovariate(1 / spec.patience_min)
                leaving.append(asyncio.create_task(self._patience(ticket_id, patience)))
        await asyncio.gather(*leaving, return_exceptions=True)

    async def _patience(self, ticket_id: str, patience_min: float) -> None:
        if await self._until(self.minute() + patience_min) and ticket_id in self.waiting:
            response = await self._call("POST", f"/tickets/{ticket_id}/abandon")
            if response is not None and response.status_code == 200:
                self.waiting.discard(ticket_id)
                self.counts.abandoned += 1

    async def _teller(self, plan: WindowPlan) -> None:
        skills = [s.value for s in plan.skills]
        for start, end in plan.open_periods:
            if not await self._until(start):
                break
            await self._call("PUT", f"/windows/{plan.window_id}", {"state": "open", "skills": skills})
            while self.minute() < min(end, self.length) and not self._stop.is_set():
                response = await self._call("POST", f"/windows/{plan.window_id}/call-next")
                if response is None or response.status_code != 200:
                    await self._until(self.minute() + POLL_MIN)
                    continue
                await self._serve(plan, str(response.json()["ticket_id"]))
            await self._call("PUT", f"/windows/{plan.window_id}", {"state": "closed", "skills": skills})

    async def _serve(self, plan: WindowPlan, ticket_id: str) -> None:
        """The customer at the window: served to the end even when the window's period is over."""
        self.waiting.discard(ticket_id)
        self.counts.called += 1
        service = ServiceName((await self._ticket(ticket_id)).get("service", plan.skills[0].value))
        if self.rng.random() < self.no_show_share:
            await asyncio.sleep((0.5 + self.rng.random()) * 60.0 / self.speed)
            if await self._ok("POST", f"/tickets/{ticket_id}/no-show"):
                self.counts.no_show += 1
            return
        await self._ok("POST", f"/tickets/{ticket_id}/start")
        await asyncio.sleep(service_time(self.rng, self.services[service]) * 60.0 / self.speed)
        if await self._ok("POST", f"/tickets/{ticket_id}/complete"):
            self.counts.completed += 1

    async def _ticket(self, ticket_id: str) -> dict[str, Any]:
        response = await self._call("GET", f"/tickets/{ticket_id}")
        return dict(response.json()) if response is not None and response.status_code == 200 else {}

    async def _ok(self, method: str, path: str) -> bool:
        response = await self._call(method, path)
        return response is not None and response.status_code == 200

    async def _camera(self, cameras: Cameras) -> None:
        minute, came, left = 0.0, 0, 0
        while await self._until(minute + CAMERA_MIN):
            minute = self.minute()
            inside = len(self.waiting) + self.rng.randint(0, 3)  # waiting, plus people not yet at the kiosk
            gone = self.counts.completed + self.counts.no_show + self.counts.abandoned
            clock = platform_clock()
            now = clock.now()
            event = footfall(
                self.branch,
                now - dt.timedelta(seconds=CAMERA_MIN * 60.0 / self.speed * clock.rate),
                now,
                entered=max(self.counts.issued - came, 0),
                exited=max(gone - left, 0),
                people=inside,
            )
            came, left = self.counts.issued, gone
            try:
                await cameras(event)
                self.counts.footfall += 1
            except Exception as exc:  # Redis away: the cameras pause, customers go on
                self._fail(f"camera {type(exc).__name__}")
