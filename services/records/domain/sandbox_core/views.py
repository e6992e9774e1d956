"""What the sandbox core answers with: account numbers masked everywhere, amounts as minor units and as exact
decimal text, and the sandbox label."""

from __future__ import annotations

from typing import Any

from services.records.domain.sandbox_core.accounts import Account, Kind, available_minor
from services.records.domain.sandbox_core.money import format_minor


def account_view(account: Account) -> dict[str, Any]:
    view: dict[str, Any] = {
        "account_id": account.account_id,
        "number_masked": account.masked,
        "kind": account.kind.value,
        "name": account.name,
        "currency": account.currency,
        "balance_minor": account.balance_minor,
        "balance": format_minor(account.balance_minor, account.currency),
        "available_minor": available_minor(account),
    }
    if account.kind is Kind.CREDIT_CARD:
        view["credit_limit_minor"] = account.credit_limit_minor
    return view


def labelled(body: dict[str, Any]) -> dict[str, Any]:
    """``"sandbox": true`` first in every answer of the sandbox core."""
    return {"sandbox": True, **body}
