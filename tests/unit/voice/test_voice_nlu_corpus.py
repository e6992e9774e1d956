"""The packaged corpus covers the catalogue and the held-out split is honest."""

from __future__ import annotations

from collections import Counter

import pytest

from services.voice.domain.nlu.corpus import (
    Example,
    held_out_split,
    load_corpus,
    load_training_supplement,
    near_copies,
    near_duplicate_groups,
    parse_corpus_file,
    training_corpus,
    without_near_copies,
)
from services.voice.domain.nlu.intents import ALL_INTENTS, CONTROL_INTENTS, TRANSACTION_INTENTS
from services.voice.domain.nlu.normalise import normalise


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


@pytest.fixture(scope="module")
def supplement() -> list[Example]:
    return load_training_supplement()


def test_the_supplement_agrees_with_the_corpus_and_stays_out_of_the_split(
    corpus: list[Example], supplement: list[Example]
) -> None:
    labels: dict[str, set[str]] = {}
    for example in corpus + supplement:
        labels.setdefault(normalise(example.text), set()).add(example.intent)
    assert {text: found for text, found in labels.items() if len(found) > 1} == {}
    assert len(supplement) >= 500
    assert {e.intent for e in supplement} <= set(ALL_INTENTS)
    corpus_keys = {(normalise(e.text), e.intent) for e in corpus}
    assert not corpus_keys & {(normalise(e.text), e.intent) for e in supplement}
    train, held_out = held_out_split(corpus)
    assert len(train) + len(held_out) == len(corpus), "the split is drawn from the corpus files alone"
    assert training_corpus() == corpus + supplement


@pytest.mark.parametrize("seed", [7, 1, 3])
def test_no_near_copy_of_a_held_out_utterance_trains(
    corpus: list[Example], supplement: list[Example], seed: int
) -> None:
    """What bench/nlu.py trains on besides the split's training part: the supplement less every utterance equal
    (after normalisation) to a held-out one or a near copy of one by the split's own trigram rule."""
    _train, held_out = held_out_split(corpus, seed=seed)
    kept = without_near_copies(supplement, held_out)
    assert near_copies(kept, held_out) == []
    held = {normalise(e.text) for e in held_out}
    assert not held & {normalise(e.text) for e in kept}
    assert len(kept) >= 0.8 * len(supplement)


def test_near_copies_are_found_across_intents_and_by_normalised_text() -> None:
    held_out = [
        Example("帮我查一下卡里的余额", "balance_inquiry", "zh"),
        Example("Print my statement", "statement_print", "en"),
    ]
    candidates = [
        Example("帮我查一下卡里余额", "balance_inquiry", "zh"),
        Example("print  my STATEMENT", "transfer", "en"),
        Example("打印流水", "statement_print", "zh"),
    ]
    found = near_copies(candidates, held_out)
    assert [(c.text, h.text) for c, h in found] == [
        ("帮我查一下卡里余额", "帮我查一下卡里的余额"),
        ("print  my STATEMENT", "Print my statement"),
    ]
    assert without_near_copies(candidates, held_out) == [candidates[2]]


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
