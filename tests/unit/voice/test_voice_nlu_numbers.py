"""Numerals spoken in Mandarin and English."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.voice.domain.nlu.numbers import parse_chinese_number, parse_english_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("三千五百", "3500"),
        ("三千五", "3500"),
        ("两千", "2000"),
        ("两百五", "250"),
        ("十五", "15"),
        ("二十", "20"),
        ("一百零五", "105"),
        ("三千零五", "3005"),
        ("一万二", "12000"),
        ("一万二千三百", "12300"),
        ("十万", "100000"),
        ("三点五万", "35000"),
        ("一亿", "100000000"),
        ("一二三四", "1234"),
        ("幺零零八六", "10086"),
        ("壹仟伍佰", "1500"),
    ],
)
def test_chinese_numbers(text: str, expected: str) -> None:
    assert parse_chinese_number(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "百", "三五百", "点", "abc", "千千"])
def test_invalid_chinese_numbers_are_rejected(text: str) -> None:
    assert parse_chinese_number(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("two thousand", "2000"),
        ("two thousand five hundred", "2500"),
        ("a hundred", "100"),
        ("three point five thousand", "3500"),
        ("fifty", "50"),
        ("twenty-five", "25"),
        ("one hundred and twenty", "120"),
        ("ten grand", "10000"),
        ("one million", "1000000"),
    ],
)
def test_english_numbers(text: str, expected: str) -> None:
    assert parse_english_number(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "hello", "a", "and"])
def test_invalid_english_numbers_are_rejected(text: str) -> None:
    assert parse_english_number(text) is None
