"""Waiting times: fixed minute buckets per interval, from which percentiles are computed (not medians of medians).

Bucket ``b`` holds waits ``edge[b] <= minutes < edge[b + 1]``, named by its lower edge in minutes: one minute
wide up to 30 minutes, five up to an hour, then 15, 30 and 60; the last bucket (240) holds every longer wait.
Buckets of several intervals add up, so a day's or a month's p90 comes from the sum of their histograms.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping

EDGES_MIN: tuple[int, ...] = (*range(0, 30), *range(30, 60, 5), 60, 75, 90, 105, 120, 150, 180, 240)
LAST_WIDTH_MIN = 60  # the open-ended last bucket is read as if it were this wide


def bucket(wait_min: float) -> int:
    """The bucket (its lower edge, minutes) of a wait; negative waits (clock skew) count as zero."""
    if wait_min <= 0:
        return 0
    return EDGES_MIN[bisect.bisect_right(EDGES_MIN, wait_min) - 1]


def _upper(edge: int) -> int:
    i = EDGES_MIN.index(edge)
    return EDGES_MIN[i + 1] if i + 1 < len(EDGES_MIN) else edge + LAST_WIDTH_MIN


def percentile(histogram: Mapping[int, int], q: float) -> float | None:
    """The ``q``-th percentile (0-100) of the waits in ``histogram`` (bucket -> count), interpolated linearly
    inside its bucket; None for no waits."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is not within 0..100")
    total = sum(n for n in histogram.values() if n > 0)
    if total == 0:
        return None
    rank = q / 100 * total
    seen = 0
    for edge in sorted(b for b, n in histogram.items() if n > 0):
        count = histogram[edge]
        if seen + count >= rank:
            return edge + (_upper(edge) - edge) * max(rank - seen, 0) / count
        seen += count
    return float(max(b for b, n in histogram.items() if n > 0))  # pragma: no cover - rank <= total


def within_target(wait_s: float, target_min: int) -> bool:
    return wait_s <= target_min * 60


def share_within(histogram: Mapping[int, int], target_min: int) -> float | None:
    """Share of the waits below ``target_min`` read from the buckets (exact for whole-minute targets up to 30,
    and for 35, 40, ...: a bucket edge); the rollups also keep the exact count taken at ingest."""
    total = sum(histogram.values())
    if total == 0:
        return None
    return sum(n for b, n in histogram.items() if _upper(b) <= target_min) / total
