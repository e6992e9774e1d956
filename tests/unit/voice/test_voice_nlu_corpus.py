"""The packaged corpus covers the catalogue and the held-out split is honest."""

from __future__ import annotations

from collections import Counter

import pytest

from services.voice.domain.nlu.corpus import (
    Example,
    held_out_split,
    load_corpus,
    near_duplicate_groups,
    parse_corpus_file,
)
from services.voice.domain.nlu.intents import ALL_INTENTS, CONTROL_INTENTS, TRANSACTION_INTENTS


@pytest.fixture(scope="module")
def corpus() -> list[Example]:
    return load_corpus()


def test_catalogue_sizes() -> None:
    assert len(TRANSACTION_INTENTS) == 43
    assert len(CONTROL_INTENTS) == 9
    assert len(set(ALL_INTENTS)) == 52


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_intent_has_at_least_25_utterances_per_language(corpus: list[Example], lang: str) -> None:
    counts = Counter(e.intent for e in corpus if e.lang == lang)
    assert {intent for intent in ALL_INTENTS if counts[intent] < 25} == set()


def test_no_utterance_is_labelled_twice(corpus: list[Example]) -> None:
    labels: dict[str, set[str]] = {}
    for example in corpus:
        labels.setdefault(example.text.lower(), set()).add(example.intent)
    assert {text: found for text, found in labels.items() if len(found) > 1} == {}


def test_split_is_seeded_disjoint_and_about_a_fifth(corpus: list[Example]) -> None:
    train, held_out = held_out_split(corpus)
    assert held_out_split(corpus) == (train, held_out)
    assert not {e.text for e in train} & {e.text for e in held_out}
    assert len(train) + len(held_out) == len(corpus)
    assert 0.15 <= len(held_out) / len(corpus) <= 0.25
    assert {(e.intent, e.lang) for e in held_out} == {(e.intent, e.lang) for e in corpus}


def test_near_duplicates_stay_on_one_side_of_the_split(corpus: list[Example]) -> None:
    _train, held_out = held_out_split(corpus)
    held_texts = {e.text for e in held_out}
    for intent in ("balance_inquiry", "transfer", "take_ticket"):
        items = [e for e in corpus if e.intent == intent]
        for group in near_duplicate_groups(items):
            sides = {items[i].text in held_texts for i in group}
            assert len(sides) == 1


def test_near_duplicate_groups_join_copies() -> None:
    examples = [Example(t, "balance_inquiry", "zh") for t in ("帮我查一下卡里的余额", "帮我查一下卡里余额", "打印流水")]
    groups = sorted(sorted(g) for g in near_duplicate_groups(examples))
    assert groups == [[0, 1], [2]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("查余额\n", "before the first"),
        ("[no_such_intent]\n查余额\n", "unknown intent"),
    ],
)
def test_corpus_format_errors_are_reported(content: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_corpus_file(content, "zh")


def test_corpus_format_skips_comments_and_blank_lines() -> None:
    parsed = parse_corpus_file("# note\n[greeting]\n\n你好\n  嗨  \n", "zh")
    assert [e.text for e in parsed] == ["你好", "嗨"]
