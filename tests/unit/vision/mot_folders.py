"""One-walker MOTChallenge folders for the bench tests: seqinfo.ini, gt/gt.txt and, when asked, the frames."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from bench.vision.mot_metrics import SeqInfo, read_seqinfo

BoxOf = Callable[[int], tuple[int, int, int, int]]  # frame number -> the walker's x, y, width, height


def write_walker(
    folder: Path, frames: int, size: tuple[int, int], box_of: BoxOf, *, images: bool = False, fps: int = 10
) -> SeqInfo:
    """A sequence named after ``folder`` of ``size`` (width, height) pixels: one pedestrian (id 1) at ``box_of(f)``
    in frame ``f``; with ``images``, each frame drawn, the walker a white box on black."""
    width, height = size
    (folder / "gt").mkdir(parents=True)
    (folder / "seqinfo.ini").write_text(
        f"[Sequence]\nname={folder.name}\nimDir=img1\nframeRate={fps}\nseqLength={frames}\n"
        f"imWidth={width}\nimHeight={height}\n",
        encoding="utf-8",
    )
    if images:
        (folder / "img1").mkdir()
    rows = []
    for f in range(1, frames + 1):
        x, y, w, h = box_of(f)
        rows.append(f"{f},1,{x},{y},{w},{h},1,1,1")
        if images:
            image = np.zeros((height, width, 3), dtype=np.uint8)
            image[y : y + h, x : x + w] = 255
            cv2.imwrite(str(folder / "img1" / f"{f:06d}.jpg"), image)
    (folder / "gt" / "gt.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return read_seqinfo(folder)
