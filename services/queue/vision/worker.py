"""One camera in its own process: read, analyse, count; send counts and status changes, never frames.

``run_camera`` is the process target, the entry point of the camera's process (as ``app.py`` is the
service's): it builds the detector once and runs the loop. It reconnects with exponential backoff, reports
camera status on every change (up / degraded / down), sends one footfall window every
``footfall_interval_s`` and, at each hour's end and when it stops, the hour's occupancy grid (person-seconds
per cell of the frame; domain/occupancy.py), and the hour so far every ``LIVE_GRID_S`` for live views. The
messages on ``out`` are ``StatusReport``, ``FootfallWindow`` and ``OccupancyHour`` (domain/messages.py:
picklable, counts only, no image data). With the debug stream switched on in
settings, overlay JPEGs go to ``debug`` (a one-slot queue the manager-only endpoint reads); they are
never written anywhere.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import time
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from typing import Any

import cv2

from services.queue.vision.adapters.capture import SourceError, VideoSource
from services.queue.vision.adapters.detector_factory import (
    build_detector,
    build_zoom,
    face_assist_of,
    low_score_of,
    motion_min_area_of,
    tuning_of,
    zoom_windows_of,
)
from services.queue.vision.adapters.detectors import Detector, Image
from services.queue.vision.adapters.motion import MotionGate
from services.queue.vision.adapters.overlay import draw_overlay
from services.queue.vision.adapters.zoom_detector import ZoomRedetector
from services.queue.vision.domain.camera_config import CameraConfig
from services.queue.vision.domain.footfall import WindowAggregator
from services.queue.vision.domain.health import Backoff, CameraHealth, StatusChange
from services.queue.vision.domain.messages import FootfallWindow, OccupancyHour, StatusReport, WorkerMessage
from services.queue.vision.domain.occupancy import HourGrid, OccupancyGrid
from services.queue.vision.settings import VisionSettings
from services.queue.vision.usecases.analysis import FrameAnalyzer, tracker_params

log = logging.getLogger(__name__)
LIVE_GRID_S = 60.0
"""The hour in progress goes out this often (occupancy.v1 ``in_progress``: the dashboard's live heat map)."""


@dataclass(frozen=True)
class CameraJob:
    branch_id: str
    camera_id: str
    camera: dict[str, Any]  # CameraConfig.model_dump(mode="json"): picklable under spawn
    settings: dict[str, Any]


class CameraWorker:
    def __init__(
        self,
        job: CameraJob,
        out: Queue[WorkerMessage],
        stop: Event,
        debug: Queue[bytes] | None = None,
        detector: Detector | None = None,
    ) -> None:
        self.job = job
        self.camera = CameraConfig.model_validate(job.camera)
        self.settings = VisionSettings.model_validate(job.settings)
        self.out = out
        self.stop = stop
        self.debug = debug
        self.detector = detector
        s = self.settings
        self.health = CameraHealth(self.camera.analysis_fps, s.degraded_fps_ratio, s.down_after_s)
        self.backoff = Backoff(s.reconnect_min_s, s.reconnect_max_s)
        self.windows = WindowAggregator(s.footfall_interval_s)
        grid = self.camera.occupancy_grid
        self.occupancy = OccupancyGrid(grid.cols, grid.rows, max_gap_s=max(2.0, 3.0 / self.camera.analysis_fps))
        self._live_at: float | None = None  # when the hour so far was sent last (first: the first frame)
        cam = self.camera
        self._low_score = low_score_of(s, cam.detector_low_score, cam.detector, cam.view)  # low boxes
        self._tuning = tuning_of(s, cam.detector, cam.view, cam.appearance_weight)  # measured for the detector
        self._zoom: ZoomRedetector | None = None  # track-guided zoom, built with the detector in run()

    def send(self, message: WorkerMessage) -> None:
        with contextlib.suppress(queue.Full):
            self.out.put(message, timeout=1.0)

    def status(self, change: StatusChange | None) -> None:
        if change is not None:
            self.send(StatusReport(self.job.branch_id, self.job.camera_id, change.state, change.fps, change.error))

    def run(self) -> None:
        try:
            detector = self.detector or build_detector(
                self.settings,
                self.camera.detector,
                self.camera.detector_tiles,
                self._low_score,
                face_assist_of(self.settings, self.camera.face_assist),
            )
            # zoom runs the same model again: only with the model the worker built itself (not an injected one)
            self._zoom = None if self.detector else self._build_zoom()
        except Exception as exc:  # a missing model is a camera that cannot work: say so and stop
            self.status(self.health.failure(time.time(), f"detector unavailable: {exc}"[:500]))
            return
        try:
            while not self.stop.is_set():
                self._session(detector)
                if not self.stop.is_set():
                    self.stop.wait(self.backoff.failure())
        finally:
            last = self.occupancy.flush(time.time())  # the hour in progress, as far as it was seen
            if last is not None:
                self._send_grid(last)

    def _build_zoom(self) -> ZoomRedetector | None:
        windows = zoom_windows_of(self.settings, self.camera.zoom_windows, self.camera.detector)
        return build_zoom(self.settings, windows, self.camera.analysis_fps, self.camera.detector, self._low_score)

    def _motion_min_area(self) -> float:
        return motion_min_area_of(self.settings, self.camera.motion_min_area)

    def _session(self, detector: Detector) -> None:
        s = self.settings
        source = VideoSource(
            self.camera.source,
            self.camera.analysis_fps,
            realtime=True,
            max_pixels=s.max_frame_pixels,
            read_timeout_s=s.down_after_s,
        )
        gating = s.motion_gating if self.camera.motion_gating is None else self.camera.motion_gating
        analyzer = FrameAnalyzer(
            self.camera,
            detector,
            gate=MotionGate(self._motion_min_area(), s.max_static_s) if gating else None,
            params=tracker_params(s.score_threshold, self.camera.analysis_fps, self._low_score, self._tuning),
            zoom=self._zoom,
        )
        try:
            for frame in source.frames():
                if self.stop.is_set():
                    return
                now = time.time()
                if frame.image is None:
                    self.status(self.health.bad_frame(now, "corrupt or empty frame"))
                    continue
                result = analyzer.analyze(frame.image, now)
                self.backoff.success()
                self.status(self.health.frame(now))
                self._flush(analyzer, result.occupancy, now)
                for grid in self.occupancy.add(now, analyzer.customer_feet(result)):
                    self._send_grid(grid)
                self._live(now)
                self.windows.add(
                    now, sum(c.entered for c in result.crossings), sum(not c.entered for c in result.crossings)
                )
                if self.debug is not None:
                    self._debug_frame(draw_overlay(frame.image, result, analyzer.geometry))
            raise SourceError("the stream ended")
        except SourceError as exc:
            self.status(self.health.failure(time.time(), str(exc)))
        except cv2.error as exc:
            self.status(self.health.failure(time.time(), f"OpenCV error: {str(exc)[:200]}"))
        finally:
            self.occupancy.pause()  # the time until the next session is not seen
            source.close()

    def _flush(self, analyzer: FrameAnalyzer, occupancy: dict[str, int], now: float) -> None:
        while self.windows.due(now):
            w = self.windows.close(occupancy, analyzer.dwell(now), now)
            self.send(
                FootfallWindow(
                    self.job.branch_id,
                    self.job.camera_id,
                    w.window_start,
                    w.window_end,
                    w.entered,
                    w.exited,
                    w.occupancy,
                    w.dwell_p50_s,
                )
            )

    def _live(self, now: float) -> None:
        """The hour so far, every ``LIVE_GRID_S`` after the first frame."""
        if self._live_at is None:
            self._live_at = now
        elif now - self._live_at >= LIVE_GRID_S:
            self._live_at = now
            so_far = self.occupancy.so_far(now)
            if so_far is not None and so_far.seconds > 0:
                self._send_grid(so_far, in_progress=True)

    def _send_grid(self, grid: HourGrid, *, in_progress: bool = False) -> None:
        self.send(
            OccupancyHour(
                self.job.branch_id,
                self.job.camera_id,
                grid.hour_start,
                grid.hour_end,
                grid.cols,
                grid.rows,
                grid.person_s,
                grid.seconds,
                grid.peak,
                in_progress,
            )
        )

    def _debug_frame(self, image: Image) -> None:
        assert self.debug is not None
        ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 70])
        if ok:
            with contextlib.suppress(queue.Empty):
                self.debug.get_nowait()  # keep only the newest
            with contextlib.suppress(queue.Full):
                self.debug.put_nowait(jpeg.tobytes())


def run_camera(job: CameraJob, out: Queue[WorkerMessage], stop: Event, debug: Queue[bytes] | None = None) -> None:
    """Process target (spawn start method): one OpenCV thread, the worker loop, clean exit on ``stop``."""
    cv2.setNumThreads(1)
    with contextlib.suppress(KeyboardInterrupt):
        CameraWorker(job, out, stop, debug).run()
