"""Unified social credit code of GB 32100-2015: 18 characters, the last a check character.

The alphabet is the digits and the capital letters without I, O, S, V and Z, so OCR letters that
cannot occur are repaired to the digits they resemble before validation.
"""

from __future__ import annotations

import re

from services.kyc.domain.text_normalize import compact

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUES = {char: value for value, char in enumerate(ALPHABET)}
_NEVER_OCCURS = str.maketrans({"O": "0", "I": "1", "S": "5", "Z": "2", "V": "U"})
_CODE = re.compile(rf"[{ALPHABET}]{{18}}")


def check_character(first17: str) -> str:
    """The 18th character computed from the first 17."""
    if len(first17) != 17 or any(char not in _VALUES for char in first17):
        raise ValueError("the check character needs 17 characters of the code alphabet")
    total = sum(_VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def repair(text: str) -> str:
    """Upper-cases, drops blanks and punctuation, and maps impossible letters (O I S Z V) to look-alikes."""
    cleaned = re.sub(r"[^0-9A-Za-z]", "", compact(text)).upper()
    return cleaned.translate(_NEVER_OCCURS)


def is_valid(code: str) -> bool:
    return _CODE.fullmatch(code) is not None and check_character(code[:17]) == code[17]


def extract_credit_code(text: str) -> str | None:
    """The repaired 18-character code in ``text``: a valid one first, else the first well-shaped one."""
    repaired = repair(text)
    windows = [repaired[start : start + 18] for start in range(max(0, len(repaired) - 17))]
    shaped = [window for window in windows if _CODE.fullmatch(window)]
    for window in shaped:
        if is_valid(window):
            return window
    return shaped[0] if shaped else None
