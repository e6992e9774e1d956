"""What the staffing use cases refuse; routes/deps.py says which problem+json answers each."""

from __future__ import annotations

import datetime as dt


class InvalidInstance(ValueError):
    """The instance cannot be solved as given; the message says why (HTTP 422)."""


class UnknownAlert(LookupError):
    """No such alert at the branch (never raised, or forgotten a day after it expired)."""

    def __init__(self, branch_id: str, alert_id: str) -> None:
        super().__init__(f"no alert {alert_id} at {branch_id}")
        self.branch_id = branch_id
        self.alert_id = alert_id


class AlertExpired(Exception):
    """The alert expired before it was acknowledged."""

    def __init__(self, alert_id: str, expires_at: dt.datetime) -> None:
        super().__init__(f"alert {alert_id} expired at {expires_at.isoformat()}")
        self.alert_id = alert_id
        self.expires_at = expires_at
