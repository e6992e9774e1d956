"""Waiting on threads in tests without timed lock waits.

``Thread.join(timeout)`` waits on a lock with a deadline on the monotonic clock (glibc ``sem_clockwait``),
which libfaketime 0.9.10 does not translate: under ``make test-timeshift`` such a wait never ends. Polling
with ``time.sleep`` works under the shifted clock and behaves the same otherwise.
"""

from __future__ import annotations

import threading
import time


def join_within(thread: threading.Thread, seconds: float, poll_s: float = 0.05) -> None:
    """``thread.join(timeout=seconds)``, by polling."""
    deadline = time.monotonic() + seconds
    while thread.is_alive() and time.monotonic() < deadline:
        time.sleep(poll_s)
