"""After a new plan version the floor gets ``plan_grace_min`` to follow it before the alerts point out the
windows it differs in; a wait over target is pointed out at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from services.staffing.domain.alerts import Memory, ServiceNow
from services.staffing.domain.live import WindowState
from services.staffing.domain.parse import parse_problem
from services.staffing.settings import StaffingSettings
from services.staffing.usecases.alerting import Alerting
from tests.unit.staffing.conftest import small_instance
from tests.unit.staffing.plans import typed_plan

DAY = dt.date(2026, 12, 1)


class Live:
    async def memory(self, branch_id: str, day: str) -> Memory:
        return {}

    async def save_memory(self, branch_id: str, day: str, memory: Memory) -> None:
        pass

    async def windows(self, branch_id: str) -> list[WindowState]:
        return [
            WindowState("w1", "open", "s01", ("general",)),
            WindowState("w2", "closed", None, ("general",)),
        ]


class Store:
    def __init__(self) -> None:
        self.raised: list[Any] = []

    async def raise_alert(self, event: Any, fingerprint: str, escalate_at: Any, now: Any) -> bool:
        self.raised.append(event)
        return True


def _plan(version: int) -> Any:
    plan = typed_plan(
        intervals=[{"start": "10:00", "required": {"general": 2}, "open_windows": {"general": 2}}],
        assignments=[
            {
                "staff_id": "s01",
                "start": "09:00",
                "end": "13:00",
                "serving": [{"start": "09:00", "end": "13:00", "service": "general"}],
            },
            {
                "staff_id": "s02",
                "start": "09:00",
                "end": "13:00",
                "serving": [{"start": "09:00", "end": "13:00", "service": "general"}],
            },
        ],
    )
    return plan.__class__(**{**plan.__dict__, "version": version})


async def test_the_floor_gets_time_to_follow_a_new_plan() -> None:
    now = {"t": dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)}  # 10:00 in Shanghai
    store = Store()
    alerting = Alerting(store, Live(), None, StaffingSettings(plan_grace_min=5), lambda: now["t"])  # type: ignore[arg-type]
    problem = parse_problem({**small_instance(), "date": DAY.isoformat()})
    calm = [ServiceNow("general", 0, 0.0)]
    assert await alerting.propose("b", problem, _plan(2), calm, 600, DAY) == [], "just published: the floor follows"
    now["t"] += dt.timedelta(minutes=6)
    raised = await alerting.propose("b", problem, _plan(2), calm, 606, DAY)
    assert [(a.kind.value, a.window_id) for a in raised] == [("open_window", "w2")], "still not followed: say so"
    assert raised[0].reason["planned_windows"] == 2
    busy = [ServiceNow("general", 12, 25.0)]
    raised = await alerting.propose("b", problem, _plan(3), busy, 607, DAY)
    assert [a.kind.value for a in raised][:1] == ["open_window"], "a wait over target at once, new plan or not"
