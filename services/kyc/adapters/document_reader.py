"""From image bytes to upright OCR lines: decode, locate the document, find its orientation, OCR, and read
again the places where the layout says a value must be but none was detected."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from services.kyc.adapters.card_locator import locate_document
from services.kyc.adapters.image_decode import ImageLimits, decode_image
from services.kyc.domain.layout import text_lines, tilt, turned
from services.kyc.domain.ocr_types import Box, OcrLine, line_at
from services.kyc.domain.orientation import reads_across, turn_order, upright_lines
from services.kyc.domain.text_normalize import compact
from services.kyc.domain.value_probes import Alternatives

Scorer = Callable[[Sequence[OcrLine]], int]
Prober = Callable[[Sequence[OcrLine]], Sequence[Box | Alternatives]]

# A probe's reading is kept only when the recogniser is this sure of it (an empty patch of guilloche reads
# as nothing or as low-scored noise).
PROBE_MIN_SCORE = 0.8


class TextReader(Protocol):
    def read(self, image: np.ndarray) -> list[OcrLine]: ...

    def recognise(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]: ...


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


def crop_box(image: np.ndarray, box: Box) -> np.ndarray | None:
    """The pixels of ``box`` (left, top, right, bottom), clipped to the image; None when empty."""
    height, width = image.shape[:2]
    left, top = max(0, int(box[0])), max(0, int(box[1]))
    right, bottom = min(width, round(box[2])), min(height, round(box[3]))
    if right - left < 4 or bottom - top < 4:
        return None
    return image[top:bottom, left:right]


def suppress_red_ink(image: np.ndarray) -> np.ndarray:
    """The BGR image with saturated red (seal ink, red frames) turned to the paper's light grey; dark text
    under a seal stays dark, since it is not red."""
    blue, green, red = (image[..., index].astype(np.int16) for index in range(3))
    mask = (red > 110) & (red - np.maximum(green, blue) > 60)
    if not mask.any():
        return image
    out = image.copy()
    out[mask] = (235, 235, 235)
    return out


def _xywh(box: Box) -> tuple[float, float, float, float]:
    return box[0], box[1], box[2] - box[0], box[3] - box[1]


def level_view(image: np.ndarray, angle: float) -> tuple[np.ndarray, tuple[float, float]]:
    """The image turned into the layout's level frame (``layout.turned`` by ``angle`` degrees) and the
    frame's point at the view's top-left corner: a box of that frame is cut from the view shifted by it."""
    if not angle:
        return image, (0.0, 0.0)
    height, width = image.shape[:2]
    corners = turned(((0.0, 0.0), (width, 0.0), (0.0, height), (width, height)), angle)
    left, top = min(x for x, _ in corners), min(y for _, y in corners)
    right, bottom = max(x for x, _ in corners), max(y for _, y in corners)
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    matrix = np.array([[cos, sin, -left], [-sin, cos, -top]], dtype=np.float64)
    size = (math.ceil(right - left), math.ceil(bottom - top))
    view = cv2.warpAffine(image, matrix, size, flags=cv2.INTER_LINEAR, borderValue=(235, 235, 235))
    return view, (left, top)


def repeats_a_line(probed: OcrLine, lines: Sequence[OcrLine]) -> bool:
    """Whether a probe's reading repeats a line already read where it lies (the row looked empty to the
    layout, yet the detector's line was there): it overlaps that line over half the narrower width, on the
    same row, and most of its characters are that line's."""
    text = set(compact(probed.text))
    for line in lines:
        overlap = min(probed.right, line.right) - max(probed.left, line.left)
        narrower = min(probed.right - probed.left, line.right - line.left)
        same_row = abs(probed.center_y - line.center_y) < 0.5 * min(probed.height, line.height)
        if same_row and overlap > 0.5 * narrower and len(text & set(compact(line.text))) > 0.6 * len(text):
            return True
    return False


class DocumentReader:
    """Reads the text of one document photo; share one instance (and so one OCR engine) per worker."""

    def __init__(self, text_reader: TextReader, enough_hits: int = 3) -> None:
        self._text_reader = text_reader
        self._enough_hits = enough_hits

    def read(
        self,
        data: bytes,
        scorer: Scorer,
        label_orders: Sequence[Sequence[str]],
        limits: ImageLimits = ImageLimits(),
        prober: Prober | None = None,
        any_aspect: bool = False,
    ) -> DocumentText:
        """The document's lines in its upright frame. ``prober`` (domain layout rules) names boxes of that
        frame where a value is missing; each is recognised on its own and added as a line when read surely.
        ``any_aspect``: the document may be portrait-format (a licence), so its aspect says nothing of its
        rotation. The turn whose text lines run across wins, then the one with most labels: the recogniser
        reads a column of characters too, so labels found in a sideways view do not make it upright. Red ink (seals) is
        faded before OCR, so that a stamp over a value does not join it."""
        image = suppress_red_ink(decode_image(data, limits))
        document, quad_found = locate_document(image)
        height, width = document.shape[:2]
        turns = turn_order(width, height, any_aspect)
        best: DocumentText | None = None
        best_rank: tuple[bool, int, float] = (False, 0, 0.0)
        best_upright = document
        for turn in turns:
            view = document if turn == 0 else cv2.rotate(document, _TURNS[turn])
            lines = self._text_reader.read(view)
            lines, flipped = upright_lines(lines, view.shape[1], view.shape[0], label_orders)
            candidate = DocumentText(lines, quad_found, (turn + 180 * flipped) % 360, scorer(lines))
            across = reads_across(lines)
            rank = (across, candidate.keyword_hits, candidate.mean_score)
            if best is None or rank > best_rank:
                best, best_rank = candidate, rank
                best_upright = cv2.rotate(view, cv2.ROTATE_180) if flipped else view
            if candidate.keyword_hits >= self._enough_hits and across:
                break
        assert best is not None
        if prober is None:
            return best
        return self._probe(best, best_upright, prober(best.lines))

    def _probe(self, text: DocumentText, upright: np.ndarray, probes: Sequence[Box | Alternatives]) -> DocumentText:
        """Recognises each box (given in the layout's level frame: the page turned by its tilt) on its own and
        adds the sure readings as lines of the upright frame; of ``Alternatives``, the first sure one."""
        if not probes:
            return text
        angle = tilt(text_lines(text.lines))
        level, offset = level_view(upright, angle)
        asked: list[tuple[int, Box, np.ndarray]] = []
        for number, probe in enumerate(probes):
            for box in probe.boxes if isinstance(probe, Alternatives) else (probe,):
                shifted = (box[0] - offset[0], box[1] - offset[1], box[2] - offset[0], box[3] - offset[1])
                if (crop := crop_box(level, shifted)) is not None:
                    asked.append((number, box, crop))
        if not asked:
            return text
        readings = self._text_reader.recognise([crop for _, _, crop in asked])
        added: dict[int, OcrLine] = {}
        for (number, box, _), (reading, score) in zip(asked, readings, strict=True):
            if number not in added and score >= PROBE_MIN_SCORE and reading.strip():
                corners = turned(line_at("", *_xywh(box)).box, -angle)
                line = OcrLine(reading.strip(), score, corners)  # type: ignore[arg-type]
                if not repeats_a_line(line, text.lines):
                    added[number] = line
        if not added:
            return text
        return DocumentText([*text.lines, *added.values()], text.quad_found, text.rotation, text.keyword_hits)
