"""Merchant onboarding's pure rules: the case's steps, the cross-checks, the review sheet, the officer's decision."""

from __future__ import annotations

from typing import Any

import pytest

from services.kyc.domain import merchant


def documents(**overrides: Any) -> dict[str, dict[str, Any]]:
    docs: dict[str, dict[str, Any]] = {
        "licence": {
            "fields": {
                "name": "南京晨光科技有限公司",
                "credit_code": "91320102MA1XXXXX1",
                "legal_representative": "王 伟",
            },
            "field_confidence": {"name": 0.99, "credit_code": 0.97, "legal_representative": 0.91},
            "checks": {"credit_code_checksum": True, "credit_code_matches_address": True, "ok": True},
        },
        "portrait": {
            "fields": {"name": "王伟", "id_number": "320102199001011234"},
            "field_confidence": {"name": 0.98, "id_number": 0.99},
            "checks": {"id_number_checksum": True, "id_number_region": True},
        },
        "emblem": {
            "fields": {"issuing_authority": "南京市公安局玄武分局", "valid_to": "2036-01-01"},
            "field_confidence": {"issuing_authority": 0.99, "valid_to": 0.99},
            "checks": {"not_expired": True},
        },
    }
    for key, value in overrides.items():
        doc, _, name = key.partition("__")
        docs[doc]["checks"][name] = value
    return docs


LIVE = {"passed": True}
MATCH = {"decision": "approved"}


def test_steps_follow_what_the_case_holds() -> None:
    assert merchant.next_status({}, False) == merchant.AWAITING_LICENCE
    assert merchant.next_status({"licence": 1}, False) == merchant.AWAITING_ID_CARD
    assert merchant.next_status({"licence": 1, "portrait": 1}, False) == merchant.AWAITING_ID_CARD
    assert merchant.next_status({"licence": 1, "portrait": 1, "emblem": 1}, False) == merchant.AWAITING_SELFIE
    assert merchant.next_status({"licence": 1, "portrait": 1, "emblem": 1}, True) == merchant.REVIEW


@pytest.mark.parametrize(
    ("status", "kind", "docs", "reason"),
    [
        (merchant.AWAITING_LICENCE, "id_card", {}, "licence_first"),
        (merchant.AWAITING_ID_CARD, "selfie", {"licence": 1, "portrait": 1}, "id_card_first"),
        (merchant.REVIEW, "licence", {"licence": 1}, "case_in_review"),
        (merchant.APPROVED, "selfie", {"licence": 1, "portrait": 1, "emblem": 1}, "case_decided"),
        (merchant.REJECTED, "licence", {}, "case_decided"),
    ],
)
def test_uploads_out_of_order_are_refused_with_their_reason(
    status: str, kind: str, docs: dict[str, int], reason: str
) -> None:
    with pytest.raises(merchant.CaseStateError) as refused:
        merchant.check_upload(status, kind, docs)
    assert refused.value.reason == reason


def test_uploads_open_in_order_and_after_more_was_asked() -> None:
    merchant.check_upload(merchant.AWAITING_LICENCE, "licence", {})
    merchant.check_upload(merchant.AWAITING_ID_CARD, "id_card", {"licence": 1})
    merchant.check_upload(merchant.MORE_REQUESTED, "licence", {"licence": 1, "portrait": 1, "emblem": 1})


def test_cross_checks_join_licence_card_and_face() -> None:
    cross = merchant.cross_checks(documents(), MATCH, LIVE)
    assert all(cross.values()), cross  # "王 伟" on the licence is the card's 王伟 (spacing is no difference)
    other = documents()
    other["portrait"]["fields"]["name"] = "王玮"
    assert merchant.cross_checks(other, MATCH, LIVE)["legal_representative_matches_id_name"] is False
    failing = merchant.cross_checks(
        documents(
            licence__credit_code_checksum=False, emblem__not_expired=False, licence__credit_code_matches_address=False
        ),
        {"decision": "review"},
        {"passed": False},
    )
    assert {name for name, ok in failing.items() if not ok} == {
        "credit_code_valid",
        "card_not_expired",
        "licence_region_matches_address",
        "face_matches",
        "liveness_passed",
    }
    assert merchant.cross_checks({}, {}, {})["legal_representative_matches_id_name"] is False  # nothing read: no match


def test_review_sheet_has_every_field_with_confidence_and_its_checks() -> None:
    docs = documents()
    checks = merchant.flat_checks(docs, merchant.cross_checks(docs, MATCH, LIVE))
    rows = {(r.document, r.name): r for r in merchant.review_sheet(docs, checks)}
    assert len(rows) == sum(len(names) for names in merchant.FIELDS.values())
    rep = rows[("licence", "legal_representative")]
    assert (rep.confidence, rep.low_confidence, rep.checks) == (
        0.91,
        True,
        {"legal_representative_matches_id_name": True},
    )
    assert not rep.ok  # below the threshold: the officer looks at it
    code = rows[("licence", "credit_code")]
    assert code.checks == {"licence.credit_code_checksum": True} and code.ok
    missing = rows[("licence", "type")]
    assert (missing.value, missing.confidence, missing.low_confidence, missing.ok) == (None, 0.0, True, False)
    assert rows[("portrait", "id_number")].checks == {
        "portrait.id_number_checksum": True,
        "portrait.id_number_region": True,
    }


def test_an_officer_decision_is_validated() -> None:
    ok = {"face_matches": True}
    approved = merchant.validate_decision(
        merchant.REVIEW, "approve", None, {"licence.name": " 南京晨光科技有限公司 "}, ok
    )
    assert (approved.action, approved.reason, approved.corrections) == (
        "approve",
        "",
        {"licence.name": "南京晨光科技有限公司"},
    )
    cases: list[tuple[str, str, str | None, dict[str, object] | None, dict[str, bool], str]] = [
        (merchant.REVIEW, "reject", "  ", None, ok, "reason_required"),
        (merchant.REVIEW, "ask_more", None, None, ok, "reason_required"),
        (merchant.REVIEW, "approve", "x" * 501, None, ok, "reason_too_long"),
        (merchant.REVIEW, "approve", None, {"licence.colour": "red"}, ok, "unknown_field"),
        (merchant.REVIEW, "approve", None, {"name": "x"}, ok, "unknown_field"),
        (merchant.REVIEW, "approve", None, {"portrait.name": ""}, ok, "invalid_correction"),
        (merchant.REVIEW, "approve", None, {"portrait.name": 7}, ok, "invalid_correction"),
        (merchant.REVIEW, "approve", None, None, {"face_matches": False}, "blocking_checks_failed"),
        (merchant.REVIEW, "approve", None, None, {"licence.credit_code_checksum": False}, "blocking_checks_failed"),
        (merchant.REVIEW, "maybe", "x", None, ok, "unknown_action"),
    ]
    for status, action, reason, corrections, checks, expected in cases:
        with pytest.raises(merchant.DecisionError) as refused:
            merchant.validate_decision(status, action, reason, corrections, checks)
        assert refused.value.reason == expected, (action, reason, corrections)
    for status, expected in ((merchant.APPROVED, "case_decided"), (merchant.AWAITING_SELFIE, "case_not_in_review")):
        with pytest.raises(merchant.CaseStateError) as wrong:
            merchant.validate_decision(status, "reject", "why", None, ok)
        assert wrong.value.reason == expected
    # a doubtful (non-blocking) check does not stop an officer who looked at it
    doubtful = {"licence_region_matches_address": False, "legal_representative_matches_id_name": False}
    assert (
        merchant.validate_decision(merchant.REVIEW, "approve", "checked by phone", None, doubtful).action == "approve"
    )
    assert (
        merchant.validate_decision(merchant.REVIEW, "reject", "forged", None, {"face_matches": False}).reason
        == "forged"
    )


def test_corrections_count_only_changed_values() -> None:
    rows = merchant.review_sheet(documents(), {})
    assert merchant.corrected_count(rows, {"licence.name": "南京晨光科技有限公司", "licence.type": "有限责任公司"}) == 1


def test_corrections_replace_the_read_values_for_the_checks() -> None:
    docs = documents()
    fixed = merchant.parse_corrections({"portrait.name": " 王玮 ", "emblem.valid_to": "2040-01-01"})
    assert fixed == {"portrait.name": "王玮", "emblem.valid_to": "2040-01-01"}
    corrected = merchant.corrected_documents(docs, fixed)
    assert corrected["portrait"]["fields"]["name"] == "王玮"
    assert corrected["portrait"]["field_confidence"]["name"] == 1.0  # the officer vouches for it
    assert corrected["emblem"]["fields"]["valid_to"] == "2040-01-01"
    assert docs["portrait"]["fields"]["name"] == "王伟"  # the read values are kept as read
    assert merchant.cross_checks(corrected, MATCH, LIVE)["legal_representative_matches_id_name"] is False
    with pytest.raises(merchant.DecisionError):
        merchant.parse_corrections({"portrait.nickname": "x"})


def test_the_officers_list_counts_a_low_confidence_field_once_as_low_not_also_as_a_failed_check() -> None:
    from services.kyc.usecases.merchant import queue_entry

    case = {
        "case_id": "mc-1",
        "status": "review",
        "created_at": "2026-01-05T09:21:00+08:00",
        "documents": {"licence": {"fields": {"name": "北京青禾建筑工程有限公司"}}},
        "checks": {
            "portrait.fields_confident": False,
            "face_matches": False,
            "credit_code_valid": True,
        },
    }
    entry = queue_entry(case)
    assert entry["failed_checks"] == ["face_matches"]
    assert entry["firm"] == "北京青禾建筑工程有限公司"
