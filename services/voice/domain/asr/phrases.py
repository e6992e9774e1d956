"""Phrase lists (Vosk grammar mode) split the way the model splits words.

A Vosk grammar is a list of phrases whose words must all be in the model's vocabulary; a word it does
not know is dropped with a warning and the phrase then means something else. Mandarin models keep
words segmented (``确认 转账``), so a phrase written without spaces is split here into the fewest
vocabulary words (dynamic programming over the characters); a phrase that cannot be split is left out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable

InVocabulary = Callable[[str], bool]
MAX_WORD_CHARS = 8
UNKNOWN_WORD = "[unk]"
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[^\s\u3400-\u4dbf\u4e00-\u9fff]+")


def split_phrase(phrase: str, in_vocabulary: InVocabulary) -> list[str] | None:
    """``phrase`` as vocabulary words, or None when some part is not in the vocabulary."""
    words: list[str] = []
    for token in phrase.lower().split():
        for run in _CJK_RUN.findall(token):
            if in_vocabulary(run):
                words.append(run)
                continue
            if not _is_cjk(run):
                return None
            split = _split_cjk(run, in_vocabulary)
            if split is None:
                return None
            words.extend(split)
    return words or None


def _is_cjk(text: str) -> bool:
    return bool(re.fullmatch(r"[\u3400-\u4dbf\u4e00-\u9fff]+", text))


def _split_cjk(run: str, in_vocabulary: InVocabulary) -> list[str] | None:
    best: list[list[str] | None] = [None] * (len(run) + 1)
    best[0] = []
    for end in range(1, len(run) + 1):
        for start in range(max(0, end - MAX_WORD_CHARS), end):
            prefix = best[start]
            if prefix is None:
                continue
            if in_vocabulary(run[start:end]):
                candidate = [*prefix, run[start:end]]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[len(run)]


def build_grammar(phrases: Iterable[str], in_vocabulary: InVocabulary) -> tuple[list[str], list[str]]:
    """(grammar phrases for Vosk, phrases left out). ``[unk]`` is added when the model has it."""
    grammar: list[str] = []
    dropped: list[str] = []
    for phrase in phrases:
        words = split_phrase(phrase, in_vocabulary)
        if words is None:
            dropped.append(phrase)
        elif " ".join(words) not in grammar:
            grammar.append(" ".join(words))
    if grammar and in_vocabulary(UNKNOWN_WORD):
        grammar.append(UNKNOWN_WORD)
    return grammar, dropped


def grammar_json(grammar: list[str]) -> str:
    """Vosk reads the grammar as JSON without decoding ``\\u`` escapes: keep the characters literal."""
    return json.dumps(grammar, ensure_ascii=False)
