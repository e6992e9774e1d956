"""Intent ids of docs/INTENTS.md (a public contract) and which slots each intent gathers."""

from __future__ import annotations

from typing import Final

TRANSACTION_INTENTS: Final[tuple[str, ...]] = (
    "balance_inquiry",
    "transaction_history",
    "statement_print",
    "transfer",
    "cash_withdrawal",
    "large_cash_appointment",
    "cash_deposit",
    "coin_exchange",
    "fixed_deposit",
    "deposit_certificate",
    "open_account",
    "close_account",
    "card_loss_report",
    "card_unfreeze",
    "card_replacement",
    "password_reset",
    "password_change",
    "phone_number_change",
    "personal_info_update",
    "limit_adjustment",
    "mobile_banking_activation",
    "sms_alert_service",
    "ukey_service",
    "digital_rmb_wallet",
    "credit_card_application",
    "credit_card_repayment",
    "credit_card_activation",
    "loan_inquiry",
    "loan_repayment",
    "mortgage_inquiry",
    "wealth_products",
    "interest_rate_inquiry",
    "fx_rate",
    "fx_exchange",
    "international_remittance",
    "utility_payment",
    "social_security_card",
    "pension_inquiry",
    "corporate_account",
    "take_ticket",
    "queue_status",
    "appointment_booking",
    "fraud_report",
)
OUT_OF_SCOPE: Final = "out_of_scope"
CONTROL_INTENTS: Final[tuple[str, ...]] = (
    "greeting",
    "goodbye",
    "affirm",
    "deny",
    "human_agent",
    "repeat",
    "branch_info",
    "complaint",
    OUT_OF_SCOPE,
)
ALL_INTENTS: Final[tuple[str, ...]] = TRANSACTION_INTENTS + CONTROL_INTENTS

AMOUNT_INTENTS: Final[frozenset[str]] = frozenset(
    {
        "transfer",
        "cash_withdrawal",
        "large_cash_appointment",
        "cash_deposit",
        "coin_exchange",
        "fixed_deposit",
        "limit_adjustment",
        "credit_card_repayment",
        "loan_repayment",
        "fx_exchange",
        "international_remittance",
        "sms_alert_service",  # the alert's threshold
        "digital_rmb_wallet",  # the wallet's top-up
    }
)
"""Intents whose bare numbers (``取500``, "withdraw 500") are amounts."""
FX_INTENTS: Final[frozenset[str]] = frozenset({"fx_rate", "fx_exchange", "international_remittance"})
"""Intents where a foreign currency wins over 人民币 when both are named."""
PAST_DATE_INTENTS: Final[frozenset[str]] = frozenset(
    {"transaction_history", "statement_print", "fraud_report", "complaint", "pension_inquiry"}
)
FUTURE_DATE_INTENTS: Final[frozenset[str]] = frozenset(
    {"large_cash_appointment", "appointment_booking", "take_ticket", "fixed_deposit", "branch_info"}
)
RANGE_INTENTS: Final[frozenset[str]] = frozenset({"transaction_history", "statement_print"})
"""Intents whose single date becomes a one-day ``date_range``."""

SLOT_INTENTS: Final[dict[str, frozenset[str]]] = {
    "ticket_number": frozenset({"queue_status", "take_ticket"}),
    "payee": frozenset({"transfer", "international_remittance"}),
    "country": frozenset({"international_remittance", "fx_exchange", "fx_rate", "out_of_scope"}),
    "bill_type": frozenset({"utility_payment"}),
    "loan_type": frozenset({"loan_inquiry", "loan_repayment", "mortgage_inquiry", "interest_rate_inquiry"}),
    "purpose": frozenset({"deposit_certificate", "fx_exchange", "international_remittance"}),
    "service": frozenset({"take_ticket", "appointment_booking", "queue_status"}),
    "term": frozenset(
        {
            "fixed_deposit",
            "interest_rate_inquiry",
            "loan_inquiry",
            "mortgage_inquiry",
            "wealth_products",
            "deposit_certificate",
        }
    ),
}
"""Slots only extracted for some intents (elsewhere their words mean something else); the others
(amount, currency, date, date_range, account_last4, card_type) are extracted for every intent."""
