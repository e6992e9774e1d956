"""The ``CoreBanking`` port: what the digital employee asks of a bank's core for self-service (docs/core-banking.md).

Pure: the protocol, its value types and its refusals. The embedded default is the records service's SANDBOX core
(adapters/core_banking_http.py); a bank points the adapter, or one of its own with the same protocol, at its
integration. Amounts are integers of minor units (fen, cents); account numbers arrive masked (``6222****1234``)
and accounts are named by opaque ids. A money movement carries an :class:`Authorisation`: the customer's
identity (an approved KYC session), their explicit confirmation, and an idempotency key that names the movement
(a retry after a timeout sends the same key; the core posts it once).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Protocol

REASONS = frozenset(
    {
        "amount_out_of_range",
        "insufficient_funds",
        "limit_exceeded",
        "unknown_account",
        "unknown_customer",
        "unknown_posting",
        "unknown_biller",
        "bad_bill_reference",
        "not_own_account",
        "wrong_account_kind",
        "currency_mismatch",
        "idempotency_conflict",
        "idempotency_key_required",
        "already_reversed",
        "not_reversible",
        "identity_not_verified",
        "identity_required",
        "confirmation_required",
        "bad_date",
        "bad_range",
        "unknown_service",
        "already_enrolled",
        "already_active",
        "no_phone",
        "bad_pin",
        "weak_pin",
        "core_unavailable",
        "core_error",
    }
)
"""Every ``BankingRefused.reason`` a core may give (``core_unavailable``: no answer, outcome unknown)."""


class BankingRefused(Exception):
    """The core refused the request (nothing was posted), or could not be reached (``core_unavailable``)."""

    def __init__(self, reason: str, detail: str = "", *, status: int | None = None) -> None:
        super().__init__(detail or reason)
        self.reason = reason if reason in REASONS else "core_error"
        self.detail = detail
        self.status = status

    @property
    def outcome_unknown(self) -> bool:
        """No answer came: the movement may or may not be posted; ask again with the same key to learn which."""
        return self.reason == "core_unavailable"


@dataclass(frozen=True)
class CustomerRef:
    customer_id: str
    display_name: str
    id_number_masked: str


@dataclass(frozen=True)
class AccountSummary:
    account_id: str
    number_masked: str
    kind: str  # debit_card | savings | credit_card | loan
    name: str
    currency: str
    balance_minor: int
    available_minor: int
    credit_limit_minor: int | None = None


@dataclass(frozen=True)
class Posting:
    posting_id: int
    kind: str  # transfer | card_repayment | utility_payment | reversal
    currency: str
    amount_minor: int
    at: str
    day: str
    reference_masked: str | None = None
    reverses: int | None = None


@dataclass(frozen=True)
class PostingResult:
    posting: Posting
    accounts: tuple[AccountSummary, ...]
    """The customer's accounts the posting touched, with their balances after it."""
    replayed: bool
    """This answer is the stored one of an earlier request with the same key (nothing posted again)."""
    sandbox: bool


@dataclass(frozen=True)
class StatementLine:
    posting_id: int
    at: str
    day: str
    kind: str
    currency: str
    amount_minor: int  # signed from the account's side
    counterparty_masked: tuple[str, ...]
    reference_masked: str | None
    reversed_by: int | None


@dataclass(frozen=True)
class Statement:
    account: AccountSummary
    start: dt.date
    end: dt.date
    lines: tuple[StatementLine, ...]
    sandbox: bool


@dataclass(frozen=True)
class FxRate:
    currency: str
    bank_buys: str  # CNY per unit, exact decimal text
    bank_sells: str


@dataclass(frozen=True)
class InterestRate:
    product: str
    name_zh: str
    annual_percent: str


@dataclass(frozen=True)
class ServiceState:
    """One self-service of the customer: ``mobile_banking``, ``sms_alerts`` (subject: the account),
    ``digital_wallet``, ``card_activation`` (subject: the card); state ``active`` or ``inactive``."""

    service: str
    subject: str
    state: str
    detail: dict[str, object]


@dataclass(frozen=True)
class CardState:
    account_id: str
    number_masked: str
    state: str  # active | inactive


@dataclass(frozen=True)
class SelfServices:
    """What the customer has enrolled in: the registered phone (masked), services, card states, the wallet."""

    phone_masked: str
    services: tuple[ServiceState, ...]
    cards: tuple[CardState, ...]
    wallet: AccountSummary | None
    sandbox: bool

    def active(self, service: str, subject: str = "") -> bool:
        return any(s.service == service and s.subject == subject and s.state == "active" for s in self.services)


@dataclass(frozen=True)
class ChangeResult:
    """A self-service change done (or the stored answer of an earlier request with the same key)."""

    service: str  # mobile_banking | sms_alerts | digital_wallet | card_activation | pin
    state: str
    detail: dict[str, object]
    wallet: AccountSummary | None
    replayed: bool
    sandbox: bool


@dataclass(frozen=True)
class PensionCredit:
    day: str
    amount_minor: int
    currency: str
    account_masked: str


@dataclass(frozen=True)
class Pension:
    start: dt.date
    end: dt.date
    credits: tuple[PensionCredit, ...]
    total_minor: int
    sandbox: bool


@dataclass(frozen=True)
class Authorisation:
    """What every money movement needs besides its own fields."""

    identity: str
    """The KYC session whose approved result (ID card + face) proves who the customer is."""
    confirmed: bool
    """The customer confirmed this very movement explicitly (read back, then "yes")."""
    idempotency_key: str
    """Names the movement: the same on every retry of it, never on another movement."""


def movement_key(session_id: str, turn: int, intent: str) -> str:
    """A key for the movement confirmed at ``turn`` of a dialogue session: a retry of that turn (after a timeout,
    a reconnect) gets the same key; another turn, another key."""
    digest = hashlib.sha256(f"{session_id}|{turn}|{intent}".encode()).hexdigest()[:32]
    return f"voice-{digest}"


class CoreBanking(Protocol):
    """A bank's core as the digital employee uses it. Methods raise :class:`BankingRefused`. Reads of a
    customer's data carry ``identity`` too (the KYC session): the digital employee reads only for a verified
    customer."""

    async def customers_for(self, branch_id: str, identity: str) -> list[CustomerRef]:
        """The customer(s) the approved KYC session ``identity`` names (empty: none known to the core)."""
        ...

    async def accounts(self, branch_id: str, customer_id: str, identity: str) -> list[AccountSummary]: ...

    async def balance(self, branch_id: str, customer_id: str, identity: str, account_id: str) -> AccountSummary: ...

    async def statement(
        self,
        branch_id: str,
        customer_id: str,
        identity: str,
        account_id: str,
        start: dt.date | None,
        end: dt.date | None,
    ) -> Statement: ...

    async def transfer(
        self,
        branch_id: str,
        customer_id: str,
        auth: Authorisation,
        from_account_id: str,
        to_account_id: str,
        amount_minor: int,
        currency: str = "CNY",
    ) -> PostingResult: ...

    async def repay_card(
        self,
        branch_id: str,
        customer_id: str,
        auth: Authorisation,
        from_account_id: str,
        card_account_id: str,
        amount_minor: int,
        currency: str = "CNY",
    ) -> PostingResult: ...

    async def pay_utility(
        self,
        branch_id: str,
        customer_id: str,
        auth: Authorisation,
        from_account_id: str,
        biller_id: str,
        bill_reference: str,
        amount_minor: int,
        currency: str = "CNY",
    ) -> PostingResult: ...

    async def reverse(
        self, branch_id: str, customer_id: str, auth: Authorisation, posting_id: int
    ) -> PostingResult: ...

    async def self_services(self, branch_id: str, customer_id: str, identity: str) -> SelfServices: ...

    async def pension_credits(
        self, branch_id: str, customer_id: str, identity: str, start: dt.date | None, end: dt.date | None
    ) -> Pension: ...

    async def enrol(
        self,
        branch_id: str,
        customer_id: str,
        auth: Authorisation,
        service: str,
        *,
        account_id: str | None = None,
        threshold_minor: int | None = None,
    ) -> ChangeResult:
        """``mobile_banking``, ``sms_alerts`` (account, threshold), ``digital_wallet`` (opens the wallet),
        ``card_activation`` (the card). Refused ``already_enrolled`` / ``already_active`` when nothing is to do."""
        ...

    async def change_pin(
        self, branch_id: str, customer_id: str, auth: Authorisation, account_id: str, new_pin: str
    ) -> ChangeResult:
        """The account's new PIN (six digits, not a weak one: ``weak_pin`` / ``bad_pin``). The PIN is never
        logged, echoed or kept in clear; the key's fingerprint does not cover it."""
        ...

    async def top_up_wallet(
        self,
        branch_id: str,
        customer_id: str,
        auth: Authorisation,
        from_account_id: str,
        amount_minor: int,
        currency: str = "CNY",
    ) -> PostingResult: ...

    async def fx_rates(self) -> list[FxRate]: ...

    async def interest_rates(self) -> list[InterestRate]: ...
