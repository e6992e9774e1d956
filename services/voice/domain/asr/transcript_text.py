"""Tidying Whisper's text for the kiosk: simplified characters for Mandarin, bank words the way banks write them.

Whisper often writes Mandarin in traditional characters. The character conversion itself (an OpenCC table) is
given by the adapter as a function; this module fixes the few words where the generic table picks a variant
that banks in mainland China do not use, and drops the filler Whisper emits for silence.
"""

from __future__ import annotations

import re
from collections.abc import Callable

BANK_WORDS_ZH: dict[str, str] = {
    "帐户": "账户",
    "帐号": "账号",
    "帐单": "账单",
    "转帐": "转账",
    "帐目": "账目",
    "对帐": "对账",
    "到帐": "到账",
    "馀额": "余额",
}
"""Variants the generic traditional-to-simplified table yields -> the form banks use."""

NON_SPEECH = re.compile(r"^[\s.,!?。，！？…\-]*$|^\s*[\[(（【].*[\])）】]\s*$")
"""Text that is no speech at all: punctuation only, or a bracketed sound tag such as "(music)"."""
SHORT_REPEATS = re.compile(r"(.{2,7}?)(?:\s*\1){3,}")
MEDIUM_REPEATS = re.compile(r"(.{8,19}?)(?:[\s,，.。]*\1){2,}")
LONG_REPEATS = re.compile(r"(.{20,120}?)(?:[\s,，.。!?！？]*\1)+")
ZH_SENTENCE_REPEATS = re.compile(r"([\u4e00-\u9fff][^\s,，.。!?！？]{7,18}?)(?:[\s,，.。!?！？]*\1)+")
"""A piece of 2-7 characters said four times or more in a row, of 8-19 three times, a longer one twice: Whisper's
decoding loop on short or cut-off audio (single characters are left alone: "888" is a number). A Mandarin phrase
of 8-19 characters twice in a row is the same loop (the whole utterance written twice; measured on real AISHELL
speech, docs/voice-asr.md); English keeps twofold repeats ("transfer money, transfer money now" is speech)."""


SEPARATORS = " ,，.。!?！？"


def drop_repeats(text: str) -> str:
    """Collapse such runs to one occurrence of the piece (and drop a cut-off start of it that trails them)."""
    for pattern in (LONG_REPEATS, ZH_SENTENCE_REPEATS, MEDIUM_REPEATS, SHORT_REPEATS):
        found = pattern.search(text)
        while found:
            unit = found.group(1)
            rest = text[found.end() :]
            trailing = rest.lstrip(SEPARATORS)
            if trailing and unit.startswith(trailing):
                rest = ""
            text = text[: found.start()] + unit + rest
            found = pattern.search(text, found.start() + len(unit))
    return text


def simplified_zh(text: str, to_simplified: Callable[[str], str]) -> str:
    converted = to_simplified(text)
    for variant, bank_form in BANK_WORDS_ZH.items():
        converted = converted.replace(variant, bank_form)
    return converted


def tidy(text: str, lang: str, to_simplified: Callable[[str], str]) -> str:
    """The text to send: stripped, simplified for zh, empty when it holds no words."""
    cleaned = drop_repeats(" ".join(text.replace("\ufffd", "").split()))
    if NON_SPEECH.match(cleaned):
        return ""
    if lang == "zh":
        cleaned = simplified_zh(cleaned, to_simplified)
    return cleaned
