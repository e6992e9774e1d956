"""Records' pure domain: preconditions (If-Match), validation reasons, the audit summary, masking."""

from __future__ import annotations

from typing import Any

import pytest

from services.records.domain import preconditions
from services.records.domain.changes import for_event, mask_name, summarize
from services.records.domain.config import BranchConfig
from services.records.domain.preconditions import PreconditionFailed, PreconditionRequired, parse_if_match
from services.records.domain.validation import InvalidConfig, validate
from tests.integration.records_support import document


def test_etags_and_if_match_parsing() -> None:
    assert preconditions.etag(3) == '"3"'
    assert parse_if_match(None) is None and parse_if_match("  ") is None
    parsed = parse_if_match('"1", W/"2", "x", *')
    assert parsed is not None and parsed.any and parsed.versions == frozenset({1})


@pytest.mark.parametrize(
    ("current", "header", "outcome"),
    [
        (None, None, None),
        (None, '"1"', PreconditionFailed),
        (None, "*", PreconditionFailed),
        (2, None, PreconditionRequired),
        (2, '"2"', None),
        (2, '"1"', PreconditionFailed),
        (2, 'W/"2"', PreconditionFailed),
        (2, "*", None),
        (2, '"1", "2"', None),
    ],
)
def test_preconditions(current: int | None, header: str | None, outcome: type[Exception] | None) -> None:
    if outcome is None:
        preconditions.check(current, parse_if_match(header))
    else:
        with pytest.raises(outcome):
            preconditions.check(current, parse_if_match(header))


def _codes(doc: dict[str, Any]) -> set[str]:
    with pytest.raises(InvalidConfig) as refused:
        validate(doc)
    return {r.code for r in refused.value.reasons}


def test_a_valid_document_passes_and_keeps_opaque_json() -> None:
    config = validate(document())
    assert config.cameras[0].zones == {"waiting": [[0, 0], [1, 0], [1, 1]]}
    doc = document()
    doc["cameras"][0]["zones"] = {"anything": {"nested": [1, {"free": True}]}}
    assert validate(doc).cameras[0].zones["anything"]["nested"][1] == {"free": True}, "no unknown_field inside"


def test_hours_that_touch_do_not_overlap_and_a_closed_day_is_left_out() -> None:
    doc = document()
    doc["branch"]["hours"] = {"mon": [{"open": "13:00", "close": "17:00"}, {"open": "09:00", "close": "13:00"}]}
    assert validate(doc).branch.hours


def test_reasons_for_unknown_fields_at_any_depth() -> None:
    doc = document()
    doc["colour"] = "blue"
    doc["branch"]["hours"]["mon"][0]["opens"] = "08:00"
    with pytest.raises(InvalidConfig) as refused:
        validate(doc)
    assert {(r.code, r.field) for r in refused.value.reasons} == {
        ("unknown_field", "colour"),
        ("unknown_field", "branch.hours.mon.0.opens"),
    }


def test_a_skill_no_window_offers_and_a_window_skill_the_branch_does_not_list() -> None:
    doc = document()
    doc["staff"][0]["skills"] = ["cash", "fx"]
    doc["windows"][0]["skills"] = ["cash", "wealth"]
    assert _codes(doc) == {"skill_not_offered", "unknown_service"}


def test_invalid_config_message_names_the_first_reasons() -> None:
    doc = document()
    doc["branch"]["timezone"] = "Nowhere/Land"
    with pytest.raises(InvalidConfig, match=r"branch\.timezone: unknown time zone 'Nowhere/Land'"):
        validate(doc)


def test_summary_names_ids_and_fields_only() -> None:
    before = BranchConfig.model_validate(document())
    assert summarize(None, before) == {
        "created": True,
        "counts": {"services": 2, "windows": 2, "staff": 2, "cameras": 1, "devices": 2},
    }
    doc = document()
    doc["staff"][0]["display_name"] = "王小芳"
    doc["services"].pop()
    doc["windows"][1]["skills"] = ["cash"]
    doc["staff"][1]["skills"] = ["cash"]
    doc["branch"]["holidays"] = []
    summary = summarize(before, BranchConfig.model_validate(doc))
    assert summary == {
        "branch": ["holidays"],
        "services": {"removed": ["general"]},
        "windows": {"changed": ["w2"]},
        "staff": {"changed": ["s01", "s02"]},
    }
    assert "王" not in str(summary)
    doc = document()
    doc["devices"].reverse()
    assert summarize(before, BranchConfig.model_validate(doc)) == {"order": True}


@pytest.mark.parametrize(("name", "masked"), [("王芳", "王*"), ("Li Na", "L* N*"), ("A", "A*"), ("  ", "*")])
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_events_carry_masked_names_and_nothing_else_changes() -> None:
    config = BranchConfig.model_validate(document())
    announced = for_event(config)
    assert [s.display_name for s in announced.staff] == ["王*", "L* N*"]
    assert announced.model_copy(update={"staff": config.staff}) == config
