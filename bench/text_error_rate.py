"""Word and character error rates (pure Python, no dependencies) for the ASR benchmarks.

The standard definition: the Levenshtein alignment of hypothesis to reference with unit costs gives the fewest
substitutions (S), deletions (D) and insertions (I); the error rate is (S + D + I) / N, N the length of the
reference. It can exceed 1 (a hypothesis longer than its reference). Pooled over sentences, the edits and the
reference lengths are summed first (a long sentence weighs more than a short one), not the rates averaged.

Before comparing, English text is normalised: Unicode NFKC, lower case, typographic apostrophes made
straight, hyphens and punctuation made spaces (an apostrophe inside a word stays: ``don't``), and numerals
spelled as words in American style (``1,250`` -> ``one thousand two hundred fifty``, ``3.5`` -> ``three point
five``, ``21st`` -> ``twenty first``; no "and"; a year is read as a plain number), since ASR models write
numbers as words. The benchmark's references spell their numbers already; the numerals are for hypotheses
and hand-typed references. Mandarin (``lang="zh"``) keeps CJK characters and
drops spaces and punctuation; its CER counts characters, and a WER is not defined without a word segmentation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ONES = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_NUMERAL = re.compile(r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(st|nd|rd|th)?\b")
_ORDINAL_ENDINGS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


@dataclass(frozen=True)
class Edits:
    """The alignment of one hypothesis to its reference: counts of each kind of edit."""

    substitutions: int
    deletions: int
    insertions: int
    reference_length: int

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def rate(self) -> float:
        """(S + D + I) / N; ValueError for an empty reference (the rate is not defined)."""
        if self.reference_length == 0:
            if self.errors == 0:
                return 0.0
            raise ValueError("error rate of a non-empty hypothesis against an empty reference is not defined")
        return self.errors / self.reference_length

    def __add__(self, other: Edits) -> Edits:
        return Edits(
            self.substitutions + other.substitutions,
            self.deletions + other.deletions,
            self.insertions + other.insertions,
            self.reference_length + other.reference_length,
        )


NO_EDITS = Edits(0, 0, 0, 0)


def align(reference: Sequence[str], hypothesis: Sequence[str]) -> Edits:
    """The fewest edits turning ``reference`` into ``hypothesis`` (tokens compared with ==).

    Among alignments with the fewest edits, the backtrace prefers a match or substitution, then a deletion,
    then an insertion, so the split into S, D and I is deterministic."""
    rows, cols = len(reference), len(hypothesis)
    # cost[i][j]: edits between reference[:i] and hypothesis[:j]
    cost = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows + 1):
        cost[i][0] = i
    for j in range(cols + 1):
        cost[0][j] = j
    for i in range(1, rows + 1):
        above, row, ref = cost[i - 1], cost[i], reference[i - 1]
        for j in range(1, cols + 1):
            row[j] = min(above[j - 1] + (ref != hypothesis[j - 1]), above[j] + 1, row[j - 1] + 1)
    substitutions = deletions = insertions = 0
    i, j = rows, cols
    while i or j:
        if i and j and cost[i][j] == cost[i - 1][j - 1] + (reference[i - 1] != hypothesis[j - 1]):
            substitutions += reference[i - 1] != hypothesis[j - 1]
            i, j = i - 1, j - 1
        elif i and cost[i][j] == cost[i - 1][j] + 1:
            deletions += 1
            i -= 1
        else:
            insertions += 1
            j -= 1
    return Edits(substitutions, deletions, insertions, rows)


def edit_distance(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    return align(reference, hypothesis).errors


def number_words(numeral: str, *, ordinal: bool = False) -> str:
    """``"1,250.75"`` -> ``"one thousand two hundred fifty point seven five"`` (digits after the point one by
    one); ``ordinal``: ``"21"`` -> ``"twenty first"``."""
    whole, _, fraction = numeral.replace(",", "").partition(".")
    words = _integer_words(int(whole))
    if fraction:
        return words + " point " + " ".join(ONES[int(d)] for d in fraction)
    if ordinal:
        head, _, last = words.rpartition(" ")
        last = _ORDINAL_ENDINGS.get(last) or (last[:-1] + "ieth" if last.endswith("y") else last + "th")
        words = f"{head} {last}".strip()
    return words


def _integer_words(value: int) -> str:
    if value < 20:
        return ONES[value]
    if value < 100:
        tens, ones = divmod(value, 10)
        return TENS[tens] + (f" {ONES[ones]}" if ones else "")
    if value < 1000:
        hundreds, rest = divmod(value, 100)
        return f"{ONES[hundreds]} hundred" + (f" {_integer_words(rest)}" if rest else "")
    for scale, name in SCALES:
        if value >= scale:
            high, rest = divmod(value, scale)
            return f"{_integer_words(high)} {name}" + (f" {_integer_words(rest)}" if rest else "")
    raise AssertionError("unreachable")


def normalise(text: str, lang: str = "en") -> list[str]:
    """The tokens compared: words for English, characters for Mandarin (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()
    if lang == "zh":
        return [ch for ch in text if ch.isalnum()]
    text = _NUMERAL.sub(lambda m: f" {number_words(m.group(1), ordinal=bool(m.group(2)))} ", text)
    text = re.sub(r"[^\w']+|_", " ", text)
    return [word.strip("'") for word in text.split() if word.strip("'")]


def word_edits(reference: str, hypothesis: str, lang: str = "en") -> Edits:
    if lang == "zh":
        raise ValueError("WER needs a word segmentation; use character_edits for Mandarin")
    return align(normalise(reference, lang), normalise(hypothesis, lang))


def character_edits(reference: str, hypothesis: str, lang: str = "en") -> Edits:
    """Characters of the normalised text: English words joined by single spaces (spaces count), Mandarin
    characters without spaces."""
    joiner = "" if lang == "zh" else " "
    return align(list(joiner.join(normalise(reference, lang))), list(joiner.join(normalise(hypothesis, lang))))


def pooled(edits: Iterable[Edits]) -> Edits:
    """Edits and reference lengths summed over sentences (their ``rate`` is the pooled error rate)."""
    total = NO_EDITS
    for one in edits:
        total = total + one
    return total


def word_error_rate(reference: str, hypothesis: str, lang: str = "en") -> float:
    return word_edits(reference, hypothesis, lang).rate


def character_error_rate(reference: str, hypothesis: str, lang: str = "en") -> float:
    return character_edits(reference, hypothesis, lang).rate
