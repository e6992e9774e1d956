"""A grid of tiles for elevated views (bench only, issue 20 item 4): rows of side-by-side tiles.

A hall camera hangs high, so people are small and spread over the whole height of the frame. The service's
``TiledDetector`` cuts a frame into side-by-side tiles of full height: on a 16:9 frame two tiles of about
square aspect, so a person 175 px tall in a 1080-line frame is still about 49 px tall in the detector's 300x300
input. ``GridTiledDetector`` first cuts the frame into ``rows`` horizontal bands, each band overlapping the next
by ``overlap`` of a band's height, runs a ``TiledDetector`` (``auto``: about square tiles) on each band, and
merges the boxes across the band seams with the service's own ``merge_tiles`` on transposed coordinates
(x and y swapped, so its vertical seams are the bands' horizontal ones). Cost: about the sum of the bands'
tile counts in detector runs per frame (2 rows on 16:9: 2 bands of 3 tiles, 6 runs).
"""

from __future__ import annotations

import numpy as np

from services.queue.vision.adapters.detectors import Detector, Image, TiledDetector, to_detections
from services.queue.vision.domain.tiling import OVERLAP, Tile, merge_tiles, tile_count, tile_spans
from services.queue.vision.domain.tracker import Detection

MAX_ROWS = 3
SWAP = [1, 0, 3, 2]  # (x1, y1, x2, y2) <-> (y1, x1, y2, x2)


def band_spans(height: int, rows: int, overlap: float = OVERLAP) -> list[Tile]:
    """``rows`` bands covering ``0..height`` (a ``Tile`` read along y: ``x0``/``x1`` are the top/bottom rows)."""
    if not 1 <= rows <= MAX_ROWS:
        raise ValueError(f"rows must be 1..{MAX_ROWS}, got {rows!r}")
    return tile_spans(height, rows, overlap)


def detector_runs(width: int, height: int, rows: int, overlap: float = OVERLAP) -> int:
    """How many runs of the inner detector one frame costs."""
    return sum(tile_count(width, band.width, "auto") for band in band_spans(height, rows, overlap))


def merge_bands(
    boxes: np.ndarray, scores: np.ndarray, band_of: list[int], bands: list[Tile]
) -> tuple[np.ndarray, np.ndarray]:
    """One box per person from all bands' boxes (frame pixels): ``merge_tiles`` on x/y-swapped boxes."""
    if not len(boxes):
        return np.zeros((0, 4)), np.zeros(0)
    merged, kept_scores = merge_tiles(np.asarray(boxes, dtype=np.float64)[:, SWAP], scores, band_of, bands)
    return merged[:, SWAP], kept_scores


class GridTiledDetector:
    """``rows`` horizontal bands, each through ``TiledDetector(inner, "auto")``, merged across the bands."""

    def __init__(self, inner: Detector, rows: int, overlap: float = OVERLAP) -> None:
        band_spans(100, rows, overlap)  # refuses a bad setting now, not on the first frame
        self.strips = TiledDetector(inner, "auto", overlap)
        self.name = inner.name
        self.rows = rows
        self.overlap = overlap

    def detect(self, image: Image) -> list[Detection]:
        h, w = image.shape[:2]
        bands = band_spans(h, self.rows, self.overlap)
        if len(bands) == 1:
            return self.strips.detect(image)
        rows: list[list[float]] = []
        owner: list[int] = []
        for band in bands:
            for d in self.strips.detect(np.ascontiguousarray(image[band.x0 : band.x1])):
                rows.append([d.box.x1, d.box.y1 + band.x0, d.box.x2, d.box.y2 + band.x0, d.score])
                owner.append(band.index)
        if not rows:
            return []
        table = np.array(rows, dtype=np.float64)
        boxes, scores = merge_bands(table[:, :4], table[:, 4], owner, bands)
        return to_detections(np.column_stack([boxes, scores]), w, h, 0.0)
