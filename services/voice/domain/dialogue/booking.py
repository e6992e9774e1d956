"""Which appointment slot to book for the time the customer said, or which free ones to offer instead; what a
ticket's status and the branch's configuration sound like. Pure: values in, values out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Final

OFFERED: Final = 3
WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_ZH: Final = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
WEEKDAY_EN: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class FreeSlot:
    start: str  # HH:MM, branch local time
    bookable: bool


@dataclass(frozen=True)
class SlotChoice:
    """``start``: book this one; else ``offers``: the nearest free starts (empty: the day has none)."""

    start: str | None
    offers: tuple[str, ...] = ()


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def choose_slot(slots: list[FreeSlot], wanted: str | None) -> SlotChoice:
    """The slot that holds ``wanted`` (a slot runs from its start to the next one's) when it has a free place;
    the earliest free one when no time was said; else up to three free starts nearest to ``wanted``."""
    free = [s.start for s in slots if s.bookable]
    if wanted is None:
        return SlotChoice(free[0]) if free else SlotChoice(None)
    at = _minutes(wanted)
    starts = sorted(slots, key=lambda s: _minutes(s.start))
    holding = None
    for index, slot in enumerate(starts):
        end = _minutes(starts[index + 1].start) if index + 1 < len(starts) else _minutes(slot.start) + 30
        if _minutes(slot.start) <= at < end:
            holding = slot
    if holding is not None and holding.bookable:
        return SlotChoice(holding.start)
    nearest = sorted(free, key=lambda start: (abs(_minutes(start) - at), start))[:OFFERED]
    return SlotChoice(None, tuple(sorted(nearest, key=_minutes)))


def spoken_date(day: dt.date, lang: str) -> str:
    if lang == "zh":
        return f"{day.month}月{day.day}日（{WEEKDAY_ZH[day.weekday()]}）"
    return f"{WEEKDAY_EN[day.weekday()]} {day.day} {day.strftime('%B')}"


@dataclass(frozen=True)
class TicketState:
    """A ticket as the queue reports it: ``position`` None when it is no longer waiting."""

    number: str
    status: str
    position: int | None
    wait_low_min: int | None = None
    wait_high_min: int | None = None
    window_id: str | None = None


@dataclass(frozen=True)
class BranchFacts:
    """What the customer may ask about the branch, from its configuration (branch-config.v1)."""

    name: str
    hours: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # weekday -> [(open, close)]
    services: list[tuple[str, str]] = field(default_factory=list)  # (zh, en) names
    holidays: list[str] = field(default_factory=list)  # ISO dates, closed
    address: tuple[str, str] | None = None  # (zh, en)
    phone: str | None = None


def opening_hours(facts: BranchFacts, lang: str) -> str:
    """``周一至周五 09:00-17:00；周六 09:00-12:00`` (weekdays with the same hours grouped); closed days left out."""
    names = WEEKDAY_ZH if lang == "zh" else WEEKDAY_EN
    groups: list[tuple[int, int, str]] = []
    for index, day in enumerate(WEEKDAYS):
        spans = facts.hours.get(day) or []
        if not spans:
            continue
        text = ", ".join(f"{a}-{b}" for a, b in spans)
        if groups and groups[-1][1] == index - 1 and groups[-1][2] == text:
            groups[-1] = (groups[-1][0], index, text)
        else:
            groups.append((index, index, text))
    joiner = "至" if lang == "zh" else "-"
    parts = [(names[a] if a == b else f"{names[a]}{joiner}{names[b]}") + f" {text}" for a, b, text in groups]
    return ("；" if lang == "zh" else "; ").join(parts)
