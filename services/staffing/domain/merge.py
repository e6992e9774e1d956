"""Join a rest-of-day re-plan onto the day's plan (bench/staffing/README.md plan format).

Intervals before the cut come from the day's plan, the rest from the re-plan. A shift that started
before the cut keeps its real start, its paid hours and the breaks and stretches already behind it;
a shift that ended before the cut stays as it was; shifts starting later come from the re-plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _clip(stretches: list[dict[str, str]], cut: str) -> list[dict[str, str]]:
    return [dict(s, end=min(s["end"], cut)) for s in stretches if s["start"] < cut]


def _join(before: list[dict[str, str]], after: list[dict[str, str]]) -> list[dict[str, str]]:
    out = [dict(s) for s in before]
    for stretch in after:
        last = out[-1] if out else None
        if last is not None and last["end"] == stretch["start"] and last["service"] == stretch["service"]:
            last["end"] = stretch["end"]
        else:
            out.append(dict(stretch))
    return out


def _merge_assignment(old: Mapping[str, Any], new: Mapping[str, Any], cut: str) -> dict[str, Any]:
    kept_breaks = [dict(b) for b in old.get("breaks", []) if b["start"] < cut]
    resume = max([b["end"] for b in kept_breaks], default=cut)
    breaks = kept_breaks + [dict(b) for b in new.get("breaks", []) if b["start"] >= resume]
    serving = _join(_clip(list(old.get("serving", [])), cut), [s for s in new.get("serving", []) if s["start"] >= resume])
    return dict(new, start=old["start"], shift_type=old.get("shift_type", new.get("shift_type")),
                paid_hours=old.get("paid_hours", new.get("paid_hours")), breaks=breaks, serving=serving)


def merge_rest_of_day(day: Mapping[str, Any], rest: Mapping[str, Any]) -> dict[str, Any]:
    if not rest.get("intervals"):
        return dict(day)
    cut = rest["intervals"][0]["start"]
    previous = {a["staff_id"]: a for a in day.get("assignments", [])}
    assignments: list[dict[str, Any]] = []
    replanned = set()
    for new in rest.get("assignments", []):
        old = previous.get(new["staff_id"])
        replanned.add(new["staff_id"])
        assignments.append(_merge_assignment(old, new, cut) if old and old["start"] < cut else dict(new))
    assignments += [dict(a) for a in day.get("assignments", []) if a["staff_id"] not in replanned and a["start"] < cut]
    assignments.sort(key=lambda a: (a["start"], a["staff_id"]))
    shortfalls = [s for s in day.get("shortfalls", []) if s["start"] < cut] + list(rest.get("shortfalls", []))
    merged = dict(rest)
    merged.update(
        branch_id=day.get("branch_id", rest.get("branch_id")), date=day.get("date", rest.get("date")),
        intervals=[r for r in day.get("intervals", []) if r["start"] < cut] + list(rest["intervals"]),
        assignments=assignments, shortfalls=shortfalls, replanned_from=cut,
        paid_hours=sum(float(a.get("paid_hours", 0)) for a in assignments), people=len(assignments),
        status="INFEASIBLE" if shortfalls else rest.get("status", "FEASIBLE"),
    )
    return merged


def same_plan(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Same windows per interval and the same people, shifts, breaks and stretches."""
    return bool(a.get("intervals") == b.get("intervals") and a.get("assignments") == b.get("assignments"))
