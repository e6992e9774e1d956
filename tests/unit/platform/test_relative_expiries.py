"""Guard: the code never hands a store an absolute expiry time.

Domain time comes from the platform clock (simulated in ``make run``, fixed in tests, possibly skewed
from a store's host); Redis expires keys by its own wall clock. So every expiry is relative (EX/PX,
EXPIRE/PEXPIRE), never EXAT/PXAT/EXPIREAT/PEXPIREAT. This scan is what lets the tests keep fixed dates.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
ABSOLUTE = re.compile(r"\b(exat|pxat|expireat|pexpireat)\b", re.IGNORECASE)


def offending_lines(source: str) -> list[str]:
    return [line.strip() for line in source.splitlines() if ABSOLUTE.search(line)]


def test_the_scan_finds_absolute_expiries() -> None:
    assert offending_lines("pipe.set(k, v, exat=when)\nredis.call('PEXPIREAT', k, t)\nx = 1") == [
        "pipe.set(k, v, exat=when)",
        "redis.call('PEXPIREAT', k, t)",
    ]
    assert offending_lines("pipe.set(k, v, ex=ttl)\npipe.expire(k, 30)") == []


def test_no_code_sets_an_absolute_expiry() -> None:
    found = {}
    for folder in ("branchops", "services"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            lines = offending_lines(path.read_text(encoding="utf-8"))
            if lines:
                found[str(path.relative_to(ROOT))] = lines
    assert found == {}, f"absolute expiries (use a TTL relative to the domain clock): {found}"
