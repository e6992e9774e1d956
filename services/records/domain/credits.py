"""Work credited to staff members by time: who staffed a window when the work was done there.

Topics are consumed independently, so a served ticket may be folded before the ``windows.v1`` event that put
its teller at the window (a backlog of several topics caught up after an outage). Crediting by the window's
state at fold time would then credit nobody. Instead:

- every ``windows.v1`` event is a **staffing** point of its window: (window, staff, from, until), ``until`` the
  next point's ``from`` (None: still so);
- work done at a window (a ticket served or not shown: at its call; a rating without a staff member: at its
  time) is a **credit** (window, time, counts) credited to whoever the staffing names at that time;
- a staffing point folded later than work it covers **re-credits** that work: its counts move in
  ``rollup_staff_day`` from whoever had them (nobody, or the staff member of the point before) to the staff
  member it names. A credit names its staff member, so a move happens once whatever order events come in.

Two points of one window at the same instant: the one with the greater (state, staff) wins, whatever the order
they are folded in.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from services.records.domain.rollups import STAFF_DAY, WORK_SUMS, Rollups

WindowKey = tuple[str, str]
"""(branch, window)"""


@dataclass(slots=True)
class Staffing:
    """One windows.v1 event: the window is in ``state`` with ``staff_id`` from ``since`` until ``until``."""

    branch_id: str
    window_id: str
    since: dt.datetime
    until: dt.datetime | None
    staff_id: str | None
    state: str

    def rank(self) -> tuple[str, str]:
        return (self.state, self.staff_id or "")


@dataclass(slots=True)
class Credit:
    """Work done at a window at ``at`` (``ref``: ``ticket:<id>`` or ``rating:<ticket id>``), counted on the local
    ``day`` for ``staff_id`` (None: nobody staffed the window then, as far as records knows)."""

    branch_id: str
    window_id: str
    at: dt.datetime
    ref: str
    day: dt.date
    staff_id: str | None = None
    served: int = 0
    no_show: int = 0
    handled: int = 0
    handling_s_sum: float = 0.0
    ratings: int = 0
    rating_sum: int = 0

    @classmethod
    def of(
        cls, branch: str, window: str, at: dt.datetime, ref: str, day: dt.date, counts: Mapping[str, float]
    ) -> Credit:
        made = cls(branch, window, at, ref, day)
        for name, value in counts.items():
            setattr(made, name, getattr(made, name) + value)
        return made

    @property
    def key(self) -> tuple[str, str, dt.datetime, str]:
        return (self.branch_id, self.window_id, self.at, self.ref)

    def counts(self, sign: int = 1) -> dict[str, float]:
        return {name: sign * getattr(self, name) for name in WORK_SUMS if getattr(self, name)}


@dataclass
class Timeline:
    """The staffing points of the windows a batch touches (each window's, sorted by ``since``), the credits
    a late point may re-credit, the batch's new credits, and what changed."""

    points: dict[WindowKey, list[Staffing]] = field(default_factory=dict)
    loaded_credits: dict[tuple[str, str, dt.datetime, str], Credit] = field(default_factory=dict)
    new_credits: dict[tuple[str, str, dt.datetime, str], Credit] = field(default_factory=dict)
    changed_points: set[tuple[str, str, dt.datetime]] = field(default_factory=set)
    changed_credits: dict[tuple[str, str, dt.datetime, str], Credit] = field(default_factory=dict)
    _moved: set[WindowKey] = field(default_factory=set)

    def load(self, points: Iterable[Staffing], credits: Iterable[Credit]) -> None:
        for point in points:
            self.points.setdefault((point.branch_id, point.window_id), []).append(point)
        for found in self.points.values():
            found.sort(key=lambda p: p.since)
        self.loaded_credits.update((c.key, c) for c in credits)

    def begin(self) -> None:
        """A new batch on the same timeline (tests fold batch after batch on one state): the credits made so far
        are the ones a later point may re-credit, nothing has changed yet."""
        self.loaded_credits.update(self.new_credits)
        self.new_credits = {}
        self.changed_points = set()
        self.changed_credits = {}
        self._moved = set()

    def staff_at(self, branch: str, window: str, at: dt.datetime) -> str | None:
        found = self.points.get((branch, window))
        if not found:
            return None
        i = bisect.bisect_right([p.since for p in found], at)
        return found[i - 1].staff_id if i else None

    def add_point(self, point: Staffing) -> None:
        """A windows.v1 event folded (stored for the first time)."""
        key = (point.branch_id, point.window_id)
        found = self.points.setdefault(key, [])
        sinces = [p.since for p in found]
        i = bisect.bisect_left(sinces, point.since)
        if i < len(found) and found[i].since == point.since:
            if point.rank() <= found[i].rank():
                return
            found[i] = point
        else:
            found.insert(i, point)
        self._moved.add(key)
        self.changed_points.add((point.branch_id, point.window_id, point.since))

    def credit(self, credit: Credit) -> None:
        """Work done at a window (credited to its staff member when the batch is settled)."""
        seen = self.new_credits.get(credit.key)
        if seen is None:
            self.new_credits[credit.key] = credit
            return
        for name in WORK_SUMS:
            setattr(seen, name, getattr(seen, name) + getattr(credit, name))

    def changed_staffing(self) -> list[Staffing]:
        changed = self.changed_points
        return [p for found in self.points.values() for p in found if (p.branch_id, p.window_id, p.since) in changed]

    def settle(self, out: Rollups) -> None:
        """After the batch's events: ``until`` of the windows whose staffing changed, the new credits and the
        loaded ones a new staffing point covers credited by time (moves added to ``out``)."""
        for key in self._moved:
            found = self.points[key]
            for point, after in zip(found, [*found[1:], None], strict=True):
                until = after.since if after is not None else None
                if point.until != until:
                    point.until = until
                    self.changed_points.add((point.branch_id, point.window_id, point.since))
        for credit in self.loaded_credits.values():
            if (credit.branch_id, credit.window_id) not in self._moved:
                continue
            staff = self.staff_at(credit.branch_id, credit.window_id, credit.at)
            if staff != credit.staff_id:
                if credit.staff_id:
                    out.add(STAFF_DAY, (credit.branch_id, credit.day, credit.staff_id), **credit.counts(-1))
                if staff:
                    out.add(STAFF_DAY, (credit.branch_id, credit.day, staff), **credit.counts())
                credit.staff_id = staff
                self.changed_credits[credit.key] = credit
        for credit in self.new_credits.values():
            credit.staff_id = self.staff_at(credit.branch_id, credit.window_id, credit.at)
            if credit.staff_id:
                out.add(STAFF_DAY, (credit.branch_id, credit.day, credit.staff_id), **credit.counts())
            self.changed_credits[credit.key] = credit
