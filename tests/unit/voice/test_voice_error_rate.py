"""Edit distance, WER, CER and the normaliser of bench/text_error_rate.py, on hand-computed cases."""

from __future__ import annotations

import pytest

from bench.text_error_rate import (
    Edits,
    align,
    character_edits,
    character_error_rate,
    edit_distance,
    normalise,
    number_words,
    pooled,
    word_edits,
    word_error_rate,
)


@pytest.mark.parametrize(
    ("reference", "hypothesis", "expected"),
    [
        ("", "", Edits(0, 0, 0, 0)),
        ("abc", "abc", Edits(0, 0, 0, 3)),
        ("abc", "", Edits(0, 3, 0, 3)),
        ("", "ab", Edits(0, 0, 2, 0)),
        # kitten -> sitting: k/s, e/i substituted, g inserted
        ("kitten", "sitting", Edits(2, 0, 1, 6)),
        # flaw -> lawn: f deleted, n inserted (4 substitutions would cost more)
        ("flaw", "lawn", Edits(0, 1, 1, 4)),
        # a b c d -> b c e: a deleted, d/e substituted
        (["a", "b", "c", "d"], ["b", "c", "e"], Edits(1, 1, 0, 4)),
        # tokens are whole words: one substitution, not character edits
        (["transfer", "money"], ["transfers", "money"], Edits(1, 0, 0, 2)),
    ],
)
def test_alignment_counts_each_kind_of_edit(
    reference: str | list[str], hypothesis: str | list[str], expected: Edits
) -> None:
    assert align(list(reference), list(hypothesis)) == expected
    assert edit_distance(list(reference), list(hypothesis)) == expected.errors


def test_distance_is_symmetric_but_the_split_is_not() -> None:
    forward, backward = align(list("sunday"), list("saturday")), align(list("saturday"), list("sunday"))
    assert forward.errors == backward.errors == 3
    assert (forward.deletions, forward.insertions) == (backward.insertions, backward.deletions) == (0, 2)


def test_word_error_rate_by_hand() -> None:
    # one insertion over three reference words
    assert word_error_rate("the cat sat", "the cat sat down") == pytest.approx(1 / 3)
    # one substitution and two insertions over one word: WER can exceed 1
    assert word_edits("yes", "no no no") == Edits(1, 0, 2, 1)
    assert word_error_rate("yes", "no no no") == 3.0
    # case, punctuation and numerals do not count as errors
    assert word_error_rate("Send two hundred fifty dollars, please.", "send 250 dollars please") == 0.0
    # "I want to transfer money" vs "I want transfer the money": two edits either way ("to" deleted and "the"
    # inserted, or to/transfer and transfer/the substituted); ties go to substitutions
    assert word_edits("I want to transfer money", "I want transfer the money") == Edits(2, 0, 0, 5)


def test_character_error_rate_counts_spaces_between_words() -> None:
    # "lost card" (9 characters) vs "lost cart": one substitution
    assert character_edits("Lost card!", "lost cart") == Edits(1, 0, 0, 9)
    assert character_error_rate("Lost card!", "lost cart") == pytest.approx(1 / 9)
    # the two words run together: the space is deleted
    assert character_edits("pin code", "pincode") == Edits(0, 1, 0, 8)


def test_mandarin_is_scored_by_characters_without_spaces() -> None:
    # 我要转账五千元 (7 characters) vs 我 要 转 帐 五千 元: 账/帐 substituted; spaces and punctuation ignored
    assert character_edits("我要转账五千元。", "我 要 转 帐 五千 元", lang="zh") == Edits(1, 0, 0, 7)
    with pytest.raises(ValueError, match="segmentation"):
        word_edits("我要转账", "我要转账", lang="zh")


def test_pooled_rate_sums_edits_before_dividing() -> None:
    first, second = word_edits("the cat sat", "the cat sat down"), word_edits("yes", "no no no")
    total = pooled([first, second])
    assert total == Edits(1, 0, 3, 4)
    assert total.rate == 1.0  # 4 edits / 4 reference words, not the mean (1/3 + 3) / 2 of the rates
    assert pooled([]).rate == 0.0


def test_rate_of_an_empty_reference() -> None:
    assert Edits(0, 0, 0, 0).rate == 0.0
    with pytest.raises(ValueError, match="empty reference"):
        _ = Edits(0, 0, 1, 0).rate


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Twenty-five DOLLARS.", ["twenty", "five", "dollars"]),
        ("I\u2019d like it, don't you?", ["i'd", "like", "it", "don't", "you"]),
        ("'quoted' -- words...", ["quoted", "words"]),
        ("1,250", ["one", "thousand", "two", "hundred", "fifty"]),
        ("3.05", ["three", "point", "zero", "five"]),
        ("May 3rd", ["may", "third"]),
        ("the 21st and 40th", ["the", "twenty", "first", "and", "fortieth"]),
        ("", []),
    ],
)
def test_normaliser(text: str, words: list[str]) -> None:
    assert normalise(text) == words


@pytest.mark.parametrize(
    ("numeral", "words"),
    [
        ("0", "zero"),
        ("13", "thirteen"),
        ("40", "forty"),
        ("99", "ninety nine"),
        ("100", "one hundred"),
        ("105", "one hundred five"),
        ("1000", "one thousand"),
        ("2024", "two thousand twenty four"),
        ("1000001", "one million one"),
        ("3500000000", "three billion five hundred million"),
    ],
)
def test_number_words(numeral: str, words: str) -> None:
    assert number_words(numeral) == words


@pytest.mark.parametrize(
    ("numeral", "words"),
    [
        ("1", "first"),
        ("2", "second"),
        ("12", "twelfth"),
        ("20", "twentieth"),
        ("101", "one hundred first"),
        ("1000", "one thousandth"),
    ],
)
def test_ordinal_words(numeral: str, words: str) -> None:
    assert number_words(numeral, ordinal=True) == words
