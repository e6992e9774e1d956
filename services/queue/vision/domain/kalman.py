"""Constant-velocity Kalman filter over a box (centre x, centre y, width, height and their velocities).

Noise scales with the box height, so near and far people are smoothed alike. Pure numpy, one filter
per track; state and covariance are plain arrays the tracker owns.

Time: velocities are in pixels per *reference step* (1/30 s, the frame interval the noise constants
were made for, as in ByteTrack), and ``predict(dt)`` moves the state ``dt`` seconds on: the box moves
``dt * 30`` reference steps of its velocity and the process noise grows with the interval (variance
proportional to ``dt``, a white-noise acceleration model), so a camera analysed at 5 fps gets a wider
prediction than one analysed at 30 fps instead of the same narrow one six times as far apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.queue.vision.domain.geometry import FloatArray

_H = np.eye(4, 8)
POSITION_STD = 1 / 20
VELOCITY_STD = 1 / 160
REFERENCE_FPS = 30.0


def box_to_z(box: FloatArray) -> FloatArray:
    x1, y1, x2, y2 = box
    return np.array([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], dtype=np.float64)


def z_to_box(z: FloatArray) -> FloatArray:
    cx, cy, w, h = z[:4]
    w, h = max(w, 1.0), max(h, 1.0)
    return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dtype=np.float64)


def _transition(steps: float) -> FloatArray:
    f = np.eye(8)
    f[:4, 4:] = steps * np.eye(4)
    return f


@dataclass
class KalmanBox:
    mean: FloatArray
    cov: FloatArray

    @classmethod
    def start(cls, box: FloatArray) -> KalmanBox:
        z = box_to_z(box)
        mean = np.concatenate([z, np.zeros(4)])
        scale = np.array([z[3], z[3], z[3], z[3]])
        std = np.concatenate([2 * POSITION_STD * scale, 10 * VELOCITY_STD * scale])
        return cls(mean, np.diag(np.square(std)))

    def predict(self, dt: float = 1 / REFERENCE_FPS, *, hold_size: bool = False) -> None:
        """Move the state ``dt`` seconds on (at 30 fps exactly the per-frame filter it always was).

        ``hold_size``: the box keeps its width and height (for a track no detection confirmed last
        frame: a person does not change size while hidden, and a size trend extrapolated over seconds
        makes the box of a lost track grow or shrink until it matches a neighbour better than its own)."""
        steps = max(dt, 0.0) * REFERENCE_FPS
        h = max(self.mean[3], 1.0)
        noise = np.sqrt(steps)  # variance grows linearly with the interval
        std = np.concatenate([np.full(4, POSITION_STD * h * noise), np.full(4, VELOCITY_STD * h * noise)])
        if hold_size:
            self.mean[6:8] = 0.0
        f = _transition(steps)
        self.mean = f @ self.mean
        self.mean[2:4] = np.maximum(self.mean[2:4], 1.0)
        self.cov = f @ self.cov @ f.T + np.diag(np.square(std))

    def _innovation_cov(self) -> FloatArray:
        h = max(self.mean[3], 1.0)
        r = np.diag(np.square(np.full(4, POSITION_STD * h)))
        return np.asarray(_H @ self.cov @ _H.T + r)

    def update(self, box: FloatArray) -> None:
        s = self._innovation_cov()
        gain = np.linalg.solve(s, _H @ self.cov).T
        self.mean = self.mean + gain @ (box_to_z(box) - _H @ self.mean)
        self.cov = self.cov - gain @ _H @ self.cov

    @property
    def box(self) -> FloatArray:
        return z_to_box(self.mean)
