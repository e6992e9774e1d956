"""Three-way face-match decision and the overall KYC decision with its reasons (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from branchops.contracts.enums import KycDecision


@dataclass(frozen=True)
class MatchThresholds:
    """SFace cosine thresholds: ``>= approve`` is a match, ``< reject`` is not, in between a person looks."""

    approve: float = 0.45
    reject: float = 0.30

    def __post_init__(self) -> None:
        if not -1.0 <= self.reject <= self.approve <= 1.0:
            raise ValueError(f"need -1 <= reject ({self.reject}) <= approve ({self.approve}) <= 1")


def match_decision(score: float, thresholds: MatchThresholds) -> KycDecision:
    if score >= thresholds.approve:
        return KycDecision.APPROVED
    if score < thresholds.reject:
        return KycDecision.REJECTED
    return KycDecision.REVIEW


def match_reason(score: float, thresholds: MatchThresholds) -> str:
    decision = match_decision(score, thresholds)
    if decision is KycDecision.APPROVED:
        return f"face_match: similarity {score:.3f} >= {thresholds.approve:.3f}"
    if decision is KycDecision.REJECTED:
        return f"face_mismatch: similarity {score:.3f} < {thresholds.reject:.3f}"
    return f"face_uncertain: similarity {score:.3f} between {thresholds.reject:.3f} and {thresholds.approve:.3f}"


@dataclass(frozen=True)
class Outcome:
    decision: KycDecision
    reasons: tuple[str, ...]


# Document checks whose failure rejects (a forged or misread number), and those that send to a person.
# Names follow ``id_card.portrait_checks`` / ``emblem_checks`` / ``licence.licence_checks``.
REJECTING_CHECKS = frozenset(
    {"id_number_checksum", "birth_date_matches_id", "sex_matches_id", "not_expired", "credit_code_checksum"}
)
REVIEW_CHECKS = frozenset(
    {
        "fields_complete",
        "id_number_region",
        "ethnicity_known",
        "validity_well_formed",
        "already_valid",
        "validity_matches_age",
        "capture_camera",
        "face_on_document",
        "emblem_side_read",
        "issuing_authority_police",
        "issuing_authority_matches_id_region",
        "address_matches_id_region",
        "credit_code_matches_address",
        "fields_confident",
    }
)


def combine(
    document_checks: Mapping[str, object],
    face: KycDecision | None,
    face_reason: str | None,
    liveness_passed: bool | None,
    liveness_reasons: Sequence[str] = (),
) -> Outcome:
    """Worst of the parts wins: any rejecting failure rejects; any doubt sends to human review.

    ``face`` and ``liveness_passed`` are None for documents without a face (business licences).
    """
    reasons: list[str] = []
    rejected = review = False
    for name, value in sorted(document_checks.items()):
        if value is False:
            if name in REJECTING_CHECKS:
                rejected = True
                reasons.append(f"document_check_failed: {name}")
            elif name in REVIEW_CHECKS:
                review = True
                reasons.append(f"document_check_doubtful: {name}")
    if face is not None:
        reasons.append(face_reason or f"face: {face.value}")
        rejected |= face is KycDecision.REJECTED
        review |= face is KycDecision.REVIEW
    if liveness_passed is not None:
        if liveness_passed:
            reasons.append("liveness_passed")
        else:
            rejected = True
            reasons.extend(f"liveness_failed: {r}" for r in liveness_reasons or ("unspecified",))
    if rejected:
        return Outcome(KycDecision.REJECTED, tuple(reasons))
    if review:
        return Outcome(KycDecision.REVIEW, tuple(reasons))
    return Outcome(KycDecision.APPROVED, tuple(reasons))
