"""The AES-GCM envelope of retained images (services/kyc/domain/envelope.py): layout, binding, refusals."""

from __future__ import annotations

import base64
import os

import pytest

from services.kyc.domain.envelope import (
    KEY_BYTES,
    NONCE_BYTES,
    TAG_BYTES,
    EnvelopeError,
    associated_data,
    open_sealed,
    parse_key,
    seal,
)

pytest.importorskip("cryptography", reason="cryptography (kyc extra) not installed")

KEY = bytes(range(32))
IMAGE = b"\xff\xd8\xff\xe0" + b"JFIF pixels " * 50
AAD = associated_data("kyc-abc", "document:portrait")


def test_round_trip_and_layout() -> None:
    blob = seal(KEY, IMAGE, AAD)
    assert len(blob) == NONCE_BYTES + len(IMAGE) + TAG_BYTES
    assert not blob[NONCE_BYTES:].startswith(b"\xff\xd8\xff") and IMAGE[:16] not in blob
    assert open_sealed(KEY, blob, AAD) == IMAGE
    assert open_sealed(KEY, seal(KEY, b"", AAD), AAD) == b""


def test_fresh_nonce_per_blob() -> None:
    blobs = [seal(KEY, IMAGE, AAD) for _ in range(20)]
    assert len({b[:NONCE_BYTES] for b in blobs}) == 20
    assert len(set(blobs)) == 20


@pytest.mark.parametrize(
    ("key", "aad"),
    [
        (bytes(32), AAD),  # wrong key
        (KEY, associated_data("kyc-abd", "document:portrait")),  # another session
        (KEY, associated_data("kyc-abc", "selfie:00")),  # another slot
        (KEY, b""),  # no associated data
    ],
)
def test_refuses_wrong_key_or_associated_data(key: bytes, aad: bytes) -> None:
    with pytest.raises(EnvelopeError):
        open_sealed(key, seal(KEY, IMAGE, AAD), aad)


def test_refuses_tampered_and_truncated_blobs() -> None:
    blob = bytearray(seal(KEY, IMAGE, AAD))
    blob[NONCE_BYTES + 3] ^= 1
    with pytest.raises(EnvelopeError):
        open_sealed(KEY, bytes(blob), AAD)
    with pytest.raises(EnvelopeError):
        open_sealed(KEY, seal(KEY, IMAGE, AAD)[:-1], AAD)
    with pytest.raises(EnvelopeError):
        open_sealed(KEY, b"\0" * (NONCE_BYTES + TAG_BYTES - 1), AAD)


def test_associated_data_is_unambiguous() -> None:
    assert associated_data("kyc-a", "b:c") != associated_data("kyc-a:b", "c")
    for session_id, kind in [("", "selfie:00"), ("kyc-a", ""), ("kyc\0a", "x"), ("kyc-a", "x\0")]:
        with pytest.raises(ValueError):
            associated_data(session_id, kind)


def test_parse_key() -> None:
    raw = os.urandom(KEY_BYTES)
    assert parse_key(base64.b64encode(raw).decode()) == raw
    assert parse_key(f" {base64.b64encode(raw).decode()}\n") == raw
    for bad in [
        "",
        base64.b64encode(os.urandom(16)).decode(),
        base64.b64encode(os.urandom(33)).decode(),
        "not base64 at all!",
        "a" * 43,
    ]:
        with pytest.raises(ValueError) as caught:
            parse_key(bad)
        assert bad.strip() == "" or bad not in str(caught.value)  # the key never appears in the message
