"""Double-entry postings: every movement is a balanced set of legs (their amounts add up to zero), planned here
from the accounts it touches and checked against their bounds before anything is stored.

A leg's amount is signed from the account's side: positive adds to its balance, negative takes from it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from services.records.domain.sandbox_core.accounts import DEPOSITS, WALLET_CAP_MINOR, Account, Kind, in_bounds
from services.records.domain.sandbox_core.errors import CoreRefused
from services.records.domain.sandbox_core.money import check_amount, check_currency

BILL_REFERENCE = re.compile(r"^[A-Za-z0-9-]{4,32}$")


class Movement(StrEnum):
    TRANSFER = "transfer"
    CARD_REPAYMENT = "card_repayment"
    UTILITY_PAYMENT = "utility_payment"
    WALLET_TOP_UP = "wallet_top_up"
    REVERSAL = "reversal"
    OPENING = "opening"
    PENSION_CREDIT = "pension_credit"


COUNTED = frozenset({Movement.TRANSFER, Movement.CARD_REPAYMENT, Movement.UTILITY_PAYMENT, Movement.WALLET_TOP_UP})
"""Movements the customer's daily limit counts (and the only ones that may be reversed)."""


@dataclass(frozen=True)
class Leg:
    account_id: str
    amount_minor: int


@dataclass(frozen=True)
class Plan:
    """A posting ready to be stored: balanced legs, what it is, whose it is."""

    kind: Movement
    customer_id: str | None
    currency: str
    amount_minor: int
    legs: tuple[Leg, ...]
    reference: str | None = None
    reverses: int | None = None
    days_ago: int = 0
    """Demo data only: a seeded posting dated this many local days before the seeding day."""


@dataclass(frozen=True)
class Posted:
    """A stored posting, as a reversal needs it."""

    posting_id: int
    kind: Movement
    customer_id: str | None
    currency: str
    amount_minor: int
    local_day: dt.date
    legs: tuple[Leg, ...]
    reversed_by: int | None


def check_balanced(legs: Iterable[Leg]) -> tuple[Leg, ...]:
    """At least two legs, none zero, summing to zero; a violation is a bug (ValueError), never a refusal."""
    out = tuple(legs)
    if len(out) < 2 or any(leg.amount_minor == 0 for leg in out) or sum(leg.amount_minor for leg in out) != 0:
        raise ValueError(f"unbalanced posting: {out}")
    if any(type(leg.amount_minor) is not int for leg in out):
        raise ValueError("leg amounts are integers of minor units")
    return out


def _own(customer_id: str, *accounts: Account) -> None:
    for account in accounts:
        if account.customer_id != customer_id:
            raise CoreRefused("not_own_account", f"account {account.masked} is not the customer's own")


def _same_currency(currency: str, *accounts: Account) -> str:
    check_currency(currency)
    for account in accounts:
        if account.currency != currency:
            raise CoreRefused("currency_mismatch", f"account {account.masked} keeps {account.currency}, not {currency}")
    return currency


def _from_deposit(source: Account) -> None:
    if source.kind not in DEPOSITS:
        raise CoreRefused("wrong_account_kind", f"money leaves a debit card or savings account, not {source.kind}")


def transfer(customer_id: str, source: Account, target: Account, amount_minor: int, currency: str) -> Plan:
    """Between two of the customer's own deposit accounts in one currency."""
    check_amount(amount_minor)
    _own(customer_id, source, target)
    _from_deposit(source)
    if target.kind not in DEPOSITS or target.account_id == source.account_id:
        raise CoreRefused("wrong_account_kind", "a transfer goes to another debit card or savings account")
    _same_currency(currency, source, target)
    legs = check_balanced((Leg(source.account_id, -amount_minor), Leg(target.account_id, amount_minor)))
    return Plan(Movement.TRANSFER, customer_id, currency, amount_minor, legs)


def card_repayment(customer_id: str, source: Account, card: Account, amount_minor: int, currency: str) -> Plan:
    """From a deposit to the customer's own credit card, at most what the card owes."""
    check_amount(amount_minor)
    _own(customer_id, source, card)
    _from_deposit(source)
    if card.kind is not Kind.CREDIT_CARD:
        raise CoreRefused("wrong_account_kind", f"account {card.masked} is not a credit card")
    _same_currency(currency, source, card)
    owed = -card.balance_minor
    if amount_minor > owed:
        raise CoreRefused("amount_out_of_range", f"the card owes {owed} minor units; the repayment is larger")
    legs = check_balanced((Leg(source.account_id, -amount_minor), Leg(card.account_id, amount_minor)))
    return Plan(Movement.CARD_REPAYMENT, customer_id, currency, amount_minor, legs)


def utility_payment(
    customer_id: str, source: Account, biller: Account, amount_minor: int, currency: str, bill_reference: str
) -> Plan:
    """From a deposit to a utility biller's account, with the bill's reference."""
    check_amount(amount_minor)
    _own(customer_id, source)
    _from_deposit(source)
    if biller.kind is not Kind.UTILITY_BILLER:
        raise CoreRefused("unknown_biller", "no such utility biller")
    if not BILL_REFERENCE.match(bill_reference):
        raise CoreRefused("bad_bill_reference", "a bill reference is 4 to 32 letters, digits or dashes")
    _same_currency(currency, source, biller)
    legs = check_balanced((Leg(source.account_id, -amount_minor), Leg(biller.account_id, amount_minor)))
    return Plan(Movement.UTILITY_PAYMENT, customer_id, currency, amount_minor, legs, reference=bill_reference)


def wallet_top_up(customer_id: str, source: Account, wallet: Account, amount_minor: int, currency: str) -> Plan:
    """From a deposit to the customer's own digital RMB wallet (a sandbox sub-account, CNY, capped)."""
    check_amount(amount_minor)
    _own(customer_id, source, wallet)
    _from_deposit(source)
    if wallet.kind is not Kind.DIGITAL_WALLET:
        raise CoreRefused("wrong_account_kind", f"account {wallet.masked} is not a digital RMB wallet")
    _same_currency(currency, source, wallet)
    if wallet.balance_minor + amount_minor > WALLET_CAP_MINOR:
        room = WALLET_CAP_MINOR - wallet.balance_minor
        raise CoreRefused("limit_exceeded", f"the wallet holds at most 10000.00 CNY; {room} minor units of room")
    legs = check_balanced((Leg(source.account_id, -amount_minor), Leg(wallet.account_id, amount_minor)))
    return Plan(Movement.WALLET_TOP_UP, customer_id, currency, amount_minor, legs)


def reversal(customer_id: str, original: Posted, today: dt.date) -> Plan:
    """The compensating posting of ``original``: its legs negated. Once only, on the day it was posted, only a
    customer's own movement (never an opening or a reversal)."""
    if original.customer_id != customer_id:
        raise CoreRefused("unknown_posting", "no such posting of this customer")
    if original.kind not in COUNTED:
        raise CoreRefused("not_reversible", f"a {original.kind} posting cannot be reversed")
    if original.reversed_by is not None:
        raise CoreRefused("already_reversed", f"posting {original.posting_id} was reversed by {original.reversed_by}")
    if original.local_day != today:
        raise CoreRefused("not_reversible", "a posting can be reversed only on the day it was made")
    legs = check_balanced(Leg(leg.account_id, -leg.amount_minor) for leg in original.legs)
    return Plan(
        Movement.REVERSAL,
        customer_id,
        original.currency,
        original.amount_minor,
        legs,
        reverses=original.posting_id,
    )


def apply(accounts: Mapping[str, Account], legs: Iterable[Leg]) -> dict[str, int]:
    """The new balance of every account the legs touch; ``insufficient_funds`` when one would leave its bounds
    (a deposit below zero, a card beyond its limit)."""
    balances = {account_id: account.balance_minor for account_id, account in accounts.items()}
    touched: dict[str, int] = {}
    for leg in legs:
        if leg.account_id not in balances:
            raise CoreRefused("unknown_account", "an account of the posting does not exist")
        balances[leg.account_id] += leg.amount_minor
        touched[leg.account_id] = balances[leg.account_id]
    for account_id, balance in touched.items():
        account = accounts[account_id]
        if not in_bounds(account, balance):
            what = {Kind.CREDIT_CARD: "its credit limit", Kind.DIGITAL_WALLET: "the wallet's bounds"}.get(
                account.kind, "its balance"
            )
            raise CoreRefused("insufficient_funds", f"account {account.masked} would go beyond {what}")
    return touched
