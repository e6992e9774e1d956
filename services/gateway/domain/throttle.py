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


class RateBudget:
    """Token buckets: each address may start ``per_address_burst`` logins at once and ``per_address_rate`` a
    second after that; all addresses together ``global_burst`` and ``global_rate`` a second. A login that
    would overdraw either bucket is refused with the seconds until it would not (no token is taken then)."""

    def __init__(
        self,
        per_address_rate: float = 1.0,
        per_address_burst: float = 10.0,
        global_rate: float = 8.0,
        global_burst: float = 20.0,
        max_addresses: int = 10_000,
    ) -> None:
        self.per_address_rate = per_address_rate
        self.per_address_burst = per_address_burst
        self.global_rate = global_rate
        self.global_burst = global_burst
        self.max_addresses = max_addresses
        self._addresses: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._global: tuple[float, float] | None = None

    @staticmethod
    def _level(state: tuple[float, float] | None, rate: float, burst: float, now: float) -> float:
        if state is None:
            return burst
        tokens, at = state
        return min(burst, tokens + max(0.0, now - at) * rate)

    def admit(self, address: str, now: float) -> float | None:
        """Take one token from the address's and the global bucket; or the seconds to wait (None: admitted)."""
        mine = self._level(self._addresses.get(address), self.per_address_rate, self.per_address_burst, now)
        every = self._level(self._global, self.global_rate, self.global_burst, now)
        waits = []
        if mine < 1.0:
            waits.append((1.0 - mine) / self.per_address_rate)
        if every < 1.0:
            waits.append((1.0 - every) / self.global_rate)
        if waits:
            return max(max(waits), 1.0)
        self._addresses[address] = (mine - 1.0, now)
        self._addresses.move_to_end(address)
        while len(self._addresses) > self.max_addresses:
            self._addresses.popitem(last=False)
        self._global = (every - 1.0, now)
        return None


class AddressBuckets:
    """One token bucket per client address: ``burst`` calls at once, then ``rate`` a second. ``admit`` takes
    ``cost`` tokens or answers the seconds until it could (taking nothing); ``charge`` takes more after the
    fact (a lookup that missed costs double: guessing tokens drains the bucket twice as fast), down to at most
    one burst in debt."""

    def __init__(self, rate: float, burst: float, max_addresses: int = 50_000) -> None:
        self.rate = rate
        self.burst = burst
        self.max_addresses = max_addresses
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def _level(self, address: str, now: float) -> float:
        state = self._buckets.get(address)
        if state is None:
            return self.burst
        tokens, at = state
        return min(self.burst, tokens + max(0.0, now - at) * self.rate)

    def _keep(self, address: str, tokens: float, now: float) -> None:
        self._buckets[address] = (tokens, now)
        self._buckets.move_to_end(address)
        while len(self._buckets) > self.max_addresses:
            self._buckets.popitem(last=False)

    def admit(self, address: str, now: float, cost: float = 1.0) -> float | None:
        level = self._level(address, now)
        if level < cost:
            return max((cost - level) / self.rate, 1.0)
        self._keep(address, level - cost, now)
        return None

    def charge(self, address: str, now: float, cost: float = 1.0) -> None:
        self._keep(address, max(self._level(address, now) - cost, -self.burst), now)
