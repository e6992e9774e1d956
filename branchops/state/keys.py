"""Redis key naming: ``bo:<service>:{<branch>}:<part>...``.

The branch id sits in a hash tag, so every key of one branch lands in one Redis Cluster slot and
multi-key Lua scripts over a branch stay legal when the deployment grows to a cluster.
"""

from __future__ import annotations

import re

_PART = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
ROOT = "bo"


def _check(part: str) -> str:
    if not _PART.match(part):
        raise ValueError(f"invalid key part {part!r}: letters, digits, '_', '.', '-' only")
    return part


def branch_key(service: str, branch_id: str, *parts: str) -> str:
    """Key of one branch's state: ``branch_key("queue", "b1", "tickets")`` -> ``bo:queue:{b1}:tickets``."""
    tail = ":".join(_check(p) for p in parts)
    base = f"{ROOT}:{_check(service)}:{{{_check(branch_id)}}}"
    return f"{base}:{tail}" if tail else base


def global_key(service: str, *parts: str) -> str:
    """Key not tied to one branch: ``global_key("bus", "dedup", group, event_id)``."""
    return ":".join([ROOT, _check(service), *(_check(p) for p in parts)])
