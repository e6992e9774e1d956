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
from branchops.contracts.enums import CameraState, ServiceName
from branchops.contracts.events import CameraStatus, Footfall, Occupancy
from services.queue.vision.domain.occupancy import HourGrid, OccupancyGrid
from simulation.branch_day import SLOT_MIN, ServiceSpec, WindowPlan, arrival_times, service_time
from simulation.cameras import CAMERA, GRID_COLS, GRID_ROWS, HallLayout, footfall, occupancy_event
from simulation.floor import Orders, Seat, seats_from_plan, seats_from_windows

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
LIVE_GRID_MIN = 5  # the hall camera's hour so far (occupancy.v1 in_progress) every this many camera minutes
STAFFING_POLL_S = 2.0  # real seconds between two looks at staffing's plan and alerts
Cameras = Callable[[Footfall], Awaitable[None]]
"""Where the synthetic cameras' counts go (``OutboxCameras``, or a test's list)."""
CameraStatuses = Callable[[CameraStatus], Awaitable[None]]
"""Where the synthetic cameras' health goes (``OutboxCameras.status``, or a test's list)."""
OccupancyGrids = Callable[[Occupancy], Awaitable[None]]
"""Where the hall camera's hourly occupancy grids go (``OutboxCameras.occupancy``, or a test's list)."""


@dataclass(frozen=True)
class Surprises:
    """What makes the simulated day differ from the usual one (and the plan made from history)."""

    surge: tuple[float, float, float] | None = None  # (from minute, to minute, arrivals multiplier)
    late: tuple[tuple[str, float], ...] = ()  # (teller, minutes late): away from the opening until then
    camera_down_at: float | None = None  # the hall camera stops (camera_status.v1 down) at this minute
    camera_down_max_min: float = 60.0  # and is fixed this long after, or once its alert is acted on

    def away(self, minute: float) -> set[str]:
        return {staff for staff, until in self.late if minute < until}


LIVE_SURPRISES = Surprises(
    surge=(150.0, 240.0, 1.3), late=(("t02", 75.0),), camera_down_at=20.0, camera_down_max_min=60.0
)
"""``branchops simulate``'s day: the hall camera fails at 09:20, a teller comes 75 minutes late, lunch
(11:30-13:00) brings 30% more customers than usual: the alerts have something to say early."""


def _surged(spec: ServiceSpec, surge: tuple[float, float, float] | None) -> ServiceSpec:
    if surge is None:
        return spec
    start, end, factor = surge
    arrivals = tuple(a * factor if start <= i * SLOT_MIN < end else a for i, a in enumerate(spec.arrivals))
    return ServiceSpec(arrivals, spec.aht_min, spec.cv, spec.patience_min)


def demo_day(scale: float = 1.0) -> tuple[dict[ServiceName, ServiceSpec], tuple[WindowPlan, ...]]:
    """Eight hours: general and cash lines (the bench's reference day) and twelve windows (g1-g7 general,
    c1-c3 cash, m1-m2 both), sized so the lunch peak (about 7 general and 4 cash windows) can be staffed.

    The windows' open periods are a manager's fixed day (what the history was played with, and what the
    tellers do when no staffing plan is known); under ``branchops up`` the tellers follow staffing's plan."""
    general = ServiceSpec(tuple(a * scale for a in GENERAL), 6.0, patience_min=25.0)
    cash = ServiceSpec(tuple(a * 0.6 * scale for a in GENERAL), 4.0, cv=0.6, patience_min=20.0)
    g, c, both = (ServiceName.GENERAL,), (ServiceName.CASH,), (ServiceName.CASH, ServiceName.GENERAL)
    windows = (
        WindowPlan("g1", g, ((0.0, 480.0),)),
        WindowPlan("g2", g, ((0.0, 240.0), (270.0, 480.0))),
        WindowPlan("g3", g, ((0.0, 180.0), (240.0, 480.0))),
        WindowPlan("g4", g, ((60.0, 330.0),)),
        WindowPlan("g5", g, ((90.0, 390.0),)),
        WindowPlan("g6", g, ((120.0, 300.0),)),
        WindowPlan("g7", g, ((150.0, 270.0),)),
        WindowPlan("c1", c, ((0.0, 480.0),)),
        WindowPlan("c2", c, ((105.0, 345.0),)),
        WindowPlan("c3", c, ((165.0, 255.0),)),
        WindowPlan("m1", both, ((30.0, 450.0),)),
        WindowPlan("m2", both, ((120.0, 360.0),)),
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
        staffing: httpx.AsyncClient | None = None,
        camera_status: CameraStatuses | None = None,
        surprises: Surprises | None = None,
        occupancy: OccupancyGrids | None = None,
    ) -> None:
        """``staffing``: a client of the staffing service (its base URL and key): the tellers follow its plan
        and act on the alerts a manager acknowledged; without it (or while it has no plan) they keep the
        manager's fixed day of :func:`demo_day`."""
        if speed <= 0 or scale <= 0:
            raise ValueError("speed and scale must be positive")
        self.client, self.branch, self.speed = client, branch, speed
        self.rng = random.Random(seed)
        self.surprises = surprises or Surprises()
        services, self.plans = demo_day(scale)
        self.services = {name: _surged(spec, self.surprises.surge) for name, spec in services.items()}
        self.length = min(minutes or 480.0, 480.0)
        self.cameras = cameras
        self.camera_status = camera_status
        self.occupancy = occupancy
        self.hall = HallLayout(len(self.plans))
        self.staffing = staffing
        self.plan: dict[str, Any] | None = None
        self.orders = Orders()
        self.seats: dict[str, Seat] = {}
        self.camera_up = True
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
        self.seats = self._seats()
        tasks += [asyncio.create_task(self._window(plan)) for plan in self.plans]
        tasks.append(asyncio.create_task(self._floor()))
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

    # --- the floor: who sits where ---------------------------------------------------------------
    def _seats(self) -> dict[str, Seat]:
        minute, away = self.minute(), self.surprises.away(self.minute())
        if self.plan is not None:
            return seats_from_plan(self.plan, minute, self.plans, absent=away, orders=self.orders)
        return seats_from_windows(self.plans, minute, absent=away)

    async def _floor(self) -> None:
        """Every simulated half minute: who should sit where; every ``STAFFING_POLL_S``: staffing's news."""
        loop = asyncio.get_running_loop()
        next_poll = 0.0
        while await self._until(self.minute() + 0.5):
            if self.staffing is not None and loop.time() >= next_poll:
                next_poll = loop.time() + STAFFING_POLL_S
                await self._poll_staffing()
            self.seats = self._seats()

    async def _poll_staffing(self) -> None:
        assert self.staffing is not None
        path = f"/v1/branches/{self.branch}"
        try:
            plan = await self.staffing.get(f"{path}/plan")
            alerts = await self.staffing.get(f"{path}/alerts", params={"include_acknowledged": "true"})
        except httpx.HTTPError as exc:
            self._fail(f"staffing {type(exc).__name__}")
            return
        if plan.status_code == 200:
            if self.plan is None or plan.json().get("version") != self.plan.get("version"):
                print(f"[{self.branch} {self.minute():6.1f} min] following plan version {plan.json().get('version')}")
            self.plan = plan.json()
        if alerts.status_code == 200:
            for alert_id in self.orders.learn(alerts.json().get("alerts", []), self.minute(), self.rng):
                print(f"[{self.branch} {self.minute():6.1f} min] acknowledged alert {alert_id}: acting on it soon")

    async def _window(self, plan: WindowPlan) -> None:
        """One window: opened by whoever the floor seats there, serving until they are told to leave."""
        at: str | None = None  # staff at the window when open
        is_open = False
        while self.minute() < self.length and not self._stop.is_set():
            seat = self.seats.get(plan.window_id)
            if is_open and (seat is None or seat.staff_id != at):
                await self._put_window(plan, None, False)
                is_open, at = False, None
            if seat is not None and not is_open:
                await self._put_window(plan, seat.staff_id, True)
                is_open, at = True, seat.staff_id
            if not is_open:
                await self._until(self.minute() + POLL_MIN)
                continue
            response = await self._call("POST", f"/windows/{plan.window_id}/call-next")
            if response is None or response.status_code != 200:
                await self._until(self.minute() + POLL_MIN)
                continue
            await self._serve(plan, str(response.json()["ticket_id"]))
        if is_open:
            await self._put_window(plan, None, False)

    async def _put_window(self, plan: WindowPlan, staff_id: str | None, open_: bool) -> None:
        body: dict[str, Any] = {"state": "open" if open_ else "closed", "skills": [s.value for s in plan.skills]}
        if staff_id is not None:
            body["staff_id"] = staff_id
        await self._call("PUT", f"/windows/{plan.window_id}", body)

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

    def _camera_should_be_up(self, minute: float) -> bool:
        down_at = self.surprises.camera_down_at
        if down_at is None or minute < down_at:
            return True
        fixed = self.orders.camera_fixed_at()
        return minute >= down_at + self.surprises.camera_down_max_min or (fixed is not None and minute >= fixed)

    async def _camera_health(self, up: bool) -> None:
        self.camera_up = up
        if self.camera_status is None:
            return
        state = CameraState.UP if up else CameraState.DOWN
        error = None if up else "no frames from the hall camera (simulated failure)"
        event = CameraStatus(
            branch_id=self.branch,
            at=platform_clock().now(),
            camera_id=CAMERA,
            state=state,
            fps=5.0 if up else 0.0,
            error=error,
        )
        try:
            await self.camera_status(event)
            print(f"[{self.branch} {self.minute():6.1f} min] hall camera {'back' if up else 'down'}", flush=True)
        except Exception as exc:
            self._fail(f"camera {type(exc).__name__}")

    async def _camera(self, cameras: Cameras) -> None:
        clock = platform_clock()
        tick_s = CAMERA_MIN * 60.0 / self.speed * clock.rate  # a camera minute on the platform clock
        grid = OccupancyGrid(GRID_COLS, GRID_ROWS, max_gap_s=1.5 * tick_s)
        try:
            await self._camera_loop(cameras, grid)
        finally:
            last = grid.flush(clock.now().timestamp())  # the hour in progress when the day or the run ends
            if last is not None:
                await self._grid(last)

    async def _grid(self, closed: HourGrid, *, in_progress: bool = False) -> None:
        if self.occupancy is None:
            return
        try:
            now = platform_clock().now()
            await self.occupancy(occupancy_event(self.branch, closed, now, in_progress=in_progress))
        except Exception as exc:  # Redis away: this hour's grid is lost, the day goes on
            self._fail(f"occupancy {type(exc).__name__}")

    def _hall_feet(self, inside: int, entering: int) -> list[tuple[float, float]]:
        """Where the hall camera sees the people's feet now: waiting, at the kiosk, coming in, at windows."""
        serving = max(self.counts.called - self.counts.completed - self.counts.no_show, 0)
        windows = sorted(self.seats)
        served_at = [self.plans.index(p) for p in self.plans if p.window_id in windows][:serving]
        return self.hall.feet(
            self.rng,
            waiting=len(self.waiting),
            at_kiosk=max(inside - len(self.waiting), 0),
            entering=min(entering, 3),
            served_at=served_at,
        )

    async def _camera_loop(self, cameras: Cameras, grid: OccupancyGrid) -> None:
        minute, came, left, ticks = 0.0, 0, 0, 0
        while await self._until(minute + CAMERA_MIN):
            minute = self.minute()
            up = self._camera_should_be_up(minute)
            if up != self.camera_up:
                await self._camera_health(up)
            if not up:
                grid.pause()
                continue  # no frames, no counts
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
            feet = self._hall_feet(inside, event.entered)
            came, left = self.counts.issued, gone
            try:
                await cameras(event)
                self.counts.footfall += 1
            except Exception as exc:  # Redis away: the cameras pause, customers go on
                self._fail(f"camera {type(exc).__name__}")
            for closed in grid.add(now.timestamp(), feet):
                await self._grid(closed)
            ticks += 1
            if ticks % LIVE_GRID_MIN == 0 and (so_far := grid.so_far(now.timestamp())) is not None:
                await self._grid(so_far, in_progress=True)  # the hour so far, for the dashboard
