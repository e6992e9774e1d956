"""Slot extraction: normalised text + intent + today -> flat dict of slot values (JSON scalars only).

Extractors run in an order where each consumes its span of the text, so later ones do not read it again:
account digits, ticket number, dates, term, amounts, then the word lists and finally the payee. Values:
``amount`` int/float, ``currency`` ISO 4217, ``date`` ISO date, ``date_range`` ISO interval
``2024-04-01/2024-04-30``, ``term`` ISO duration ``P3M``, ``account_last4`` four digits, ``ticket_number``
``A023``, ``card_type`` debit/credit/social_security, ``country`` ISO 3166, ``service`` a counter service.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from services.voice.domain.nlu.amounts import CURRENCY_PATTERN, amount_as_number, find_amounts, find_currencies
from services.voice.domain.nlu.dates import DateMatch, Preference
from services.voice.domain.nlu.dates_en import find_dates_en
from services.voice.domain.nlu.dates_zh import find_dates_zh
from services.voice.domain.nlu.identifiers import find_account_last4, find_term, find_ticket_number
from services.voice.domain.nlu.intents import (
    AMOUNT_INTENTS,
    FUTURE_DATE_INTENTS,
    FX_INTENTS,
    PAST_DATE_INTENTS,
    RANGE_INTENTS,
    SLOT_INTENTS,
)
from services.voice.domain.nlu.lexicon import (
    BILL_TYPES,
    CARD_TYPES,
    COUNTRIES,
    LOAN_TYPES,
    PURPOSES,
    SERVICES,
    canonical,
    lexicon_pattern,
)
from services.voice.domain.nlu.payee import find_payee

SlotValue = str | int | float
WORD_SLOTS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "card_type": CARD_TYPES,
    "bill_type": BILL_TYPES,
    "loan_type": LOAN_TYPES,
    "purpose": PURPOSES,
    "country": COUNTRIES,
    "service": SERVICES,
}
WORD_PATTERNS = {name: lexicon_pattern(vocabulary) for name, vocabulary in WORD_SLOTS.items()}


class _Text:
    """The text being read, with consumed spans blanked out (same length, so offsets stay valid)."""

    def __init__(self, text: str) -> None:
        self.value = text

    def consume(self, start: int, end: int) -> None:
        self.value = self.value[:start] + " " * (end - start) + self.value[end:]


def _wanted(slot: str, intent: str) -> bool:
    allowed = SLOT_INTENTS.get(slot)
    return allowed is None or intent in allowed


def _date_preference(intent: str) -> Preference:
    if intent in PAST_DATE_INTENTS:
        return "past"
    return "future" if intent in FUTURE_DATE_INTENTS else "none"


def _extract_dates(text: _Text, intent: str, today: date, slots: dict[str, SlotValue]) -> None:
    prefer = _date_preference(intent)
    found: list[DateMatch] = find_dates_zh(text.value, today, prefer)
    for match in found:
        text.consume(match.start, match.end)
    english = find_dates_en(text.value, today, prefer)
    for match in english:
        text.consume(match.start, match.end)
    matches = sorted(found + english, key=lambda m: m.start)
    if not matches:
        return
    first = matches[0]
    name, value = first.as_slot()
    if name == "date" and intent in RANGE_INTENTS:
        name, value = "date_range", f"{value}/{value}"
    slots[name] = value


def _extract_money(text: _Text, intent: str, slots: dict[str, SlotValue], expecting: str | None) -> None:
    amounts = find_amounts(text.value, accept_bare=intent in AMOUNT_INTENTS or expecting == "amount")
    currencies = find_currencies(text.value)
    if amounts:
        slots["amount"] = amount_as_number(amounts[0].value)
        for amount in amounts:
            text.consume(amount.start, amount.end)
    if intent in FX_INTENTS:
        foreign = [code for code in currencies if code != "CNY"]
        currencies = foreign or currencies
    elif amounts and amounts[0].currency:
        currencies = [amounts[0].currency]
    if currencies:
        slots["currency"] = currencies[0]
    for code_text in ("¥", "$", "€", "£"):
        text.value = text.value.replace(code_text, " ")


def _extract_words(text: _Text, intent: str, slots: dict[str, SlotValue]) -> None:
    for name, pattern in WORD_PATTERNS.items():
        if not _wanted(name, intent):
            continue
        if name == "country":  # 美元 is not 美国: currency words must not be read as countries
            blanked = find_currencies_blanked(text.value)
            match = pattern.search(blanked)
        else:
            match = pattern.search(text.value)
        if match:
            slots[name] = canonical(WORD_SLOTS[name], match.group(0))


def find_currencies_blanked(text: str) -> str:
    return CURRENCY_PATTERN.sub(lambda m: " " * len(m.group(0)), text)


def extract_slots(
    normalised_text: str, intent: str, today: date, *, expecting: str | None = None
) -> dict[str, SlotValue]:
    """All slots found in ``normalised_text`` (output of ``normalise``) for ``intent``, resolved on ``today``.
    ``expecting`` names the slot the dialogue just asked for: ``amount`` reads a bare number ("eighty") as one."""
    text = _Text(normalised_text)
    slots: dict[str, SlotValue] = {}
    account = find_account_last4(text.value)
    if account:
        slots["account_last4"] = account.value
        text.consume(account.start, account.end)
    if _wanted("ticket_number", intent):
        ticket = find_ticket_number(text.value)
        if ticket:
            slots["ticket_number"] = ticket.value
            text.consume(ticket.start, ticket.end)
    _extract_dates(text, intent, today, slots)
    term = find_term(text.value)
    if term:
        text.consume(term.start, term.end)
        if _wanted("term", intent):
            slots["term"] = term.value
    _extract_money(text, intent, slots, expecting)
    _extract_words(text, intent, slots)
    if _wanted("payee", intent):
        payee = find_payee(text.value)
        if payee:
            slots["payee"] = payee
    return slots
