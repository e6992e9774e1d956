import pytest

from services.kyc.domain.masking import mask_credit_code, mask_id_number, mask_name


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("320102199001011234", "3201**********1234"),
        ("11010519491231002X", "1101**********002X"),
        ("1234567", "*******"),
        ("", ""),
    ],
)
def test_mask_id_number(number: str, masked: str) -> None:
    assert mask_id_number(number) == masked


def test_mask_credit_code_and_name() -> None:
    assert mask_credit_code("91110105MA01ABCD13") == "911101**********13"
    assert mask_name("张三丰") == "张**"
    assert mask_name("") == ""
