"""Stationary Erlang C per interval: only the starting point of the requirement loop."""

from __future__ import annotations

import math


def erlang_c_wait_probability(windows: int, offered_load: float) -> float:
    """Probability that an arrival waits (M/M/c), 1.0 when the queue is unstable."""
    if offered_load <= 0:
        return 0.0
    if windows <= offered_load:
        return 1.0
    blocking = 1.0  # Erlang B by recursion, numerically stable
    for servers in range(1, windows + 1):
        blocking = offered_load * blocking / (servers + offered_load * blocking)
    utilisation = offered_load / windows
    return blocking / (1 - utilisation + utilisation * blocking)


def erlang_c_service_level(
    windows: int, arrivals: float, aht_min: float, interval_min: int, target_wait_min: float
) -> float:
    """Fraction of arrivals that start service within ``target_wait_min`` in steady state."""
    offered_load = arrivals * aht_min / interval_min
    if offered_load <= 0:
        return 1.0
    wait_probability = erlang_c_wait_probability(windows, offered_load)
    if wait_probability >= 1.0:
        return 0.0
    return 1.0 - wait_probability * math.exp(-(windows - offered_load) * target_wait_min / aht_min)


def erlang_c_windows(
    arrivals: float, aht_min: float, interval_min: int, target_wait_min: float, target_fraction: float, cap: int
) -> int:
    """Fewest windows (at most ``cap``) whose steady-state service level reaches ``target_fraction``."""
    if arrivals <= 0:
        return 0
    for windows in range(1, cap + 1):
        if erlang_c_service_level(windows, arrivals, aht_min, interval_min, target_wait_min) >= target_fraction:
            return windows
    return cap
