"""Put names on a kind-level plan: who works which pattern, and which service each serves when.

Late shifts (ending at closing) go first to whoever worked fewest late shifts recently; the rest in
staff-list order. Per interval, people stay at the service they served just before while that
service still needs them, which keeps switches low. Deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

from .greedy import KindPlan
from .kinds import StaffKind
from .patterns import ShiftPattern


@dataclass(frozen=True)
class RosterAssignment:
    staff_id: str
    pattern: ShiftPattern
    serving: tuple[tuple[int, str], ...]  # (interval, service) for every working interval


def _people_on_patterns(kind: StaffKind, counts: tuple[int, ...], n_intervals: int) -> list[tuple[str, ShiftPattern]]:
    patterns = [kind.patterns[p] for p, c in enumerate(counts) for _ in range(c)]
    patterns.sort(key=lambda pat: (pat.end != n_intervals, -pat.paid_min, pat.start, pat.break_start or 0))
    ranked = sorted(range(kind.count), key=lambda m: (kind.members[m].late_shifts_recent, m))
    return [(kind.members[m].id, pattern) for m, pattern in zip(ranked, patterns, strict=False)]


def _serving(
    kind: StaffKind, people: list[tuple[str, ShiftPattern]], windows: tuple[tuple[int, ...], ...], n_intervals: int
) -> dict[str, list[tuple[int, str]]]:
    served: dict[str, list[tuple[int, str]]] = {sid: [] for sid, _ in people}
    previous: dict[str, str] = {}
    for i in range(n_intervals):
        on_duty = [sid for sid, pattern in people if pattern.works(i)]
        quota = dict(zip(kind.skills, windows[i], strict=False))
        waiting = []
        for sid in on_duty:
            last = previous.get(sid)
            if last is not None and quota.get(last, 0) > 0:
                quota[last] -= 1
                served[sid].append((i, last))
            else:
                waiting.append(sid)
        for sid in waiting:
            service = next((s for s in kind.skills if quota[s] > 0), kind.skills[0])
            quota[service] = quota[service] - 1
            served[sid].append((i, service))
        previous = {sid: served[sid][-1][1] for sid in on_duty}
    return served


def name_plan(kinds: tuple[StaffKind, ...], plan: KindPlan, n_intervals: int) -> tuple[RosterAssignment, ...]:
    assignments = []
    for k, kind in enumerate(kinds):
        people = _people_on_patterns(kind, plan.counts[k], n_intervals)
        served = _serving(kind, people, plan.serving[k], n_intervals)
        assignments += [RosterAssignment(sid, pattern, tuple(served[sid])) for sid, pattern in people]
    return tuple(sorted(assignments, key=lambda a: a.staff_id))
