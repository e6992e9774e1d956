"""Idempotency keys: a key names one request; the same key with the same request gets the stored response,
with another request a refusal (``idempotency_conflict``)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from services.records.domain.sandbox_core.errors import CoreRefused

KEY = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def check_key(key: str | None) -> str:
    if key is None or not KEY.match(key):
        raise CoreRefused(
            "idempotency_key_required", "send an Idempotency-Key header: 8 to 128 letters, digits or . _ : -"
        )
    return key


def request_hash(operation: str, branch_id: str, customer_id: str, body: Mapping[str, Any]) -> str:
    """The request's fingerprint: what it asks, canonically (key order and spacing do not matter)."""
    canonical = json.dumps(
        {"op": operation, "branch": branch_id, "customer": customer_id, "body": body},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
