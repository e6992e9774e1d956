"""Per-field confidence and the verdict of a document's checks (ok, review or rejected).

A field's confidence is the recogniser's score of the OCR lines it was read from (the lowest of them). A field
below the threshold sends the document to human review instead of "ok": a look-alike character (毫 for 亳)
passes every format check, but the recogniser is less sure of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.kyc.domain.face_decision import REJECTING_CHECKS
from services.kyc.domain.layout import FieldText
from services.kyc.domain.ocr_types import OcrLine
from services.kyc.domain.text_normalize import compact

# Measured on the realistic bench corpus: fields read right score 0.98-1.0 but for rare characters
# (0.93 for 吕祎), misreads of a rare character 0.92 (郑娜赞 for 郑娜赟).
FIELD_REVIEW_THRESHOLD = 0.95


def _best_line_score(lines: Sequence[OcrLine], value: str) -> float:
    """Score of the line sharing most characters with ``value`` (a value found outside its label's row)."""
    wanted = set(value)
    best: tuple[float, float] | None = None
    for line in lines:
        overlap = len(wanted & set(compact(line.text))) / max(len(wanted), 1)
        if best is None or overlap > best[0]:
            best = (overlap, line.score)
    return best[1] if best is not None and best[0] > 0 else 0.0


def field_scores(
    lines: Sequence[OcrLine],
    extracted: Mapping[str, FieldText],
    fields: Mapping[str, str],
    renames: Mapping[str, tuple[str, ...]] = {},
) -> dict[str, float]:
    """Field name → confidence, for every field in ``fields``. ``extracted`` is the layout's field texts by
    label key; ``renames`` maps a label key to the field names read from it (``validity`` → from and to)."""
    out: dict[str, float] = {}
    for key, text in extracted.items():
        for name in renames.get(key, (key,)):
            if name in fields and text.scores:
                out[name] = round(text.score, 3)
    for name, value in fields.items():
        if name not in out:
            out[name] = round(_best_line_score(lines, value), 3)
    return out


def confidence_checks(
    confidences: Mapping[str, float],
    fields: Mapping[str, str],
    threshold: float = FIELD_REVIEW_THRESHOLD,
    vouched: Sequence[str] = (),
) -> dict[str, Any]:
    """``fields_confident`` and the fields below ``threshold``. ``vouched`` fields are left out: another
    check settles them whatever the score (the sex and birth date against the ID number, the ethnicity
    against the closed list; a lone character such as 汉 scores low although read right)."""
    low = sorted(name for name in fields if name not in vouched and confidences.get(name, 0.0) < threshold)
    return {"fields_confident": not low, "low_confidence_fields": low}


def with_verdict(checks: dict[str, Any]) -> dict[str, Any]:
    """Adds ``ok`` (every check passed), ``failed`` (the names of those that did not) and ``verdict``:
    "rejected" when a rejecting check failed, "review" when only others did, else "ok"."""
    failed = [name for name, passed in checks.items() if passed is False]
    verdict = "rejected" if any(name in REJECTING_CHECKS for name in failed) else ("review" if failed else "ok")
    return {**checks, "ok": not failed, "failed": failed, "verdict": verdict}
