"""The OCR reader and the face engine of one kyc app, built by bootstrap.py and handed to the use cases.

Each is built on first use, in the thread that asks (always a thread of the model pool: the start-up
warm-up or the first request), then shared by the pool's threads: the OCR engine serialises its calls,
the face engine keeps one OpenCV model pair per thread. Nothing is held at module level: two apps in one
process (tests) have two sets, unless they are given the same ``Engines``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from services.kyc.adapters.document_reader import DocumentReader
from services.kyc.adapters.face_models import FaceEngine


def _document_reader() -> DocumentReader:
    from services.kyc.adapters.rapid_ocr import build_document_reader  # rapidocr loads only when needed

    return build_document_reader()


class Engines:
    def __init__(
        self, reader: Callable[[], DocumentReader] = _document_reader, faces: Callable[[], FaceEngine] = FaceEngine
    ) -> None:
        self._build_reader = reader
        self._build_faces = faces
        self._reader: DocumentReader | None = None
        self._faces: FaceEngine | None = None
        self._lock = threading.Lock()

    def reader(self) -> DocumentReader:
        """The OCR document reader (its models load on the first call: about a second)."""
        with self._lock:
            if self._reader is None:
                self._reader = self._build_reader()
            return self._reader

    def faces(self) -> FaceEngine:
        """The face engine (its models are verified and loaded on the first call)."""
        with self._lock:
            if self._faces is None:
                self._faces = self._build_faces()
            return self._faces

    def load(self) -> None:
        """Both, now (the warm-up at start, in the model pool)."""
        self.faces()
        self.reader()
