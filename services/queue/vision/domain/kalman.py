"""Constant-velocity Kalman filter over a box (centre x, centre y, width, height and their velocities).

Noise scales with the box height, so near and far people are smoothed alike. Pure numpy, one filter
per track; state and covariance are plain arrays the tracker owns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.queue.vision.domain.geometry import FloatArray

_F = np.eye(8)
_F[:4, 4:] = np.eye(4)
_H = np.eye(4, 8)
POSITION_STD = 1 / 20
VELOCITY_STD = 1 / 160


def box_to_z(box: FloatArray) -> FloatArray:
    x1, y1, x2, y2 = box
    return np.array([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], dtype=np.float64)


def z_to_box(z: FloatArray) -> FloatArray:
    cx, cy, w, h = z[:4]
    w, h = max(w, 1.0), max(h, 1.0)
    return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dtype=np.float64)


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

    def predict(self) -> None:
        h = max(self.mean[3], 1.0)
        std = np.concatenate([np.full(4, POSITION_STD * h), np.full(4, VELOCITY_STD * h)])
        self.mean = _F @ self.mean
        self.mean[2:4] = np.maximum(self.mean[2:4], 1.0)
        self.cov = _F @ self.cov @ _F.T + np.diag(np.square(std))

    def update(self, box: FloatArray) -> None:
        h = max(self.mean[3], 1.0)
        r = np.diag(np.square(np.full(4, POSITION_STD * h)))
        s = _H @ self.cov @ _H.T + r
        gain = np.linalg.solve(s, _H @ self.cov).T
        self.mean = self.mean + gain @ (box_to_z(box) - _H @ self.mean)
        self.cov = self.cov - gain @ _H @ self.cov

    @property
    def box(self) -> FloatArray:
        return z_to_box(self.mean)
