"""A grid of tiles for elevated (hall) views: horizontal bands of side-by-side tiles, and the merge of the
bands' boxes. Pure numpy.

A hall camera hangs high, so people are small and spread over the whole height of the frame. Side-by-side
tiles (``tiling.py``) keep the full height, so people stay small in the detector's square input. A grid
first cuts the frame into ``rows`` horizontal bands, each overlapping the next by ``overlap`` of a band's
height; each band is then cut into about square side-by-side tiles (``auto``). A camera asks for it with
``detector_tiles: grid2`` (two bands) or ``grid3``.

The bands' boxes are merged with ``merge_tiles`` on x/y-swapped boxes: its vertical seams are then the
bands' horizontal ones (a box cut by a band seam is dropped when the other band sees the person whole, two
halves of a person taller than the overlap are fused, then NMS). Cost per frame: the sum of the bands' tile
counts in detector runs (two bands on 16:9: 2 x 3 tiles, 6 runs).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from services.queue.vision.domain.geometry import FloatArray
from services.queue.vision.domain.tiling import (
    MAX_TILES,
    OVERLAP,
    Tile,
    TileSetting,
    merge_tiles,
    tile_count,
    tile_spans,
)

GridSetting = Literal["grid2", "grid3"]
GRIDS: tuple[GridSetting, ...] = ("grid2", "grid3")
DetectorTiles = TileSetting | GridSetting  # a camera's ``detector_tiles``: 1..4, "auto", "grid2", "grid3"
MAX_ROWS = 3
SWAP = [1, 0, 3, 2]  # (x1, y1, x2, y2) <-> (y1, x1, y2, x2)
TILES_HELP = f"an integer 1..{MAX_TILES}, 'auto', 'grid2' or 'grid3'"


def grid_rows(setting: object) -> int | None:
    """The bands of a grid setting (``grid2`` -> 2), None for any other setting."""
    return int(setting[4:]) if isinstance(setting, str) and setting in GRIDS else None


def is_detector_tiles(value: object) -> bool:
    """Whether ``value`` is a valid ``detector_tiles``: an int 1..4 (not a bool), ``auto``, ``grid2``, ``grid3``."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 1 <= value <= MAX_TILES
    return value == "auto" or grid_rows(value) is not None


def band_spans(height: int, rows: int, overlap: float = OVERLAP) -> list[Tile]:
    """``rows`` bands covering ``0..height`` (a ``Tile`` read along y: ``x0``/``x1`` are the top/bottom rows)."""
    if not 1 <= rows <= MAX_ROWS:
        raise ValueError(f"rows must be 1..{MAX_ROWS}, got {rows!r}")
    return tile_spans(height, rows, overlap)


def detector_runs(width: int, height: int, rows: int, overlap: float = OVERLAP) -> int:
    """How many runs of the inner detector one frame of ``width`` x ``height`` costs on ``rows`` bands."""
    return sum(tile_count(width, band.width, "auto") for band in band_spans(height, rows, overlap))


def merge_bands(
    boxes: FloatArray, scores: FloatArray, band_of: list[int], bands: list[Tile]
) -> tuple[FloatArray, FloatArray]:
    """One box per person from all bands' boxes (frame pixels; ``band_of[k]`` is box ``k``'s band index):
    ``merge_tiles`` on x/y-swapped boxes. Returns the kept boxes and scores, best score first."""
    if not len(boxes):
        return np.zeros((0, 4)), np.zeros(0)
    swapped = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)[:, SWAP]
    merged, kept_scores = merge_tiles(swapped, scores, band_of, bands)
    return merged[:, SWAP], kept_scores
