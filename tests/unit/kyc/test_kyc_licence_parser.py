"""Parsing a two-column business licence: wrapped values, labels split by blanks, repaired credit code."""

import pytest

from services.kyc.domain.licence import licence_checks, parse_licence
from services.kyc.domain.ocr_types import OcrLine, line_at

EXPECTED = {
    "credit_code": "91320102MA1X3B4Q5U",
    "name": "南京青禾科技有限公司",
    "type": "有限责任公司(自然人投资或控股)",
    "legal_representative": "周嘉琪",
    "registered_capital": "壹佰万元整",
    "address": "江苏省南京市玄武区长江路88号2栋1单元302室",
    "established": "2016-08-09",
}


def licence_lines(code_text: str = "91320102MA1X3B4Q5U") -> list[OcrLine]:
    return [
        line_at("统一社会信用代码", 60, 68, 200, 24),
        line_at("营业执照", 354, 70, 200, 60),
        line_at(code_text, 60, 97, 230, 24),
        line_at("名 称", 75, 230, 40, 26),
        line_at("南京青禾科技有限公司", 192, 231, 250, 24),
        line_at("注册资本", 516, 230, 80, 26),
        line_at("壹佰万元整", 632, 229, 120, 26),
        line_at("类型", 73, 278, 40, 28),
        line_at("有限责任公司(自然人投资或控", 192, 280, 280, 24),
        line_at("成立日期", 516, 279, 80, 26),
        line_at("2016年08月09日", 634, 280, 150, 24),
        line_at("股)", 192, 306, 30, 24),
        line_at("法定代表人周嘉琪", 74, 336, 200, 28),
        line_at("营业期限", 518, 329, 80, 26),
        line_at("2016年08月09日至长期", 634, 329, 200, 24),
        line_at("经营范围", 73, 376, 80, 26),
        line_at("科技领域内的技术开发、技术咨", 191, 378, 280, 24),
        line_at("住所", 516, 376, 40, 28),
        line_at("江苏省南京市玄武区长江路8", 635, 378, 260, 24),
        line_at("询、技术服务；销售日用百货、", 192, 405, 280, 26),
        line_at("8号2栋1单元302室", 633, 405, 180, 26),
        line_at("登记机关", 619, 591, 80, 26),
    ]


@pytest.mark.parametrize(
    ("code_text", "code_ok"),
    [
        ("91320102MA1X3B4Q5U", True),
        ("9I32O1O2MA1X3B4Q5U", True),  # I and O cannot occur: repaired
        ("91320102MA1X3B4Q5V", True),  # V cannot occur: read as U
        ("91320102MA1X3B4Q6U", False),  # a real misread: flagged
    ],
)
def test_licence_fields_and_code_check(code_text: str, code_ok: bool) -> None:
    fields = parse_licence(licence_lines(code_text))
    assert {key: value for key, value in fields.items() if key != "credit_code"} == {
        key: value for key, value in EXPECTED.items() if key != "credit_code"
    }
    assert (fields["credit_code"] == EXPECTED["credit_code"]) is code_ok
    checks = licence_checks(fields)
    assert checks["credit_code_checksum"] is code_ok
    assert checks["failed"] == ([] if code_ok else ["credit_code_checksum"])


def test_a_long_label_with_one_misread_character_still_anchors_its_value() -> None:
    lines = [line if line.text != "注册资本" else line_at("注朋资本", 516, 230, 80, 26) for line in licence_lines()]
    fields = parse_licence(lines)
    assert (fields["name"], fields["registered_capital"]) == (EXPECTED["name"], EXPECTED["registered_capital"])


def test_missing_fields_are_flagged() -> None:
    fields = parse_licence(licence_lines()[:6])
    assert "legal_representative" not in fields
    assert licence_checks(fields)["failed"] == ["fields_complete"]


@pytest.mark.parametrize("unreadable", ["电图", "本"])
def test_text_in_the_right_label_column_never_joins_the_left_value(unreadable: str) -> None:
    """注册资本 unreadable: its row's text starts in the right label column, so it is not the name's tail; the
    capital is missing (flagged) rather than glued onto the name."""
    lines = [line if line.text != "注册资本" else line_at(unreadable, 516, 230, 80, 26) for line in licence_lines()]
    fields = parse_licence(lines)
    assert fields["name"] == EXPECTED["name"]
    assert "registered_capital" not in fields
    assert {key: fields[key] for key in ("type", "address", "established")} == {
        key: EXPECTED[key] for key in ("type", "address", "established")
    }
    assert licence_checks(fields)["failed"] == ["fields_complete"]


def test_a_label_alone_at_its_x_makes_no_column() -> None:
    """Only labels aligned over several rows form a column; a lone right-hand label (like 民族 beside 性别)
    does not cut the values of other rows."""
    from services.kyc.domain.layout import label_columns, split_segments
    from services.kyc.domain.licence import LICENCE_LABELS

    segments = split_segments(licence_lines(), LICENCE_LABELS)
    columns = label_columns([s for s in segments if s.label is not None])
    assert columns == [73.0, 73.0, 74.0, 75.0, 516.0, 516.0, 516.0, 518.0]  # 统一社会信用代码 (60) stands apart
    lone = split_segments([line_at("名称", 75, 230, 40, 26), line_at("注册资本", 516, 230, 80, 26)], LICENCE_LABELS)
    assert label_columns([s for s in lone if s.label is not None]) == []


def _replace(text: str, new: OcrLine) -> list[OcrLine]:
    return [new if line.text == text else line for line in licence_lines()]


@pytest.mark.parametrize(
    ("label", "misread"),
    [("名 称", line_at("名郡", 75, 230, 40, 26)), ("住所", line_at("仕所", 516, 376, 40, 28))],
    ids=["name", "address"],
)
def test_a_two_character_label_misread_by_one_character_in_its_column_is_that_label(
    label: str, misread: OcrLine
) -> None:
    assert parse_licence(_replace(label, misread)) == EXPECTED


@pytest.mark.parametrize(
    "lines",
    [
        _replace("名 称", line_at("名郡", 140, 230, 40, 26)),  # not at a label column's edge
        _replace("名 称", line_at("名郡公司", 75, 230, 80, 26)),  # not two characters alone
        [*_replace("名 称", line_at("名郡", 75, 230, 40, 26)), line_at("名称", 75, 600, 40, 26)],  # found elsewhere
        # 名称 and 类型 both unread: 名型 is one character from each, so it is neither
        [line for line in _replace("名 称", line_at("名型", 75, 230, 40, 26)) if line.text != "类型"],
    ],
    ids=["off-column", "longer", "label-found", "ambiguous"],
)
def test_other_near_misses_stay_plain_text(lines: list[OcrLine]) -> None:
    fields = parse_licence(lines)
    assert "name" not in fields
    assert licence_checks(fields)["failed"] == ["fields_complete"]


def test_an_unread_right_label_does_not_continue_the_left_field_above() -> None:
    """住所 unreadable (not a label spelling) just below 法定代表人's row: its text starts in the right label
    column, so it is not a continuation of the legal representative."""
    lines = _replace("住所", line_at("仆斯", 516, 350, 40, 28))
    lines = [line_at("法定代表人周嘉琪", 74, 336, 200, 28) if line.text.startswith("法定") else line for line in lines]
    fields = parse_licence(lines)
    assert fields["legal_representative"] == "周嘉琪"
    # Without its label the address is still found by its shape (a province, a street), never glued above.
    assert fields["address"] == EXPECTED["address"]
