"""The bilingual training corpus (services/voice/nlu_data/{zh,en}_*.txt) and its held-out split.

File format: ``[intent_id]`` starts a section, then one utterance per line; ``#`` starts a comment line.
The language is the file name's prefix (``zh_transactions.txt`` -> zh).

``train_zh_*.txt`` / ``train_en_*.txt`` hold the training supplement: utterances that only ever train, never
enter the split (so adding them leaves the held-out items exactly as they were). Wherever a split is scored,
supplement utterances that equal a held-out utterance after normalisation, or are near copies of one by the
split's own character-trigram rule, are dropped first (:func:`without_near_copies`).
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

from services.voice.domain.nlu.intents import ALL_INTENTS
from services.voice.domain.nlu.normalise import Lang, normalise

CORPUS_PACKAGE = "services.voice.nlu_data"
SUPPLEMENT_PREFIX = "train_"
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


def _load_files(prefix: str) -> list[Example]:
    examples: list[Example] = []
    folder = resources.files(CORPUS_PACKAGE)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        name = entry.name
        if name.endswith(".txt") and name.startswith(prefix) and name[len(prefix) : len(prefix) + 3] in ("zh_", "en_"):
            lang: Lang = "zh" if name[len(prefix) :].startswith("zh_") else "en"
            examples.extend(parse_corpus_file(entry.read_text(encoding="utf-8"), lang, name))
    return examples


def _unique(examples: Iterable[Example], seen: set[tuple[str, str]] | None = None) -> list[Example]:
    seen = set() if seen is None else seen
    unique: list[Example] = []
    for example in examples:
        key = (normalise(example.text), example.intent)
        if key not in seen:
            seen.add(key)
            unique.append(example)
    return unique


def load_corpus() -> list[Example]:
    """Every utterance of the packaged corpus (the split's input), exact duplicates (after normalisation) dropped."""
    return _unique(_load_files(""))


def load_training_supplement() -> list[Example]:
    """The train-only supplement (``train_{zh,en}_*.txt``) without utterances the corpus already has."""
    seen = {(normalise(e.text), e.intent) for e in load_corpus()}
    return _unique(_load_files(SUPPLEMENT_PREFIX), seen)


def training_corpus() -> list[Example]:
    """What the deployed engine trains on: the whole corpus plus the supplement."""
    return load_corpus() + load_training_supplement()


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


def near_copies(
    candidates: Sequence[Example], held_out: Sequence[Example], threshold: float = 0.5
) -> list[tuple[Example, Example]]:
    """(candidate, held-out utterance) pairs, any intent, that are equal after normalisation or have
    character-trigram Jaccard >= ``threshold`` (the rule that keeps near copies on one side of the split)."""
    held_grams = [_trigrams(e.text) for e in held_out]
    held_texts: dict[str, int] = {normalise(e.text): i for i, e in enumerate(held_out)}
    index: dict[str, list[int]] = defaultdict(list)
    for i, grams in enumerate(held_grams):
        for gram in grams:
            index[gram].append(i)
    found: list[tuple[Example, Example]] = []
    for candidate in candidates:
        same = held_texts.get(normalise(candidate.text))
        if same is not None:
            found.append((candidate, held_out[same]))
            continue
        grams = _trigrams(candidate.text)
        shared: Counter[int] = Counter(i for gram in grams for i in index.get(gram, ()))
        for i, common in shared.most_common():
            if common / len(grams | held_grams[i]) >= threshold:
                found.append((candidate, held_out[i]))
                break
    return found


def without_near_copies(
    candidates: Sequence[Example], held_out: Sequence[Example], threshold: float = 0.5
) -> list[Example]:
    """``candidates`` less those that are near copies of a held-out utterance (see :func:`near_copies`)."""
    leaked = {id(candidate) for candidate, _ in near_copies(candidates, held_out, threshold)}
    return [c for c in candidates if id(c) not in leaked]


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
