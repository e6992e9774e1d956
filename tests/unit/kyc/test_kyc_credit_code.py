import pytest

from services.kyc.domain import credit_code as ucc


@pytest.mark.parametrize(
    ("first17", "expected"),
    [("91110105MA01ABCD1", "3"), ("91320102MA1X3B4Q5", "U")],
)
def test_check_character_follows_gb32100(first17: str, expected: str) -> None:
    assert ucc.check_character(first17) == expected


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("91110105MA01ABCD13", True),
        ("91320102MA1X3B4Q5U", True),
        ("91110105MA01ABCD14", False),  # wrong check character
        ("91110105MA01ABCO13", False),  # O never occurs
        ("91110105MA01ABCD1", False),  # 17 characters
        ("", False),
    ],
)
def test_is_valid(code: str, valid: bool) -> None:
    assert ucc.is_valid(code) is valid


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("91110105MA01ABCD13", "91110105MA01ABCD13"),
        ("统一社会信用代码 9111O1O5MAO1ABCD13", "91110105MA01ABCD13"),  # O read for 0
        ("9I11010SMA01ABCD13", "91110105MA01ABCD13"),  # I for 1, S for 5
        ("91320102ma1x3b4q5u", "91320102MA1X3B4Q5U"),  # lower case
        ("9132 0102 MA1X 3B4Q 5V", "91320102MA1X3B4Q5U"),  # V for U, blanks
        ("统一社会信用代码", None),
    ],
)
def test_extract_repairs_impossible_letters(text: str, expected: str | None) -> None:
    assert ucc.extract_credit_code(text) == expected


def test_a_misread_is_returned_but_flagged_invalid() -> None:
    code = ucc.extract_credit_code("91110105MA01ABCD14")
    assert code == "91110105MA01ABCD14"
    assert not ucc.is_valid(code)


def test_check_character_refuses_letters_outside_the_alphabet() -> None:
    with pytest.raises(ValueError):
        ucc.check_character("91110105MA01ABCDO")
