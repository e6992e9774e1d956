"""Masking of personal slot values for events and logs (payee, account digits)."""

from __future__ import annotations

from collections.abc import Mapping

from branchops.logging import mask_pii

MAX_PLAIN_DIGITS = 10  # as in amounts.py: longer numbers are identifiers, never money
PERSONAL_DIGIT_SLOTS = frozenset({"account_last4", "phone", "id_number", "account_number"})
PERSONAL_NAME_SLOTS = frozenset({"payee"})


def mask_name(name: str) -> str:
    """Keep the first character of each word: ``张三`` -> ``张*``, ``John Smith`` -> ``J*** S****``."""
    if " " in name.strip():
        return " ".join(mask_name(word) for word in name.split())
    if len(name) <= 1:
        return "*"
    return name[0] + "*" * (len(name) - 1)


def mask_slots(slots: Mapping[str, object]) -> dict[str, object]:
    """A copy of ``slots`` fit for events and logs: digits of accounts become ``*``, names keep one letter."""
    masked: dict[str, object] = {}
    for name, value in slots.items():
        if name in PERSONAL_DIGIT_SLOTS and value is not None:
            masked[name] = "*" * max(len(str(value)), 1)
        elif name in PERSONAL_NAME_SLOTS and value is not None:
            masked[name] = mask_name(str(value))
        elif isinstance(value, str):
            masked[name] = mask_pii(value)  # backstop: ID, account or phone digits inside any text slot
        elif isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 10**MAX_PLAIN_DIGITS:
            masked[name] = "*" * len(str(int(value)))  # too long to be money: an identifier read as a number
        else:
            masked[name] = value
    return masked
