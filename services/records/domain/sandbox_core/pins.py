"""A card or account PIN in the sandbox core: six digits, not a weak one, kept only as a salted scrypt hash.

The PIN itself is never stored, logged, echoed or put in an answer, an audit row or an idempotency
fingerprint; the hash is ``hashlib.scrypt`` with a random salt of 16 bytes per PIN (the caller brings the salt:
this module stays pure).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from services.records.domain.sandbox_core.errors import CoreRefused

PIN = re.compile(r"^[0-9]{6}$")
SALT_BYTES = 16
SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_LEN = 2**14, 8, 1, 32
PARAMS = f"scrypt:n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P},len={SCRYPT_LEN}"
SEQUENCE = "0123456789"


@dataclass(frozen=True)
class StoredPin:
    salt: bytes
    pin_hash: bytes
    params: str = PARAMS


def weakness(pin: str) -> str | None:
    """Why ``pin`` (six digits) is too easy to guess, or None: one digit repeated (000000), a run up or down
    (123456, 654321), a short pattern repeated (121212, 123123) or each digit doubled (112233), fewer than
    three different digits."""
    if len(set(pin)) == 1:
        return "all six digits are the same"
    if pin in SEQUENCE or pin in SEQUENCE[::-1]:
        return "the digits run up or down in order"
    if pin[:2] * 3 == pin or pin[:3] * 2 == pin:
        return "a short pattern is repeated"
    if all(pin[i] == pin[i + 1] for i in range(0, 6, 2)):
        return "each digit is doubled"
    if len(set(pin)) < 3:
        return "fewer than three different digits"
    return None


def check_pin(pin: object) -> str:
    """The new PIN when it is six digits and not a weak one; ``bad_pin`` / ``weak_pin`` otherwise (the
    refusal names the rule, never the PIN)."""
    if not isinstance(pin, str) or not PIN.match(pin):
        raise CoreRefused("bad_pin", "a PIN is exactly six digits")
    why = weakness(pin)
    if why is not None:
        raise CoreRefused("weak_pin", f"this PIN is too easy to guess: {why}; choose another")
    return pin


def hash_pin(pin: str, salt: bytes) -> StoredPin:
    if len(salt) < SALT_BYTES:
        raise ValueError("a PIN's salt is at least 16 random bytes")
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=SCRYPT_LEN)
    return StoredPin(salt, digest)


def matches(pin: str, stored: StoredPin) -> bool:
    if stored.params != PARAMS:
        return False
    return hmac.compare_digest(hash_pin(pin, stored.salt).pin_hash, stored.pin_hash)


def check_not_current(pin: str, current: StoredPin | None) -> None:
    """A new PIN that is the current one changes nothing: ``weak_pin``."""
    if current is not None and matches(pin, current):
        raise CoreRefused("weak_pin", "the new PIN is the current PIN; choose another")
