"""Redis keys of the queue service: every key of a branch carries the branch as hash tag."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from branchops.contracts.enums import ServiceName
from branchops.state import branch_key, global_key

SERVICE = "queue"
TTL_S = 3 * 24 * 3600
HISTORY_TTL_S = 120 * 24 * 3600
RECENT_TTL_S = 2 * 3600  # the last hour's arrivals (the wait projection's expected arrivals), with room
BRANCHES = global_key(SERVICE, "branches")


@dataclass(frozen=True)
class Keys:
    branch: str

    def _k(self, *parts: str) -> str:
        return branch_key(SERVICE, self.branch, *parts)

    def seq(self, day: dt.date, service: ServiceName) -> str:
        return self._k("seq", day.isoformat(), service.value)

    def ticket(self, ticket_id: str) -> str:
        return self._k("ticket", ticket_id)

    def line(self, service: ServiceName) -> str:
        return self._k("line", service.value)

    def window_line(self, window_id: str) -> str:
        """Tickets sent to this one window (``directed_window``): only it calls them, before its lines."""
        return self._k("window-line", window_id)

    @property
    def scheduled(self) -> str:
        return self._k("scheduled")

    def window(self, window_id: str) -> str:
        return self._k("window", window_id)

    @property
    def windows(self) -> str:
        return self._k("windows")

    @property
    def model(self) -> str:
        return self._k("model")

    def arrivals(self, day: dt.date) -> str:
        return self._k("arrivals", day.isoformat())

    @property
    def recent_arrivals(self) -> str:
        """Tickets issued in the last hour: members ``<ticket_id> <service> <priority>``, scored by time."""
        return self._k("recent-arrivals")

    def first_arrival(self, day: dt.date) -> str:
        """The time of a local day's first ticket (the start of its recent arrivals' span)."""
        return self._k("first-arrival", day.isoformat())

    @property
    def arrival_days(self) -> str:
        return self._k("arrival-days")

    def window_log(self, day: dt.date) -> str:
        return self._k("window-log", day.isoformat())

    @property
    def window_log_days(self) -> str:
        return self._k("window-log-days")

    @property
    def footfall(self) -> str:
        return self._k("footfall")

    @property
    def alerts(self) -> str:
        return self._k("alerts")

    @property
    def forecast_lease(self) -> str:
        return self._k("forecast-lease")
