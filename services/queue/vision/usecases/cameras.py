"""The cameras of this instance: their configurations, and the worker processes that count for them.

One process per camera (spawn start method, so no event-loop or Kafka state is forked). A pump task
reads the workers' messages (``StatusReport``, ``FootfallWindow``, ``OccupancyHour``) off the event loop (in a
thread) and emits camera.status.v1, footfall.v1 and occupancy.v1 through an ``EventSink``; the queue service
uses ``OutboxSink`` (Redis outbox, so counts survive a Kafka outage). A worker that dies is reported down and
restarted with backoff; the other cameras carry on.

Camera configurations set by API are kept in Redis (``CameraConfigStore``; configuration only, never
frames) when the service is given a store, so they survive a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing as mp
import queue
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event

from redis.exceptions import RedisError

from branchops.clock import platform_clock
from branchops.contracts.enums import CameraState
from services.queue.vision.adapters.camera_files import load_camera_dir
from services.queue.vision.adapters.config_store import CameraConfigStore
from services.queue.vision.adapters.event_sink import EventSink
from services.queue.vision.adapters.source_guard import SourceGuard
from services.queue.vision.domain.camera_config import CameraConfig
from services.queue.vision.domain.errors import TooManyCameras
from services.queue.vision.domain.health import Backoff
from services.queue.vision.domain.messages import FootfallWindow, OccupancyHour, StatusReport, WorkerMessage, to_event
from services.queue.vision.domain.sharding import shard_of
from services.queue.vision.settings import VisionSettings
from services.queue.vision.worker import CameraJob, run_camera

log = logging.getLogger(__name__)
Key = tuple[str, str]


@dataclass
class _Running:
    process: BaseProcess
    stop: Event
    debug: Queue[bytes] | None
    backoff: Backoff = field(default_factory=lambda: Backoff(1.0, 60.0))
    restart_at: float | None = None


class VisionService:
    def __init__(
        self,
        settings: VisionSettings,
        sink: EventSink,
        store: CameraConfigStore | None = None,
        guard: SourceGuard | None = None,
    ) -> None:
        """``store``: where camera configs set by API are persisted; None keeps them in memory only.
        ``guard``: the source policy for configs set by API (YAML files are the operator's, not checked)."""
        self.settings = settings
        self.guard = guard or SourceGuard(settings.source_policy())
        self.sink = sink
        self.store = store
        self.cameras: dict[Key, CameraConfig] = {}
        self.last_status: dict[Key, StatusReport] = {}
        self._ctx = mp.get_context("spawn")
        self._out: Queue[WorkerMessage] = self._ctx.Queue(maxsize=10_000)
        self._running: dict[Key, _Running] = {}
        self._pump: asyncio.Task[None] | None = None
        self._stopping = False
        self._set_since_start: set[Key] = set()
        self._loader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Loads the YAML files of ``camera_dir``, then the configs stored in Redis, and launches this shard's workers.

        A camera configured both ways runs with the Redis config: it was set by API after the files were
        written, so it wins over the YAML file of the same branch and camera. Redis unreachable at start
        does not stop the service: the YAML cameras run, and the stored configs are loaded in the
        background once Redis answers.
        """
        if self.settings.camera_dir is not None and self.settings.camera_dir.is_dir():
            self.cameras.update(load_camera_dir(self.settings.camera_dir))
        stored_later = False
        if self.store is not None:
            try:
                self._adopt(await self.store.load_all())
            except (RedisError, OSError) as exc:
                log.warning("camera configs in Redis not loaded yet (%s); retrying in the background", exc)
                stored_later = True
        if self.settings.enabled:
            for key in list(self.cameras):
                self._launch(key)
        self._pump = asyncio.create_task(self._pump_loop(), name="vision-pump")
        if stored_later:
            self._loader = asyncio.create_task(self._load_when_redis_answers(), name="vision-config-load")

    def _adopt(self, stored: dict[Key, CameraConfig]) -> list[Key]:
        """Take stored configs, except cameras set through the API since start (those are newer)."""
        taken = [key for key in stored if key not in self._set_since_start]
        for key in taken:
            self.cameras[key] = stored[key]
        if taken:
            log.info("loaded %d camera config(s) from Redis", len(taken))
        return taken

    async def _load_when_redis_answers(self) -> None:
        assert self.store is not None
        delay = 0.5
        while not self._stopping:
            try:
                taken = self._adopt(await self.store.load_all())
            except (RedisError, OSError):
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            for key in taken:
                await self._relaunch(key)
            return

    async def stop(self, timeout_s: float = 5.0) -> None:
        self._stopping = True
        if self._loader is not None and not self._loader.done():
            self._loader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loader
        for key in list(self._running):
            self._halt(key)
        loop = asyncio.get_running_loop()
        for running in list(self._running.values()):
            await loop.run_in_executor(None, _join, running.process, timeout_s)
        self._running.clear()
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
        await self._drain()

    def camera(self, branch_id: str, camera_id: str) -> CameraConfig | None:
        return self.cameras.get((branch_id, camera_id))

    async def put_camera(self, branch_id: str, camera_id: str, config: CameraConfig) -> CameraConfig:
        key = (branch_id, camera_id)
        if key not in self.cameras and len(self.cameras) >= self.settings.max_cameras:
            raise TooManyCameras(f"at most {self.settings.max_cameras} cameras (QUEUE_VISION_MAX_CAMERAS)")
        await self.guard.check(branch_id, camera_id, config.source)
        stored = config.model_copy(update={"camera_id": camera_id})
        if self.store is not None:
            await self.store.save(branch_id, camera_id, stored)  # persisted before the worker is (re)launched
        self.cameras[key] = stored
        self._set_since_start.add(key)
        await self._relaunch(key)
        return stored

    async def _relaunch(self, key: Key) -> None:
        if key in self._running:
            self._halt(key)
            await asyncio.get_running_loop().run_in_executor(None, _join, self._running.pop(key).process, 5.0)
        if self.settings.enabled and not self._stopping:
            self._launch(key)

    def debug_frame(self, branch_id: str, camera_id: str) -> bytes | None:
        running = self._running.get((branch_id, camera_id))
        if running is None or running.debug is None:
            return None
        try:
            frame = running.debug.get(timeout=1.0)
        except queue.Empty:
            return None
        with contextlib.suppress(queue.Full):
            running.debug.put_nowait(frame)  # leave it for the next reader
        return frame

    def _launch(self, key: Key) -> None:
        config = self.cameras[key]
        if not config.enabled or not config.source:
            return
        if shard_of(key[0], key[1], self.settings.shard_count) != self.settings.shard_index:
            return  # another camera-worker shard runs it
        stop = self._ctx.Event()
        debug: Queue[bytes] | None = self._ctx.Queue(maxsize=1) if self.settings.debug_stream else None
        job = CameraJob(key[0], key[1], config.model_dump(mode="json"), self.settings.model_dump(mode="json"))
        process = self._ctx.Process(
            target=run_camera, args=(job, self._out, stop, debug), name=f"camera-{key[0]}-{key[1]}", daemon=True
        )
        process.start()
        previous = self._running.get(key)
        self._running[key] = _Running(process, stop, debug, previous.backoff if previous else Backoff(1.0, 60.0))

    def _halt(self, key: Key) -> None:
        running = self._running.get(key)
        if running is not None:
            running.stop.set()

    async def _pump_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            message = await loop.run_in_executor(None, _get, self._out, 0.5)
            if message is not None:
                await self._handle(message)
            self._supervise(loop.time())

    async def _drain(self) -> None:
        while (message := _get(self._out, 0.0)) is not None:
            await self._handle(message)

    async def _handle(self, message: WorkerMessage) -> None:
        match message:
            case StatusReport():
                self.last_status[(message.branch_id, message.camera_id)] = message
            case FootfallWindow() | OccupancyHour():
                pass  # counts are not kept here: they go on as events
            case _:  # nothing else is sent; a stray object is not an event
                log.warning("camera workers sent a %s; ignored", type(message).__name__)
                return
        try:
            await self.sink.emit(*to_event(message, platform_clock().now()))
        except Exception:
            log.exception("could not emit %s of camera %s", type(message).__name__, message.camera_id)

    def _supervise(self, now: float) -> None:
        """Restart workers that died (not those told to stop), with backoff."""
        for key, running in list(self._running.items()):
            if running.stop.is_set() or running.process.is_alive():
                continue
            if running.restart_at is None:
                delay = running.backoff.failure()
                running.restart_at = now + delay
                log.warning("camera worker %s exited (%s); restart in %.0f s", key[1], running.process.exitcode, delay)
                self._out.put(
                    StatusReport(
                        key[0], key[1], CameraState.DOWN, 0.0, f"worker exited with code {running.process.exitcode}"
                    )
                )
            elif now >= running.restart_at and key in self.cameras:
                self._launch(key)


def _get(q: Queue[WorkerMessage], timeout: float) -> WorkerMessage | None:
    try:
        return q.get(timeout=timeout) if timeout > 0 else q.get_nowait()
    except queue.Empty:
        return None
    except (OSError, ValueError, EOFError):
        return None


def _join(process: BaseProcess, timeout: float) -> None:
    process.join(timeout)
    if process.is_alive():
        process.terminate()
        process.join(1.0)
