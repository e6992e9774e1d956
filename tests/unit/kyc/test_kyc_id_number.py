from datetime import date

import pytest

from services.kyc.domain import id_number as idn


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        ("11010519491231002", "X"),
        ("32010219900101123", "2"),
        ("44030520010124321", "X"),
        ("53010219800707456", "2"),
        ("61011320050601032", "7"),
    ],
)
def test_check_character_follows_gb11643(first17: str, expected: str) -> None:
    assert idn.check_character(first17) == expected


@pytest.mark.parametrize("bad", ["1101051949123100", "1101051949123100A", ""])
def test_check_character_refuses_bad_input(bad: str) -> None:
    with pytest.raises(ValueError):
        idn.check_character(bad)


@pytest.mark.parametrize(
    ("number", "checksum", "region", "birth", "sex"),
    [
        ("11010519491231002X", True, True, date(1949, 12, 31), "女"),
        ("320102199001011232", True, True, date(1990, 1, 1), "男"),
        ("320102199001011233", False, True, date(1990, 1, 1), "男"),  # one digit off: caught
        ("320102199001011223", False, True, date(1990, 1, 1), "女"),  # last two digits swapped: caught
        ("510104198502290018", True, True, None, "男"),  # 29 February 1985 does not exist
        ("991234199001011230", False, False, date(1990, 1, 1), "男"),  # province 99 is not one
        ("32010219900101123", False, False, None, None),  # 17 characters
        ("32010219900101123Y", False, False, None, None),
    ],
)
def test_facts_of_a_number(number: str, checksum: bool, region: bool, birth: date | None, sex: str | None) -> None:
    facts = idn.facts_of(number)
    assert (facts.checksum_ok, facts.region_plausible, facts.birth_date, facts.sex) == (checksum, region, birth, sex)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("公民身份号码 320102199001011232", "320102199001011232"),
        ("公民身份号码320102199001011232", "320102199001011232"),
        ("３２０１０２１９９００１０１１２３２", "320102199001011232"),  # full-width digits
        ("11O1O519491231OO2x", "11010519491231002X"),  # O for 0, lower-case x
        ("3201 0219 9001 0112 32", "320102199001011232"),  # blanks inside
        ("号码 44030520010124321×", "44030520010124321X"),  # multiplication sign for X
        ("姓名 张三", None),
        ("3201021990", None),
    ],
)
def test_extract_id_number_from_noisy_text(text: str, expected: str | None) -> None:
    assert idn.extract_id_number(text) == expected


def test_every_single_digit_misread_is_caught() -> None:
    number = "320102199001011232"
    for position in range(17):
        for digit in "0123456789":
            if digit != number[position]:
                misread = number[:position] + digit + number[position + 1 :]
                assert not idn.checksum_ok(misread), misread


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("320102199001011232", "320102199001011232"),
        ("l320102199001011232", "320102199001011232"),  # noise glued in front: the one complete window
        ("公民身份号码l320102199001011232", "320102199001011232"),
        ("3201021990010112321", "320102199001011232"),  # noise glued behind
        # no complete window: the first is returned as read, and its failed check digit flags it
        ("3201021990010112330", "320102199001011233"),
        ("32010219900101123X9", "32010219900101123X"),
    ],
)
def test_glued_noise_picks_the_only_complete_number(text: str, expected: str) -> None:
    assert idn.extract_id_number(text) == expected


def test_complete_needs_check_character_birth_date_and_province() -> None:
    assert idn.is_complete("320102199001011232")
    assert not idn.is_complete("320102199001011233")  # check character
    assert not idn.is_complete("990102199001011237")  # province 99
    assert not idn.is_complete("32010219901301123X")  # month 13
