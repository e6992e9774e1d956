"""The real-specimen bench's manifest loader and scorer (bench/kyc/specimens.py), on tiny in-memory cases."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from bench.kyc.specimens import (
    HIDDEN,
    KINDS,
    field_digest,
    image_of,
    load_manifest,
    misses,
    parse_manifest,
    score_specimen,
    shown,
)
from bench.kyc_specimens import differing_positions, masked_line

TRUE = {"name": "张三", "sex": "男", "id_number": "11010519491231002X"}
IMAGE = b"not really a jpeg"


def manifest(**changes: Any) -> dict[str, Any]:
    entry = {
        "id": "one",
        "repo": "someone/ocr-demo",
        "commit": "0" * 40,
        "path": "test/card one.jpg",
        "sha256": hashlib.sha256(IMAGE).hexdigest(),
        "licence": "MIT",
        "kind": "portrait",
        "marked_specimen": True,
        "fields": TRUE,
    }
    return {"documents": [entry | changes]}


def result(checks_ok: bool, **fields: str) -> dict[str, Any]:
    return {"fields": TRUE | fields, "checks": {"ok": checks_ok}}


def test_a_manifest_entry_becomes_a_specimen_named_after_its_repository_and_path() -> None:
    (specimen,) = parse_manifest(manifest())
    assert specimen.fields == TRUE
    assert specimen.local_name == "someone__ocr-demo__test__card one.jpg"


@pytest.mark.parametrize("changes", [{"kind": "passport"}, {"sha256": "abc"}, {"fields": {}}])
def test_a_malformed_entry_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        parse_manifest(manifest(**changes))


def test_an_id_given_twice_is_refused() -> None:
    data = manifest()
    data["documents"] *= 2
    with pytest.raises(ValueError, match="twice"):
        parse_manifest(data)


def test_an_image_is_used_only_when_present_and_its_sha256_is_the_recorded_one(tmp_path: Path) -> None:
    (specimen,) = parse_manifest(manifest())
    assert image_of(specimen, tmp_path) is None
    (tmp_path / specimen.local_name).write_bytes(IMAGE + b"!")
    assert image_of(specimen, tmp_path) is None
    (tmp_path / specimen.local_name).write_bytes(IMAGE)
    assert image_of(specimen, tmp_path) == IMAGE


def test_an_exact_reading_scores_every_field_and_the_whole_document() -> None:
    (specimen,) = parse_manifest(manifest())
    tally = score_specimen(specimen, result(True))
    assert (tally.fields, tally.exact_fields, tally.exact_documents, tally.silent_errors) == (3, 3, 1, 0)


def test_a_misread_on_a_document_whose_checks_say_ok_is_a_silent_error_and_a_number_passing() -> None:
    (specimen,) = parse_manifest(manifest())
    tally = score_specimen(specimen, result(True, id_number="110105194912310021"))
    assert (tally.exact_fields, tally.silent_errors, tally.numbers_passing, tally.sent_to_review) == (2, 1, 1, 0)


def test_a_misread_caught_by_a_check_goes_to_review_and_is_not_silent() -> None:
    (specimen,) = parse_manifest(manifest())
    tally = score_specimen(specimen, result(False, name="张二"))
    assert (tally.exact_fields, tally.silent_errors, tally.numbers_passing, tally.sent_to_review) == (2, 0, 0, 1)
    assert misses(specimen, result(False, name="张二")) == {"name": ("张三", "张二")}


def test_a_document_the_reader_gave_up_on_misses_every_field_and_is_not_ok() -> None:
    (specimen,) = parse_manifest(manifest())
    tally = score_specimen(specimen, None)
    assert (tally.exact_fields, tally.silent_errors, tally.sent_to_review) == (0, 0, 1)


def test_numbers_are_masked_in_what_the_bench_prints_and_writes() -> None:
    assert shown("id_number", "11010519491231002X") == "1101**********002X"
    assert shown("name", "张三") == "张三"
    assert masked_line("公民身份号码11010519491231002X") == "公民身份号码1101**********002X"
    assert differing_positions("110105", "110165") == [5]
    assert differing_positions("110105", None) is None


def test_the_committed_manifest_loads_with_each_kinds_fields() -> None:
    names = {
        "portrait": {"name", "sex", "ethnicity", "birth_date", "address", "id_number"},
        "emblem": {"issuing_authority", "valid_from", "valid_to"},
        "licence": {"name", "credit_code", "type", "legal_representative", "registered_capital", "address"},
    }
    specimens = load_manifest()
    assert specimens
    for specimen in specimens:
        assert specimen.kind in KINDS
        assert names[specimen.kind] <= set(specimen.field_names), specimen.id
        assert specimen.marked_specimen or not specimen.fields, f"{specimen.id}: truth of a real-looking card in clear"


def digest_kept(**changes: Any) -> dict[str, Any]:
    sha = hashlib.sha256(IMAGE).hexdigest()
    digests = {name: field_digest(sha, name, value) for name, value in TRUE.items()}
    entry = manifest()["documents"][0] | {"marked_specimen": False, "fields_scrypt": digests}
    del entry["fields"]
    return {"documents": [entry | changes]}


def test_a_card_without_a_sample_marking_may_not_keep_its_truth_in_clear() -> None:
    with pytest.raises(ValueError, match="fields_scrypt"):
        parse_manifest(manifest(marked_specimen=False))


def test_a_digest_kept_card_scores_exactly_as_one_in_clear_without_holding_the_values() -> None:
    (kept,) = parse_manifest(digest_kept())
    (clear,) = parse_manifest(manifest())
    assert kept.fields == {} and set(kept.digests) == set(TRUE)
    assert "张三" not in repr(kept)
    for reading in (result(True), result(True, id_number="110105194912310021"), result(False, name="张二"), None):
        a, b = score_specimen(kept, reading), score_specimen(clear, reading)
        assert (a.fields, a.exact_fields, a.exact_documents, a.silent_errors, a.numbers_passing, a.sent_to_review) == (
            b.fields,
            b.exact_fields,
            b.exact_documents,
            b.silent_errors,
            b.numbers_passing,
            b.sent_to_review,
        )
    assert misses(kept, result(False, name="张二")) == {"name": (HIDDEN, "张二")}


def test_what_is_shown_of_a_card_that_may_show_a_real_person_is_masked() -> None:
    (kept,) = parse_manifest(digest_kept())
    assert shown("name", "张二", kept) == "张*"
    assert shown("address", "北京市东城区东华门街道1号", kept) == "北京市东城区…"
    assert shown("id_number", "11010519491231002X", kept) == "1101**********002X"
    assert shown("sex", "男", kept) == "男"
    assert field_digest(kept.sha256, "name", "张三") != field_digest(kept.sha256, "address", "张三")
