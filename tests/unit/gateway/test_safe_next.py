"""Issue 24 item 3: ``/login?next=/%5Cevil.example/x`` sent the browser to another site after login (the
page checked only for a leading "/" and no "//"; browsers read "\\" as "/"). Only paths of this site pass."""

from __future__ import annotations

from typing import Any

import pytest

from services.gateway.domain.redirects import safe_next
from tests.unit.gateway.test_gateway_routes import PASSWORD, env  # noqa: F401  (fixture)

ATTACKS = [
    "/%5Cevil.example/x",
    "/\\evil.example/x",
    "\\\\evil.example",
    "//evil.example/x",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "%2F%2Fevil.example",
    "/%255Cevil.example",  # double-encoded backslash
    "/%25255Cevil.example",  # triple
    "https://evil.example/",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "/\tevil",
    "/\n/evil.example",
    "/%09/evil.example",
    "/%0d%0aSet-Cookie:x=1",
    "/\x00",
    "/\x7f",
    "evil.example",
    "",
    None,
    "/" + "a" * 3000,
]


@pytest.mark.parametrize("raw", ATTACKS)
def test_attack_strings_are_refused(raw: str | None) -> None:
    assert safe_next(raw) is None


@pytest.mark.parametrize("raw", ["/", "/head-office", "/display/b1", "/rate/b1/w1?x=1#top", "/a%20b", "/kiosk/"])
def test_paths_of_this_site_pass_unchanged(raw: str) -> None:
    assert safe_next(raw) == raw


@pytest.mark.parametrize(("next_", "expected"), [("/%5Cevil.example/x", "/"), ("/\\evil.example/x", "/"), ("/", "/")])
def test_login_answers_where_to_go(env: Any, next_: str, expected: str) -> None:  # noqa: F811
    client, _, _ = env
    answer = client.post("/v1/auth/login", json={"username": "ann", "password": PASSWORD, "next": next_})
    assert answer.status_code == 200 and answer.json()["next"] == expected


def test_login_without_next_goes_to_the_roles_page(env: Any) -> None:  # noqa: F811
    client, _, _ = env
    assert client.post("/v1/auth/login", json={"username": "hq", "password": PASSWORD}).json()["next"] == "/head-office"
    got = client.post("/v1/auth/login", json={"username": "ann", "password": PASSWORD, "next": "/display/b1"})
    assert got.json()["next"] == "/display/b1"
