"""AES-GCM envelope of a retained image: ``nonce (12 bytes) | ciphertext with its 16-byte tag``.

Pure functions, no I/O. The associated data binds a blob to its session and kind (``document:portrait``,
``selfie:03`` ...), so a blob copied to another session or slot fails to open instead of passing for
another person's picture. A fresh random nonce per blob: never reuse one under the same key.

``cryptography`` is imported on use, so settings can check a key (and the service run with retention off)
without it installed.
"""

from __future__ import annotations

import base64
import binascii
import os

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16


class EnvelopeError(ValueError):
    """A blob that does not open: wrong key, other associated data, tampered or truncated."""


def parse_key(text: str) -> bytes:
    """The AES-256 key from its base64 text; ``ValueError`` (without the value) unless exactly 32 bytes."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the retention key is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise ValueError(f"the retention key must be base64 of {KEY_BYTES} bytes, got {len(key)} bytes")
    return key


def associated_data(session_id: str, kind: str) -> bytes:
    """What a blob is bound to: its session and its slot (NUL-separated, neither part may hold a NUL)."""
    if "\0" in session_id or "\0" in kind or not session_id or not kind:
        raise ValueError("session id and kind must be non-empty and free of NUL")
    return b"branchops.kyc.image.v1\0" + session_id.encode() + b"\0" + kind.encode()


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt ``plaintext`` under ``key`` bound to ``aad``: ``nonce | ciphertext+tag``."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, blob: bytes, aad: bytes) -> bytes:
    """The plaintext of ``blob``; ``EnvelopeError`` if the key, the associated data or the blob is wrong."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise EnvelopeError("blob too short to be an envelope")
    try:
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
    except InvalidTag:
        raise EnvelopeError("blob does not open with this key and associated data") from None
