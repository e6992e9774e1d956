"""Masking of identifiers and names before they reach events or logs."""

from __future__ import annotations


def _mask_middle(value: str, keep_start: int, keep_end: int) -> str:
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[len(value) - keep_end :]


def mask_id_number(number: str) -> str:
    """``320102199001011234`` → ``3201**********1234``: the prefecture and the last four stay."""
    return _mask_middle(number, 4, 4)


def mask_credit_code(code: str) -> str:
    """``91320102MA1XXXXXX1`` → ``913201**********X1``-style: registration area and last two stay."""
    return _mask_middle(code, 6, 2)


def mask_name(name: str) -> str:
    """``张三丰`` → ``张**``: only the first character stays."""
    return name[:1] + "*" * (len(name) - 1) if name else name
