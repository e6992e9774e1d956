"""Pure parts of the gateway: password hashes, the throttle, stream filters, branch snapshots, replay."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from branchops.contracts import encode, new_event
from branchops.contracts.base import EventData
from branchops.contracts.enums import AlertKind, CameraState, Channel, ServiceName, Severity, TicketStatus, WindowState
from branchops.contracts.events import (
    CameraStatus,
    Feedback,
    Footfall,
    LocalizedText,
    QueueForecast,
    ServiceQueue,
    StaffingAlert,
    StaffingPlan,
    Ticket,
    Window,
)
from branchops.contracts.topics import topic_of
from branchops.settings import Role
from services.gateway.adapters.broadcaster import ALL_BRANCHES, Broadcaster
from services.gateway.domain.filters import parse_types, stream_filter
from services.gateway.domain.passwords import (
    device_key_digest,
    hash_password,
    hash_password_pbkdf2,
    verify_password,
)
from services.gateway.domain.replay import StreamItem
from services.gateway.domain.snapshot import BranchState
from services.gateway.domain.throttle import LoginThrottle

TICKETS, FORECAST, ALERTS = "branchops.tickets.v1", "branchops.queue.forecast.v1", "branchops.staffing.alerts.v1"
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai


def test_passwords_hash_verify_and_refuse() -> None:
    hashed = hash_password("s3cret-pass", n=2**10)
    assert hashed.startswith("scrypt$") and "s3cret" not in hashed
    assert verify_password("s3cret-pass", hashed) and not verify_password("wrong", hashed)
    assert verify_password("p", hash_password_pbkdf2("p", iterations=1000))
    assert not verify_password("anything", None)  # unknown user: fails, after the same work
    assert not verify_password("x", "md5$abc") and not verify_password("x", "scrypt$bad")
    assert len(device_key_digest("dev-key")) == 64


def test_throttle_refuses_after_repeated_failures() -> None:
    throttle = LoginThrottle(max_failures=3, window_s=60)
    for i in range(3):
        assert throttle.retry_after("ann", 100 + i) is None
        throttle.failed("ann", 100 + i)
    assert throttle.retry_after("ann", 103) == pytest.approx(57)
    assert throttle.retry_after("bob", 103) is None
    assert throttle.retry_after("ann", 161) is None  # the window passed


def item(event_id: str, type_: str = TICKETS, branch: str = "b1", ticket: str | None = None) -> StreamItem:
    return StreamItem(event_id, type_, branch, "{}", ticket)


def test_kiosk_sees_aggregates_and_its_own_tickets_only() -> None:
    kiosk = stream_filter(Role.KIOSK, tickets=frozenset({"t1"}))
    assert kiosk(item("1", ticket="t1")) and not kiosk(item("2", ticket="t2"))
    assert kiosk(item("3", FORECAST)) and not kiosk(item("4", ALERTS))
    manager = stream_filter(Role.MANAGER)
    assert manager(item("5", ALERTS)) and manager(item("6", ticket="t2"))
    narrowed = stream_filter(Role.HEAD_OFFICE, types=parse_types("tickets.v1"))
    assert narrowed(item("7")) and not narrowed(item("8", ALERTS))
    with pytest.raises(ValueError):
        parse_types("nope.v1")


def test_broadcaster_filters_fans_out_to_head_office_and_replays() -> None:
    hub = Broadcaster(replay_capacity=10, subscriber_queue=8)
    kiosk = hub.subscribe("b1", stream_filter(Role.KIOSK, tickets=frozenset({"t1"})))
    everyone = hub.subscribe(ALL_BRANCHES)
    assert hub.publish(item("1", ticket="t1")) and hub.publish(item("2", ticket="t2"))
    assert hub.publish(item("3", branch="b2", ticket="t9")) and not hub.publish(item("3", branch="b2"))
    assert [i.event_id for i in _drain(kiosk)] == ["1"]
    assert [i.event_id for i in _drain(everyone)] == ["1", "2", "3"]
    backlog, complete = hub.replay("b1", "1", stream_filter(Role.KIOSK, tickets=frozenset({"t2"})))
    assert complete and [i.event_id for i in backlog] == ["2"]
    assert hub.replay("unknown", None) == ([], True)
    hub.unsubscribe(kiosk)
    hub.unsubscribe(everyone)
    assert hub.subscriber_count() == 0


def _drain(sub: object) -> list[StreamItem]:
    out = []
    queue = sub.queue  # type: ignore[attr-defined]
    while not queue.empty():
        out.append(queue.get_nowait())
    return out


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def ticket(ticket_id: str, number: str, status: str, minutes: float, window_id: str | None = None) -> Ticket:
    return Ticket(
        branch_id="b1",
        at=at(minutes),
        ticket_id=ticket_id,
        number=number,
        service=ServiceName.CASH,
        status=TicketStatus(status),
        window_id=window_id,
        channel=Channel.KIOSK,
    )


class Unshown(EventData):
    """Data of a topic the snapshot shows nothing of (as branch-config.v1)."""


def alert(alert_id: str, kind: AlertKind, minutes: float, expires: float) -> StaffingAlert:
    return StaffingAlert(
        branch_id="b1",
        at=at(minutes),
        alert_id=alert_id,
        kind=kind,
        severity=Severity.WARNING,
        message=LocalizedText(zh="提示", en="note"),
        action="look",
        expires_at=at(expires),
    )


def test_snapshot_folds_events_into_kpis() -> None:
    state = BranchState("b1", ZoneInfo("Asia/Shanghai"), target_wait_min=10)
    state.apply(ticket("t1", "A001", "issued", 0))
    state.apply(ticket("t2", "A002", "issued", 1))
    state.apply(ticket("t1", "A001", "called", 5))
    state.apply(ticket("t2", "A002", "called", 31))
    state.apply(
        QueueForecast(
            branch_id="b1",
            at=at(31),
            arrivals=[],
            per_service=[
                ServiceQueue(
                    service=ServiceName.CASH, waiting=4, open_windows=1, est_wait_min=5.0, est_wait_p90_min=9.0
                )
            ],
        )
    )
    state.apply(alert("al1", AlertKind.CAMERA_DOWN, 31, 90))
    state.apply(alert("al2", AlertKind.OPEN_WINDOW, 31, 32))
    state.apply(
        Footfall(
            branch_id="b1",
            at=at(31),
            camera_id="c1",
            window_start=at(30),
            window_end=at(31),
            entered=5,
            exited=1,
            occupancy={"hall": 4},
        )
    )
    state.apply(Feedback(branch_id="b1", at=at(32), ticket_id="t1", window_id="w1", service=ServiceName.CASH, rating=4))
    summary = state.summary(T0 + dt.timedelta(minutes=40))
    assert summary["tickets_today"] == 2 and summary["called_today"] == 2
    assert summary["service_level"] == 0.5 and summary["waiting"] == 4 and summary["occupancy"] == 4
    assert summary["open_alerts"] == 1 and summary["satisfaction"] == {"count": 1, "average": 4.0}
    state.mark_acknowledged("al1", "manager")
    assert state.summary(T0 + dt.timedelta(minutes=40))["open_alerts"] == 0
    assert state.view(T0)["arrivals_actual"] == {"2026-03-02T09:00:00+08:00": 2}
    # the next local day starts the counters over
    state.apply(
        Ticket(
            branch_id="b1",
            at=T0 + dt.timedelta(days=1),
            ticket_id="t3",
            number="A001",
            service=ServiceName.CASH,
            status=TicketStatus.ISSUED,
            channel=Channel.KIOSK,
        )
    )
    assert state.summary(T0)["tickets_today"] == 1 and state.service_level() is None


def test_snapshot_views_hold_the_values_as_the_streamed_events_carry_them() -> None:
    state = BranchState("b1", ZoneInfo("Asia/Shanghai"))
    window = Window(
        branch_id="b1",
        at=at(1.5),
        window_id="w1",
        state=WindowState.OPEN,
        staff_id="s-wang",
        skills=[ServiceName.CASH, ServiceName.FX],
    )
    called = ticket("t1", "A001", "called", 2, "w1")
    down = CameraStatus(branch_id="b1", at=at(3), camera_id="c1", state=CameraState.DOWN, fps=0.0, error="no frames")
    warning = alert("al1", AlertKind.OPEN_WINDOW, 3, 20)
    old_plan, new_plan = (
        StaffingPlan(
            branch_id="b1",
            at=at(4),
            date=dt.date(2026, 3, 2),
            version=v,
            solve_ms=9,
            objective=1.0,
            intervals=[],
            assignments=[],
        )
        for v in (2, 3)
    )
    for event in (window, called, down, warning, new_plan, old_plan, Unshown(branch_id="b1", at=at(5))):
        state.apply(event)
    view = state.view(T0)

    def sent(event: Any, *keys: str) -> dict[str, Any]:
        body = json.loads(encode(new_event(topic_of(type(event)), event, source="branchops/queue/t")))["data"]
        return {k: body.get(k) for k in keys}

    assert view["windows"] == {"w1": sent(window, "window_id", "state", "staff_id", "skills", "at")}
    assert view["windows"]["w1"]["at"] == "2026-03-02T01:01:30Z" and state.staff_at("w1") == "s-wang"
    assert view["tickets"] == [
        sent(called, "ticket_id", "number", "service", "status", "window_id", "channel", "priority", "at")
    ]
    assert view["cameras"] == {"c1": sent(down, "state", "fps", "error", "at")} and view["cameras_down"] == 1
    body = sent(warning, *StaffingAlert.model_fields)
    assert view["alerts"] == [{**body, "status": "open"}]
    state.mark_acknowledged("al1", "manager")
    assert state.view(T0)["alerts"] == [{**body, "status": "acknowledged", "acked_by": "manager"}]
    assert view["plan"] == sent(new_plan, "date", "version", "intervals", "assignments", "solve_ms")  # newest kept
    assert view["updated_at"] == at(5).isoformat() and state.staff_at("w9") is None  # any event marks activity


def test_service_level_counts_customers_who_gave_up_and_no_shows_as_missed() -> None:
    state = BranchState("b1", ZoneInfo("Asia/Shanghai"), target_wait_min=10)
    for i in range(4):
        state.apply(ticket(f"t{i}", f"A00{i}", "issued", 0))
    state.apply(ticket("t0", "A000", "called", 2, "w1"))  # in time
    state.apply(ticket("t1", "A001", "called", 3, "w1"))  # in time, then nobody came
    state.apply(ticket("t1", "A001", "no_show", 5, "w1"))
    state.apply(ticket("t2", "A002", "abandoned", 20))  # gave up waiting
    state.apply(ticket("t3", "A003", "cancelled", 4))  # withdrawn: not judged
    summary = state.summary(at(30))
    assert summary["called_today"] == 2 and summary["abandoned_today"] == 1
    assert summary["service_level"] == round(1 / 3, 4)
