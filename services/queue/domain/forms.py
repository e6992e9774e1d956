"""The prepared form a ticket may carry: what the digital employee already heard from the customer (kind =
the intent, typed fields), so the teller never asks again. Pure: values in, values out.

The form is stored with the ticket as given; it leaves the queue service unmasked only in the ticket view of
staff credentials. Events (and so the records) carry :func:`masked_form`: payee names keep one letter per
word, account digits, ID and phone numbers become ``*``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

from branchops.logging import mask_pii
from services.queue.domain.errors import Invalid

FormValue = str | int | float | bool | None
MAX_FORM_BYTES: Final = 1024
"""A whole form as JSON: what a customer says in one dialogue fits in a fraction of this."""
FORM_FIELDS: Final = frozenset(
    {
        "amount",
        "currency",
        "date",
        "date_range",
        "time",
        "account_last4",
        "payee",
        "term",
        "card_type",
        "country",
        "bill_type",
        "loan_type",
        "purpose",
        "service",
        "phone",
        "id_number",
    }
)
PERSONAL_DIGITS: Final = frozenset({"account_last4", "phone", "id_number"})
PERSONAL_NAMES: Final = frozenset({"payee"})


class FormRefused(Invalid):
    """A form that is too big or has a field the form does not know (422, with a reason)."""

    title = "Invalid prepared form"

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def form_size(form: Mapping[str, object]) -> int:
    return len(json.dumps(form, ensure_ascii=False, separators=(",", ":")).encode())


def check_form(form: Mapping[str, object]) -> None:
    """Raises :class:`FormRefused` for unknown fields or a form over :data:`MAX_FORM_BYTES` (types are the
    route model's: this is the rule whatever the way in)."""
    fields = form.get("fields")
    if not isinstance(fields, Mapping):
        raise FormRefused("a prepared form needs its fields", "form_invalid")
    unknown = sorted(set(fields) - FORM_FIELDS)
    if unknown:
        raise FormRefused(f"unknown form fields: {', '.join(unknown)}", "form_unknown_field")
    size = form_size(form)
    if size > MAX_FORM_BYTES:
        raise FormRefused(f"the prepared form has {size} bytes, at most {MAX_FORM_BYTES}", "form_too_large")


def merge_fields(form: Mapping[str, object] | None, kind: str, changes: Mapping[str, FormValue]) -> dict[str, object]:
    """The form after a teller's corrections: a value replaces the field, ``None`` removes it."""
    before = dict(form or {})
    fields = dict(before.get("fields") or {})  # type: ignore[call-overload]
    for name, value in changes.items():
        if value is None:
            fields.pop(name, None)
        else:
            fields[name] = value
    after: dict[str, object] = {**before, "kind": before.get("kind") or kind, "fields": fields}
    check_form(after)
    return after


def mask_name(name: str) -> str:
    """``张三`` -> ``张*``, ``John Smith`` -> ``J*** S****``."""
    words = name.split()
    if len(words) > 1:
        return " ".join(mask_name(word) for word in words)
    return "*" if len(name) <= 1 else name[0] + "*" * (len(name) - 1)


def masked_form(form: Mapping[str, object] | None) -> dict[str, object] | None:
    """The form fit for events, logs and records (personal values masked), or None without a form."""
    if not form:
        return None
    fields = form.get("fields")
    masked: dict[str, object] = {}
    for name, value in (fields if isinstance(fields, Mapping) else {}).items():
        if value is None:
            continue
        if name in PERSONAL_DIGITS:
            masked[name] = "*" * max(len(str(value)), 1)
        elif name in PERSONAL_NAMES:
            masked[name] = mask_name(str(value))
        elif isinstance(value, str):
            masked[name] = mask_pii(value)  # backstop: ID, account or phone digits inside any text field
        else:
            masked[name] = value
    return {"kind": str(form.get("kind") or ""), "fields": masked}
