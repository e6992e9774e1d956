"""Drawn cartoon faces that YuNet detects: for tests of the face pipeline without any real person's photo.

They carry no identity (SFace scores between them mean nothing); they exercise detection, counting,
landmark geometry (a turned head moves the nose), eye openness (closed eyes are lines) and refusals.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image


def draw_face(
    canvas: np.ndarray,
    centre: tuple[int, int],
    size: int,
    *,
    yaw: float = 0.0,
    eyes_open: bool = True,
    skin: tuple[int, int, int] = (150, 180, 220),
) -> None:
    """Draw a face of height ~2.8*size at ``centre`` on a BGR canvas; ``yaw`` in [-1, 1] shifts the nose and
    mouth sideways as a turned head does (positive: toward the image's right)."""
    cx, cy = centre
    shift = round(yaw * size * 0.7)
    cv2.ellipse(canvas, (cx, cy), (size, round(size * 1.27)), 0, 0, 360, skin, -1)
    eye_y = cy - round(size * 0.27)
    for side in (-1, 1):
        ex = cx + side * round(size * 0.36) + shift // 3
        if eyes_open:
            cv2.ellipse(canvas, (ex, eye_y), (round(size * 0.18), round(size * 0.09)), 0, 0, 360, (255, 255, 255), -1)
            cv2.circle(canvas, (ex, eye_y), round(size * 0.073), (40, 30, 20), -1)
        else:
            cv2.ellipse(canvas, (ex, eye_y), (round(size * 0.18), round(size * 0.05)), 0, 0, 180, (50, 40, 40), 3)
        cv2.line(
            canvas,
            (ex - round(size * 0.2), eye_y - round(size * 0.2)),
            (ex + round(size * 0.2), eye_y - round(size * 0.22)),
            (60, 60, 80),
            3,
        )
    nose_x = cx + shift
    cv2.line(
        canvas,
        (cx + shift // 3, eye_y + round(size * 0.1)),
        (nose_x - round(size * 0.09), cy + round(size * 0.32)),
        (100, 120, 160),
        3,
    )
    cv2.ellipse(
        canvas,
        (cx + shift * 2 // 3, cy + round(size * 0.64)),
        (round(size * 0.32), round(size * 0.11)),
        0,
        0,
        180,
        (60, 60, 150),
        4,
    )


def face_picture(
    width: int = 480,
    height: int = 480,
    *,
    faces: int = 1,
    yaw: float = 0.0,
    eyes_open: bool = True,
    noise: float = 6.0,
    seed: int = 0,
) -> np.ndarray:
    """A BGR picture with ``faces`` drawn faces side by side; ``noise`` adds camera-like sensor noise."""
    canvas = np.full((height, width, 3), (205, 200, 195), np.uint8)
    size = min(height // 5, width // (3 * faces))
    for i in range(faces):
        centre = (round(width * (i + 0.5) / faces), height // 2)
        draw_face(canvas, centre, size, yaw=yaw, eyes_open=eyes_open)
    if noise > 0:
        rng = np.random.default_rng(seed)
        canvas = np.clip(canvas.astype(np.float32) + rng.normal(0, noise, canvas.shape), 0, 255).astype(np.uint8)
    return canvas


def encode(image: np.ndarray, fmt: str = "JPEG", quality: int = 92) -> bytes:
    rgb = Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    buffer = io.BytesIO()
    rgb.save(buffer, format=fmt, **({"quality": quality} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def card_with_portrait(portrait: np.ndarray, *, noise: float = 4.0, seed: int = 0) -> np.ndarray:
    """A card-like rectangle on a table with ``portrait`` where the ID card's photo sits (right side)."""
    table = np.full((720, 1080, 3), (70, 90, 110), np.uint8)
    card = np.full((540, 856, 3), (236, 238, 240), np.uint8)
    photo = cv2.resize(portrait, (260, 320), interpolation=cv2.INTER_AREA)
    card[110:430, 560:820] = photo
    for row in range(6):
        cv2.rectangle(card, (60, 60 + row * 60), (300 + 30 * (row % 3), 90 + row * 60), (70, 70, 70), -1)
    table[90:630, 112:968] = card
    if noise > 0:
        rng = np.random.default_rng(seed)
        table = np.clip(table.astype(np.float32) + rng.normal(0, noise, table.shape), 0, 255).astype(np.uint8)
    return table
