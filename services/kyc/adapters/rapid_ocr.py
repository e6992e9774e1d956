"""OCR with rapidocr (PP-OCR models shipped inside the wheel): one engine, loaded once per worker.

Orientation is decided once per document, not per line: the text-angle classifier votes over every detected
line (long lines weigh more) and all crops are turned together. Per line, the classifier is unreliable on
short crops (``男``, ``8号``, ``注册资本`` in a small photo): it turned them upside down before recognition,
so they were read as ``8``/``本车`` or dropped as empty.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from services.kyc.adapters.document_reader import DocumentReader
from services.kyc.domain.ocr_types import OcrLine

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"
TEXT_SCORE = 0.4


def bundled_models_dir() -> Path:
    import rapidocr

    return Path(rapidocr.__file__).parent / "models"


def upside_down_by_vote(votes: Sequence[tuple[str, float, float]]) -> bool:
    """Whether a document's lines are upside down, from the classifier's (label, score, weight) per line.

    Each line votes for its label with score × weight (its width/height ratio, so a long line outweighs a
    lone character); the document is turned only when the "180" side wins.
    """
    upright = sum(score * weight for label, score, weight in votes if label != "180")
    flipped = sum(score * weight for label, score, weight in votes if label == "180")
    return flipped > upright


class RapidOcrEngine:
    """Holds one rapidocr engine; calls are serialised, so share one instance per worker process.

    Model paths point at the files inside the installed wheel, so nothing is ever downloaded.
    """

    def __init__(
        self, threads: int = 1, det_side: int = 640, models_dir: Path | None = None, unclip_ratio: float = 1.6
    ) -> None:
        from rapidocr import RapidOCR

        models = models_dir or bundled_models_dir()
        for name in (DET_MODEL, REC_MODEL, CLS_MODEL):
            if not (models / name).is_file():
                raise FileNotFoundError(f"OCR model {name} missing from {models}; it is never downloaded")
        self._lock = threading.Lock()
        self._engine = RapidOCR(
            params={
                "Global.log_level": "error",
                "Global.text_score": TEXT_SCORE,
                "Det.model_path": str(models / DET_MODEL),
                "Rec.model_path": str(models / REC_MODEL),
                "Cls.model_path": str(models / CLS_MODEL),
                "Det.limit_side_len": det_side,
                "Det.limit_type": "max",
                "Det.unclip_ratio": unclip_ratio,
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )
        # The classifier and recogniser are run on our own crops (document-level orientation); these loaders
        # are rapidocr internals of the pinned version, so a changed API fails here, at start.
        self._cls = self._engine._load_cls_model()
        self._rec = self._engine._load_rec_model()

    def read(self, image: np.ndarray) -> list[OcrLine]:
        """Text lines of a BGR image (texts upright, boxes in ``image`` coordinates), in detection order."""
        from rapidocr.utils.process_img import get_rotate_crop_image

        with self._lock:
            detected: Any = self._engine(image, use_det=True, use_cls=False, use_rec=False)
            boxes = getattr(detected, "boxes", None)
            if boxes is None or len(boxes) == 0:
                return []
            crops = [get_rotate_crop_image(image, np.asarray(box, dtype=np.float32)) for box in boxes]
            classified: Any = self._cls(crops)
            votes = [
                (str(label), float(score), crop.shape[1] / max(crop.shape[0], 1))
                for (label, score), crop in zip(classified.cls_res, crops, strict=True)
            ]
            if upside_down_by_vote(votes):
                crops = [np.ascontiguousarray(crop[::-1, ::-1]) for crop in crops]
            texts, scores = self._recognise(crops)
        lines = []
        for box, text, score in zip(boxes, texts, scores, strict=True):
            if score < TEXT_SCORE or not str(text).strip():
                continue
            corners = tuple((float(x), float(y)) for x, y in box)
            lines.append(OcrLine(str(text), float(score), corners))  # type: ignore[arg-type]
        return lines

    def recognise(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        """(text, score) of upright single-line crops, without detection or classification."""
        if not crops:
            return []
        with self._lock:
            texts, scores = self._recognise(list(crops))
        return [(str(text), float(score)) for text, score in zip(texts, scores, strict=True)]

    def _recognise(self, crops: list[np.ndarray]) -> tuple[Sequence[str], Sequence[float]]:
        from rapidocr.ch_ppocr_rec.typings import TextRecInput

        result: Any = self._rec(TextRecInput(img=crops))
        return result.txts, result.scores


def build_document_reader(threads: int = 1) -> DocumentReader:
    """The service's document reader: a ``DocumentReader`` over a new ``RapidOcrEngine`` (loads its models,
    about a second). Built once per app (bootstrap.py) or per command (CLI, benchmarks), never per image."""
    return DocumentReader(RapidOcrEngine(threads=threads))
