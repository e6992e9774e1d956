"""From image bytes to upright OCR lines: decode, locate the document, find its orientation, OCR."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from services.kyc.adapters.card_locator import locate_document
from services.kyc.adapters.image_decode import ImageLimits, decode_image
from services.kyc.domain.ocr_types import OcrLine
from services.kyc.domain.orientation import upright_lines

Scorer = Callable[[Sequence[OcrLine]], int]


class TextReader(Protocol):
    def read(self, image: np.ndarray) -> list[OcrLine]: ...


@dataclass(frozen=True)
class DocumentText:
    lines: list[OcrLine]
    quad_found: bool
    rotation: int  # degrees clockwise applied to the located document to make it upright
    keyword_hits: int

    @property
    def mean_score(self) -> float:
        return sum(line.score for line in self.lines) / len(self.lines) if self.lines else 0.0


_TURNS = {90: cv2.ROTATE_90_CLOCKWISE, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


class DocumentReader:
    """Reads the text of one document photo; share one instance (and so one OCR engine) per worker."""

    def __init__(self, text_reader: TextReader, enough_hits: int = 3) -> None:
        self._text_reader = text_reader
        self._enough_hits = enough_hits

    def read(
        self, data: bytes, scorer: Scorer, label_orders: Sequence[Sequence[str]], limits: ImageLimits = ImageLimits()
    ) -> DocumentText:
        image = decode_image(data, limits)
        document, quad_found = locate_document(image)
        height, width = document.shape[:2]
        turns = [0, 90, 270] if width >= height else [90, 270, 0]
        best: DocumentText | None = None
        for turn in turns:
            view = document if turn == 0 else cv2.rotate(document, _TURNS[turn])
            lines = self._text_reader.read(view)
            lines, flipped = upright_lines(lines, view.shape[1], view.shape[0], label_orders)
            candidate = DocumentText(lines, quad_found, (turn + 180 * flipped) % 360, scorer(lines))
            if best is None or (candidate.keyword_hits, candidate.mean_score) > (best.keyword_hits, best.mean_score):
                best = candidate
            if candidate.keyword_hits >= self._enough_hits:
                break
        assert best is not None
        return best
