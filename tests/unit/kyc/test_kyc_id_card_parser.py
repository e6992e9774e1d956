"""Parsing OCR lines of both card sides: glued labels, split lines, label noise, upside-down order."""

from datetime import date

import pytest

from services.kyc.domain.id_card import detect_side, emblem_checks, parse_emblem, parse_portrait, portrait_checks
from services.kyc.domain.ocr_types import OcrLine, line_at, rotated_180
from services.kyc.domain.orientation import ID_CARD_LABEL_ORDERS, upright_lines

NUMBER = "320102199001011232"
EXPECTED = {
    "name": "王思远",
    "sex": "男",
    "ethnicity": "汉",
    "birth_date": "1990-01-01",
    "address": "江苏省南京市玄武区中山路100号3栋2单元501室",
    "id_number": NUMBER,
}


def separate_boxes() -> list[OcrLine]:
    return [
        line_at("姓名", 60, 58, 50),
        line_at("王思远", 150, 55, 90),
        line_at("性别", 60, 120, 50),
        line_at("男", 150, 117, 30),
        line_at("民族", 250, 120, 50),
        line_at("漢", 340, 117, 30),  # traditional form from the multilingual recogniser
        line_at("出生", 60, 182, 50),
        line_at("1990年1月1日", 150, 179, 200),
        line_at("住址", 60, 244, 50),
        line_at("江苏省南京市玄武区中山", 150, 241, 330),
        line_at("路100号3栋2单元501", 150, 281, 300),
        line_at("室", 150, 321, 30),
        line_at("公民身份号码", 60, 440, 140),
        line_at(NUMBER, 260, 434, 400),
    ]


def glued_and_noisy() -> list[OcrLine]:
    return [
        line_at("娃名王思远", 60, 58, 180),  # 姓 misread as 娃, glued to the value
        line_at("性别男民族汉", 60, 120, 300),  # two labels on one line
        line_at("出生 1990 年 1 月 1 日", 60, 182, 300),
        line_at("住址江苏省南京市玄武区中山", 60, 244, 420),
        line_at("路100号3栋2单元501", 150, 281, 300),
        line_at("室", 150, 321, 30),
        line_at("公民身份号码32O1O2199OO1O11232", 60, 436, 600),  # O for 0
    ]


@pytest.mark.parametrize("lines", [separate_boxes(), glued_and_noisy()], ids=["separate", "glued"])
def test_portrait_fields(lines: list[OcrLine]) -> None:
    assert parse_portrait(lines) == EXPECTED
    assert portrait_checks(EXPECTED)["ok"]
    assert detect_side(lines) == "portrait"


def test_upside_down_lines_are_turned_before_parsing() -> None:
    flipped = rotated_180(separate_boxes(), 856, 540)
    assert parse_portrait(flipped) != EXPECTED  # reverse order breaks the layout
    upright, turned = upright_lines(flipped, 856, 540, ID_CARD_LABEL_ORDERS)
    assert turned
    assert parse_portrait(upright) == EXPECTED


def test_number_row_without_label_does_not_join_the_address() -> None:
    lines = [line for line in separate_boxes() if line.text != "公民身份号码"]
    lines = [*lines[:-1], line_at(NUMBER, 150, 355, 400)]  # just under the address
    fields = parse_portrait(lines)
    assert fields["address"] == EXPECTED["address"]
    assert fields["id_number"] == NUMBER


@pytest.mark.parametrize(
    ("change", "failed"),
    [
        ({}, []),
        ({"id_number": "320102199001011233"}, ["id_number_checksum"]),  # birth and sex digits still agree
        ({"birth_date": "1990-01-02"}, ["birth_date_matches_id"]),
        ({"sex": "女"}, ["sex_matches_id"]),
        ({"id_number": "990102199001011237"}, ["id_number_region"]),
        ({"name": None}, ["fields_complete"]),
        ({"ethnicity": "汊"}, ["ethnicity_known"]),  # a misread ethnicity is flagged
    ],
)
def test_portrait_checks(change: dict[str, str | None], failed: list[str]) -> None:
    fields = {key: value for key, value in {**EXPECTED, **change}.items() if value is not None}
    checks = portrait_checks(fields)
    assert checks["failed"] == failed
    assert checks["ok"] is (not failed)


EMBLEM_LINES = [
    line_at("中华人民共和国", 260, 56, 420, 40),
    line_at("居民身份证", 240, 130, 480, 58),
    line_at("签发机关", 150, 382, 100),
    line_at("南京市公安局玄武分局", 290, 378, 300),
    line_at("有效期限", 150, 442, 100),
    line_at("2015.03.01-2035.03.01", 290, 438, 300),
]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            EMBLEM_LINES,
            {"issuing_authority": "南京市公安局玄武分局", "valid_from": "2015-03-01", "valid_to": "2035-03-01"},
        ),
        (
            [*EMBLEM_LINES[:4], line_at("有效期限2010.01.05-长期", 150, 440, 400)],
            {"issuing_authority": "南京市公安局玄武分局", "valid_from": "2010-01-05", "valid_to": "长期"},
        ),
        (
            [
                *EMBLEM_LINES[:2],
                line_at("签发机关南京市公安局", 150, 380, 300),
                line_at("玄武分局", 290, 415, 120),
                EMBLEM_LINES[4],
                EMBLEM_LINES[5],
            ],
            {"issuing_authority": "南京市公安局玄武分局", "valid_from": "2015-03-01", "valid_to": "2035-03-01"},
        ),
    ],
    ids=["plain", "long-term", "authority-on-two-lines"],
)
def test_emblem_fields(lines: list[OcrLine], expected: dict[str, str]) -> None:
    assert parse_emblem(lines) == expected
    assert detect_side(lines) == "emblem"


@pytest.mark.parametrize(
    ("valid_to", "today", "birth", "failed"),
    [
        ("2035-03-01", date(2025, 6, 1), None, []),
        ("2035-03-01", date(2035, 3, 2), None, ["not_expired"]),
        ("2035-03-01", date(2014, 1, 1), None, ["already_valid"]),
        ("2030-03-01", date(2025, 6, 1), None, ["validity_well_formed"]),
        ("2035-03-01", date(2025, 6, 1), date(1990, 1, 1), ["validity_matches_age"]),  # 25 at issue: 10 years
        ("长期", date(2099, 6, 1), date(1950, 1, 1), []),
        ("长期", date(2025, 6, 1), date(1990, 1, 1), ["validity_matches_age"]),
    ],
)
def test_emblem_checks(valid_to: str, today: date, birth: date | None, failed: list[str]) -> None:
    fields = {"issuing_authority": "南京市公安局玄武分局", "valid_from": "2015-03-01", "valid_to": valid_to}
    checks = emblem_checks(fields, today, birth)
    assert checks["failed"] == failed


def test_no_card_text_has_no_side() -> None:
    assert detect_side([line_at("欢迎光临", 10, 10)]) is None
