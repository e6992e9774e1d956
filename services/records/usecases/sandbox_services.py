"""The sandbox core's self-services (docs/core-banking.md section 7): what a customer has enrolled in, their
pension credits, and the changes they make at the kiosk — mobile banking, SMS alerts, the digital RMB wallet, a
credit card's activation, a new PIN. Each change is like a money movement: an idempotency key, the customer's
explicit confirmation, a recent approved KYC result, one transaction, audited whether done or refused; a
refusal changes nothing and says what to do next. Answers carry ``"sandbox": true``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from services.records.adapters.sandbox_core_store import AuditEntry, Ledger, SandboxCoreStore
from services.records.domain.sandbox_core import enrolments, pins
from services.records.domain.sandbox_core.accounts import Account, Kind
from services.records.domain.sandbox_core.errors import CoreRefused
from services.records.domain.sandbox_core.money import format_minor
from services.records.domain.sandbox_core.seed import Customer, wallet_number
from services.records.domain.sandbox_core.views import account_view, labelled
from services.records.usecases.idempotent_call import Asked, Done, idempotent_call, identified_customer

PENSION_DEFAULT_DAYS = 365
PENSION_MAX_DAYS = 366 * 3
CREATED = 201


@dataclass(frozen=True)
class Change:
    """A self-service change asked for: who, for whom, the key, the confirmation, the identity, and its own
    fields (fingerprinted for the key; never a PIN)."""

    branch_id: str
    customer_id: str
    subject: str
    role: str
    idempotency_key: str | None
    confirmed: bool
    identity: str | None
    fields: dict[str, Any]


Apply = Callable[[Ledger, Customer, dict[str, Account], dict[str, Any], dt.datetime], Awaitable[dict[str, Any]]]


class SelfServices:
    def __init__(
        self,
        store: SandboxCoreStore,
        clock: Callable[[], dt.datetime],
        today: Callable[[dt.datetime | None], dt.date],
        identity_window: dt.timedelta,
        salt: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self.store = store
        self.clock = clock
        self.today = today
        self.identity_window = identity_window
        self.salt = salt

    # ------------------------------------------------------------------------------------------------ reads
    async def overview(self, customer: Customer, accounts: list[Account]) -> dict[str, Any]:
        """What the customer has: the registered phone (masked), every enrolment and card state, the wallet."""
        found = await self.store.enrolments(customer.customer_id)
        wallet = next((a for a in accounts if a.kind is Kind.DIGITAL_WALLET), None)
        cards = {e.subject: e.state for e in found if e.service == enrolments.CARD_ACTIVATION}
        return labelled(
            {
                "customer_id": customer.customer_id,
                "phone_masked": customer.phone_masked,
                "services": [enrolments.view(e) for e in found],
                "cards": [
                    {"account_id": a.account_id, "number_masked": a.masked, "state": cards.get(a.account_id, "active")}
                    for a in accounts
                    if a.kind is Kind.CREDIT_CARD
                ],
                "wallet": account_view(wallet) if wallet is not None else None,
            }
        )

    async def pension(self, customer: Customer, start: dt.date | None, end: dt.date | None) -> dict[str, Any]:
        last = end or self.today(None)
        first = start or last - dt.timedelta(days=PENSION_DEFAULT_DAYS - 1)
        if first > last:
            raise CoreRefused("bad_range", "from is after to")
        if (last - first).days + 1 > PENSION_MAX_DAYS:
            raise CoreRefused("bad_range", f"pension credits span at most {PENSION_MAX_DAYS} days")
        lines = await self.store.pension_credits(customer.customer_id, first, last)
        for line in lines:
            line["amount"] = format_minor(line["amount_minor"], line["currency"])
        total = sum(line["amount_minor"] for line in lines if line["currency"] == "CNY")
        return labelled(
            {
                "customer_id": customer.customer_id,
                "from": first.isoformat(),
                "to": last.isoformat(),
                "credits": lines,
                "total_minor": total,
                "total": format_minor(total, "CNY"),
                "currency": "CNY",
            }
        )

    # ------------------------------------------------------------------------------------------------ changes
    async def enrol(self, change: Change, service: str) -> tuple[int, dict[str, Any], bool]:
        enrolments.check_service(service)
        if service == enrolments.SMS_ALERTS:
            return await self._change(f"enrol_{service}", change, self._sms)
        if service == enrolments.MOBILE_BANKING:
            return await self._change(f"enrol_{service}", change, self._mobile_banking)
        if service == enrolments.DIGITAL_WALLET:
            return await self._change(f"enrol_{service}", change, self._wallet)
        return await self._change(f"enrol_{service}", change, self._activate)

    async def change_pin(self, change: Change, new_pin: object) -> tuple[int, dict[str, Any], bool]:
        async def apply(
            ledger: Ledger, customer: Customer, accounts: dict[str, Account], fields: dict[str, Any], now: dt.datetime
        ) -> dict[str, Any]:
            account = self._own(accounts, str(fields.get("account_id", "")))
            if account.kind not in (Kind.DEBIT_CARD, Kind.SAVINGS, Kind.CREDIT_CARD):
                raise CoreRefused("wrong_account_kind", "a PIN belongs to a card or a savings account")
            pin = pins.check_pin(new_pin)
            pins.check_not_current(pin, await ledger.pin(account.account_id))
            await ledger.put_pin(account.account_id, pins.hash_pin(pin, self.salt(pins.SALT_BYTES)), now)
            return {
                "service": "pin",
                "state": "changed",
                "account_masked": account.masked,
                "changed_at": now.isoformat(),
            }

        return await self._change("pin_change", change, apply)

    def _own(self, accounts: dict[str, Account], account_id: str) -> Account:
        account = accounts.get(account_id)
        if account is None:
            raise CoreRefused("unknown_account", "no such account of this customer")
        return account

    async def _sms(
        self, ledger: Ledger, customer: Customer, accounts: dict[str, Account], fields: dict[str, Any], now: dt.datetime
    ) -> dict[str, Any]:
        account = self._own(accounts, str(fields.get("account_id")))
        made = enrolments.sms_alert(customer.customer_id, account, fields.get("threshold_minor"), customer.phone_masked)
        enrolments.check_not_enrolled(await ledger.enrolment(customer.customer_id, made.service, made.subject))
        await ledger.put_enrolment(made, now)
        return enrolments.view(made) | {"updated_at": now.isoformat()}

    async def _mobile_banking(
        self, ledger: Ledger, customer: Customer, accounts: dict[str, Account], fields: dict[str, Any], now: dt.datetime
    ) -> dict[str, Any]:
        made = enrolments.mobile_banking(customer.customer_id, customer.phone_masked)
        enrolments.check_not_enrolled(await ledger.enrolment(customer.customer_id, made.service, ""))
        await ledger.put_enrolment(made, now)
        return enrolments.view(made) | {"updated_at": now.isoformat()}

    async def _wallet(
        self, ledger: Ledger, customer: Customer, accounts: dict[str, Account], fields: dict[str, Any], now: dt.datetime
    ) -> dict[str, Any]:
        enrolments.check_not_enrolled(await ledger.enrolment(customer.customer_id, enrolments.DIGITAL_WALLET, ""))
        account = enrolments.wallet_account(customer.customer_id, wallet_number(customer.customer_id))
        if account.account_id not in accounts:
            await ledger.open_account(account)
        made = enrolments.wallet(customer.customer_id, account)
        await ledger.put_enrolment(made, now)
        return enrolments.view(made) | {"updated_at": now.isoformat(), "account": account_view(account)}

    async def _activate(
        self, ledger: Ledger, customer: Customer, accounts: dict[str, Account], fields: dict[str, Any], now: dt.datetime
    ) -> dict[str, Any]:
        card = self._own(accounts, str(fields.get("account_id")))
        current = await ledger.enrolment(customer.customer_id, enrolments.CARD_ACTIVATION, card.account_id)
        made = enrolments.activation(customer.customer_id, card, current.state if current else None)
        await ledger.put_enrolment(made, now)
        return enrolments.view(made) | {"updated_at": now.isoformat()}

    async def _change(self, action: str, change: Change, apply: Apply) -> tuple[int, dict[str, Any], bool]:
        now = self.clock()
        asked = Asked(
            action,
            "change",
            change.branch_id,
            change.customer_id,
            change.idempotency_key,
            change.confirmed,
            change.fields,
        )

        def entry(outcome: str, key: str | None, reason: str | None) -> AuditEntry:
            return self._entry(now, action, change, outcome, key, reason=reason)

        async def apply_once(ledger: Ledger, key: str) -> Done:
            customer = await identified_customer(
                ledger, change.branch_id, change.customer_id, change.identity, now, self.identity_window
            )
            accounts = await ledger.customer_accounts(customer.customer_id)
            done = await apply(ledger, customer, accounts, change.fields, now)
            body = labelled({"customer_id": customer.customer_id, "change": done})
            return Done(CREATED, body, self._entry(now, action, change, "done", key, detail=done))

        return await idempotent_call(self.store, now, asked, entry, apply_once)

    def _entry(
        self,
        now: dt.datetime,
        action: str,
        change: Change,
        outcome: str,
        key: str | None,
        *,
        reason: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> AuditEntry:
        masked = dict(detail or change.fields)  # ids, masked numbers and phones; never a PIN
        if change.identity:
            masked["identity_session"] = change.identity
        return AuditEntry(
            at=now,
            branch_id=change.branch_id,
            subject=change.subject,
            role=change.role,
            action=action,
            outcome=outcome,
            reason=reason,
            customer_id=change.customer_id,
            idempotency_key=key if isinstance(key, str) and len(key) <= 128 else None,
            detail=masked,
        )
