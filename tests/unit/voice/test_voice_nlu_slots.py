"""Slot extraction, table-driven: text + intent + today (2024-05-08, a Wednesday) -> slots."""

from __future__ import annotations

from datetime import date

import pytest

from services.voice.domain.nlu.extractor import SlotValue, extract_slots
from services.voice.domain.nlu.normalise import normalise

TODAY = date(2024, 5, 8)


def slots_of(text: str, intent: str) -> dict[str, SlotValue]:
    return extract_slots(normalise(text), intent, TODAY)


@pytest.mark.parametrize(
    ("text", "intent", "amount", "currency"),
    [
        ("转账三千五百元给张三", "transfer", 3500, "CNY"),
        ("存3.5万", "cash_deposit", 35000, None),
        ("转¥3,500给李四", "transfer", 3500, "CNY"),
        ("￥３５００", "transfer", 3500, "CNY"),
        ("取两千块", "cash_withdrawal", 2000, "CNY"),
        ("transfer two thousand yuan to my mom", "transfer", 2000, "CNY"),
        ("withdraw 1000 us dollars", "cash_withdrawal", 1000, "USD"),
        ("换五千美元", "fx_exchange", 5000, "USD"),
        ("exchange 1,000 euros", "fx_exchange", 1000, "EUR"),
        ("换两万日元", "fx_exchange", 20000, "JPY"),
        ("取港币五千", "cash_withdrawal", 5000, "HKD"),
        ("send 2000 pounds to England", "international_remittance", 2000, "GBP"),
        ("取500", "cash_withdrawal", 500, None),
        ("book 80k cash", "large_cash_appointment", 80000, None),
        ("还信用卡12.5元", "credit_card_repayment", 12.5, "CNY"),
        ("一万二", "transfer", 12000, None),
    ],
)
def test_amounts_and_currencies(text: str, intent: str, amount: float, currency: str | None) -> None:
    slots = slots_of(text, intent)
    assert slots["amount"] == amount
    assert slots.get("currency") == currency


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("查一下余额", "balance_inquiry"),
        ("尾号1234的卡余额", "balance_inquiry"),
        ("我的号是A023", "queue_status"),
        ("存三个月定期", "fixed_deposit"),
        ("check my balance", "balance_inquiry"),
        ("balance of 500", "balance_inquiry"),  # a bare number is not money outside money intents
    ],
)
def test_no_amount_where_there_is_none(text: str, intent: str) -> None:
    assert "amount" not in slots_of(text, intent)


@pytest.mark.parametrize(
    ("text", "intent", "currency"),
    [
        ("美元汇率多少", "fx_rate", "USD"),
        ("用人民币换欧元", "fx_exchange", "EUR"),
        ("what's the yen rate", "fx_rate", "JPY"),
        ("hong kong dollar rate", "fx_rate", "HKD"),
        ("英镑现在多少钱", "fx_rate", "GBP"),
    ],
)
def test_currency_without_amount(text: str, intent: str, currency: str) -> None:
    assert slots_of(text, intent)["currency"] == currency


@pytest.mark.parametrize(
    ("text", "intent", "slot", "value"),
    [
        ("今天的交易", "out_of_scope", "date", "2024-05-08"),
        ("明天取二十万", "large_cash_appointment", "date", "2024-05-09"),
        ("后天来", "appointment_booking", "date", "2024-05-10"),
        ("下周一预约", "appointment_booking", "date", "2024-05-13"),
        ("这周五", "appointment_booking", "date", "2024-05-10"),
        ("周一", "appointment_booking", "date", "2024-05-13"),
        ("上个月的流水", "statement_print", "date_range", "2024-04-01/2024-04-30"),
        ("这个月的明细", "transaction_history", "date_range", "2024-05-01/2024-05-31"),
        ("最近三个月的明细", "transaction_history", "date_range", "2024-02-08/2024-05-08"),
        ("昨天的扣款", "transaction_history", "date_range", "2024-05-07/2024-05-07"),
        ("去年的流水", "statement_print", "date_range", "2023-01-01/2023-12-31"),
        ("6月的流水", "statement_print", "date_range", "2023-06-01/2023-06-30"),
        ("2024年3月1日到3月31日的明细", "transaction_history", "date_range", "2024-03-01/2024-03-31"),
        ("五月一号", "appointment_booking", "date", "2025-05-01"),
        ("last month", "transaction_history", "date_range", "2024-04-01/2024-04-30"),
        ("next monday", "appointment_booking", "date", "2024-05-13"),
        ("on friday", "appointment_booking", "date", "2024-05-10"),
        ("tomorrow afternoon", "appointment_booking", "date", "2024-05-09"),
        ("the past 3 months", "transaction_history", "date_range", "2024-02-08/2024-05-08"),
        ("last week", "transaction_history", "date_range", "2024-04-29/2024-05-05"),
        ("from March 1 to March 31", "transaction_history", "date_range", "2024-03-01/2024-03-31"),
        ("the 3rd of june", "appointment_booking", "date", "2024-06-03"),
        ("2024-02-29", "transaction_history", "date_range", "2024-02-29/2024-02-29"),
    ],
)
def test_dates_resolved_against_today(text: str, intent: str, slot: str, value: str) -> None:
    assert slots_of(text, intent)[slot] == value


@pytest.mark.parametrize(
    ("text", "intent", "term"),
    [
        ("存三个月定期", "fixed_deposit", "P3M"),
        ("一年定期利率", "interest_rate_inquiry", "P1Y"),
        ("存半年", "fixed_deposit", "P6M"),
        ("两年期", "fixed_deposit", "P2Y"),
        ("a 6 month deposit", "fixed_deposit", "P6M"),
        ("three year fixed deposit", "fixed_deposit", "P3Y"),
        ("one-year rate", "interest_rate_inquiry", "P1Y"),
    ],
)
def test_terms(text: str, intent: str, term: str) -> None:
    slots = slots_of(text, intent)
    assert slots["term"] == term
    assert "amount" not in slots


@pytest.mark.parametrize(
    ("text", "intent", "slot", "value"),
    [
        ("尾号1234的卡余额", "balance_inquiry", "account_last4", "1234"),
        ("尾号幺二三四", "balance_inquiry", "account_last4", "1234"),
        ("卡号后四位是5678", "close_account", "account_last4", "5678"),
        ("the card ending in 4321", "card_unfreeze", "account_last4", "4321"),
        ("last four digits one two three four", "balance_inquiry", "account_last4", "1234"),
        ("我的号是A023", "queue_status", "ticket_number", "A023"),
        ("我的号是a零二三", "queue_status", "ticket_number", "A023"),
        ("how long for c105", "queue_status", "ticket_number", "C105"),
        ("my number is a zero two three", "queue_status", "ticket_number", "A023"),
        ("我的信用卡丢了", "card_loss_report", "card_type", "credit"),
        ("补一张社保卡", "card_replacement", "card_type", "social_security"),
        ("I'd like a debit card", "open_account", "card_type", "debit"),
        ("交电费", "utility_payment", "bill_type", "electricity"),
        ("pay the water bill", "utility_payment", "bill_type", "water"),
        ("交物业费", "utility_payment", "bill_type", "property_fee"),
        ("汇款到美国", "international_remittance", "country", "US"),
        ("send money to Japan", "international_remittance", "country", "JP"),
        ("车贷怎么申请", "loan_inquiry", "loan_type", "car"),
        ("business loan", "loan_inquiry", "loan_type", "business"),
        ("留学需要存款证明", "deposit_certificate", "purpose", "study_abroad"),
        ("deposit certificate for a visa", "deposit_certificate", "purpose", "visa"),
        ("取个理财的号", "take_ticket", "service", "wealth"),
        ("a ticket for foreign exchange", "take_ticket", "service", "fx"),
        ("预约对公开户", "appointment_booking", "service", "corporate"),
        ("转五百块给张三", "transfer", "payee", "张三"),
        ("给我妈转两千", "transfer", "payee", "我妈"),
        ("转账三千五百元给李四", "transfer", "payee", "李四"),
        ("send 500 to John Smith", "transfer", "payee", "John Smith"),
        ("transfer 200 to my mum please", "transfer", "payee", "my Mum"),
    ],
)
def test_other_slots(text: str, intent: str, slot: str, value: str) -> None:
    assert slots_of(text, intent)[slot] == value


@pytest.mark.parametrize(
    ("text", "intent", "absent"),
    [
        ("美元汇率", "fx_rate", "country"),  # 美元 is a currency, not 美国
        ("transfer to my savings account", "transfer", "payee"),
        ("帮我查一下余额", "transfer", "payee"),
        ("我的电话丢了", "password_reset", "bill_type"),  # bill types only for utility payment
        ("a 500 transfer", "transfer", "ticket_number"),
    ],
)
def test_slots_not_invented(text: str, intent: str, absent: str) -> None:
    assert absent not in slots_of(text, intent)


@pytest.mark.parametrize(
    "text", ["", " ", "😀🎉💳", "??!!..", "x" * 10_000, "一" * 10_000, "\x00\x01\ufffd", "🙂 转账 🙂 " * 500]
)
def test_garbage_never_raises_and_values_are_json_scalars(text: str) -> None:
    slots = slots_of(text, "transfer")
    assert all(isinstance(v, str | int | float) for v in slots.values())
