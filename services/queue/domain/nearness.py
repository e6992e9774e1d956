"""When a waiting customer's turn is "near": at most N people ahead or at most M minutes left (issue 18 item 3).

Pure. The phone page and the outbound notifications use the same rule, so the page says it when the
message goes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NearRule:
    people: int = 3  # at most this many ahead of the customer
    minutes: float = 5.0  # or the upper end of the expected wait at most this

    def near(self, position: int | None, wait_high_min: float | None) -> bool:
        """``position``: 1 = next; None when the ticket no longer waits (called or done: not "near")."""
        if position is None:
            return False
        if position - 1 <= self.people:
            return True
        return wait_high_min is not None and wait_high_min <= self.minutes
