"""The rollup tables maintained on ingest, and an accumulator of what one batch adds to them.

Every rollup row is a key and counters that only add up (upserts ``counter = counter + delta``), so a batch's
contribution is written once, in the transaction that stores its new raw events: an event stored once is
counted once, and a duplicate (already stored) adds nothing. ``attrs`` are descriptive columns set to the
latest value (the local day of an interval, the target the waits were compared with).

The hourly occupancy grids (domain/occupancy.py) are rows too, whose cells add up element by element: kept
apart in :attr:`Rollups.grids` (an array is not a counter the generic upsert can add).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from services.records.domain.occupancy import OccupancyHour


@dataclass(frozen=True)
class RollupSpec:
    table: str
    keys: tuple[str, ...]
    sums: tuple[str, ...]
    attrs: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        """A row's columns in :meth:`Rollups.rows` order: keys, attributes, counters."""
        return (*self.keys, *self.attrs, *self.sums)


TICKET_OUTCOMES = ("arrivals", "called", "served", "no_show", "abandoned", "cancelled", "transferred")
"""The ticket counters a report's Totals shows as they are."""
TICKET_SUMS: tuple[str, ...] = (*TICKET_OUTCOMES, "waits", "wait_s_sum", "within_target", "handled", "handling_s_sum")
"""The counters of tickets (per service interval, and in the day summaries of migration 0004)."""
WORK_SUMS = ("served", "no_show", "handled", "handling_s_sum", "ratings", "rating_sum")
"""The counters of a window's or a staff member's day."""
ALERT_SUMS = ("raised", "escalated", "acknowledged", "ack_s_sum", "expired")
VOICE_SUMS = ("sessions", "turns", "completed_without_staff", "handed_off")

SERVICE_INTERVAL = RollupSpec(
    "rollup_service_interval",
    ("branch_id", "service", "interval_start"),
    TICKET_SUMS,
    ("day", "target_wait_min"),
)
"""Per branch, service and local 15-minute interval of arrival (the cohort of tickets issued then)."""
WAIT_BUCKETS = RollupSpec("rollup_wait_buckets", ("branch_id", "service", "interval_start", "bucket"), ("tickets",))
"""Waits of that cohort in fixed minute buckets (domain/waits.py): percentiles of any span add up from these."""
WINDOW_DAY = RollupSpec("rollup_window_day", ("branch_id", "day", "window_id"), WORK_SUMS)
STAFF_DAY = RollupSpec("rollup_staff_day", ("branch_id", "day", "staff_id"), WORK_SUMS)
ALERT_DAY = RollupSpec("rollup_alert_day", ("branch_id", "day", "kind"), ALERT_SUMS)
FOOTFALL_INTERVAL = RollupSpec(
    "rollup_footfall_interval", ("branch_id", "camera_id", "interval_start"), ("entered", "exited"), ("day",)
)
KYC_DAY = RollupSpec("rollup_kyc_day", ("branch_id", "day", "decision"), ("decisions",))
VOICE_DAY = RollupSpec("rollup_voice_day", ("branch_id", "day"), VOICE_SUMS)

ROLLUPS: tuple[RollupSpec, ...] = (
    SERVICE_INTERVAL,
    WAIT_BUCKETS,
    WINDOW_DAY,
    STAFF_DAY,
    ALERT_DAY,
    FOOTFALL_INTERVAL,
    KYC_DAY,
    VOICE_DAY,
)


_SUM_INDEX = {spec.table: {name: i for i, name in enumerate(spec.sums)} for spec in ROLLUPS}


class Rollups:
    """What a batch adds: per table, per key, the counters (and the latest attributes)."""

    def __init__(self) -> None:
        self._rows: dict[str, dict[tuple[Any, ...], tuple[list[Any], list[float]]]] = {}
        self.grids: dict[tuple[Any, ...], OccupancyHour] = {}
        """Occupancy grids per (branch, camera, hour start), the batch's events of each merged in time order."""

    def add_grid(self, hour: OccupancyHour) -> None:
        seen = self.grids.get(hour.key)
        if seen is None:
            self.grids[hour.key] = replace(hour, person_s=list(hour.person_s))  # merges change its copy only
        else:
            seen.merge(hour)

    def grid_rows(self) -> list[OccupancyHour]:
        """The grids sorted by key (concurrent writers lock in one order)."""
        return [self.grids[key] for key in sorted(self.grids, key=_sortable)]

    def add(self, spec: RollupSpec, key: tuple[Any, ...], attrs: tuple[Any, ...] = (), /, **counts: float) -> None:
        table = self._rows.get(spec.table)
        if table is None:
            table = self._rows[spec.table] = {}
        row = table.get(key)
        if row is None:
            if len(key) != len(spec.keys) or len(attrs) != len(spec.attrs):
                raise ValueError(f"{spec.table}: key {key!r} / attributes {attrs!r} do not fit")
            row = table[key] = (list(attrs), [0] * len(spec.sums))
        elif attrs:
            row[0][:] = attrs
        sums, index = row[1], _SUM_INDEX[spec.table]
        for name, value in counts.items():
            sums[index[name]] += value

    def rows(self, spec: RollupSpec) -> list[tuple[Any, ...]]:
        """(keys..., attrs..., sums...) of every row, sorted by key (so concurrent writers lock in one order)."""
        table = self._rows.get(spec.table, {})
        return [(*key, *table[key][0], *table[key][1]) for key in sorted(table, key=_sortable)]

    def tables(self) -> Iterator[RollupSpec]:
        for spec in ROLLUPS:
            if self._rows.get(spec.table):
                yield spec

    def get(self, spec: RollupSpec, key: tuple[Any, ...]) -> dict[str, Any]:
        """One row as a dict (tests and reports); {} when the batch added nothing there."""
        row = self._rows.get(spec.table, {}).get(key)
        if row is None:
            return {}
        return {**dict(zip(spec.attrs, row[0], strict=True)), **dict(zip(spec.sums, row[1], strict=True))}


def _sortable(key: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple(str(part) for part in key)
