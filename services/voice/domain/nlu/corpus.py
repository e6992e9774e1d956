"""The bilingual training corpus (services/voice/nlu_data/{zh,en}_*.txt) and its held-out split.

File format: ``[intent_id]`` starts a section, then one utterance per line; ``#`` starts a comment line.
The language is the file name's prefix (``zh_transactions.txt`` -> zh).
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

from services.voice.domain.nlu.intents import ALL_INTENTS
from services.voice.domain.nlu.normalise import Lang, normalise

CORPUS_PACKAGE = "services.voice.nlu_data"
SECTION = re.compile(r"^\[(?P<intent>[a-z][a-z0-9_]*)\]$")


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: str
    lang: Lang


def parse_corpus_file(content: str, lang: Lang, source: str = "<text>") -> list[Example]:
    examples: list[Example] = []
    intent: str | None = None
    for number, raw_line in enumerate(content.splitlines(), start=1):
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        section = SECTION.match(line)
        if section:
            intent = section["intent"]
            if intent not in ALL_INTENTS:
                raise ValueError(f"{source}:{number}: unknown intent {intent!r}")
            continue
        if intent is None:
            raise ValueError(f"{source}:{number}: utterance before the first [intent] section")
        examples.append(Example(line, intent, lang))
    return examples


def load_corpus() -> list[Example]:
    """Every utterance of the packaged corpus, exact duplicates (after normalisation) dropped."""
    examples: list[Example] = []
    folder = resources.files(CORPUS_PACKAGE)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".txt") and entry.name[:3] in ("zh_", "en_"):
            lang: Lang = "zh" if entry.name.startswith("zh_") else "en"
            examples.extend(parse_corpus_file(entry.read_text(encoding="utf-8"), lang, entry.name))
    seen: set[tuple[str, str]] = set()
    unique: list[Example] = []
    for example in examples:
        key = (normalise(example.text), example.intent)
        if key not in seen:
            seen.add(key)
            unique.append(example)
    return unique


def _trigrams(text: str) -> set[str]:
    compact = re.sub(r"[\s\d,.!?，。！？]+", "", normalise(text))
    return {compact[i : i + 3] for i in range(max(len(compact) - 2, 1))}


def near_duplicate_groups(examples: Sequence[Example], threshold: float = 0.5) -> list[list[int]]:
    """Indices grouped so that any two utterances with character-trigram Jaccard >= threshold share a group."""
    parent = list(range(len(examples)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    grams = [_trigrams(e.text) for e in examples]
    for i in range(len(examples)):
        for j in range(i + 1, len(examples)):
            union = len(grams[i] | grams[j])
            if union and len(grams[i] & grams[j]) / union >= threshold:
                parent[root(i)] = root(j)
    groups: dict[int, list[int]] = defaultdict(list)
    for index in range(len(examples)):
        groups[root(index)].append(index)
    return list(groups.values())


def held_out_split(
    examples: Iterable[Example], fraction: float = 0.2, seed: int = 7
) -> tuple[list[Example], list[Example]]:
    """(train, held_out): per intent and language about ``fraction`` held out, whole near-duplicate groups
    at a time so that no held-out utterance has a near copy in training. Seeded, hence reproducible."""
    by_key: dict[tuple[str, str], list[Example]] = defaultdict(list)
    for example in examples:
        by_key[(example.intent, example.lang)].append(example)
    rng = random.Random(seed)
    train: list[Example] = []
    held_out: list[Example] = []
    for key in sorted(by_key):
        items = by_key[key]
        groups = near_duplicate_groups(items)
        rng.shuffle(groups)
        wanted = round(len(items) * fraction)
        taken = 0
        for group in groups:
            target = held_out if taken < wanted and len(group) <= max(wanted - taken, 1) * 2 else train
            target.extend(items[i] for i in group)
            if target is held_out:
                taken += len(group)
        if taken == 0:
            raise ValueError(f"nothing held out for {key}")
    return train, held_out
