"""Photographic conditions applied to rendered documents, all in memory: placement on a table, blur, tilt,
perspective, glare, low resolution and rotation. Each returns JPEG bytes, as a kiosk camera would send."""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable

import cv2
import numpy as np
from PIL import Image

PHOTO_SIZE = (1280, 960)


def _table(rng: random.Random, size: tuple[int, int]) -> np.ndarray:
    width, height = size
    base = np.array([rng.randint(60, 110), rng.randint(50, 90), rng.randint(40, 80)], dtype=np.float32)
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, 6, (height, width, 1)).astype(np.float32)
    gradient = np.linspace(-15, 15, width, dtype=np.float32)[None, :, None]
    return np.clip(base + noise + gradient, 0, 255).astype(np.uint8)


def _place(
    document: Image.Image,
    rng: random.Random,
    *,
    angle: float = 0.0,
    jitter: float = 0.0,
    fill: float = 0.72,
    size: tuple[int, int] = PHOTO_SIZE,
) -> np.ndarray:
    """The document on a table photo: scaled to ``fill`` of the width, turned by ``angle`` degrees, corners
    moved by up to ``jitter`` of its size (perspective)."""
    doc = np.asarray(document.convert("RGB"))
    doc_h, doc_w = doc.shape[:2]
    width, height = size
    scale = fill * width / doc_w
    half_w, half_h = doc_w * scale / 2, doc_h * scale / 2
    center = (width / 2 + rng.uniform(-0.04, 0.04) * width, height / 2 + rng.uniform(-0.04, 0.04) * height)
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    corners = []
    for dx, dy in ((-half_w, -half_h), (half_w, -half_h), (half_w, half_h), (-half_w, half_h)):
        dx += rng.uniform(-jitter, jitter) * 2 * half_w
        dy += rng.uniform(-jitter, jitter) * 2 * half_h
        corners.append((center[0] + dx * cos - dy * sin, center[1] + dx * sin + dy * cos))
    source = np.array([[0, 0], [doc_w - 1, 0], [doc_w - 1, doc_h - 1], [0, doc_h - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(source, np.array(corners, dtype=np.float32))
    warped = cv2.warpPerspective(doc, matrix, size, flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((doc_h, doc_w), 255, np.uint8), matrix, size)
    photo = _table(rng, size)
    photo[mask > 127] = warped[mask > 127]
    return photo


def _glare(photo: np.ndarray, rng: random.Random) -> np.ndarray:
    height, width = photo.shape[:2]
    cx, cy = rng.uniform(0.3, 0.7) * width, rng.uniform(0.3, 0.7) * height
    radius = rng.uniform(0.10, 0.16) * width
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    blob = np.exp(-(((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * radius**2)))[..., None] * 0.75
    return np.clip(photo * (1 - blob) + 255 * blob, 0, 255).astype(np.uint8)


def _jpeg(photo: np.ndarray, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(photo).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def clean(doc: Image.Image, rng: random.Random) -> bytes:
    return _jpeg(_place(doc, rng))


def blurred(doc: Image.Image, rng: random.Random) -> bytes:
    return _jpeg(cv2.GaussianBlur(_place(doc, rng), (0, 0), rng.uniform(1.2, 1.8)))


def tilted(doc: Image.Image, rng: random.Random) -> bytes:
    return _jpeg(_place(doc, rng, angle=rng.choice((-1, 1)) * rng.uniform(5, 12)))


def perspective(doc: Image.Image, rng: random.Random) -> bytes:
    return _jpeg(_place(doc, rng, angle=rng.uniform(-4, 4), jitter=0.06))


def glare(doc: Image.Image, rng: random.Random) -> bytes:
    return _jpeg(_glare(_place(doc, rng), rng))


def low_resolution(doc: Image.Image, rng: random.Random) -> bytes:
    return _jpeg(_place(doc, rng, size=(640, 480), fill=0.8), quality=80)


def rotated_90(doc: Image.Image, rng: random.Random) -> bytes:
    return _jpeg(np.ascontiguousarray(np.rot90(_place(doc, rng), k=rng.choice((1, 3)))))


def rotated_180(doc: Image.Image, rng: random.Random) -> bytes:
    return _jpeg(np.ascontiguousarray(np.rot90(_place(doc, rng), k=2)))


CONDITIONS: dict[str, Callable[[Image.Image, random.Random], bytes]] = {
    "clean": clean,
    "blurred": blurred,
    "tilted": tilted,
    "perspective": perspective,
    "glare": glare,
    "low_resolution": low_resolution,
    "rotated_90": rotated_90,
    "rotated_180": rotated_180,
}


def _photocopied(photo: np.ndarray, rng: random.Random) -> np.ndarray:
    """Grey, low contrast, toner speckle and a slight blur: a photocopy laid on the table."""
    page = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY).astype(np.float32)
    low, high = rng.uniform(55, 80), rng.uniform(185, 215)
    speckle = np.random.default_rng(rng.randint(0, 2**31)).normal(0, 7, page.shape)
    grey: np.ndarray = (low + page * (high - low) / 255 + speckle).astype(np.float32)
    grey = cv2.GaussianBlur(grey, (0, 0), rng.uniform(0.6, 1.0))
    return cv2.cvtColor(np.clip(grey, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2RGB)


def _moire(photo: np.ndarray, rng: random.Random) -> np.ndarray:
    """Interference fringes of a screen or a printed halftone photographed: two close sinusoidal gratings."""
    height, width = photo.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = math.radians(rng.uniform(0, 180))
    period = rng.uniform(3.0, 5.0)
    phase = xs * math.cos(angle) + ys * math.sin(angle)
    fringes = np.sin(2 * math.pi * phase / period) * np.sin(2 * math.pi * phase / (period * 1.07))
    amplitude = rng.uniform(10, 18)
    return np.clip(photo.astype(np.float32) + amplitude * fringes[..., None], 0, 255).astype(np.uint8)


def photocopy(doc: Image.Image, rng: random.Random) -> bytes:
    return _jpeg(_place(_copy_page(doc, rng), rng), quality=85)


def _copy_page(doc: Image.Image, rng: random.Random) -> Image.Image:
    return Image.fromarray(_photocopied(np.asarray(doc.convert("RGB")), rng))


def moire(doc: Image.Image, rng: random.Random) -> bytes:
    return _jpeg(_moire(_place(doc, rng), rng))


def glare_tilted(doc: Image.Image, rng: random.Random) -> bytes:
    return _jpeg(_glare(_place(doc, rng, angle=rng.choice((-1, 1)) * rng.uniform(3, 8)), rng))


# What real documents go through (issue 25): photocopies, screens/halftones, glare, and the upright/turned
# photos of every day. The documents themselves carry the realistic variations (render.*_realistic).
REALISTIC_CONDITIONS: dict[str, Callable[[Image.Image, random.Random], bytes]] = {
    "clean": clean,
    "photocopy": photocopy,
    "moire": moire,
    "glare_tilted": glare_tilted,
    "rotated_90": rotated_90,
}
