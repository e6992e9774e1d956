"""Login throttle: after ``max_failures`` failed logins of one name within ``window_s``, refuse for a while."""

from __future__ import annotations

from collections import OrderedDict


class LoginThrottle:
    def __init__(self, max_failures: int = 5, window_s: float = 300.0, max_names: int = 10_000) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.max_names = max_names
        self._failures: OrderedDict[str, list[float]] = OrderedDict()

    def _recent(self, name: str, now: float) -> list[float]:
        kept = [t for t in self._failures.get(name, []) if now - t < self.window_s]
        if kept:
            self._failures[name] = kept
        else:
            self._failures.pop(name, None)
        return kept

    def retry_after(self, name: str, now: float) -> float | None:
        """Seconds to wait, or None when a login may be tried."""
        recent = self._recent(name, now)
        if len(recent) < self.max_failures:
            return None
        return max(self.window_s - (now - recent[0]), 1.0)

    def failed(self, name: str, now: float) -> None:
        self._failures.setdefault(name, []).append(now)
        self._failures.move_to_end(name)
        while len(self._failures) > self.max_names:
            self._failures.popitem(last=False)

    def succeeded(self, name: str) -> None:
        self._failures.pop(name, None)
