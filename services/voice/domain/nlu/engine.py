"""NLU engine of the voice digital employee: text + today -> language, intent, confidence, slots.

    engine = NluEngine.from_corpus()            # trains on the packaged corpus (under two seconds): once per app
    result = engine.analyse("帮我查下尾号1234的余额", today=date(2024, 5, 8))
    result.as_dict()  # {"text": ..., "lang": "zh", "intent": "balance_inquiry", "confidence": 0.93,
                      #  "slots": {"account_last4": "1234"}}

``out_of_scope`` is answered for text without letters or Chinese characters, for text whose words the
corpus never used, and when the best intent's probability is below ``min_confidence``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from services.voice.domain.nlu.classifier import ClassifierConfig, IntentClassifier
from services.voice.domain.nlu.corpus import Example, training_corpus
from services.voice.domain.nlu.extractor import SlotValue, extract_slots
from services.voice.domain.nlu.intents import OUT_OF_SCOPE
from services.voice.domain.nlu.normalise import (
    MAX_ANALYSED_CHARS,
    Lang,
    detect_language,
    has_meaningful_content,
    normalise,
)

DEFAULT_MIN_CONFIDENCE = 0.20
MIN_KNOWN_TOKEN_SHARE = 0.34


@dataclass(frozen=True, slots=True)
class NluResult:
    """``text`` is the input with runs of whitespace collapsed, cut to ``MAX_ANALYSED_CHARS``."""

    text: str
    lang: Lang
    intent: str
    confidence: float
    slots: dict[str, SlotValue] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "lang": self.lang,
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "slots": dict(self.slots),
        }


class NluEngine:
    def __init__(self, classifier: IntentClassifier, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> None:
        self.classifier = classifier
        self.min_confidence = min_confidence

    @classmethod
    def from_examples(
        cls,
        examples: Sequence[Example],
        *,
        config: ClassifierConfig | None = None,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    ) -> NluEngine:
        classifier = IntentClassifier([e.text for e in examples], [e.intent for e in examples], config)
        return cls(classifier, min_confidence)

    @classmethod
    def from_corpus(cls, *, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> NluEngine:
        """A new engine trained on the packaged corpus and its training supplement (under two seconds): the
        voice service's bootstrap.py builds one per app, a command one per run; share it, do not rebuild it."""
        return cls.from_examples(training_corpus(), min_confidence=min_confidence)

    def classify(self, normalised_text: str) -> tuple[str, float]:
        if not has_meaningful_content(normalised_text):
            return OUT_OF_SCOPE, 1.0
        prediction = self.classifier.predict(normalised_text)
        if self.classifier.known_token_share(normalised_text) < MIN_KNOWN_TOKEN_SHARE:
            return OUT_OF_SCOPE, 1.0 - prediction.confidence
        if prediction.confidence < self.min_confidence:
            return OUT_OF_SCOPE, 1.0 - prediction.confidence
        return prediction.intent, prediction.confidence

    def analyse(self, text: str, today: date) -> NluResult:
        """Understand one customer turn; ``today`` anchors relative dates (the clock is never read)."""
        normalised = normalise(text)
        intent, confidence = self.classify(normalised)
        slots = extract_slots(normalised, intent, today)
        shown = " ".join(text.split())[:MAX_ANALYSED_CHARS]
        return NluResult(shown, detect_language(normalised), intent, confidence, slots)
