"""Concept lexicon features and the classifier's single-turn fast path."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from services.voice.domain.nlu.classifier import ClassifierConfig, IntentClassifier, featurizer_text
from services.voice.domain.nlu.concepts import CONCEPTS, concept_tokens, covers_word
from services.voice.domain.nlu.corpus import load_corpus
from services.voice.domain.nlu.engine import NluEngine
from services.voice.domain.nlu.normalise import normalise


def tokens(text: str) -> list[str]:
    return concept_tokens(featurizer_text(text))


def test_every_concept_has_english_and_mandarin_entries() -> None:
    assert {name for name, (english, mandarin) in CONCEPTS.items() if not english or not mandarin} == set()


@pytest.mark.parametrize(
    ("english", "mandarin", "concept"),
    [
        ("my card was stolen", "卡被人偷了", "concept_lost"),
        ("the bank froze my account", "账户被冻结了", "concept_blocked"),
        ("I forgot my pin", "密码忘了", "concept_forgot"),
        ("I want a mortgage", "我想办按揭", "concept_home"),
        ("send money to my son in canada", "给在加拿大的儿子汇钱", "concept_abroad"),
        ("your staff were rude", "态度太差了", "concept_complain"),
    ],
)
def test_both_languages_share_a_concept(english: str, mandarin: str, concept: str) -> None:
    assert concept in tokens(english)
    assert concept in tokens(mandarin)


def test_english_entries_match_whole_words_and_starred_prefixes() -> None:
    assert "concept_app" not in tokens("apply for a credit card")  # "app" is a whole word
    assert "concept_app" in tokens("下载 app 开通")
    assert "concept_blocked" in tokens("my card is freezing up")  # "freez*"
    assert "concept_person" in tokens("send it to my wife's account")  # possessive
    assert "concept_send" in tokens("transfr 500 to him")  # typo listed in the lexicon


def test_short_answers_count_only_in_short_turns() -> None:
    assert "concept_yes" in tokens("yes, that's right")
    assert "concept_yes" not in tokens("is the yen cheap right now compared with last year")
    assert "concept_no" in tokens("不")
    assert "concept_no" not in tokens("不见了")  # one-character answers only as the whole turn
    assert "concept_yes" in tokens("是")
    assert "concept_yes" not in tokens("是不是透支了")


def test_each_token_at_most_once_and_none_for_unrelated_text() -> None:
    found = tokens("lost lost lost my card, it is lost")
    assert found.count("concept_lost") == 1
    assert tokens("zzzz qqqq") == []
    assert tokens("") == []


def test_lexicon_words_count_as_known_for_the_out_of_scope_check() -> None:
    assert covers_word("okey")
    assert covers_word("freezing")
    assert not covers_word("zzzz")


def test_engine_answers_lexicon_words_the_corpus_may_lack(engine: NluEngine, today: date) -> None:
    assert engine.analyse("okey", today).intent == "affirm"
    assert engine.analyse("my purse was nicked with my debit card in it", today).intent == "card_loss_report"


def test_single_turn_fast_path_equals_the_batch_path() -> None:
    examples = load_corpus()[::7]
    texts = [e.text for e in examples]
    classifier = IntentClassifier(texts, [e.intent for e in examples])
    probe = [*texts[::5], "", "😀", "ＡＢＣ 转账 500", "x" * 400]
    batch = classifier.probabilities(probe)
    for row, text in zip(batch, probe, strict=True):
        single = classifier.predict(text)
        assert single.intent == classifier.intents[int(np.argmax(row))]
        assert single.confidence == pytest.approx(float(np.max(row)), abs=1e-9)


def test_concept_features_can_be_switched_off() -> None:
    examples = load_corpus()[::9]
    classifier = IntentClassifier(
        [e.text for e in examples], [e.intent for e in examples], ClassifierConfig(concept_weight=0.0)
    )
    assert classifier.predict(normalise("查余额")).intent in classifier.intents
