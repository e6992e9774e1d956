"""The clock the use cases read (bootstrap.py passes the real one; tests pass their own)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from branchops.clock import platform_clock

Clock = Callable[[], dt.datetime]
Changed = Callable[[str], None]
"""Told a branch's queue changed (a change is committed): its forecast is refreshed soon."""


def utc_now() -> dt.datetime:
    """Now on the platform clock (the wall clock; the shared simulated clock under ``branchops up``)."""
    return platform_clock().now()


def unchanged(branch_id: str) -> None:
    """A ``Changed`` that does nothing."""
