"""OCR with rapidocr (PP-OCR models shipped inside the wheel): one engine, loaded once per worker."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from services.kyc.domain.ocr_types import OcrLine

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"


def bundled_models_dir() -> Path:
    import rapidocr

    return Path(rapidocr.__file__).parent / "models"


class RapidOcrEngine:
    """Holds one rapidocr engine; calls are serialised, so share one instance per worker process.

    Model paths point at the files inside the installed wheel, so nothing is ever downloaded.
    """

    def __init__(self, threads: int = 1, det_side: int = 640, models_dir: Path | None = None,
                 unclip_ratio: float = 1.6) -> None:
        from rapidocr import RapidOCR

        models = models_dir or bundled_models_dir()
        for name in (DET_MODEL, REC_MODEL, CLS_MODEL):
            if not (models / name).is_file():
                raise FileNotFoundError(f"OCR model {name} missing from {models}; it is never downloaded")
        self._lock = threading.Lock()
        self._engine = RapidOCR(
            params={
                "Global.log_level": "error",
                "Global.text_score": 0.4,
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

    def read(self, image: np.ndarray) -> list[OcrLine]:
        """Text lines of a BGR image, top to bottom."""
        with self._lock:
            result: Any = self._engine(image)
        boxes, texts, scores = result.boxes, result.txts, result.scores
        if boxes is None or texts is None or scores is None:
            return []
        lines = []
        for box, text, score in zip(boxes, texts, scores, strict=True):
            corners = tuple((float(x), float(y)) for x, y in box)
            lines.append(OcrLine(str(text), float(score), corners))  # type: ignore[arg-type]
        return lines
