"""Render synthetic scenes to video: people-like figures (head, torso, legs) walking over a hall floor.

The figures are drawn exactly at the ground-truth boxes, in saturated clothes colours over a grey,
textured floor, so ``BlobDetector`` (colour segmentation) finds them; it stands in for a person
detector where a test needs exact, fast, deterministic detections through the real video path.
"""

from __future__ import annotations

import random
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from bench.vision.scenes import Scene
from services.queue.vision.domain.geometry import Box
from services.queue.vision.domain.tracker import Detection

Image = npt.NDArray[np.uint8]
CLOTHES = [(40, 40, 200), (200, 60, 40), (40, 160, 40), (160, 40, 160), (0, 140, 220), (200, 160, 0)]


def background(width: int, height: int, seed: int = 1) -> Image:
    rng = np.random.default_rng(seed)
    floor = np.linspace(150, 110, height, dtype=np.float32)[:, None] * np.ones((1, width), np.float32)
    floor += rng.normal(0, 4, (height, width)).astype(np.float32)
    grey = np.clip(floor, 0, 255).astype(np.uint8)
    image = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
    for x in range(0, width, 80):  # floor tiles
        cv2.line(image, (x, 0), (x, height), (120, 120, 120), 1)
    return image


def draw_person(image: Image, box: Box, color: tuple[int, int, int]) -> None:
    x1, y1, x2, y2 = box.x1, box.y1, box.x2, box.y2
    w, h = x2 - x1, y2 - y1
    cx = (x1 + x2) / 2
    head_r = max(2, int(h * 0.09))
    cv2.circle(image, (int(cx), int(y1 + head_r)), head_r, (60, 90, 150), -1)
    cv2.rectangle(image, (int(x1 + w * 0.1), int(y1 + 2 * head_r)), (int(x2 - w * 0.1), int(y1 + h * 0.6)), color, -1)
    leg = max(2, int(w * 0.25))
    cv2.rectangle(image, (int(x1 + w * 0.15), int(y1 + h * 0.6)), (int(x1 + w * 0.15) + leg, int(y2)), color, -1)
    cv2.rectangle(image, (int(x2 - w * 0.15) - leg, int(y1 + h * 0.6)), (int(x2 - w * 0.15), int(y2)), color, -1)


def render_frame(scene: Scene, t: float, base: Image) -> Image:
    image = base.copy()
    people = sorted(scene.ground_truth(t), key=lambda item: item[1].y2)  # far first, near on top
    for ident, box in people:
        draw_person(image, box, CLOTHES[ident % len(CLOTHES)])
    return image


def write_video(scene: Scene, path: Path, *, corrupt_every: int = 0, seed: int = 1) -> Path:
    """An MJPG .avi of the scene at its fps (``corrupt_every``: every n-th frame is random noise)."""
    base = background(scene.width, scene.height, seed)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), scene.fps, (scene.width, scene.height))
    if not writer.isOpened():
        raise RuntimeError(f"cannot write {path}")
    rng = random.Random(seed)
    try:
        for i, t in scene.times():
            frame = render_frame(scene, t, base)
            if corrupt_every and i % corrupt_every == corrupt_every - 1:
                frame = np.full_like(frame, rng.randrange(256))
            writer.write(frame)
    finally:
        writer.release()
    return path


class BlobDetector:
    """Finds the rendered figures by colour saturation. Test stand-in; not a person detector."""

    name = "blobs"

    def __init__(self, min_area: int = 150) -> None:
        self.min_area = min_area

    def detect(self, image: Image) -> list[Detection]:
        hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)
        mask = cv2.inRange(hsv, (0, 120, 60), (180, 255, 255))
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((9, 5), np.uint8))
        count, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        found = []
        for i in range(1, count):
            x, y, w, h, area = (int(v) for v in stats[i])
            if area >= self.min_area and h >= 20:
                found.append(Detection(Box(x, y, x + w, y + h), 0.9))
        return found
