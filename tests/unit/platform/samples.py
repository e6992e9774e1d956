"""One valid payload per topic, used by the contract tests."""

from __future__ import annotations

import datetime as dt

from branchops.contracts import branch_config as c
from branchops.contracts import events as e
from branchops.contracts import topics as t
from branchops.contracts.base import EventData

AT = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def samples() -> dict[str, EventData]:
    return {
        t.FOOTFALL.name: e.Footfall(
            branch_id="b1",
            at=AT,
            camera_id="cam-1",
            window_start=AT,
            window_end=AT + dt.timedelta(seconds=10),
            entered=3,
            exited=1,
            occupancy={"waiting": 7, "entrance": 1},
            dwell_p50_s={"waiting": 312.5},
        ),
        t.OCCUPANCY.name: e.Occupancy(
            branch_id="b1",
            at=AT,
            camera_id="cam-1",
            hour_start=AT - dt.timedelta(minutes=30),
            hour_end=AT + dt.timedelta(minutes=30),
            cols=4,
            rows=2,
            person_s=[0.0, 12.5, 300.0, 0.0, 40.0, 1800.0, 7.5, 0.0],
            seconds=3600.0,
            peak=3,
        ),
        t.CAMERA_STATUS.name: e.CameraStatus(
            branch_id="b1", at=AT, camera_id="cam-1", state="degraded", fps=4.5, error="frames late"
        ),
        t.TICKETS.name: e.Ticket(
            branch_id="b1",
            at=AT,
            ticket_id="t-1",
            number="A023",
            service="cash",
            priority="elderly",
            status="called",
            window_id="w3",
            channel="kiosk",
        ),
        t.WINDOWS.name: e.Window(
            branch_id="b1", at=AT, window_id="w3", state="open", staff_id="s01", skills=["cash", "general"]
        ),
        t.QUEUE_FORECAST.name: e.QueueForecast(
            branch_id="b1",
            at=AT,
            per_service=[
                e.ServiceQueue(service="cash", waiting=4, open_windows=2, est_wait_min=6.5, est_wait_p90_min=12.0)
            ],
            arrivals=[e.ArrivalForecast(interval_start=AT, expected=8.2, p10=5.0, p90=12.0, service="cash")],
        ),
        t.STAFFING_PLAN.name: e.StaffingPlan(
            branch_id="b1",
            at=AT,
            date=dt.date(2026, 12, 1),
            version=3,
            solve_ms=840,
            objective=44.0,
            intervals=[e.PlanInterval(start="09:00", required={"general": 2}, planned={"general": 3})],
            assignments=[
                e.Assignment(
                    staff_id="s01",
                    start="09:00",
                    end="15:00",
                    breaks=[e.TimeSpan(start="11:30", end="12:00")],
                    skills=["general"],
                )
            ],
        ),
        t.STAFFING_ALERTS.name: e.StaffingAlert(
            branch_id="b1",
            at=AT,
            alert_id="al-1",
            kind="open_window",
            severity="urgent",
            message=e.LocalizedText(zh="请立即开放3号窗口", en="Open window 3 now"),
            action="open window 3",
            window_id="w3",
            staff_id="s04",
            reason={"predicted_wait_min": 18.5, "target_min": 10},
            expires_at=AT + dt.timedelta(minutes=10),
        ),
        t.KYC_RESULTS.name: e.KycResult(
            branch_id="b1",
            at=AT,
            session_id="k-1",
            kiosk_id="kiosk-2",
            doc_type="id_card",
            decision="review",
            checks={"check_digit": True, "face_score": 0.41},
            id_number_masked="3201**********1234",
            reasons=["face score near threshold"],
        ),
        t.FEEDBACK.name: e.Feedback(
            branch_id="b1",
            at=AT,
            ticket_id="t-1",
            window_id="w3",
            staff_id="s01",
            service="general",
            rating=5,
            tags=["fast", "friendly"],
        ),
        t.VOICE_INTERACTIONS.name: e.VoiceInteraction(
            branch_id="b1",
            at=AT,
            session_id="v-1",
            kiosk_id="kiosk-2",
            turn=2,
            lang="zh",
            intent="transfer",
            confidence=0.93,
            slots={"amount": 3500, "currency": "CNY", "account_last4": "**34"},
            outcome="confirm_requested",
            asr_ms=212.0,
            nlu_ms=3.1,
        ),
        t.BRANCH_CONFIG.name: e.BranchConfigChanged(
            branch_id="b1",
            at=AT,
            version=4,
            changed_by=e.ChangedBy(subject="mgr-li", role="manager"),
            config=c.BranchConfig(
                branch=c.BranchInfo(
                    name="Demo branch",
                    timezone="Asia/Shanghai",
                    hours={c.Weekday.MON: [c.OpeningSpan(open="09:00", close="17:00")]},
                    holidays=[c.Holiday(date=dt.date(2027, 1, 1), name="New Year")],
                ),
                services=[
                    c.ServiceConfig(
                        code="cash", name=c.ServiceNames(zh="现金", en="Cash"), target_wait_min=10, ticket_prefix="A"
                    )
                ],
                windows=[c.WindowConfig(id="w1", skills=["cash"], label="1号窗口")],
                staff=[
                    c.StaffConfig(
                        id="s01",
                        display_name="王*",
                        skills=["cash"],
                        availability={c.Weekday.MON: [c.OpeningSpan(open="09:00", close="17:00")]},
                    )
                ],
                cameras=[c.CameraConfig(id="cam-1", url_ref="cameras/cam-1", zones={"waiting": [[0, 0], [1, 1]]})],
                devices=[c.DeviceConfig(id="pad-1", kind="rating_pad", window_id="w1")],
            ),
        ),
    }
