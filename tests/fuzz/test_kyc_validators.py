"""Property tests of the ID-number (GB 11643) and credit-code (GB 32100) validators."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from services.kyc.domain import credit_code, id_number

DIGITS = "0123456789"
seventeen_digits = st.text(alphabet=DIGITS, min_size=17, max_size=17)
code17 = st.text(alphabet=credit_code.ALPHABET, min_size=17, max_size=17)
FAST = settings(max_examples=200, deadline=None)


@FAST
@given(seventeen_digits)
def test_id_number_with_its_check_character_is_valid(first17: str) -> None:
    number = first17 + id_number.check_character(first17)
    assert id_number.checksum_ok(number)
    assert id_number.sex_of(number) in ("男", "女")


@FAST
@given(seventeen_digits, st.integers(0, 16), st.sampled_from(DIGITS))
def test_id_number_single_digit_errors_are_caught(first17: str, position: int, digit: str) -> None:
    number = first17 + id_number.check_character(first17)
    if number[position] == digit:
        return
    changed = number[:position] + digit + number[position + 1 :]
    assert not id_number.checksum_ok(changed), "MOD 11-2 detects every single-digit substitution"


@FAST
@given(seventeen_digits, st.integers(0, 15))
def test_id_number_adjacent_transpositions_are_caught(first17: str, position: int) -> None:
    number = first17 + id_number.check_character(first17)
    a, b = number[position], number[position + 1]
    if a == b:
        return
    swapped = number[:position] + b + a + number[position + 2 :]
    assert not id_number.checksum_ok(swapped)


@FAST
@given(st.text(max_size=60))
def test_id_number_functions_never_raise(text: str) -> None:
    id_number.facts_of(text)
    found = id_number.extract_id_number(text)
    assert found is None or id_number.is_well_shaped(found)


@FAST
@given(
    seventeen_digits,
    st.text(alphabet="姓名住址公民身份号码 ：:", max_size=12),
    st.text(alphabet="姓名住址公民身份号码 ：:", max_size=12),
)
def test_id_number_found_inside_label_text(first17: str, before: str, after: str) -> None:
    number = first17 + id_number.check_character(first17)
    assert id_number.extract_id_number(before + number + after) == number


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(categories=["Nd"]), min_size=17, max_size=17))
def test_id_number_is_ascii_only(first17: str) -> None:
    if first17.isascii():
        return
    number = first17 + id_number.check_character(first17)
    assert not id_number.checksum_ok(number)


@FAST
@given(code17)
def test_credit_code_with_its_check_character_is_valid(first17: str) -> None:
    assert credit_code.is_valid(first17 + credit_code.check_character(first17))


@FAST
@given(code17, st.integers(0, 17), st.sampled_from(credit_code.ALPHABET))
def test_credit_code_single_substitutions_are_caught(first17: str, position: int, char: str) -> None:
    code = first17 + credit_code.check_character(first17)
    if code[position] == char:
        return
    assert not credit_code.is_valid(code[:position] + char + code[position + 1 :])


@FAST
@given(st.text(max_size=60))
def test_credit_code_functions_never_raise(text: str) -> None:
    found = credit_code.extract_credit_code(text)
    assert found is None or (len(found) == 18 and set(found) <= set(credit_code.ALPHABET))
    assert not credit_code.is_valid(text) or len(text) == 18


@FAST
@given(code17, st.text(alphabet="统一社会信用代码 ：", max_size=10))
def test_credit_code_found_after_its_label(first17: str, label: str) -> None:
    code = first17 + credit_code.check_character(first17)
    assert credit_code.extract_credit_code(label + code) == code
