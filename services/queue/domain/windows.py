"""Teller windows: what a change may be (pure)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from branchops.contracts.enums import ServiceName, WindowState
from services.queue.domain.errors import Conflict, Invalid


@dataclass(frozen=True)
class WindowRecord:
    window_id: str
    state: WindowState
    skills: tuple[ServiceName, ...]
    staff_id: str | None = None
    ticket_id: str | None = None  # the customer at the window (called or serving)
    service: ServiceName | None = None
    busy_since: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    def to_fields(self) -> dict[str, str]:
        return {
            "window_id": self.window_id,
            "state": self.state.value,
            "skills": ",".join(s.value for s in self.skills),
            "staff_id": self.staff_id or "",
            "ticket_id": self.ticket_id or "",
            "service": self.service.value if self.service else "",
            "busy_since": self.busy_since.isoformat() if self.busy_since else "",
            "updated_at": self.updated_at.isoformat() if self.updated_at else "",
        }

    @classmethod
    def from_fields(cls, raw: dict[str, str]) -> WindowRecord:
        return cls(
            raw["window_id"],
            WindowState(raw["state"]),
            tuple(ServiceName(s) for s in raw.get("skills", "").split(",") if s),
            raw.get("staff_id") or None,
            raw.get("ticket_id") or None,
            ServiceName(raw["service"]) if raw.get("service") else None,
            dt.datetime.fromisoformat(raw["busy_since"]) if raw.get("busy_since") else None,
            dt.datetime.fromisoformat(raw["updated_at"]) if raw.get("updated_at") else None,
        )


def change_window(
    current: WindowRecord | None,
    window_id: str,
    state: WindowState,
    skills: tuple[ServiceName, ...],
    staff_id: str | None,
    now: dt.datetime,
) -> WindowRecord | None:
    """The window after the change, or None when nothing changes. Raises Invalid or Conflict."""
    if len(set(skills)) != len(skills):
        raise Invalid("a skill is listed twice")
    if state is WindowState.OPEN and not skills:
        raise Invalid("an open window needs at least one skill (the services it serves, its own first)")
    if current is not None and current.ticket_id and state is not WindowState.OPEN:
        raise Conflict(
            f"window {window_id} still has ticket {current.ticket_id}: complete, no-show or transfer "
            "it before the window closes or takes a break"
        )
    if current is not None and (current.state, current.skills, current.staff_id) == (state, skills, staff_id):
        return None
    base = current or WindowRecord(window_id, state, skills)
    return WindowRecord(window_id, state, skills, staff_id, base.ticket_id, base.service, base.busy_since, now)
