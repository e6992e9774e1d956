"""Whisper's text made fit for the kiosk: simplified Chinese, bank spellings, no loops, no sound tags."""

from __future__ import annotations

import pytest

from services.voice.domain.asr.transcript_text import drop_repeats, simplified_zh, tidy


def identity(text: str) -> str:
    return text


def opencc_t2s(text: str) -> str:
    from opencc import OpenCC

    return str(OpenCC("t2s").convert(text))


def test_traditional_mandarin_becomes_simplified_with_bank_spellings() -> None:
    assert tidy("我想開一個儲蓄帳戶，轉帳五千元", "zh", opencc_t2s) == "我想开一个储蓄账户，转账五千元"
    assert tidy("請幫我查一下餘額", "zh", opencc_t2s) == "请帮我查一下余额"


def test_the_bank_table_applies_after_any_converter() -> None:
    assert simplified_zh("帐户 帐号 对帐", identity) == "账户 账号 对账"


def test_english_is_not_converted() -> None:
    assert tidy("  Check   my balance. ", "en", lambda _t: pytest.fail("no conversion for en")) == "Check my balance."


@pytest.mark.parametrize("text", ["", " . ", "(music)", "[BLANK_AUDIO]", "（笑）", "...", "，。"])
def test_text_without_words_is_empty(text: str) -> None:
    assert tidy(text, "en", identity) == ""
    assert tidy(text, "zh", identity) == ""


def test_decoding_loops_collapse_but_numbers_and_short_repeats_stay() -> None:
    loop = "Please show me my card. Please show me my card. Please show me my card. Please show"
    assert drop_repeats(loop) == "Please show me my card"
    assert drop_repeats("我想我想我想我想我想") == "我想"
    assert drop_repeats("八八八八") == "八八八八", "a number of one repeated digit is kept"
    assert drop_repeats("no no") == "no no"
    assert (
        drop_repeats("I want to transfer money, transfer money now") == "I want to transfer money, transfer money now"
    )


def test_a_mandarin_utterance_written_twice_is_written_once() -> None:
    assert drop_repeats("我想查一下我的账户余额我想查一下我的账户余额") == "我想查一下我的账户余额"
    assert drop_repeats("我想查一下我的账户余额。我想查一下我的账户余额。") == "我想查一下我的账户余额。"
    assert drop_repeats("请帮我转账请帮我转账") == "请帮我转账请帮我转账", "a short phrase said twice is speech"
    assert drop_repeats("转账五千转账五千块") == "转账五千转账五千块"


def test_the_replacement_character_of_a_cut_off_token_is_dropped() -> None:
    assert tidy("我想开一个\ufffd", "zh", identity) == "我想开一个"
