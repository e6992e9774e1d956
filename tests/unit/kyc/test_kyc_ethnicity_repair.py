"""民族 is a closed set of 56 names: one misread character is repaired only when a single name fits."""

import pytest

from services.kyc.domain.ethnicity import ETHNIC_GROUPS, repair_ethnicity
from services.kyc.domain.id_card import parse_portrait, portrait_checks
from services.kyc.domain.ocr_types import line_at


def test_the_closed_set_has_the_56_official_names() -> None:
    assert len(ETHNIC_GROUPS) == 56


@pytest.mark.parametrize(
    ("read", "repaired"),
    [
        ("维吾尓", "维吾尔"),
        ("蒙石", "蒙古"),
        ("士家", "土家"),
        ("哈萨兊", "哈萨克"),
        ("俄罗期", "俄罗斯"),
        ("汉", "汉"),  # already a name
        ("柯尔克孜", "柯尔克孜"),
    ],
)
def test_one_misread_character_of_a_longer_name_is_repaired(read: str, repaired: str) -> None:
    assert repair_ethnicity(read) == repaired


@pytest.mark.parametrize(
    "read",
    [
        "汊",  # one character: as near to 汉 as to 水, 白, 土 ...
        "布衣",  # 布依 or 布朗
        "鄂伦克",  # 鄂温克 or 鄂伦春
        "蒙",  # a dropped character is not guessed back
        "维吾",
        "蒙古族人",
        "维语尓",  # two characters wrong
        "",
    ],
)
def test_ambiguous_or_distant_readings_are_left_to_be_flagged(read: str) -> None:
    assert repair_ethnicity(read) == read


def _portrait(ethnicity_line: str) -> list:
    return [
        line_at("姓名", 60, 58, 50),
        line_at("王芳", 150, 55, 60),
        line_at(f"性别女{ethnicity_line}", 60, 120, 300),
        line_at("出生1990年1月2日", 60, 182, 300),
        line_at("住址江苏省南京市玄武区中山路1号", 60, 244, 420),
        line_at("公民身份号码32010219900102122X", 60, 436, 600),
    ]


def test_parser_repairs_a_longer_name_and_flags_a_one_character_misread() -> None:
    assert parse_portrait(_portrait("民族维吾尓族"))["ethnicity"] == "维吾尔"
    fields = parse_portrait(_portrait("民族汊"))
    assert fields["ethnicity"] == "汊"
    assert portrait_checks(fields)["failed"] == ["ethnicity_known"]
