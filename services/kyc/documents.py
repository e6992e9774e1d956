"""Transitional, for ``services/kyc/cli.py`` only (being reworked in another change): delete this module
once the CLI imports ``services.kyc.usecases.documents`` and builds its reader once per command with
``services.kyc.adapters.rapid_ocr.build_document_reader()``. Until then a call without a reader builds one
(about a second); nothing is kept at module level.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.kyc.adapters.document_reader import DocumentReader
from services.kyc.adapters.image_decode import ImageLimits
from services.kyc.domain.errors import DocumentError
from services.kyc.usecases import documents

__all__ = ["DocumentError", "read_business_licence", "read_id_card"]


def _reader(reader: DocumentReader | None) -> DocumentReader:
    from services.kyc.adapters.rapid_ocr import build_document_reader

    return reader or build_document_reader()


def read_id_card(image_bytes: bytes, *, today: date, holder_birth_date: date | None = None,
                 limits: ImageLimits = ImageLimits(), reader: DocumentReader | None = None) -> dict[str, Any]:
    return documents.read_id_card(image_bytes, today=today, holder_birth_date=holder_birth_date, limits=limits,
                                  reader=_reader(reader))


def read_business_licence(image_bytes: bytes, *, limits: ImageLimits = ImageLimits(),
                          reader: DocumentReader | None = None) -> dict[str, Any]:
    return documents.read_business_licence(image_bytes, limits=limits, reader=_reader(reader))
