"""``GridTiledDetector``: a detector on a grid of tiles for elevated (hall) views (``detector_tiles: grid2`` or
``grid3``): the frame cut into horizontal bands (``domain/grid.py``), each band through ``TiledDetector``
with about square tiles, the boxes merged across the band seams."""

from __future__ import annotations

import numpy as np

from services.queue.vision.adapters.detectors import Detector, Image, TiledDetector, to_detections
from services.queue.vision.domain.grid import band_spans, merge_bands
from services.queue.vision.domain.tiling import OVERLAP
from services.queue.vision.domain.tracker import Detection


class GridTiledDetector:
    """``rows`` horizontal bands, each through ``TiledDetector(inner, "auto")``, merged across the bands."""

    def __init__(self, inner: Detector, rows: int, overlap: float = OVERLAP) -> None:
        band_spans(100, rows, overlap)  # refuses a bad setting now, not on the first frame
        self.inner = inner
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
