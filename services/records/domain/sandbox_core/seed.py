"""The demo data of a branch: a few sandbox customers with deterministic accounts and opening balances (the
same branch always gets the same ids and numbers), the sandbox's billers and its internal opening accounts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from services.records.domain.sandbox_core.accounts import Account, Kind
from services.records.domain.sandbox_core.money import MINOR_DIGITS
from services.records.domain.sandbox_core.postings import Leg, Movement, Plan, check_balanced


@dataclass(frozen=True)
class Customer:
    customer_id: str
    branch_id: str
    display_name: str
    id_number_masked: str
    phone_masked: str = ""


BILLERS: tuple[tuple[str, str], ...] = (
    ("sbx-biller-power", "Sandbox Power 电费 (sandbox)"),
    ("sbx-biller-water", "Sandbox Water 水费 (sandbox)"),
    ("sbx-biller-gas", "Sandbox Gas 燃气费 (sandbox)"),
    ("sbx-biller-telecom", "Sandbox Telecom 话费 (sandbox)"),
)

# (masked id as the KYC service masks it, [(kind, currency, opening minor, credit limit minor, name)])
_CUSTOMERS: tuple[tuple[str, tuple[tuple[Kind, str, int, int, str], ...]], ...] = (
    (
        "3201**********1234",
        (
            (Kind.DEBIT_CARD, "CNY", 1_234_567, 0, "借记卡"),
            (Kind.SAVINGS, "CNY", 5_000_000, 0, "活期储蓄"),
            (Kind.CREDIT_CARD, "CNY", -123_450, 2_000_000, "信用卡"),
            (Kind.LOAN, "CNY", -30_000_000, 0, "个人贷款"),
        ),
    ),
    (
        "1101**********5678",
        (
            (Kind.DEBIT_CARD, "CNY", 88_000, 0, "借记卡"),
            (Kind.SAVINGS, "USD", 250_000, 0, "美元储蓄"),
            (Kind.CREDIT_CARD, "CNY", -50_000, 1_000_000, "信用卡"),
        ),
    ),
    (
        "4403**********0021",
        ((Kind.DEBIT_CARD, "CNY", 0, 0, "借记卡"), (Kind.SAVINGS, "CNY", 10_000, 0, "活期储蓄")),
    ),
)
_PHONES = ("138****1234", "139****5678", "")
"""The demo customers' registered phones, kept masked only (the third has none: SMS services refused)."""
PENSION_MINOR = 325_000
"""A monthly sandbox pension credit (3,250.00 CNY), to the savings of the first and third demo customers."""
PENSION_DAYS_AGO = (75, 45, 15)
PENSION_PAYER = "sbx-pension-CNY"
_PENSIONERS = {1: 2, 3: 2}  # customer number -> account number of the savings the pension goes to
_MOBILE_BANKING_ON = {2}  # customer numbers already enrolled in mobile banking (to show "already enrolled")
_CARD_INACTIVE = {2}  # customer numbers whose credit card is still to be activated (the others: active)


@dataclass(frozen=True)
class ServiceState:
    """A demo customer's starting state of a self-service (enrolments.py): service, subject, state, detail."""

    customer_id: str
    service: str
    subject: str
    state: str
    detail: dict[str, str]


_BIN = {Kind.DEBIT_CARD: "6222", Kind.SAVINGS: "6217", Kind.CREDIT_CARD: "6258", Kind.LOAN: "9559"}


def internal_account_id(currency: str) -> str:
    return f"sbx-internal-{currency}"


def _digits(*parts: str, length: int = 12) -> str:
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()
    return str(int(digest, 16))[-length:].rjust(length, "0")


def shared_accounts() -> list[Account]:
    """The billers (CNY) and one internal opening account per currency: no customer, no bound."""
    billers = [
        Account(biller_id, None, "8800" + _digits(biller_id), Kind.UTILITY_BILLER, "CNY", 0, name=name)
        for biller_id, name in BILLERS
    ]
    internal = [
        Account(internal_account_id(c), None, "9900" + _digits(c), Kind.INTERNAL, c, 0, name=f"sandbox opening {c}")
        for c in MINOR_DIGITS
    ]
    payer = Account(
        PENSION_PAYER, None, "9910" + _digits(PENSION_PAYER), Kind.INTERNAL, "CNY", 0, name="sandbox pension fund"
    )
    return billers + internal + [payer]


def wallet_number(customer_id: str) -> str:
    """A sandbox digital RMB wallet's number (16 digits, deterministic per customer)."""
    return "0031" + _digits("wallet", customer_id)


def demo_customers(branch_id: str) -> list[tuple[Customer, list[Account], list[Plan]]]:
    """Each demo customer of ``branch_id``, their accounts (balance 0) and the opening postings that give them
    their balances (against the internal account of the currency)."""
    out: list[tuple[Customer, list[Account], list[Plan]]] = []
    for n, (masked, accounts) in enumerate(_CUSTOMERS, start=1):
        customer_id = f"sbx-{branch_id}-c{n:02d}"
        customer = Customer(customer_id, branch_id, f"Sandbox customer {n} 沙盒客户{n}", masked, _PHONES[n - 1])
        made: list[Account] = []
        plans: list[Plan] = []
        for i, (kind, currency, opening, limit, name) in enumerate(accounts, start=1):
            account_id = f"{customer_id}-a{i}"
            number = _BIN[kind] + _digits(branch_id, customer_id, str(i))
            made.append(Account(account_id, customer_id, number, kind, currency, 0, limit, name))
            if opening:
                legs = check_balanced((Leg(account_id, opening), Leg(internal_account_id(currency), -opening)))
                plans.append(Plan(Movement.OPENING, customer_id, currency, abs(opening), legs))
        if n in _PENSIONERS:
            savings = f"{customer_id}-a{_PENSIONERS[n]}"
            for days in PENSION_DAYS_AGO:
                legs = check_balanced((Leg(savings, PENSION_MINOR), Leg(PENSION_PAYER, -PENSION_MINOR)))
                plans.append(
                    Plan(Movement.PENSION_CREDIT, customer_id, "CNY", PENSION_MINOR, legs, "PENSION", None, days)
                )
        out.append((customer, made, plans))
    return out


def demo_services(branch_id: str) -> list[ServiceState]:
    """The demo customers' starting self-service states: mobile banking already on for one; every credit card
    active except one still to be activated."""
    out: list[ServiceState] = []
    for n, (_, accounts) in enumerate(_CUSTOMERS, start=1):
        customer_id = f"sbx-{branch_id}-c{n:02d}"
        if n in _MOBILE_BANKING_ON:
            out.append(ServiceState(customer_id, "mobile_banking", "", "active", {"phone_masked": _PHONES[n - 1]}))
        for i, (kind, *_rest) in enumerate(accounts, start=1):
            if kind is Kind.CREDIT_CARD:
                state = "inactive" if n in _CARD_INACTIVE else "active"
                out.append(ServiceState(customer_id, "card_activation", f"{customer_id}-a{i}", state, {}))
    return out
