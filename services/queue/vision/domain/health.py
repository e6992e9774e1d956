"""Camera health as a small state machine (up / degraded / down) and the reconnect backoff. Pure.

The worker reports what happened (a frame analysed at ``t``, a failure with a reason, time passing);
``CameraHealth`` answers with a status change only when the state changes, so camera.status.v1 is
published on transitions, not on every frame.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from branchops.contracts.enums import CameraState


@dataclass(frozen=True, slots=True)
class StatusChange:
    state: CameraState
    fps: float
    error: str | None


@dataclass
class Backoff:
    """Exponential reconnect delays: ``first``, doubled each failure, at most ``cap``; reset on success."""

    first: float = 0.5
    cap: float = 30.0
    _next: float = 0.0

    def __post_init__(self) -> None:
        if not 0 < self.first <= self.cap:
            raise ValueError("need 0 < first <= cap")

    def failure(self) -> float:
        self._next = self.first if self._next == 0 else min(self._next * 2, self.cap)
        return self._next

    def success(self) -> None:
        self._next = 0.0


@dataclass
class CameraHealth:
    target_fps: float
    degraded_ratio: float = 0.6
    down_after_s: float = 10.0
    window_s: float = 5.0
    state: CameraState | None = None
    _frames: deque[float] = field(default_factory=deque)
    _since: float | None = None
    _last_frame: float | None = None
    _recent_errors: deque[float] = field(default_factory=deque)

    def fps(self, now: float) -> float:
        while self._frames and self._frames[0] < now - self.window_s:
            self._frames.popleft()
        span = min(self.window_s, now - self._since) if self._since is not None else 0
        return round(len(self._frames) / span, 2) if span > 0 else 0.0

    def frame(self, now: float) -> StatusChange | None:
        if self._since is None:
            self._since = now
        self._frames.append(now)
        self._last_frame = now
        return self._judge(now, None)

    def bad_frame(self, now: float, reason: str) -> StatusChange | None:
        """A corrupt or empty frame: the stream is alive but not healthy."""
        self._recent_errors.append(now)
        return self._judge(now, reason)

    def failure(self, now: float, reason: str) -> StatusChange | None:
        """The source could not be opened or died: down at once."""
        self._frames.clear()
        self._since = None
        self._last_frame = None
        return self._set(CameraState.DOWN, 0.0, reason)

    def tick(self, now: float) -> StatusChange | None:
        if self._last_frame is not None and now - self._last_frame > self.down_after_s:
            return self._set(CameraState.DOWN, 0.0, f"no frame for {self.down_after_s:g} s")
        return self._judge(now, None) if self._last_frame is not None else None

    def _judge(self, now: float, reason: str | None) -> StatusChange | None:
        while self._recent_errors and self._recent_errors[0] < now - self.window_s:
            self._recent_errors.popleft()
        fps = self.fps(now)
        warm = self._since is not None and now - self._since >= self.window_s
        if len(self._recent_errors) >= 3:
            return self._set(CameraState.DEGRADED, fps, reason or "corrupt frames")
        if warm and fps < self.target_fps * self.degraded_ratio:
            return self._set(CameraState.DEGRADED, fps, f"analysing {fps:g} fps, target {self.target_fps:g}")
        if self._recent_errors and self.state is CameraState.DEGRADED:
            return None
        return self._set(CameraState.UP, fps, None)

    def _set(self, state: CameraState, fps: float, error: str | None) -> StatusChange | None:
        if state is self.state:
            return None
        self.state = state
        return StatusChange(state, fps, error)
