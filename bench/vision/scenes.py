"""Synthetic hall scenes with exact ground truth: people walking, crossing a line, occluding, loitering.

A scene is a list of walkers, each a polyline path of feet positions over time. ``ground_truth`` gives
every frame's boxes with ids; ``expected_counts`` gives the crossings of the scene's counting line the
way a person would count them (a full walk from one side to the other). ``noisy_detections`` turns the
truth into detector-like output: jitter, misses, false alarms and low scores when people overlap.
Frame size 640 x 360 unless said otherwise; people are about 90 px tall.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from services.queue.vision.domain.geometry import Box, iou_matrix
from services.queue.vision.domain.tracker import Detection

W, H = 640, 360
PERSON_H, PERSON_W = 90.0, 34.0


@dataclass(frozen=True)
class Walker:
    """Feet positions ``(t, x, y)`` (seconds, pixels), linearly interpolated; absent outside them."""

    ident: int
    path: tuple[tuple[float, float, float], ...]
    staff: bool = False
    height: float = PERSON_H

    def at(self, t: float) -> tuple[float, float] | None:
        pts = self.path
        if t < pts[0][0] or t > pts[-1][0]:
            return None
        for (t0, x0, y0), (t1, x1, y1) in itertools.pairwise(pts):
            if t0 <= t <= t1:
                a = 0.0 if t1 == t0 else (t - t0) / (t1 - t0)
                return x0 + a * (x1 - x0), y0 + a * (y1 - y0)
        return None

    def box(self, t: float) -> Box | None:
        feet = self.at(t)
        if feet is None:
            return None
        x, y = feet
        w = self.height * PERSON_W / PERSON_H
        return Box(x - w / 2, y - self.height, x + w / 2, y)


@dataclass(frozen=True)
class Scene:
    name: str
    walkers: tuple[Walker, ...]
    duration_s: float
    fps: float = 10.0
    line_y: float = 200.0  # horizontal counting line; walking down (y increasing) enters
    expected_entered: int = 0
    expected_exited: int = 0
    staff_zone: tuple[tuple[float, float], ...] = ()
    width: int = W
    height: int = H
    notes: str = ""

    def times(self) -> Iterator[tuple[int, float]]:
        n = int(self.duration_s * self.fps)
        for i in range(n):
            yield i, i / self.fps

    def ground_truth(self, t: float) -> list[tuple[int, Box]]:
        out = []
        for walker in self.walkers:
            box = walker.box(t)
            if box is not None:
                out.append((walker.ident, box))
        return out

    def camera_yaml(self) -> dict[str, object]:
        cam: dict[str, object] = {
            "frame": {"width": self.width, "height": self.height},
            "analysis_fps": self.fps,
            "lines": [{"name": "door", "points": [[0, self.line_y], [self.width, self.line_y]], "entry_side": "right"}],
        }
        if self.staff_zone:
            cam["staff_zones"] = [{"name": "counter", "points": [list(p) for p in self.staff_zone]}]
        return cam


@dataclass
class Noise:
    jitter_px: float = 2.0
    miss_rate: float = 0.05
    false_alarms_per_frame: float = 0.05
    seed: int = 7
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)


def noisy_detections(scene: Scene, t: float, noise: Noise) -> list[Detection]:
    truth = [b for _, b in scene.ground_truth(t)]
    rng = noise.rng
    out: list[Detection] = []
    import numpy as np

    arr = np.array([[b.x1, b.y1, b.x2, b.y2] for b in truth]) if truth else np.zeros((0, 4))
    overlap = iou_matrix(arr, arr) if truth else np.zeros((0, 0))
    for i, box in enumerate(truth):
        occluded = bool(truth) and float(np.max(overlap[i] - np.eye(len(truth))[i])) > 0.3
        if rng.random() < noise.miss_rate * (3 if occluded else 1):
            continue

        def g(v: float, lo: float, hi: float, j: float = noise.jitter_px) -> float:
            return min(max(v + rng.gauss(0, j), lo), hi)

        x1, y1 = g(box.x1, 0, scene.width - 3), g(box.y1, 0, scene.height - 3)
        x2, y2 = g(box.x2, x1 + 2, scene.width), g(box.y2, y1 + 2, scene.height)
        score = rng.uniform(0.15, 0.45) if occluded else rng.uniform(0.55, 0.95)
        out.append(Detection(Box(x1, y1, x2, y2), round(score, 3)))
    if rng.random() < noise.false_alarms_per_frame:
        x, y = rng.uniform(0, scene.width - 40), rng.uniform(0, scene.height - 90)
        out.append(Detection(Box(x, y, x + 30, y + 80), round(rng.uniform(0.3, 0.6), 3)))
    return out


def _walk(
    ident: int, t0: float, x0: float, y0: float, x1: float, y1: float, speed: float = 60.0, staff: bool = False
) -> Walker:
    dist = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
    return Walker(ident, ((t0, x0, y0), (t0 + dist / speed, x1, y1)), staff)


def crossing_both_ways() -> Scene:
    """Six people: four walk in (down), two walk out (up), at different x and times."""
    walkers = (
        _walk(1, 0.0, 100, 130, 110, 330),
        _walk(2, 1.0, 300, 120, 280, 340),
        _walk(3, 2.5, 500, 330, 520, 120),
        _walk(4, 4.0, 200, 125, 230, 335),
        _walk(5, 5.0, 420, 340, 400, 125),
        _walk(6, 6.5, 560, 130, 540, 330),
    )
    return Scene("crossing_both_ways", walkers, 11.0, expected_entered=4, expected_exited=2)


def occlusion() -> Scene:
    """Two people walk in opposite directions and pass each other on the line at nearly the same x."""
    walkers = (_walk(1, 0.0, 300, 110, 330, 340, speed=50), _walk(2, 0.0, 340, 340, 310, 110, speed=50))
    return Scene(
        "occlusion",
        walkers,
        6.0,
        expected_entered=1,
        expected_exited=1,
        notes="paths cross at the line; ids must not swap direction",
    )


def loitering_on_line() -> Scene:
    """One person sways across the line (+-5 px) for 8 s, then walks in; another sways, then walks back out."""
    sway = [(0.0, 200.0, 130.0), (2.0, 200.0, 198.0)]
    t = 2.0
    for k in range(16):
        t += 0.5
        sway.append((t, 200.0 + (k % 3), 205.0 if k % 2 == 0 else 195.0))
    sway.append((t + 2.5, 210.0, 330.0))
    staying = [(0.0, 450.0, 130.0), (2.0, 450.0, 195.0)]
    t = 2.0
    for k in range(16):
        t += 0.5
        staying.append((t, 450.0, 205.0 if k % 2 == 0 else 195.0))
    staying.append((t + 2.5, 450.0, 125.0))
    walkers = (Walker(1, tuple(sway)), Walker(2, tuple(staying)))
    return Scene(
        "loitering_on_line",
        walkers,
        14.0,
        expected_entered=1,
        expected_exited=0,
        notes="feet sway +-5 px around the line for 8 s",
    )


def staff_behind_counter() -> Scene:
    """A teller walks across the line inside the staff zone; one customer walks in past the counter."""
    staff_path = ((0.0, 520.0, 140.0), (3.0, 540.0, 300.0), (6.0, 520.0, 140.0), (9.0, 540.0, 300.0))
    walkers = (Walker(1, staff_path, staff=True), _walk(2, 1.0, 150, 130, 160, 330))
    zone = ((470.0, 100.0), (639.0, 100.0), (639.0, 359.0), (470.0, 359.0))
    return Scene("staff_behind_counter", walkers, 10.0, expected_entered=1, expected_exited=0, staff_zone=zone)


def busy_hall(seed: int = 3, people: int = 30, duration_s: float = 60.0) -> Scene:
    """Many people entering and leaving at random times and places, some walking side by side."""
    rng = random.Random(seed)
    walkers = []
    entered = exited = 0
    for ident in range(1, people + 1):
        t0 = rng.uniform(0, duration_s - 8)
        x0, x1 = rng.uniform(40, 600), rng.uniform(40, 600)
        speed = rng.uniform(40, 90)
        if rng.random() < 0.6:
            walkers.append(_walk(ident, t0, x0, 120, x1, 340, speed))
            entered += 1
        else:
            walkers.append(_walk(ident, t0, x0, 340, x1, 120, speed))
            exited += 1
    return Scene(f"busy_hall_{seed}", tuple(walkers), duration_s, expected_entered=entered, expected_exited=exited)


ALL_SCENES = (crossing_both_ways, occlusion, loitering_on_line, staff_behind_counter, busy_hall)
