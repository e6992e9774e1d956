"""The windows a branch usually opens and closes by time of day, learned from past windows.v1 (pure).

Every change of a window is a :class:`Mark` (local minute of the day). A past day becomes, per window
and 15-minute slot, the share of the slot the window was open; the :class:`Pattern` is the weighted
mean of those shares over past days (the same weekday when there are at least two of them, recent
days weigh more). :func:`upcoming` turns the pattern into the changes still to come today: where the
usual state flips, at the minute the shares say (a window that usually opens at 10:05 gives a slot
10:00-10:15 two thirds open). Only a flip of the pattern makes a change; a window that is open or
closed against its habit right now stays so until the next usual flip.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from branchops.contracts.enums import ServiceName, WindowState

SLOT_MIN = 15
SLOTS = 24 * 60 // SLOT_MIN
DAY_WEIGHT = 0.8  # weight of a day relative to the next more recent one
MAX_DAYS = 28
HORIZON_MIN = 300.0


@dataclass(frozen=True)
class Mark:
    window_id: str
    minute: float  # local minute of the day
    open: bool
    skills: tuple[ServiceName, ...]


def mark_json(mark: Mark) -> str:
    return json.dumps(
        {"w": mark.window_id, "m": round(mark.minute, 3), "o": mark.open, "s": [s.value for s in mark.skills]},
        separators=(",", ":"),
    )


def mark_from_json(text: str | bytes) -> Mark:
    raw = json.loads(text)
    return Mark(str(raw["w"]), float(raw["m"]), bool(raw["o"]), tuple(ServiceName(s) for s in raw["s"]))


@dataclass(frozen=True)
class Change:
    at_min: float  # minutes from now
    window_id: str
    opens: bool
    skills: tuple[ServiceName, ...]


@dataclass(frozen=True)
class Pattern:
    open_share: Mapping[str, tuple[float, ...]]  # per window, per slot of the day
    skills: Mapping[str, tuple[ServiceName, ...]]
    days: int = 0


def mark_of(window_id: str, state: WindowState, skills: Sequence[ServiceName], local: dt.datetime) -> Mark:
    minute = local.hour * 60 + local.minute + local.second / 60.0
    return Mark(window_id, minute, state is WindowState.OPEN and bool(skills), tuple(skills))


def day_shares(marks: Sequence[Mark]) -> dict[str, list[float]]:
    """Share of every slot each window was open (closed before its first mark of the day)."""
    out: dict[str, list[float]] = {}
    by_window: dict[str, list[Mark]] = {}
    for mark in sorted(marks, key=lambda m: m.minute):
        by_window.setdefault(mark.window_id, []).append(mark)
    for window_id, own in by_window.items():
        shares = [0.0] * SLOTS
        for mark, nxt in zip(own, [*own[1:], None], strict=True):
            if not mark.open:
                continue
            start, end = mark.minute, nxt.minute if nxt is not None else 24 * 60.0
            slot = int(start // SLOT_MIN)
            while slot < SLOTS and slot * SLOT_MIN < end:
                lo, hi = max(start, slot * SLOT_MIN), min(end, (slot + 1) * SLOT_MIN)
                shares[slot] += max(hi - lo, 0.0) / SLOT_MIN
                slot += 1
        out[window_id] = shares
    return out


def learn_pattern(history: Mapping[dt.date, Sequence[Mark]], today: dt.date) -> Pattern:
    past = sorted((d for d in history if d < today), reverse=True)
    same = [d for d in past if d.weekday() == today.weekday()]
    days = (same if len(same) >= 2 else past)[:MAX_DAYS]
    if not days:
        return Pattern({}, {})
    totals: dict[str, list[float]] = {}
    skills: dict[str, tuple[ServiceName, ...]] = {}
    weight_sum = 0.0
    for age, day in enumerate(days):
        weight = DAY_WEIGHT**age
        weight_sum += weight
        for window_id, shares in day_shares(history[day]).items():
            total = totals.setdefault(window_id, [0.0] * SLOTS)
            for slot, share in enumerate(shares):
                total[slot] += weight * share
        for mark in history[day]:
            if mark.skills and mark.window_id not in skills:
                skills[mark.window_id] = mark.skills  # the newest day's skills win
    shares_of = {w: tuple(min(v / weight_sum, 1.0) for v in total) for w, total in totals.items()}
    return Pattern(shares_of, skills, len(days))


def upcoming(
    pattern: Pattern, open_now: Mapping[str, bool], minute_now: float, horizon_min: float = HORIZON_MIN
) -> list[Change]:
    """Usual window changes from ``minute_now`` (local minute of the day) on, in time order."""
    out: list[Change] = []
    first = max(int(minute_now // SLOT_MIN), 1)
    last = min(int((minute_now + horizon_min) // SLOT_MIN) + 1, SLOTS)
    for window_id, shares in pattern.open_share.items():
        skills = pattern.skills.get(window_id, ())
        if not skills:
            continue
        state = open_now.get(window_id, False)
        for slot in range(first, last):
            before, share = shares[slot - 1], shares[slot]
            usual_before, usual = before >= 0.5, share >= 0.5
            if usual in (usual_before, state):
                continue
            if usual:  # opens: earlier when the slot before was partly open, later when this one is partly
                minute = slot * SLOT_MIN - before * SLOT_MIN + (1 - share) * SLOT_MIN
            else:
                minute = slot * SLOT_MIN + share * SLOT_MIN - (1 - before) * SLOT_MIN
            minute = min(max(minute, (slot - 1) * SLOT_MIN), (slot + 1) * SLOT_MIN)
            if minute <= minute_now:
                continue
            out.append(Change(minute - minute_now, window_id, usual, skills))
            state = usual
    return sorted(out, key=lambda c: (c.at_min, c.window_id))
