"""NluEngine: intents, language, confidence, out-of-scope answers, bad input and masking."""

from __future__ import annotations

import json
from datetime import date

import pytest

from services.voice.domain.nlu import NluEngine, mask_slots
from services.voice.domain.nlu.intents import ALL_INTENTS, OUT_OF_SCOPE
from services.voice.domain.nlu.normalise import MAX_ANALYSED_CHARS, detect_language


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("帮我查一下卡里还有多少钱", "balance_inquiry"),
        ("查下于额", "balance_inquiry"),
        ("what's my ballance", "balance_inquiry"),
        ("转三千五百元给张三", "transfer"),
        ("我想转帐", "transfer"),
        ("send 500 to John Smith", "transfer"),
        ("我的卡丢了", "card_loss_report"),
        ("I lost my card", "card_loss_report"),
        ("密码忘了", "password_reset"),
        ("I forgot my pin", "password_reset"),
        ("上个月的交易明细", "transaction_history"),
        ("打印流水", "statement_print"),
        ("美元汇率多少", "fx_rate"),
        ("交电费", "utility_payment"),
        ("pay my electricity bill", "utility_payment"),
        ("取号", "take_ticket"),
        ("前面还有几个人", "queue_status"),
        ("转人工", "human_agent"),
        ("talk to a human", "human_agent"),
        ("你好", "greeting"),
        ("再见", "goodbye"),
        ("是的", "affirm"),
        ("不要", "deny"),
        ("你们几点开门", "branch_info"),
        ("我被骗了", "fraud_report"),
        ("I've been scammed", "fraud_report"),
        ("我想 check balance", "balance_inquiry"),
        ("帮我 transfer money", "transfer"),
    ],
)
def test_clear_utterances_get_their_intent(engine: NluEngine, today: date, text: str, intent: str) -> None:
    result = engine.analyse(text, today)
    assert result.intent == intent
    assert 0.0 < result.confidence <= 1.0


@pytest.mark.parametrize(
    "text", ["", "   ", "😀🎉💳🙂", "?!.,;", "12345", "asdkjh qweoiru zxcmnbv", "qwertyuiop", "\x00\x01\x02"]
)
def test_nonsense_is_out_of_scope(engine: NluEngine, today: date, text: str) -> None:
    result = engine.analyse(text, today)
    assert result.intent == OUT_OF_SCOPE
    assert 0.0 <= result.confidence <= 1.0


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("查余额", "zh"),
        ("check my balance", "en"),
        ("我想 check balance", "zh"),
        ("check my 余额 please", "en"),
        ("😀", "zh"),
        ("", "zh"),
        ("ＡＢＣ", "en"),
    ],
)
def test_language_detection(engine: NluEngine, today: date, text: str, lang: str) -> None:
    assert detect_language(text) == lang
    assert engine.analyse(text, today).lang == lang


@pytest.mark.parametrize("text", ["余额" * 5000, "a" * 10_000, "balance " * 2000, "🙂" * 10_000])
def test_very_long_input_is_cut_and_answered(engine: NluEngine, today: date, text: str) -> None:
    result = engine.analyse(text, today)
    assert len(result.text) <= MAX_ANALYSED_CHARS
    assert result.intent in ALL_INTENTS


def test_result_is_json_ready_for_the_cli(engine: NluEngine, today: date) -> None:
    result = engine.analyse("下周一取二十万现金要预约", today).as_dict()
    assert set(result) == {"text", "lang", "intent", "confidence", "slots"}
    assert result["intent"] == "large_cash_appointment"
    assert result["slots"] == {"date": "2024-05-13", "amount": 200000}
    assert json.loads(json.dumps(result, ensure_ascii=False)) == result


def test_same_input_same_answer(engine: NluEngine, today: date) -> None:
    first = engine.analyse("转五百块给张三", today)
    assert engine.analyse("转五百块给张三", today) == first


def test_dates_follow_the_given_today_not_the_clock(engine: NluEngine) -> None:
    slots_2024 = engine.analyse("明天预约", date(2024, 1, 31)).slots
    slots_2030 = engine.analyse("明天预约", date(2030, 12, 31)).slots
    assert slots_2024["date"] == "2024-02-01"
    assert slots_2030["date"] == "2031-01-01"


def test_high_threshold_turns_everything_out_of_scope(engine: NluEngine, today: date) -> None:
    strict = NluEngine(engine.classifier, min_confidence=1.01)
    assert strict.analyse("查余额", today).intent == OUT_OF_SCOPE


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        ({"payee": "张三", "amount": 500}, {"payee": "张*", "amount": 500}),
        ({"payee": "John Smith"}, {"payee": "J*** S****"}),
        ({"payee": "妈"}, {"payee": "*"}),
        ({"account_last4": "1234", "currency": "CNY"}, {"account_last4": "****", "currency": "CNY"}),
        ({}, {}),
    ],
)
def test_mask_slots(slots: dict[str, object], expected: dict[str, object]) -> None:
    assert mask_slots(slots) == expected


def test_masked_personal_slots_always_contain_a_star(engine: NluEngine, today: date) -> None:
    slots = engine.analyse("从尾号1234的卡转五百给张三", today).slots
    masked = mask_slots(slots)
    assert slots["account_last4"] == "1234"
    assert "1234" not in json.dumps(masked)
    assert all("*" in str(masked[name]) for name in ("account_last4", "payee") if name in masked)
