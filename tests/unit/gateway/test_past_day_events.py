"""Backfilled history (make run's 30 past days) and replays of past days are no part of the live day."""

from __future__ import annotations

import datetime as dt

from branchops.clock import platform_clock
from branchops.contracts import new_event, topics
from branchops.contracts.enums import Channel, ServiceName, TicketStatus
from branchops.contracts.events import Ticket
from services.gateway.adapters.broadcaster import Broadcaster
from services.gateway.handlers import GatewayHandlers


def ticket(ticket_id: str, at: dt.datetime) -> Ticket:
    return Ticket(
        branch_id="b1",
        at=at,
        ticket_id=ticket_id,
        number="A001",
        service=ServiceName.CASH,
        status=TicketStatus.ISSUED,
        channel=Channel.KIOSK,
    )


async def test_events_of_past_days_are_not_live_and_not_counted_today() -> None:
    handlers = GatewayHandlers(Broadcaster())
    now = platform_clock().now()
    for ticket_id, at in (("t-old", now - dt.timedelta(days=3)), ("t-yday", now - dt.timedelta(days=1))):
        await handlers.on_event(new_event(topics.TICKETS, ticket(ticket_id, at), source="branchops/test/past-days"))
    assert "b1" not in handlers.states  # nothing of the past reached the day's figures
    await handlers.on_event(new_event(topics.TICKETS, ticket("t-now", now), source="branchops/test/past-days"))
    assert handlers.state("b1").summary(now)["tickets_today"] == 1


async def test_an_alert_republished_expired_or_acknowledged_leaves_the_open_list() -> None:
    from branchops.contracts.enums import AlertKind, Severity
    from branchops.contracts.events import LocalizedText, StaffingAlert

    handlers = GatewayHandlers(Broadcaster())
    now = platform_clock().now()

    def alert(alert_id: str, **extra: object) -> StaffingAlert:
        return StaffingAlert(
            branch_id="b1",
            at=now,
            alert_id=alert_id,
            kind=AlertKind.OPEN_WINDOW,
            severity=Severity.WARNING,
            message=LocalizedText(zh="开窗", en="open a window"),
            action="open_window",
            expires_at=now + dt.timedelta(minutes=10),
            **extra,  # type: ignore[arg-type]
        )

    for data in (alert("a1"), alert("a2"), alert("a3")):
        await handlers.on_event(new_event(topics.STAFFING_ALERTS, data, source="branchops/test/past-days"))
    assert len(handlers.state("b1").open_alerts(now)) == 3
    for data in (alert("a1", expired=True), alert("a2", acknowledged_at=now)):
        await handlers.on_event(new_event(topics.STAFFING_ALERTS, data, source="branchops/test/past-days"))
    assert [a["alert_id"] for a in handlers.state("b1").open_alerts(now)] == ["a3"]
