"""Unmasked personal numbers: find them, and mask them in an event's JSON before it is stored (DESIGN.md 7).

Producers mask what they publish; records checks again, because a table is kept for months. What counts as
a personal number (a run of digits standing alone, not part of a decimal number or of an identifier such as
``t-0123``): an 18-character Chinese ID number (17 digits and a digit or X), an 11-digit mainland mobile
number (1[3-9] and nine digits), a 16-19 digit account or card number. Masking keeps the first and last
four characters of an ID or account number (``3201**********1234``) and three and four of a mobile number.

Cost matters (it runs on every event): :func:`may_hold_numbers` is one ``bytes.translate`` and a substring
search; only an envelope with a run of 11 or more digits is parsed and looked into.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

_NOT_AFTER = r"(?<![0-9A-Za-z_.\-])"  # a digit run glued to an identifier or a decimal point is not a number
_NOT_BEFORE = r"(?![0-9A-Za-z_\-])"
PERSONAL_NUMBER = re.compile(_NOT_AFTER + r"(\d{17}[\dXx]|1[3-9]\d{9}|\d{16,19})" + _NOT_BEFORE)
_TO_ZERO = bytes(48 if 48 <= c <= 57 else 32 for c in range(256))
_LONG_RUN = b"0" * 11


def kind(number: str) -> str:
    """``mobile`` (11 digits), ``id_number`` (18 characters; may also be an account number), ``account``."""
    return {11: "mobile", 18: "id_number"}.get(len(number), "account")


def may_hold_numbers(raw: bytes) -> bool:
    """False when ``raw`` has no run of 11 or more digits (then it holds no personal number)."""
    return _LONG_RUN in raw.translate(_TO_ZERO)


def find(text: str) -> list[str]:
    """The kinds of personal numbers in ``text`` (``mobile``, ``id_number``, ``account``), in order."""
    return [kind(m.group(1)) for m in PERSONAL_NUMBER.finditer(text)]


def _mask_one(match: re.Match[str]) -> str:
    number = match.group(1)
    if len(number) == 11:
        return number[:3] + "****" + number[-4:]
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_text(text: str) -> str:
    return PERSONAL_NUMBER.sub(_mask_one, text)


Path = tuple[str | int, ...]


def _walk(value: Any, path: Path) -> Iterator[tuple[Path, str]]:
    """(path, masked value) of every string in ``value`` that held a personal number (keys are not looked into)."""
    if isinstance(value, str):
        if PERSONAL_NUMBER.search(value):
            yield path, mask_text(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, (*path, i))


def _replace(document: Any, path: Path, masked: str) -> None:
    node = document
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = masked


def mask_envelope(raw: bytes) -> tuple[bytes, list[str]] | None:
    """``raw`` (an event's JSON) with the personal numbers in its strings masked, and the paths it masked
    (no values); None when there was nothing to mask (or it is not JSON: the decoder will say so).
    Numbers that are JSON numbers, not strings, are measurements and left alone."""
    if not may_hold_numbers(raw):
        return None
    try:
        document = json.loads(raw)
        if not isinstance(document, dict):
            return None
        found = list(_walk(document, ()))
    except (ValueError, RecursionError):  # not JSON, or nested past reason: the decoder refuses it
        return None
    if not found:
        return None
    for path, masked in found:
        _replace(document, path, masked)
    paths = [".".join(str(part) for part in path) for path, _ in found]
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(), paths
