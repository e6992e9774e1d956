"""Merchant onboarding (issue 25 item 5), pure: the case's steps, the cross-checks between the business
licence, the legal representative's ID card and the face, the review sheet the officer reads, and the
officer's decision.

A case goes ``awaiting_licence`` → ``awaiting_id_card`` (both sides) → ``awaiting_selfie`` → ``review`` →
``approved`` / ``rejected`` / ``more_requested`` (then the applicant uploads again and the case returns to
review once every part is there). A machine never approves a merchant: every complete case goes to an
officer, who sees each field's value, confidence and check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from services.kyc.domain.face_decision import REJECTING_CHECKS
from services.kyc.domain.id_card import EMBLEM_FIELDS, PORTRAIT_FIELDS
from services.kyc.domain.licence import LICENCE_FIELDS
from services.kyc.domain.review import FIELD_REVIEW_THRESHOLD
from services.kyc.domain.text_normalize import compact

AWAITING_LICENCE = "awaiting_licence"
AWAITING_ID_CARD = "awaiting_id_card"
AWAITING_SELFIE = "awaiting_selfie"
REVIEW = "review"
MORE_REQUESTED = "more_requested"
APPROVED = "approved"
REJECTED = "rejected"
FINAL = frozenset({APPROVED, REJECTED})
UPLOADS_OPEN = frozenset({AWAITING_LICENCE, AWAITING_ID_CARD, AWAITING_SELFIE, MORE_REQUESTED})
DOCUMENTS = ("licence", "portrait", "emblem")
FIELDS: dict[str, tuple[str, ...]] = {"licence": LICENCE_FIELDS, "portrait": PORTRAIT_FIELDS, "emblem": EMBLEM_FIELDS}

# The checks each field's value is judged by (the document's own, then the case's cross-checks).
FIELD_CHECKS: dict[tuple[str, str], tuple[str, ...]] = {
    ("licence", "credit_code"): ("licence.credit_code_checksum",),
    ("licence", "legal_representative"): ("legal_representative_matches_id_name",),
    ("licence", "address"): ("licence.credit_code_matches_address",),
    ("portrait", "name"): ("legal_representative_matches_id_name",),
    ("portrait", "id_number"): ("portrait.id_number_checksum", "portrait.id_number_region"),
    ("portrait", "birth_date"): ("portrait.birth_date_matches_id",),
    ("portrait", "sex"): ("portrait.sex_matches_id",),
    ("portrait", "ethnicity"): ("portrait.ethnicity_known",),
    ("portrait", "address"): ("portrait.address_matches_id_region",),
    ("emblem", "issuing_authority"): (
        "emblem.issuing_authority_police",
        "emblem.issuing_authority_matches_id_region",
    ),
    ("emblem", "valid_from"): ("emblem.already_valid", "emblem.validity_well_formed"),
    ("emblem", "valid_to"): ("card_not_expired", "emblem.validity_matches_age"),
}
# Cross-checks whose failure the officer cannot approve over (forged or wrong numbers, expired card,
# another person's face, no live person): they may only reject or ask for more.
BLOCKING = frozenset(
    {
        "credit_code_valid",
        "id_number_valid",
        "card_not_expired",
        "face_matches",
        "liveness_passed",
        *(f"{doc}.{name}" for doc in DOCUMENTS for name in REJECTING_CHECKS),
    }
)
MAX_REASON = 500
MAX_VALUE = 200

Action = Literal["approve", "reject", "ask_more"]


class CaseStateError(RuntimeError):
    """The call does not fit the case's state; ``reason`` is the problem's reason."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class DecisionError(ValueError):
    """An officer decision that cannot be taken as sent; ``reason`` is the problem's reason."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def next_status(documents: Mapping[str, object], selfie_done: bool) -> str:
    """Where a case stands from what it holds (uploads open)."""
    if "licence" not in documents:
        return AWAITING_LICENCE
    if "portrait" not in documents or "emblem" not in documents:
        return AWAITING_ID_CARD
    return REVIEW if selfie_done else AWAITING_SELFIE


def check_upload(status: str, kind: str, documents: Mapping[str, object]) -> None:
    """Raises ``CaseStateError`` when ``kind`` ("licence", "id_card", "selfie") cannot be uploaded now."""
    if status in FINAL:
        raise CaseStateError("case_decided", f"the case is already {status}")
    if status == REVIEW:
        raise CaseStateError("case_in_review", "the case is with an officer; uploads reopen if more is asked for")
    if kind == "id_card" and "licence" not in documents:
        raise CaseStateError("licence_first", "upload the business licence before the ID card")
    if kind == "selfie" and not ("portrait" in documents and "emblem" in documents):
        raise CaseStateError("id_card_first", "upload both sides of the legal representative's ID card first")


def _same_name(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and compact(a or "") == compact(b or "")


def cross_checks(
    documents: Mapping[str, Mapping[str, Any]], face: Mapping[str, Any], liveness: Mapping[str, Any]
) -> dict[str, bool]:
    """The case's checks joining its parts: the licence's legal representative is the card's holder, the
    numbers are valid, the card is in force, the licence's address lies in its registration region, the
    selfie is the holder's face and a live person."""
    licence = documents.get("licence", {})
    portrait = documents.get("portrait", {})
    emblem = documents.get("emblem", {})
    return {
        "legal_representative_matches_id_name": _same_name(
            licence.get("fields", {}).get("legal_representative"), portrait.get("fields", {}).get("name")
        ),
        "credit_code_valid": licence.get("checks", {}).get("credit_code_checksum") is True,
        "id_number_valid": portrait.get("checks", {}).get("id_number_checksum") is True,
        "card_not_expired": emblem.get("checks", {}).get("not_expired") is True,
        "licence_region_matches_address": licence.get("checks", {}).get("credit_code_matches_address") is True,
        "face_matches": face.get("decision") == "approved",
        "liveness_passed": liveness.get("passed") is True,
    }


def flat_checks(documents: Mapping[str, Mapping[str, Any]], cross: Mapping[str, bool]) -> dict[str, bool]:
    """Every boolean check of the case: ``<document>.<check>`` and the cross-checks."""
    flat = {
        f"{doc}.{name}": value
        for doc in DOCUMENTS
        for name, value in documents.get(doc, {}).get("checks", {}).items()
        if isinstance(value, bool) and name != "ok"
    }
    return {**flat, **cross}


@dataclass(frozen=True)
class ReviewField:
    document: str
    name: str
    value: str | None
    confidence: float
    low_confidence: bool
    checks: dict[str, bool] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.low_confidence and self.value is not None and all(self.checks.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "name": self.name,
            "value": self.value,
            "confidence": self.confidence,
            "low_confidence": self.low_confidence,
            "checks": self.checks,
            "ok": self.ok,
        }


def review_sheet(
    documents: Mapping[str, Mapping[str, Any]],
    checks: Mapping[str, bool],
    threshold: float = FIELD_REVIEW_THRESHOLD,
) -> list[ReviewField]:
    """One row per field of the three documents, in document order: value, confidence and its checks."""
    rows = []
    for doc in DOCUMENTS:
        entry = documents.get(doc, {})
        values = entry.get("fields", {})
        scores = entry.get("field_confidence", {})
        for name in FIELDS[doc]:
            value = values.get(name)
            confidence = float(scores.get(name, 0.0)) if value else 0.0
            own = {c: checks[c] for c in FIELD_CHECKS.get((doc, name), ()) if c in checks}
            rows.append(ReviewField(doc, name, value, round(confidence, 3), confidence < threshold, own))
    return rows


def blocking_failures(checks: Mapping[str, bool]) -> list[str]:
    return sorted(name for name, passed in checks.items() if passed is False and name in BLOCKING)


@dataclass(frozen=True)
class OfficerDecision:
    action: Action
    reason: str
    corrections: dict[str, str]


def parse_corrections(corrections: Mapping[str, object] | None) -> dict[str, str]:
    """``{"<document>.<field>": value}`` checked and trimmed, or ``DecisionError``."""
    fixed: dict[str, str] = {}
    for key, value in (corrections or {}).items():
        doc, _, name = key.partition(".")
        if doc not in FIELDS or name not in FIELDS[doc]:
            raise DecisionError("unknown_field", f"no field {key!r}; fields are <document>.<field>")
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_VALUE:
            raise DecisionError("invalid_correction", f"{key}: a non-empty text of at most {MAX_VALUE} characters")
        fixed[key] = value.strip()
    return fixed


def corrected_documents(
    documents: Mapping[str, Mapping[str, Any]], corrections: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """The documents' fields with the officer's values: what the checks are run on again. A corrected field
    is vouched for by the officer (confidence 1)."""
    out: dict[str, dict[str, Any]] = {}
    for doc, entry in documents.items():
        fields = dict(entry.get("fields", {}))
        scores = dict(entry.get("field_confidence", {}))
        for key, value in corrections.items():
            cdoc, _, name = key.partition(".")
            if cdoc == doc:
                fields[name], scores[name] = value, 1.0
        out[doc] = {**entry, "fields": fields, "field_confidence": scores}
    return out


def validate_decision(
    status: str,
    action: str,
    reason: str | None,
    corrections: Mapping[str, object] | None,
    checks: Mapping[str, bool],
) -> OfficerDecision:
    """The officer's decision, or ``CaseStateError`` / ``DecisionError`` with the problem's reason.

    Reject and ask-for-more need a reason; approve is refused while a blocking check fails (``checks``: those
    run again on the corrected fields, see ``corrected_documents``). Corrections name fields as
    ``<document>.<field>`` (``licence.name``) with the value the officer typed.
    """
    if status in FINAL:
        raise CaseStateError("case_decided", f"the case is already {status}")
    if status != REVIEW:
        raise CaseStateError("case_not_in_review", f"the case is {status}; it is not waiting for an officer")
    if action not in ("approve", "reject", "ask_more"):
        raise DecisionError("unknown_action", "action must be approve, reject or ask_more")
    text = (reason or "").strip()
    if len(text) > MAX_REASON:
        raise DecisionError("reason_too_long", f"the reason has more than {MAX_REASON} characters")
    if action != "approve" and not text:
        raise DecisionError("reason_required", f"{action} needs a reason the applicant and the audit can read")
    fixed = parse_corrections(corrections)
    if action == "approve":
        blocked = blocking_failures(checks)
        if blocked:
            raise DecisionError("blocking_checks_failed", f"cannot approve while these fail: {', '.join(blocked)}")
    return OfficerDecision(action, text, fixed)  # type: ignore[arg-type]


STATUS_OF_ACTION: dict[str, str] = {"approve": APPROVED, "reject": REJECTED, "ask_more": MORE_REQUESTED}


def corrected_count(rows: Sequence[ReviewField], corrections: Mapping[str, str]) -> int:
    """Fields whose corrected value differs from what was read."""
    read = {f"{r.document}.{r.name}": r.value for r in rows}
    return sum(1 for key, value in corrections.items() if read.get(key) != value)
