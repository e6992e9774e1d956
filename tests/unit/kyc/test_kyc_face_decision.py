"""Three-way face decision and the overall KYC decision with reasons."""

from __future__ import annotations

import pytest

from branchops.contracts.enums import KycDecision
from services.kyc.domain.face_decision import MatchThresholds, combine, match_decision, match_reason

T = MatchThresholds(approve=0.45, reject=0.30)


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0.9, KycDecision.APPROVED),
        (0.45, KycDecision.APPROVED),
        (0.44, KycDecision.REVIEW),
        (0.30, KycDecision.REVIEW),
        (0.29, KycDecision.REJECTED),
        (-0.2, KycDecision.REJECTED),
    ],
)
def test_three_way(score: float, expected: KycDecision) -> None:
    assert match_decision(score, T) is expected
    assert match_reason(score, T).startswith(
        {"approved": "face_match", "review": "face_uncertain", "rejected": "face_mismatch"}[expected.value]
    )


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(ValueError):
        MatchThresholds(approve=0.2, reject=0.4)


def test_worst_part_wins_and_keeps_reasons() -> None:
    ok = {"id_number_checksum": True, "fields_complete": True}
    assert combine(ok, KycDecision.APPROVED, "face_match", True).decision is KycDecision.APPROVED
    review = combine({**ok, "id_number_region": False}, KycDecision.APPROVED, "face_match", True)
    assert review.decision is KycDecision.REVIEW
    assert "document_check_doubtful: id_number_region" in review.reasons
    bad_number = combine({**ok, "id_number_checksum": False}, KycDecision.APPROVED, "face_match", True)
    assert bad_number.decision is KycDecision.REJECTED
    assert "document_check_failed: id_number_checksum" in bad_number.reasons
    spoof = combine(ok, KycDecision.APPROVED, "face_match", False, ["action_missing: blink"])
    assert spoof.decision is KycDecision.REJECTED
    assert "liveness_failed: action_missing: blink" in spoof.reasons
    unsure = combine(ok, KycDecision.REVIEW, "face_uncertain", True)
    assert unsure.decision is KycDecision.REVIEW
    licence = combine({"credit_code_checksum": True}, None, None, None)
    assert licence.decision is KycDecision.APPROVED
