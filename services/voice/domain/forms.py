"""Prepared forms: what the customer told the digital employee, as a typed form per counter intent, handed to
the teller with the ticket (the queue keeps it; the teller never asks again). Pure: values in, values out.

Every transaction intent of docs/INTENTS.md that is not self-service has a form kind (its id) and the typed
fields its slots become: ``amount`` a :class:`~decimal.Decimal` with its ``currency``, ``date`` a
:class:`datetime.date`, ``account_last4`` four digits, ``term`` an ISO 8601 duration... A slot value that
does not fit its type is left out (the teller asks for it), never sent as something else.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from services.voice.domain.dialogue.catalogue import CATALOGUE, SELF_SERVICE
from services.voice.domain.nlu.masking import mask_slots

FormValue = Decimal | dt.date | str
CENT: Final = Decimal("0.01")
MAX_AMOUNT: Final = Decimal("999999999999.99")
CURRENCIES: Final = frozenset({"CNY", "USD", "EUR", "JPY", "HKD", "GBP"})
CARD_TYPES: Final = frozenset({"debit", "credit", "social_security"})
SERVICES: Final = frozenset({"cash", "general", "corporate", "wealth", "fx"})
TEXT_MAX: Final = 60

FORM_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "transfer": ("amount", "currency", "payee", "account_last4"),
    "cash_withdrawal": ("amount", "currency", "account_last4"),
    "large_cash_appointment": ("amount", "currency", "date", "time"),
    "cash_deposit": ("amount", "currency", "account_last4"),
    "coin_exchange": ("amount", "currency"),
    "fixed_deposit": ("amount", "currency", "term"),
    "deposit_certificate": ("purpose", "account_last4"),
    "open_account": ("card_type",),
    "close_account": ("account_last4",),
    "card_loss_report": ("card_type", "account_last4"),
    "card_unfreeze": ("account_last4",),
    "card_replacement": ("card_type", "account_last4"),
    "password_reset": ("account_last4",),
    "phone_number_change": ("account_last4",),
    "personal_info_update": (),
    "limit_adjustment": ("amount", "currency", "account_last4"),
    "ukey_service": (),
    "credit_card_application": (),
    "loan_inquiry": ("loan_type", "amount", "currency"),
    "loan_repayment": ("amount", "currency"),
    "mortgage_inquiry": ("amount", "currency"),
    "wealth_products": ("amount", "currency", "term"),
    "fx_exchange": ("amount", "currency"),
    "international_remittance": ("amount", "currency", "country", "payee"),
    "social_security_card": (),
    "corporate_account": (),
    "take_ticket": ("service",),
    "appointment_booking": ("service", "date", "time"),
    "fraud_report": ("account_last4",),
}
"""Form kind (= intent id) -> its fields. ``queue_status`` asks a question and has no form."""
NO_FORM: Final = frozenset({"queue_status"})
MONEY_FIELDS: Final = frozenset({"amount", "currency"})


@dataclass(frozen=True)
class PreparedForm:
    kind: str
    fields: dict[str, FormValue]

    def payload(self) -> dict[str, object]:
        """JSON for the queue's ticket request: decimals and dates as text, nothing else changed."""
        return {"kind": self.kind, "fields": {name: _json(value) for name, value in self.fields.items()}}

    def masked(self) -> dict[str, object]:
        """For events and logs: payee names keep one letter per word, account digits become ``*``."""
        body = self.payload()
        fields = body["fields"]
        assert isinstance(fields, dict)
        return {"kind": self.kind, "fields": mask_slots(fields)}


def _json(value: FormValue) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def counter_intents() -> frozenset[str]:
    """The transaction intents a teller (or the queue) finishes: every row of the catalogue that is not
    self-service, but the question ``queue_status``."""
    return frozenset(i for i, spec in CATALOGUE.items() if spec.route != SELF_SERVICE) - NO_FORM


def _amount(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None
    return amount if Decimal(0) < amount <= MAX_AMOUNT else None


def _currency(value: object) -> str | None:
    return value if isinstance(value, str) and value in CURRENCIES else None


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _pattern(pattern: str) -> Callable[[object], str | None]:
    compiled = re.compile(pattern)
    return lambda value: value if isinstance(value, str) and compiled.fullmatch(value) else None


def _one_of(allowed: frozenset[str]) -> Callable[[object], str | None]:
    return lambda value: value if isinstance(value, str) and value in allowed else None


def _text(value: object) -> str | None:
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = " ".join(str(value).split())[:TEXT_MAX]
    return text or None


CONVERT: Final[dict[str, Callable[[object], FormValue | None]]] = {
    "amount": _amount,
    "currency": _currency,
    "date": _date,
    "time": _pattern(r"([01]\d|2[0-3]):[0-5]\d"),
    "account_last4": _pattern(r"\d{4}"),
    "term": _pattern(r"P\d{1,2}[DWMY]"),
    "card_type": _one_of(CARD_TYPES),
    "service": _one_of(SERVICES),
    "payee": _text,
    "country": _text,
    "loan_type": _text,
    "purpose": _text,
}


def prepare_form(intent: str, slots: Mapping[str, object]) -> PreparedForm | None:
    """The typed form of ``intent`` from the dialogue's slots; None for an intent without a form (self-service,
    a question). A form may have no fields: the teller still sees what the customer came for."""
    names = FORM_FIELDS.get(intent)
    if names is None:
        return None
    fields: dict[str, FormValue] = {}
    for name in names:
        value = CONVERT[name](slots.get(name)) if slots.get(name) not in (None, "") else None
        if value is not None:
            fields[name] = value
    if "amount" in fields and "currency" not in fields and "currency" in names:
        fields["currency"] = "CNY"  # an amount without a currency was said in yuan
    return PreparedForm(intent, fields)
