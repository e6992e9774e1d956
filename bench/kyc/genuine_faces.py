"""Real people for the approve path: two different photos of one person (the ID card's photo and the selfie)
and a liveness sequence made from the selfie photo, for tests and benchmarks.

Provenance: the ``face_recognition`` 1.3.0 source distribution on PyPI (package licence MIT), its
``tests/test_images``: ``obama.jpg`` (the card's photo) and ``obama2.jpg`` (the selfie) are two different
photos of Barack Obama, ``biden.jpg`` one of Joe Biden (the impostor). The package ships them as its test
data without a separate licence for the photos, so they are used for evaluation only and never committed:
they are read from the cache ``python -m bench.face_match --fetch`` fills (``bench/kyc/face_data.py``).
Nothing is downloaded here; without the cache the callers skip.

The liveness sequence is simulated from one still photo of the person: a head turn moves the nose and
mouth sideways against the eyes (a smooth local warp, not an affine move of the whole picture, which the
liveness check sees through), a blink paints skin over the eyes with a dark lid line. It stands in for a
camera recording of the person answering the challenge; it says nothing of how liveness fares on real
video (see services/kyc/README.md).
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Sequence

import cv2
import numpy as np
from PIL import Image

from bench.kyc import face_data
from services.kyc.domain.face_types import DetectedFace

ID_PHOTO = "obama.jpg"  # on the card
SELFIE = "obama2.jpg"  # another photo of the same man, the selfie
IMPOSTOR = "biden.jpg"  # another person's selfie
PHOTO_BOX = (580, 60, 800, 340)  # the photo's place on render.render_id_portrait (x0, y0, x1, y1)


def picture(name: str, cache: object = face_data.CACHE) -> np.ndarray | None:
    """A BGR test picture of the face_recognition sdist, or None when the cache does not hold it."""
    return face_data._member(cache, "face_recognition", f"test_images/{name}")  # type: ignore[arg-type]


def id_photo(image: np.ndarray, face: DetectedFace, size: tuple[int, int]) -> np.ndarray:
    """The card's photo: head and shoulders cut around the face, resized to ``size`` (w, h), BGR."""
    x, y, w, h = face.box
    cx, cy = x + w / 2, y + h / 2
    height = h * 1.9
    width = height * size[0] / size[1]
    x0, y0 = max(0, round(cx - width / 2)), max(0, round(cy - height * 0.48))
    crop = image[y0 : round(y0 + height), x0 : round(x0 + width)]
    return cv2.resize(crop, size, interpolation=cv2.INTER_AREA)


def paste_photo(card: Image.Image, photo: np.ndarray) -> Image.Image:
    """``card`` (a rendered portrait side) with ``photo`` (BGR) in the photo's place."""
    x0, y0, x1, y1 = PHOTO_BOX
    out = card.copy()
    out.paste(Image.fromarray(cv2.cvtColor(photo, cv2.COLOR_BGR2RGB)).resize((x1 - x0, y1 - y0)), (x0, y0))
    return out


def _turned(image: np.ndarray, face: DetectedFace, amount: float) -> np.ndarray:
    """The face turned: its inside pushed sideways by up to ``amount`` eye distances (> 0: toward the image's
    right), most at the middle (nose), nothing at the outline, as a head turning shows more of one cheek."""
    height, width = image.shape[:2]
    x, y, w, h = face.box
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    u, v = (xs - (x + w / 2)) / (w / 2), (ys - (y + h / 2)) / (h / 2)
    shift = amount * face.inter_ocular * np.sqrt(np.clip(1 - (u**2 + v**2), 0, 1))
    return cv2.remap(image, xs - shift.astype(np.float32), ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _blinking(image: np.ndarray, face: DetectedFace) -> np.ndarray:
    """Both eyes closed: the eye regions filled with the skin around them, smoothed (lid and lashes are not
    drawn; a dark line there reads as an open eye's contrast)."""
    d = face.inter_ocular
    mask = np.zeros(image.shape[:2], np.uint8)
    for ex, ey in face.landmarks[:2]:
        cv2.ellipse(mask, (round(ex), round(ey)), (round(0.5 * d), round(0.4 * d)), 0, 0, 360, 255, -1)
    filled = cv2.inpaint(image, mask, 5, cv2.INPAINT_TELEA)
    return np.where(mask[..., None] > 0, cv2.GaussianBlur(filled, (0, 0), 8), filled)


def _camera(image: np.ndarray, rng: np.random.Generator) -> bytes:
    """Sensor noise and JPEG, as a kiosk camera's frame."""
    noisy = np.clip(image.astype(np.float32) + rng.normal(0, 3, image.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(cv2.cvtColor(noisy, cv2.COLOR_BGR2RGB)).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def challenge_frames(
    image: np.ndarray,
    detect: Callable[[np.ndarray], list[DetectedFace]],
    challenge: Sequence[str],
    *,
    mirrored: bool = False,
    seed: int = 0,
    step_ms: int = 250,
) -> list[tuple[bytes, float]]:
    """Frames (JPEG, t_ms) of the person in ``image`` answering ``challenge``: frontal, each action followed
    by a frontal frame, cut to head and shoulders. ``detect`` finds the faces (``FaceEngine.detect``)."""
    found = detect(image)
    if len(found) != 1:
        raise ValueError(f"{len(found)} faces in the picture; one expected")
    x, y, w, h = (round(v) for v in found[0].box)
    pad = round(0.8 * max(w, h))  # head and shoulders: no picture frame of an official portrait in view
    image = image[max(0, y - pad) : y + h + pad, max(0, x - pad) : x + w + pad]
    scale = 640 / max(image.shape[:2])
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image
    faces = detect(small)
    if len(faces) != 1:
        raise ValueError(f"{len(faces)} faces in the picture; one expected")
    face = faces[0]
    # Not mirrored, the person's left is the image's right (see liveness._state): nose moves right.
    turn = {"turn_left": 0.7, "turn_right": -0.7}
    rng = np.random.default_rng(seed)
    views = [small, small]
    for action in challenge:
        if action == "blink":
            views.append(_blinking(small, face))
        else:
            amount = turn[action] * (-1 if mirrored else 1)
            views.extend([_turned(small, face, amount / 2), _turned(small, face, amount)])
        views.append(small)
    return [(_camera(view, rng), float(i * step_ms)) for i, view in enumerate(views)]


def shuffled_challenge(seed: int) -> list[str]:
    order = ["blink", "turn_left", "turn_right"]
    random.Random(seed).shuffle(order)
    return order
