"""The document side of KYC: ID cards and business licences from image bytes.

The caller hands in the ``DocumentReader`` (the app's, from bootstrap.py via ``Engines``; the CLI's and the
benchmarks' built once with ``rapid_ocr.build_document_reader``). Blocking: the service runs these in its
model pool. Images stay in memory; nothing is written or logged.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.kyc.adapters.division_table import division_table
from services.kyc.adapters.document_reader import DocumentReader, DocumentText
from services.kyc.adapters.image_decode import ImageLimits
from services.kyc.domain import id_card, licence
from services.kyc.domain.errors import (
    DocumentError,
    ImageTooLargeError,
    NoDocumentFoundError,
    NotAnImageError,
)
from services.kyc.domain.masking import mask_credit_code, mask_id_number, mask_name
from services.kyc.domain.orientation import ID_CARD_LABEL_ORDERS, LICENCE_LABEL_ORDERS
from services.kyc.domain.regions import DivisionTable, repair_county
from services.kyc.domain.value_form import SUSPECT_CONFIDENCE
from services.kyc.domain.value_probes import id_card_probes, licence_probes

__all__ = [
    "DocumentError",
    "ImageLimits",
    "ImageTooLargeError",
    "NoDocumentFoundError",
    "NotAnImageError",
    "mask_credit_code",
    "mask_id_number",
    "mask_name",
    "read_business_licence",
    "read_id_card",
]


def _county_repaired(
    fields: dict[str, str], scores: dict[str, float], table: DivisionTable
) -> tuple[dict[str, str], dict[str, float]]:
    """A county misread by one character, repaired from the prefecture the address names
    (``regions.repair_county``); the repair is a guess, so the address goes to review."""
    fixed = repair_county(table, fields["address"]) if "address" in fields else None
    if fixed is None:
        return fields, scores
    return {**fields, "address": fixed}, {**scores, "address": min(scores.get("address", 0.0), SUSPECT_CONFIDENCE)}


def _confidence(text: DocumentText, found: int, expected: int) -> float:
    return round(text.mean_score * found / expected, 3) if expected else 0.0


def read_id_card(
    image_bytes: bytes,
    *,
    today: date,
    holder_birth_date: date | None = None,
    holder_region: str | None = None,
    limits: ImageLimits = ImageLimits(),
    reader: DocumentReader,
) -> dict[str, Any]:
    """{"side", "fields", "checks", "confidence", "field_confidence"} of one side of a resident identity card.

    ``today`` decides expiry; ``holder_birth_date`` (from the portrait side) adds the age rule of the validity
    period to the emblem-side checks, ``holder_region`` (the ID number's first six digits, or four and
    ``00``) the issuing authority's region. Every field carries its recognition score; one below the
    threshold sends the document to review (``checks["fields_confident"]``).

    Raises a ``DocumentError`` (a ``ValueError``) when the bytes are not an
    acceptable image or no card field can be read.
    """
    text = reader.read(image_bytes, id_card.keyword_hits, ID_CARD_LABEL_ORDERS, limits, prober=id_card_probes)
    side = id_card.detect_side(text.lines)
    if side is None:
        raise NoDocumentFoundError("no identity-card field could be read")
    table = division_table()
    if side == "portrait":
        parsed = id_card.with_places_repaired(id_card.parse_portrait(text.lines), table)
        names: tuple[str, ...] = id_card.PORTRAIT_FIELDS
        parsed, scores = _county_repaired(parsed, id_card.portrait_confidences(text.lines, parsed), table)
        checks = id_card.portrait_checks(parsed, table, scores)
    else:
        parsed = id_card.parse_emblem(text.lines)
        names = id_card.EMBLEM_FIELDS
        scores = id_card.emblem_confidences(text.lines, parsed)
        checks = id_card.emblem_checks(
            parsed, today, holder_birth_date, table=table, holder_region=holder_region, confidences=scores
        )
    if not parsed:
        raise NoDocumentFoundError("no identity-card field could be read")
    return {
        "side": side,
        "fields": {name: parsed.get(name) for name in names},
        "checks": checks,
        "confidence": _confidence(text, len(parsed), len(names)),
        "field_confidence": scores,
    }


def read_business_licence(
    image_bytes: bytes, *, limits: ImageLimits = ImageLimits(), reader: DocumentReader
) -> dict[str, Any]:
    """{"fields", "checks", "confidence", "field_confidence"} of a business licence (landscape or portrait
    format); raises a ``DocumentError`` like
    ``read_id_card``."""
    text = reader.read(
        image_bytes, licence.keyword_hits, LICENCE_LABEL_ORDERS, limits, prober=licence_probes, any_aspect=True
    )
    parsed = licence.parse_licence(text.lines)
    if licence.keyword_hits(text.lines) == 0 or not parsed:
        raise NoDocumentFoundError("no business-licence field could be read")
    table = division_table()
    parsed = licence.with_places_repaired(parsed, table)
    parsed, scores = _county_repaired(parsed, licence.licence_confidences(text.lines, parsed), table)
    return {
        "fields": {name: parsed.get(name) for name in licence.LICENCE_FIELDS},
        "checks": licence.licence_checks(parsed, table, scores),
        "confidence": _confidence(text, len(parsed), len(licence.LICENCE_FIELDS)),
        "field_confidence": scores,
    }
