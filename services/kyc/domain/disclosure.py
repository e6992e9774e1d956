"""Who sees what the KYC service read, and whose budget a request counts against (issue 24 items 3 and 6).

Fields read from a document (name, ID number, address...) go back masked to every caller but a service
credential that states its purpose (``X-KYC-Purpose``, e.g. an account-opening back office): kiosks stand
in a public hall, and tellers and managers see the masked copy the session keeps. The operator CLI reads
documents in-process and is not an HTTP caller.

The per-minute budget is kept per authenticated caller: a kiosk's credential is the kiosk, whatever kiosk
id it writes in a header or body. Only service credentials (the gateway, the voice service) act for kiosks
and name the one they act for.
"""

from __future__ import annotations

from branchops.settings import Role

MAX_PURPOSE_LENGTH = 64


def full_fields_allowed(role: Role, purpose: str | None) -> bool:
    return role is Role.SERVICE and bool(purpose and purpose.strip())


def purpose_of(header: str | None) -> str | None:
    """The stated purpose, trimmed and bounded (it is logged), or None."""
    if header is None or not header.strip():
        return None
    return header.strip()[:MAX_PURPOSE_LENGTH]


def rate_key(role: Role, subject: str, claimed_kiosk: str | None) -> str:
    if role is Role.SERVICE and claimed_kiosk:
        return f"for:{claimed_kiosk[:128]}"
    return f"{role.value}:{subject}"
