"""The CoreBanking port's pure parts: movement keys per dialogue turn, refusals and their unknown outcome."""

from __future__ import annotations

import httpx

from services.voice.adapters.core_banking_http import CoreBankingHttp
from services.voice.domain.banking import BankingRefused, CoreBanking, movement_key


def test_a_movement_key_names_one_turn_of_one_session() -> None:
    key = movement_key("vs-1", 3, "credit_card_repayment")
    assert key == movement_key("vs-1", 3, "credit_card_repayment"), "a retry of the turn sends the same key"
    others = {
        movement_key("vs-1", 4, "credit_card_repayment"),
        movement_key("vs-2", 3, "credit_card_repayment"),
        movement_key("vs-1", 3, "utility_payment"),
    }
    assert key not in others and len(others) == 3
    assert key.startswith("voice-") and 8 <= len(key) <= 128


def test_refusals_keep_known_reasons_and_say_when_the_outcome_is_unknown() -> None:
    assert BankingRefused("insufficient_funds", "x", status=422).reason == "insufficient_funds"
    assert BankingRefused("something_new").reason == "core_error"
    assert BankingRefused("core_unavailable").outcome_unknown
    assert not BankingRefused("limit_exceeded").outcome_unknown


async def test_the_http_adapter_is_a_core_banking_with_the_sandbox_prefix() -> None:
    async with httpx.AsyncClient() as http:
        core: CoreBanking = CoreBankingHttp(http, "http://records:8005/", "key")  # mypy: it fits the protocol
        assert isinstance(core, CoreBankingHttp) and core.base_url == "http://records:8005/v1/sandbox-core"
