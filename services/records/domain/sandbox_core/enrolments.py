"""Self-service enrolments and state changes of the sandbox core: mobile banking, SMS alerts per account, the
digital RMB wallet (a sandbox sub-account) and a credit card's activation. One row per customer, service and
subject (the account it is about, or ``""``), with a state and a masked detail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Final

from services.records.domain.sandbox_core.accounts import DEPOSITS, WALLET_CAP_MINOR, Account, Kind
from services.records.domain.sandbox_core.errors import CoreRefused
from services.records.domain.sandbox_core.money import format_minor

MOBILE_BANKING: Final = "mobile_banking"
SMS_ALERTS: Final = "sms_alerts"
DIGITAL_WALLET: Final = "digital_wallet"
CARD_ACTIVATION: Final = "card_activation"
SERVICES: Final = frozenset({MOBILE_BANKING, SMS_ALERTS, DIGITAL_WALLET, CARD_ACTIVATION})
ENROLLABLE: Final = frozenset({MOBILE_BANKING, SMS_ALERTS, DIGITAL_WALLET, CARD_ACTIVATION})
ACTIVE: Final = "active"
INACTIVE: Final = "inactive"
SMS_THRESHOLD_MAX_MINOR: Final = 100_000_000  # 1,000,000.00


@dataclass(frozen=True)
class Enrolment:
    customer_id: str
    service: str
    subject: str
    state: str
    detail: dict[str, Any] = field(default_factory=dict)
    updated_at: dt.datetime | None = None


def mask_phone(phone: str) -> str:
    """``13812345678`` -> ``138****5678``; a number already masked stays as it is."""
    if "*" in phone:
        return phone
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def check_service(service: str) -> str:
    if service not in ENROLLABLE:
        raise CoreRefused("unknown_service", f"the sandbox core offers {', '.join(sorted(ENROLLABLE))}")
    return service


def check_not_enrolled(existing: Enrolment | None) -> None:
    if existing is not None and existing.state == ACTIVE:
        what = existing.service.replace("_", " ")
        raise CoreRefused("already_enrolled", f"{what} is already on for this customer; nothing to do")


def needs_phone(phone_masked: str) -> str:
    if not phone_masked:
        raise CoreRefused("no_phone", "no phone number is registered; register one at the counter first")
    return phone_masked


def sms_alert(customer_id: str, account: Account, threshold_minor: object, phone_masked: str) -> Enrolment:
    """Alerts by SMS for movements of ``account`` from ``threshold_minor`` up, to the registered phone."""
    if account.customer_id != customer_id:
        raise CoreRefused("not_own_account", f"account {account.masked} is not the customer's own")
    if account.kind not in DEPOSITS and account.kind is not Kind.CREDIT_CARD:
        raise CoreRefused("wrong_account_kind", "SMS alerts are for a debit card, savings or credit card")
    if type(threshold_minor) is not int or not 0 <= threshold_minor <= SMS_THRESHOLD_MAX_MINOR:
        raise CoreRefused("amount_out_of_range", "the alert threshold is 0 to 1,000,000.00 in minor units")
    detail = {
        "account_masked": account.masked,
        "threshold_minor": threshold_minor,
        "threshold": format_minor(threshold_minor, account.currency),
        "currency": account.currency,
        "phone_masked": needs_phone(phone_masked),
    }
    return Enrolment(customer_id, SMS_ALERTS, account.account_id, ACTIVE, detail)


def mobile_banking(customer_id: str, phone_masked: str) -> Enrolment:
    return Enrolment(customer_id, MOBILE_BANKING, "", ACTIVE, {"phone_masked": needs_phone(phone_masked)})


def wallet_account(customer_id: str, number: str) -> Account:
    """The customer's sandbox digital RMB wallet: a CNY sub-account, balance 0, at most the wallet's cap."""
    return Account(f"{customer_id}-wallet", customer_id, number, Kind.DIGITAL_WALLET, "CNY", 0, 0, "数字人民币钱包")


def wallet(customer_id: str, account: Account) -> Enrolment:
    return Enrolment(
        customer_id,
        DIGITAL_WALLET,
        "",
        ACTIVE,
        {"account_masked": account.masked, "cap": format_minor(WALLET_CAP_MINOR, "CNY")},
    )


def activation(customer_id: str, card: Account, state: str | None) -> Enrolment:
    """A credit card from inactive to active; a card with no state (issued before states were kept) or already
    active: ``already_active``."""
    if card.customer_id != customer_id:
        raise CoreRefused("not_own_account", f"account {card.masked} is not the customer's own")
    if card.kind is not Kind.CREDIT_CARD:
        raise CoreRefused("wrong_account_kind", f"account {card.masked} is not a credit card")
    if state is None or state == ACTIVE:
        raise CoreRefused("already_active", f"the card {card.masked} is already active; it can be used")
    return Enrolment(customer_id, CARD_ACTIVATION, card.account_id, ACTIVE, {"account_masked": card.masked})


def view(enrolment: Enrolment) -> dict[str, Any]:
    return {
        "service": enrolment.service,
        "subject": enrolment.subject,
        "state": enrolment.state,
        "detail": enrolment.detail,
        "updated_at": enrolment.updated_at.isoformat() if enrolment.updated_at else None,
    }
