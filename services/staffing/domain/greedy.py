"""Greedy roster on kinds: a fast feasible plan, used as CP-SAT's hint and as the fallback.

Service by service, scarcest first (fewest capable people per window needed): repeatedly take the
(kind, pattern) with the most still-uncovered intervals per unit of cost, least flexible kinds first,
never above ``max_windows``; each working interval goes to the kind's skill that lacks most windows.
Then drop any chosen shift whose every interval is over-covered. Deterministic, numpy-vectorised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .kinds import StaffKind
from .problem import Requirement, StaffingProblem

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class KindPlan:
    """People per (kind, pattern) and, per kind and interval, windows per skill (aligned with kind.skills)."""

    counts: tuple[tuple[int, ...], ...]
    serving: tuple[tuple[tuple[int, ...], ...], ...]


def coverage_matrix(kind: StaffKind, n_intervals: int) -> IntArray:
    matrix = np.zeros((len(kind.patterns), n_intervals), dtype=np.int64)
    for row, pattern in enumerate(kind.patterns):
        matrix[row, list(pattern.working_intervals)] = 1
    return matrix


def greedy_plan(problem: StaffingProblem, kinds: tuple[StaffKind, ...], requirement: Requirement) -> KindPlan:
    names = problem.service_names
    n = problem.n_intervals
    residual = np.array([requirement[name] for name in names], dtype=np.int64).reshape(len(names), n)
    open_left = np.full(n, problem.min_open_windows, dtype=np.int64)
    total = np.zeros(n, dtype=np.int64)
    covers = [coverage_matrix(kind, n) for kind in kinds]
    skill_rows = [np.array([names.index(s) for s in kind.skills]) for kind in kinds]
    costs = [
        np.maximum(cover.sum(axis=1), 1) * max(kind.cost_per_hour, 1e-6)
        for cover, kind in zip(covers, kinds, strict=False)
    ]
    left = [kind.count for kind in kinds]
    chosen: list[tuple[int, int, list[tuple[int, int]]]] = []  # kind, pattern, (interval, service row)

    def take(k: int, p: int, focus: int | None) -> None:
        placed = []
        for i in np.flatnonzero(covers[k][p]):
            if focus is not None and residual[focus, i] > 0:
                row = focus
            else:
                row = int(skill_rows[k][int(np.argmax(residual[skill_rows[k], i]))])
            residual[row, i] -= 1
            placed.append((int(i), row))
        total[covers[k][p] > 0] += 1
        open_left[covers[k][p] > 0] -= 1
        left[k] -= 1
        chosen.append((k, p, placed))

    def best_pick(candidates: list[int], need_of: Callable[[int], IntArray]) -> tuple[int, int] | None:
        best: tuple[float, int, int, int, int] | None = None
        full = (total >= problem.max_windows).astype(np.int64)
        for k in candidates:
            if left[k] <= 0:
                continue
            weights = need_of(k)
            gain = covers[k] @ (weights > 0).astype(np.int64)
            weighted = covers[k] @ weights  # among equals: the break where fewest windows are missing
            usable = (covers[k] @ full == 0) & (gain > 0)
            if not usable.any():
                continue
            ratio = np.round(np.where(usable, gain / costs[k], -1.0), 9)  # exact ties go to the longer shift
            p = int(np.lexsort((-weighted, -gain, -ratio))[0])
            candidate = (float(ratio[p]), int(gain[p]), -len(kinds[k].skills), -k, p)
            if best is None or candidate[:4] > best[:4]:
                best = candidate
        return None if best is None else (-best[3], best[4])

    for k, kind in enumerate(kinds):
        if kind.fixed:
            for _ in range(kind.count):
                take(k, 0, None)
    capacity = {row: sum(kind.count for kind in kinds if name in kind.skills) for row, name in enumerate(names)}
    scarcity = sorted(range(len(names)), key=lambda row: (capacity[row] / max(residual[row].sum(), 1), row))
    for row in scarcity:  # the service fewest people can serve first, by the least flexible people
        capable = [k for k, kind in enumerate(kinds) if names[row] in kind.skills]

        def lacking(k: int, row: int = row) -> IntArray:
            return np.asarray(np.clip(residual[row], 0, None), dtype=np.int64)

        while (pick := best_pick(capable, lacking)) is not None:
            take(*pick, row)
    everyone = list(range(len(kinds)))

    def any_need(k: int) -> IntArray:
        return np.asarray(
            np.clip(residual[skill_rows[k]], 0, None).sum(axis=0) + np.clip(open_left, 0, None), dtype=np.int64
        )

    while (pick := best_pick(everyone, any_need)) is not None:
        take(*pick, None)
    for index in range(len(chosen) - 1, -1, -1):  # drop shifts that only add surplus
        k, p, placed = chosen[index]
        if kinds[k].fixed:
            continue
        if all(residual[row, i] < 0 and open_left[i] < 0 for i, row in placed):
            for i, row in placed:
                residual[row, i] += 1
                open_left[i] += 1
                total[i] -= 1
            chosen.pop(index)
    counts = [[0] * len(kind.patterns) for kind in kinds]
    serving = [[[0] * len(kind.skills) for _ in range(n)] for kind in kinds]
    for k, p, placed in chosen:
        counts[k][p] += 1
        for i, row in placed:
            serving[k][i][list(skill_rows[k]).index(row)] += 1
    return KindPlan(
        counts=tuple(tuple(c) for c in counts),
        serving=tuple(tuple(tuple(cell) for cell in per_kind) for per_kind in serving),
    )
