"""Ticket tokens and the "near" rule of the phone page (issue 18 item 3), pure."""

from __future__ import annotations

import pytest

from services.queue.domain.nearness import NearRule
from services.queue.domain.ticket_token import derive_key, mint, open_token

KEY = derive_key(b"platform-secret-for-tests-0123456789")


def test_a_token_opens_to_its_ticket_and_names_no_person() -> None:
    token = mint(KEY, "b-001", "t-20261206-A012")
    assert open_token(KEY, token) == ("b-001", "t-20261206-A012")
    assert len(token.split(".")[1]) == 22  # 128 bits of MAC, base64url


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # one MAC character changed
        lambda t: mint(derive_key(b"another platform's secret"), "b-001", "t-1"),  # another key
        lambda t: mint(KEY, "b-001", "t-2").split(".")[0] + "." + t.split(".")[1],  # MAC of another ticket
        lambda t: t.split(".")[0],  # no MAC
        lambda t: t + ".x",
        lambda t: "",
        lambda t: "!!!." + t.split(".")[1],
        lambda t: t.split(".")[0] + ".=====",
        lambda t: "a" * 5000,
    ],
)
def test_forged_guessed_or_mangled_tokens_open_to_nothing(forge: object) -> None:
    token = mint(KEY, "b-001", "t-1")
    assert callable(forge)
    assert open_token(KEY, forge(token)) is None


def test_the_key_is_derived_not_the_platform_secret_itself() -> None:
    assert KEY != b"platform-secret-for-tests-0123456789" and len(KEY) == 32
    assert derive_key(b"a") != derive_key(b"b")


@pytest.mark.parametrize(
    ("position", "high", "near"),
    [(1, 30.0, True), (4, 30.0, True), (5, 30.0, False), (9, 5.0, True), (9, 5.1, False), (None, 1.0, False)],
)
def test_near_at_most_n_ahead_or_m_minutes(position: int | None, high: float | None, near: bool) -> None:
    assert NearRule(people=3, minutes=5.0).near(position, high) is near
