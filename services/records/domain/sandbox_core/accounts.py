"""Accounts of the sandbox core, their kinds and bounds, and how their numbers are shown (always masked).

A balance is the sum of the account's legs in minor units, from the customer's side: a deposit's funds are
positive; what is owed on a credit card or a loan is negative. Internal accounts (the sandbox's opening
funds) and billers have no bound: they are the other side of the customers' movements.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    DEBIT_CARD = "debit_card"
    SAVINGS = "savings"
    CREDIT_CARD = "credit_card"
    LOAN = "loan"
    DIGITAL_WALLET = "digital_wallet"
    UTILITY_BILLER = "utility_biller"
    INTERNAL = "internal"


DEPOSITS = frozenset({Kind.DEBIT_CARD, Kind.SAVINGS})
"""Accounts money may leave by the customer's request."""
CUSTOMER_KINDS = frozenset({Kind.DEBIT_CARD, Kind.SAVINGS, Kind.CREDIT_CARD, Kind.LOAN, Kind.DIGITAL_WALLET})
WALLET_CAP_MINOR = 1_000_000
"""A sandbox digital RMB wallet holds at most 10,000.00 CNY (the smallest wallet class)."""


@dataclass(frozen=True)
class Account:
    account_id: str
    customer_id: str | None  # None: the sandbox's own (internal, billers)
    number: str
    kind: Kind
    currency: str
    balance_minor: int
    credit_limit_minor: int = 0
    name: str = ""

    @property
    def masked(self) -> str:
        return mask_number(self.number)


def mask_number(number: str) -> str:
    """``6222021234561234`` -> ``6222****1234``: the first and last four stay (short numbers: the last two)."""
    if len(number) >= 10:
        return f"{number[:4]}****{number[-4:]}"
    return "****" + number[-2:] if len(number) > 2 else "****"


def in_bounds(account: Account, balance_minor: int) -> bool:
    """Whether ``balance_minor`` is allowed on ``account``: deposits never below zero; a credit card owes at
    most its limit and is never paid beyond zero; a loan is never paid beyond zero; a wallet stays within 0 and
    its cap."""
    if account.kind in DEPOSITS:
        return balance_minor >= 0
    if account.kind is Kind.CREDIT_CARD:
        return -account.credit_limit_minor <= balance_minor <= 0
    if account.kind is Kind.LOAN:
        return balance_minor <= 0
    if account.kind is Kind.DIGITAL_WALLET:
        return 0 <= balance_minor <= WALLET_CAP_MINOR
    return True


def available_minor(account: Account) -> int:
    """What may leave the account now: a deposit's (or wallet's) balance, a card's unused limit."""
    if account.kind in DEPOSITS or account.kind is Kind.DIGITAL_WALLET:
        return account.balance_minor
    if account.kind is Kind.CREDIT_CARD:
        return account.credit_limit_minor + account.balance_minor
    return 0
