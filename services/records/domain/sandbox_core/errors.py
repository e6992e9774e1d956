"""Why the sandbox core refuses a request: one error type, a ``reason`` for programs and an HTTP status."""

from __future__ import annotations

REASONS: dict[str, tuple[int, str]] = {
    "amount_out_of_range": (422, "Amount out of range"),
    "currency_mismatch": (422, "Currency mismatch"),
    "insufficient_funds": (422, "Insufficient funds"),
    "limit_exceeded": (422, "Limit exceeded"),
    "unknown_account": (404, "Unknown account"),
    "unknown_customer": (404, "Unknown customer"),
    "unknown_posting": (404, "Unknown posting"),
    "unknown_biller": (404, "Unknown biller"),
    "bad_bill_reference": (422, "Bad bill reference"),
    "not_own_account": (403, "Not the customer's own account"),
    "wrong_account_kind": (422, "This account cannot do that"),
    "idempotency_conflict": (409, "Idempotency key reused for another request"),
    "idempotency_key_required": (400, "Idempotency-Key header required"),
    "already_reversed": (409, "Already reversed"),
    "not_reversible": (409, "Not reversible"),
    "identity_not_verified": (403, "Identity not verified"),
    "identity_required": (400, "Identity required"),
    "confirmation_required": (422, "Confirmation required"),
    "bad_date": (400, "Bad date"),
    "bad_range": (400, "Bad date range"),
    "unknown_service": (404, "Unknown self-service"),
    "already_enrolled": (409, "Already enrolled"),
    "already_active": (409, "Already active"),
    "no_phone": (422, "No registered phone"),
    "bad_pin": (422, "A PIN is six digits"),
    "weak_pin": (422, "PIN too easy to guess"),
}
"""Every refusal: reason -> (status, title). docs/core-banking.md lists the same."""


class CoreRefused(Exception):
    """A request the sandbox core refuses; nothing was posted."""

    def __init__(self, reason: str, detail: str) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown refusal reason {reason!r}")
        super().__init__(detail)
        self.reason = reason
        self.detail = detail

    @property
    def status(self) -> int:
        return REASONS[self.reason][0]

    @property
    def title(self) -> str:
        return REASONS[self.reason][1]
