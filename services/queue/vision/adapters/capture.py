"""Video sources through OpenCV (RTSP, HTTP/MJPEG, files) with frame skipping to a target rate.

Files are read by frame index and timed by their own frame rate (or paced to real time, to stand in for
a camera); live streams are drained with ``grab()`` so the buffer stays fresh, and only the frames due
at the analysis rate are decoded. Frames stay in this process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2

from services.queue.vision.adapters.detectors import Image
from services.queue.vision.domain.source_policy import is_file_source

OPEN_TIMEOUT_MS = 5000
READ_TIMEOUT_MS = 5000


__all__ = ["Frame", "SourceError", "VideoSource", "is_file_source", "shrink", "valid"]


class SourceError(RuntimeError):
    """The source cannot be opened, or it ended or died."""


@dataclass(frozen=True, slots=True)
class Frame:
    index: int  # frame number in the source (0-based)
    t: float  # seconds: video time for files, wall clock (epoch) for live sources
    image: Image | None  # None: a corrupt or empty frame (the stream is still alive)


def shrink(image: Image, max_pixels: int) -> Image:
    h, w = image.shape[:2]
    if h * w <= max_pixels:
        return image
    scale = (max_pixels / (h * w)) ** 0.5
    return cv2.resize(image, (max(16, int(w * scale)), max(16, int(h * scale))), interpolation=cv2.INTER_AREA)


def valid(image: Image | None) -> bool:
    return image is not None and image.ndim in (2, 3) and image.shape[0] >= 16 and image.shape[1] >= 16


class VideoSource:
    def __init__(
        self,
        source: str,
        analysis_fps: float | None,
        *,
        realtime: bool = False,
        max_pixels: int = 1920 * 1080,
        clock: Callable[[], float] = time.time,
        read_timeout_s: float = READ_TIMEOUT_MS / 1000,
    ) -> None:
        """``read_timeout_s``: a live stream that delivers nothing for this long counts as dead (the
        camera's ``down_after_s``); the same bound applies to opening it."""
        if not source:
            raise SourceError("no source configured")
        self.read_timeout_ms = max(int(read_timeout_s * 1000), 100)
        self.source = source.removeprefix("file://")
        self.analysis_fps = analysis_fps
        self.realtime = realtime
        self.max_pixels = max_pixels
        self.clock = clock
        self.source_fps = 0.0
        self._cap: cv2.VideoCapture | None = None

    @property
    def is_file(self) -> bool:
        return is_file_source(self.source)

    def open(self) -> None:
        if self.is_file and not Path(self.source).is_file():
            raise SourceError("cannot open the source")  # the same words as any failure: no probing for files
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            min(OPEN_TIMEOUT_MS, self.read_timeout_ms),
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            self.read_timeout_ms,
        ]
        cap = cv2.VideoCapture(self.source, cv2.CAP_FFMPEG, params)
        if not cap.isOpened():
            cap.release()
            # Other backends (image sequences, MJPEG over HTTP), with the same timeouts: without them a
            # camera that accepts the connection and never answers holds a reconnect for OpenCV's 30 s.
            cap = cv2.VideoCapture(self.source, cv2.CAP_ANY, params)
        if not cap.isOpened():
            cap.release()
            raise SourceError("cannot open the source")
        fps = cap.get(cv2.CAP_PROP_FPS)
        self.source_fps = fps if 0 < fps <= 240 else 25.0
        self._cap = cap

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def _step(self) -> int:
        if not self.analysis_fps or self.analysis_fps >= self.source_fps:
            return 1
        return max(1, round(self.source_fps / self.analysis_fps))

    def frames(self) -> Iterator[Frame]:
        """Analysed frames until the source ends (``SourceError`` when it dies)."""
        if self._cap is None:
            self.open()
        assert self._cap is not None
        return self._file_frames(self._cap) if self.is_file else self._live_frames(self._cap)

    def _file_frames(self, cap: cv2.VideoCapture) -> Iterator[Frame]:
        step, index, bad_run = self._step(), 0, 0
        started = self.clock()
        while True:
            if index % step:
                if not cap.grab():
                    return
                index += 1
                continue
            ok, image = cap.read()
            t = index / self.source_fps
            if not ok:
                bad_run += 1
                if bad_run > 3 or index >= cap.get(cv2.CAP_PROP_FRAME_COUNT) - 1:
                    return  # end of file
                yield Frame(index, t, None)
                index += 1
                continue
            bad_run = 0
            if self.realtime:
                delay = started + t - self.clock()
                if delay > 0:
                    time.sleep(delay)
            yield Frame(index, t, shrink(image, self.max_pixels) if valid(image) else None)
            index += 1

    def _live_frames(self, cap: cv2.VideoCapture) -> Iterator[Frame]:
        interval = 1.0 / self.analysis_fps if self.analysis_fps else 0.0
        due, index = 0.0, -1
        while True:
            if not cap.grab():
                raise SourceError("stream ended or stalled")
            index += 1
            now = self.clock()
            if now < due:
                continue
            due = due + interval if due and due + interval > now else now + interval
            ok, image = cap.retrieve()
            yield Frame(index, now, shrink(image, self.max_pixels) if ok and valid(image) else None)
