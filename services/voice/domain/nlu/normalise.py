"""Text normalisation shared by the classifier and the slot extractors, and language detection."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Lang = Literal["zh", "en"]

MAX_ANALYSED_CHARS = 300
"""Longer input is cut: a kiosk turn is one or two sentences, and latency must stay bounded."""

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[a-z]+")
WHITESPACE = re.compile(r"\s+")
_CHINESE_DIGIT = {
    "零": "0",
    "〇": "0",
    "幺": "1",
    "一": "1",
    "二": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
}
_ENGLISH_DIGIT = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_CHINESE_DIGIT_RUN = re.compile(f"[{''.join(_CHINESE_DIGIT)}]{{3,}}")
_EN_DIGIT = "|".join(_ENGLISH_DIGIT)
_ENGLISH_DIGIT_RUN = re.compile(rf"(?<![a-z])(?:{_EN_DIGIT})(?:[\s-]+(?:{_EN_DIGIT})){{2,}}(?![a-z])")
_VARIANTS = {"帐": "账", "帳": "账", "轉": "转", "餘": "余", "額": "额", "銀": "银"}


def _english_digit_run(match: re.Match[str]) -> str:
    return "".join(_ENGLISH_DIGIT[word] for word in re.split(r"[\s-]+", match.group(0)))


def normalise(text: str) -> str:
    """NFKC (full-width to ASCII), lower case, one space between words, common variant characters unified,
    digit-by-digit readings (``幺二三四``, "one two three four") turned into Arabic digits, cut to
    ``MAX_ANALYSED_CHARS``."""
    cleaned = unicodedata.normalize("NFKC", text).lower()
    cleaned = WHITESPACE.sub(" ", cleaned).strip()[:MAX_ANALYSED_CHARS]
    for variant, standard in _VARIANTS.items():
        cleaned = cleaned.replace(variant, standard)
    cleaned = _CHINESE_DIGIT_RUN.sub(lambda m: "".join(_CHINESE_DIGIT[c] for c in m.group(0)), cleaned)
    return _ENGLISH_DIGIT_RUN.sub(_english_digit_run, cleaned)


def detect_language(text: str) -> Lang:
    """``zh`` when Chinese characters carry at least as much of the text as Latin words do, else ``en``.

    A Chinese character counts as one word, so "我想 check balance" is zh (2 vs 2) and "check my 余额 please"
    is en. Text with neither (emoji, digits only) is zh, the kiosk's default language.
    """
    folded = unicodedata.normalize("NFKC", text).lower()
    chinese = len(CJK.findall(folded))
    latin = len(LATIN_WORD.findall(folded))
    if chinese == 0 and latin == 0:
        return "zh"
    return "zh" if chinese >= latin else "en"


def has_meaningful_content(text: str) -> bool:
    """False for text without any Chinese character or Latin letter (emoji, punctuation, digits only)."""
    return bool(CJK.search(text) or LATIN_WORD.search(text.lower()))
