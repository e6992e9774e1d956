"""Unguessable tokens of tickets for the customer's phone page (issue 18 item 3): no login, no personal data.

A token names the branch and ticket and carries a keyed MAC of both (HMAC-SHA256, 128 bits kept), so it
needs no storage and a forged or guessed token is refused before any lookup: the answer to a forged token
and to a ticket that is gone is the same 404. It lives as long as the ticket does (the store forgets
tickets after their day). The ticket id is no secret (it is printed as a number on the slip), the MAC is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

MAC_BYTES = 16
SEPARATOR = "\x1f"
MAX_TOKEN_LENGTH = 400


def derive_key(platform_secret: bytes) -> bytes:
    """The token key from the platform's secret (one secret less to configure; the label separates uses)."""
    return hmac.new(platform_secret, b"branchops ticket token v1", hashlib.sha256).digest()


def mint(key: bytes, branch_id: str, ticket_id: str) -> str:
    payload = f"{branch_id}{SEPARATOR}{ticket_id}".encode()
    return f"{_b64(payload)}.{_b64(_mac(key, payload))}"


def open_token(key: bytes, token: str) -> tuple[str, str] | None:
    """(branch_id, ticket_id) of a token this key minted; None for anything else, whatever is wrong with it."""
    if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        return None
    body, mac = token.split(".")
    try:
        payload, given = _unb64(body), _unb64(mac)
    except ValueError:
        return None
    if not hmac.compare_digest(given, _mac(key, payload)):
        return None
    try:
        branch_id, ticket_id = payload.decode().split(SEPARATOR)
    except (UnicodeDecodeError, ValueError):
        return None
    return branch_id, ticket_id


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()[:MAC_BYTES]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    if not text or any(ch not in _ALPHABET for ch in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
