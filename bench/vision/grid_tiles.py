"""The grid of tiles for elevated views (issue 20 item 4), now the service's: ``detector_tiles: grid2`` /
``grid3`` of a camera (services/queue/vision/domain/grid.py for the bands and their merge,
services/queue/vision/adapters/grid_detector.py for the detector). Re-exported here for bench/counting.py and
its results' history; nothing of its own."""

from __future__ import annotations

from services.queue.vision.adapters.grid_detector import GridTiledDetector
from services.queue.vision.domain.grid import MAX_ROWS, SWAP, band_spans, detector_runs, merge_bands

__all__ = ["MAX_ROWS", "SWAP", "GridTiledDetector", "band_spans", "detector_runs", "merge_bands"]
