"""Password hashes (scrypt, or PBKDF2-SHA256) and device-key digests, from the standard library only.

Format: ``scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>`` or ``pbkdf2$<iterations>$<salt b64>$<hash b64>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
PBKDF2_ITERATIONS = 600_000
_DUMMY = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + base64.b64encode(b"\0" * 32).decode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=64 * 1024 * 1024)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def hash_password_pbkdf2(password: str, *, iterations: int = PBKDF2_ITERATIONS) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"pbkdf2${iterations}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str | None) -> bool:
    """Constant-time check; an unknown user (``encoded`` None) costs one scrypt as well, then fails."""
    target = encoded or _DUMMY
    try:
        scheme, *parts = target.split("$")
        if scheme == "scrypt":
            n, r, p, salt, expected = int(parts[0]), int(parts[1]), int(parts[2]), parts[3], parts[4]
            if n > 2**20 or r > 32 or p > 16:
                return False
            got = hashlib.scrypt(
                password.encode(),
                salt=base64.b64decode(salt),
                n=n,
                r=r,
                p=p,
                dklen=len(base64.b64decode(expected)),
                maxmem=256 * 1024 * 1024,
            )
        elif scheme == "pbkdf2":
            iterations, salt, expected = int(parts[0]), parts[1], parts[2]
            got = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), iterations)
        else:
            return False
    except (ValueError, IndexError):
        return False
    return hmac.compare_digest(got, base64.b64decode(expected)) and encoded is not None


def device_key_digest(key: str) -> str:
    """What GATEWAY_DEVICE_KEYS stores for a device key: its SHA-256 hex (keys are long random strings)."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_device_key() -> str:
    return "dev-" + secrets.token_urlsafe(32)
