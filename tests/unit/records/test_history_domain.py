"""Records' history, pure parts: intervals in a branch's zone, wait buckets and percentiles, the ticket journey and
what each step counts, the other topics' rollups, personal-number masking, retention and partition names."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from typing import Any

import pytest

from branchops.contracts import topics
from branchops.contracts.enums import (
    AlertKind,
    CameraState,
    Channel,
    DocType,
    KycDecision,
    Language,
    ServiceName,
    Severity,
    TicketStatus,
    WindowState,
)
from branchops.contracts.events import (
    CameraStatus,
    Feedback,
    Footfall,
    KycResult,
    LocalizedText,
    StaffingAlert,
    Ticket,
    VoiceInteraction,
    Window,
)
from services.records.domain import privacy, retention, waits
from services.records.domain.fold import State, fold, keys_of
from services.records.domain.history import RAW_TABLE_NAMES, RAW_TABLES
from services.records.domain.intervals import Calendar, interval_start, local_day, zone
from services.records.domain.rollups import (
    ALERT_DAY,
    FOOTFALL_INTERVAL,
    KYC_DAY,
    SERVICE_INTERVAL,
    STAFF_DAY,
    VOICE_DAY,
    WAIT_BUCKETS,
    WINDOW_DAY,
    Rollups,
)
from services.records.domain.rules import BranchRules, default_rules, rules_from_document

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2027, 3, 1, 1, 2, tzinfo=dt.UTC)  # 09:02 in Shanghai: interval 09:00 local = 01:00 UTC


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


# ------------------------------------------------------------------ intervals
def test_intervals_are_local_quarter_hours_kept_as_utc_instants() -> None:
    assert interval_start(T0, SHANGHAI) == dt.datetime(2027, 3, 1, 1, 0, tzinfo=dt.UTC)
    assert interval_start(at(13), SHANGHAI) == dt.datetime(2027, 3, 1, 1, 15, tzinfo=dt.UTC)
    late = dt.datetime(2027, 3, 1, 16, 5, tzinfo=dt.UTC)  # 00:05 on 2 March in Shanghai
    assert local_day(late, SHANGHAI) == dt.date(2027, 3, 2) and late.date() == dt.date(2027, 3, 1)
    kathmandu = zoneinfo.ZoneInfo("Asia/Kathmandu")  # +05:45: local 10:07 -> 10:00 local = 04:15 UTC
    assert interval_start(dt.datetime(2027, 3, 1, 4, 22, tzinfo=dt.UTC), kathmandu) == dt.datetime(
        2027, 3, 1, 4, 15, tzinfo=dt.UTC
    )


def test_the_hour_repeated_when_clocks_go_back_gives_distinct_intervals() -> None:
    new_york = zoneinfo.ZoneInfo("America/New_York")  # 2027-11-07 01:00-02:00 local happens twice
    first = dt.datetime(2027, 11, 7, 5, 20, tzinfo=dt.UTC)  # 01:20 EDT
    second = dt.datetime(2027, 11, 7, 6, 20, tzinfo=dt.UTC)  # 01:20 EST
    assert interval_start(first, new_york) == dt.datetime(2027, 11, 7, 5, 15, tzinfo=dt.UTC)
    assert interval_start(second, new_york) == dt.datetime(2027, 11, 7, 6, 15, tzinfo=dt.UTC)


def test_the_calendar_remembers_what_the_functions_compute() -> None:
    rng = random.Random(5)
    for name in ("Asia/Shanghai", "Asia/Kathmandu", "America/New_York", "Europe/London"):
        tz = zoneinfo.ZoneInfo(name)
        calendar = Calendar(tz)
        for _ in range(2000):
            moment = dt.datetime(2027, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=rng.randrange(366 * 86400))
            start, day = calendar.interval(moment)
            assert start == interval_start(moment, tz) and day == local_day(start, tz)
            assert calendar.day(moment) == local_day(moment, tz)


def test_unknown_or_missing_zones_fall_back_to_shanghai() -> None:
    assert zone(None).key == zone("Not/AZone").key == zone("").key == "Asia/Shanghai"


# ------------------------------------------------------------------ waits
def test_buckets_are_fixed_minute_ranges() -> None:
    assert [waits.bucket(m) for m in (-1, 0, 0.5, 1, 9.99, 29.9, 31, 59, 61, 100, 500)] == [
        0,
        0,
        0,
        1,
        9,
        29,
        30,
        55,
        60,
        90,
        240,
    ]
    assert tuple(sorted(set(waits.EDGES_MIN))) == waits.EDGES_MIN


def test_percentiles_come_from_the_summed_histogram_not_from_medians() -> None:
    assert waits.percentile({}, 50) is None
    uniform = dict.fromkeys(range(10), 10)  # 100 waits, 10 per minute from 0 to 10
    assert waits.percentile(uniform, 50) == pytest.approx(5.0)
    assert waits.percentile(uniform, 90) == pytest.approx(9.0)
    morning, noon = {2: 9, 3: 1}, {20: 10}  # medians 2.x and 20.x; together the median is at 3
    together: dict[int, int] = {}
    for histogram in (morning, noon):
        for b, n in histogram.items():
            together[b] = together.get(b, 0) + n
    assert waits.percentile(together, 50) == pytest.approx(4.0)  # end of the "3" bucket: 10 of 20 waits
    assert waits.percentile({240: 1}, 50) == pytest.approx(270.0)  # the open last bucket, read 60 wide
    with pytest.raises(ValueError):
        waits.percentile(uniform, 101)


def test_share_within_target() -> None:
    assert waits.within_target(600, 10) and not waits.within_target(601, 10)
    assert waits.share_within({0: 1, 9: 1, 10: 2}, 10) == 0.5
    assert waits.share_within({}, 10) is None


# ------------------------------------------------------------------ rules
def test_rules_come_from_the_configuration_document() -> None:
    rules = rules_from_document(
        {"branch": {"timezone": "Europe/London"}, "services": [{"code": "cash", "target_wait_min": 7}, {"code": "fx"}]}
    )
    assert str(rules.tz) == "Europe/London" and rules.target("cash") == 7 and rules.target("fx") == 10
    fallback = rules_from_document(
        {
            "branch": {"timezone": "Mars/Olympus"},
            "services": [{"code": "cash", "target_wait_min": True}, {"code": "general", "target_wait_min": -3}],
        }
    )
    assert str(fallback.tz) == "Asia/Shanghai" and fallback.target("cash") == fallback.target("general") == 10
    assert str(rules_from_document(None).tz) == "Asia/Shanghai"


# ------------------------------------------------------------------ tickets
def ticket(
    status: TicketStatus,
    minutes: float,
    *,
    tid: str = "t1",
    window: str | None = None,
    service: ServiceName = ServiceName.CASH,
    channel: Channel = Channel.KIOSK,
    branch: str = "b1",
) -> Ticket:
    return Ticket(
        branch_id=branch,
        at=at(minutes),
        ticket_id=tid,
        number="A001",
        service=service,
        status=status,
        window_id=window,
        channel=channel,
    )


def window(staff: str | None, minutes: float, wid: str = "w1", branch: str = "b1") -> Window:
    return Window(
        branch_id=branch,
        at=at(minutes),
        window_id=wid,
        state=WindowState.OPEN,
        staff_id=staff,
        skills=[ServiceName.CASH],
    )


def run(events: list[Any], state: State | None = None, rules: BranchRules | None = None) -> tuple[State, Rollups]:
    state = state or State()
    chosen = rules or default_rules()
    return state, fold(events, state, lambda _: chosen)


COHORT = ("b1", "cash", dt.datetime(2027, 3, 1, 1, 0, tzinfo=dt.UTC))


def test_a_served_ticket_counts_its_arrival_wait_and_handling_in_its_cohort_and_for_its_worker() -> None:
    state, out = run(
        [
            window("s7", -30),
            ticket(TicketStatus.ISSUED, 0),
            ticket(TicketStatus.CALLED, 12, window="w1"),
            ticket(TicketStatus.SERVING, 13, window="w1"),
            ticket(TicketStatus.COMPLETED, 20, window="w1"),
        ]
    )
    row = out.get(SERVICE_INTERVAL, COHORT)
    assert row["arrivals"] == row["called"] == row["served"] == row["waits"] == row["handled"] == 1
    assert row["wait_s_sum"] == 720 and row["within_target"] == 0 and row["target_wait_min"] == 10
    assert row["handling_s_sum"] == 420, "handling starts when serving starts"
    assert row["day"] == dt.date(2027, 3, 1)
    assert out.get(WAIT_BUCKETS, (*COHORT, 12)) == {"tickets": 1}
    day = dt.date(2027, 3, 1)
    assert out.get(WINDOW_DAY, ("b1", day, "w1")) == {
        "served": 1,
        "no_show": 0,
        "handled": 1,
        "handling_s_sum": 420,
        "ratings": 0,
        "rating_sum": 0,
    }
    assert out.get(STAFF_DAY, ("b1", day, "s7"))["served"] == 1
    journey = state.journeys[("b1", "t1")]
    assert journey.ended and journey.wait_counted
    credits = list(state.timeline.changed_credits.values())
    assert [(c.ref, c.window_id, c.at, c.staff_id, c.served) for c in credits] == [("ticket:t1", "w1", at(12), "s7", 1)]
    assert state.changed["journeys"] == {("b1", "t1")} and state.changed["windows"] == {("b1", "w1")}


def test_the_target_and_zone_come_from_the_branch() -> None:
    rules = BranchRules(zoneinfo.ZoneInfo("Europe/London"), {"cash": 15})
    _, out = run([ticket(TicketStatus.ISSUED, 0), ticket(TicketStatus.CALLED, 12, window="w1")], rules=rules)
    row = out.get(SERVICE_INTERVAL, COHORT)
    assert row["within_target"] == 1 and row["target_wait_min"] == 15
    assert row["day"] == dt.date(2027, 3, 1)


def test_steps_spread_over_batches_count_once_and_recalls_change_nothing() -> None:
    state, first = run([ticket(TicketStatus.ISSUED, 0)])
    assert first.get(SERVICE_INTERVAL, COHORT)["arrivals"] == 1
    _, second = run([ticket(TicketStatus.CALLED, 5, window="w1"), ticket(TicketStatus.CALLED, 6, window="w1")], state)
    assert second.get(SERVICE_INTERVAL, COHORT)["called"] == 1 and second.get(SERVICE_INTERVAL, COHORT)["waits"] == 1
    assert second.get(SERVICE_INTERVAL, COHORT)["arrivals"] == 0
    _, third = run(
        [ticket(TicketStatus.NO_SHOW, 8, window="w1"), ticket(TicketStatus.COMPLETED, 9, window="w1")], state
    )
    row = third.get(SERVICE_INTERVAL, COHORT)
    assert row["no_show"] == 1 and row["served"] == 0, "a ticket ends once"


def test_events_out_of_order_still_count_the_wait() -> None:
    _, out = run([ticket(TicketStatus.CALLED, 4, window="w1")])
    assert out.get(SERVICE_INTERVAL, COHORT)["called"] == 1 and out.get(SERVICE_INTERVAL, COHORT)["waits"] == 0
    state = State()
    fold([ticket(TicketStatus.CALLED, 4, window="w1")], state, lambda _: default_rules())
    late = fold([ticket(TicketStatus.ISSUED, 0)], state, lambda _: default_rules())
    row = late.get(SERVICE_INTERVAL, COHORT)
    assert row["arrivals"] == 1 and row["waits"] == 1 and row["wait_s_sum"] == 240
    assert state.journeys[("b1", "t1")].status == "called", "the late issue does not take the ticket back"


def test_appointments_transfers_abandonment_and_cancellation() -> None:
    _, out = run(
        [
            ticket(TicketStatus.ISSUED, 0, channel=Channel.APPOINTMENT),
            ticket(TicketStatus.CALLED, 30, window="w1", channel=Channel.APPOINTMENT),
            ticket(TicketStatus.ISSUED, 1, tid="t2"),
            ticket(TicketStatus.TRANSFERRED, 3, tid="t2"),
            ticket(TicketStatus.CALLED, 9, tid="t2", window="w2", service=ServiceName.GENERAL),
            ticket(TicketStatus.ISSUED, 2, tid="t3"),
            ticket(TicketStatus.ABANDONED, 14, tid="t3"),
            ticket(TicketStatus.ISSUED, 2, tid="t4"),
            ticket(TicketStatus.CANCELLED, 3, tid="t4"),
        ]
    )
    row = out.get(SERVICE_INTERVAL, COHORT)
    assert row["arrivals"] == 4 and row["called"] == 2 and row["transferred"] == 1
    assert row["abandoned"] == 1 and row["cancelled"] == 1
    assert row["waits"] == 1 and row["wait_s_sum"] == 480, "the appointment's wait is left out; t2 waited 8 minutes"


def test_a_no_show_counts_for_the_window_and_whoever_staffed_it_at_the_call() -> None:
    state, out = run(
        [
            window("s1", -10),
            ticket(TicketStatus.ISSUED, 0),
            ticket(TicketStatus.CALLED, 2, window="w1"),
            window("s2", 3),
            ticket(TicketStatus.NO_SHOW, 4, window="w1"),
        ]
    )
    day = dt.date(2027, 3, 1)
    assert out.get(WINDOW_DAY, ("b1", day, "w1"))["no_show"] == 1
    assert out.get(STAFF_DAY, ("b1", day, "s1"))["no_show"] == 1 and not out.get(STAFF_DAY, ("b1", day, "s2"))
    assert state.windows[("b1", "w1")].staff_id == "s2"


def _staff_day(*batches: list[Any]) -> dict[str, dict[str, float]]:
    """rollup_staff_day as the batches add it up (folded one after the other on one state), zeros left out."""
    state, total = State(), dict[str, dict[str, float]]()
    for batch in batches:
        _, out = run(batch, state)
        for row in out.rows(STAFF_DAY):
            counts = total.setdefault(row[2], dict.fromkeys(STAFF_DAY.sums, 0.0))
            for name, value in zip(STAFF_DAY.sums, row[3:], strict=True):
                counts[name] += value
    return {staff: c for staff, c in sorted(total.items()) if any(c.values())}


def _served_at_w1(tid: str, called: float, done: float) -> list[Ticket]:
    return [
        ticket(TicketStatus.ISSUED, called - 1, tid=tid),
        ticket(TicketStatus.CALLED, called, tid=tid, window="w1"),
        ticket(TicketStatus.COMPLETED, done, tid=tid, window="w1"),
    ]


def test_a_window_event_folded_after_the_tickets_it_covers_credits_them_once() -> None:
    tickets = [*_served_at_w1("t1", 2, 6), *_served_at_w1("t2", 8, 10)]
    rating = Feedback(branch_id="b1", at=at(7), ticket_id="t1", window_id="w1", service=ServiceName.CASH, rating=5)
    natural = _staff_day([window("s1", 0), *tickets, rating])
    assert natural == {"s1": {**natural["s1"], "served": 2, "ratings": 1, "rating_sum": 5}}
    assert _staff_day([*tickets, rating], [window("s1", 0)]) == natural, "from nobody to s1"
    assert _staff_day([*tickets, rating], [window("s1", 0)], [window("s1", 0)]) == natural
    state, _ = run([*tickets, rating])
    _, late = run([window("s1", 0)], state)
    _, again = run([window("s1", 1)], state)  # a later point naming the same teller moves nothing
    assert late.get(STAFF_DAY, ("b1", dt.date(2027, 3, 1), "s1"))["served"] == 2 and not again.get(
        STAFF_DAY, ("b1", dt.date(2027, 3, 1), "s1")
    )


def test_a_late_change_of_teller_moves_the_work_done_since() -> None:
    tickets = [*_served_at_w1("t1", 2, 4), *_served_at_w1("t2", 8, 10)]
    natural = _staff_day([window("s1", 0), window("s2", 5), *tickets])
    assert natural["s1"]["served"] == 1 and natural["s2"]["served"] == 1
    assert _staff_day([window("s1", 0), *tickets], [window("s2", 5)]) == natural, "t2 moves from s1 to s2"
    assert _staff_day(tickets, [window("s2", 5)], [window("s1", 0)]) == natural
    state, _ = run([window("s1", 0), window("s2", 5)])
    points = state.timeline.points[("b1", "w1")]
    assert [(p.staff_id, p.since, p.until) for p in points] == [("s1", at(0), at(5)), ("s2", at(5), None)]


def test_any_interleaving_of_the_topics_gives_the_same_staff_day() -> None:
    events: list[Any] = [window("s1", 0), window("s2", 0, wid="w2"), window("s3", 20), window(None, 40, wid="w2")]
    for n in range(12):
        tid, wid = f"t{n}", ("w1", "w2")[n % 2]
        events += [
            ticket(TicketStatus.ISSUED, 4 * n, tid=tid),
            ticket(TicketStatus.CALLED, 4 * n + 1, tid=tid, window=wid),
            ticket(TicketStatus.COMPLETED if n % 5 else TicketStatus.NO_SHOW, 4 * n + 3, tid=tid, window=wid),
        ]
        events.append(
            Feedback(
                branch_id="b1", at=at(4 * n + 3.5), ticket_id=tid, window_id=wid, service=ServiceName.CASH, rating=4
            )
        )
    natural = _staff_day(events)
    assert set(natural) == {"s1", "s2", "s3"}
    by_topic: dict[type, list[Any]] = {}
    for e in events:
        by_topic.setdefault(type(e), []).append(e)
    assert _staff_day([e for e in events if type(e) is not Window], by_topic[Window]) == natural
    rng = random.Random(7)
    for _ in range(20):  # each topic in order, topics interleaved in chunks at random
        queues = {kind: list(items) for kind, items in by_topic.items()}
        batches = []
        while queues:
            kind = rng.choice(sorted(queues, key=lambda k: k.__name__))
            size = rng.randint(1, 6)
            batches.append(queues[kind][:size])
            queues[kind] = queues[kind][size:]
            if not queues[kind]:
                del queues[kind]
        assert _staff_day(*batches) == natural


def test_an_older_window_event_does_not_replace_a_newer_one() -> None:
    state, _ = run([window("s2", 5)])
    run([window("s1", 1)], state)
    assert state.windows[("b1", "w1")].staff_id == "s2"


# ------------------------------------------------------------------ other topics
def test_voice_sessions_count_once_and_move_between_outcomes() -> None:
    def turn(n: int, outcome: str, session: str = "v1") -> VoiceInteraction:
        return VoiceInteraction(
            branch_id="b1",
            at=at(n),
            session_id=session,
            kiosk_id="k1",
            turn=n,
            lang=Language.ZH,
            intent="open_account",
            confidence=0.8,
            slots={"phone": "138****5678"},
            outcome=outcome,
        )

    state, out = run([turn(0, "greeted"), turn(1, "answered"), turn(0, "greeted", "v2"), turn(3, "handoff", "v2")])
    day = dt.date(2027, 3, 1)
    assert out.get(VOICE_DAY, ("b1", day)) == {"sessions": 2, "turns": 4, "completed_without_staff": 1, "handed_off": 1}
    _, later = run([turn(2, "slot_prompt"), turn(4, "handoff")], state)
    assert later.get(VOICE_DAY, ("b1", day)) == {
        "sessions": 0,
        "turns": 2,
        "completed_without_staff": -1,
        "handed_off": 1,
    }, "v1 moves from completed to handed off"


def test_voice_task_ends_decide_containment_and_a_counter_ticket_is_a_hand_off() -> None:
    def turn(n: int, outcome: str, session: str, end: str | None = None) -> VoiceInteraction:
        reason = {"completed": "self_service_done", "handed_off": "counter_service"}.get(end or "")
        return VoiceInteraction(
            branch_id="b1",
            at=at(n),
            session_id=session,
            kiosk_id="k1",
            turn=n,
            lang=Language.ZH,
            intent="balance_inquiry",
            confidence=0.9,
            outcome=outcome,
            end=end,  # type: ignore[arg-type]
            end_reason=reason,
        )

    _, out = run(
        [
            turn(0, "greeted", "s1"),
            turn(1, "self_service_done", "s1", "completed"),
            turn(0, "greeted", "s2"),
            turn(1, "ticket", "s2", "handed_off"),
            turn(0, "greeted", "s3"),
            turn(1, "acknowledged", "s3"),
        ]
    )
    day = dt.date(2027, 3, 1)
    counts = out.get(VOICE_DAY, ("b1", day))
    assert counts == {"sessions": 3, "turns": 6, "completed_without_staff": 1, "handed_off": 1}


def test_alerts_are_raised_once_and_escalate_once() -> None:
    def alert(minutes: float, **reason: float | int | str) -> StaffingAlert:
        return StaffingAlert(
            branch_id="b1",
            at=at(minutes),
            alert_id="al-1",
            kind=AlertKind.OPEN_WINDOW,
            severity=Severity.WARNING,
            message=LocalizedText(zh="开窗", en="Open a window"),
            action="open window w3",
            reason=dict(reason),
            expires_at=at(60),
        )

    _, out = run([alert(0, service="cash"), alert(5, service="cash", escalated=1), alert(6, escalated=1)])
    assert out.get(ALERT_DAY, ("b1", dt.date(2027, 3, 1), "open_window")) == {
        "raised": 1,
        "escalated": 1,
        "acknowledged": 0,
        "ack_s_sum": 0,
        "expired": 0,
    }


def _alert(minutes: float, alert_id: str = "al-1", **changes: Any) -> StaffingAlert:
    return StaffingAlert(
        branch_id="b1",
        at=at(minutes),
        alert_id=alert_id,
        kind=AlertKind.OPEN_WINDOW,
        severity=Severity.WARNING,
        message=LocalizedText(zh="开窗", en="Open a window"),
        action="open window w3",
        expires_at=at(60),
        **changes,
    )


ALERTS_KEY = ("b1", dt.date(2027, 3, 1), "open_window")


def _alert_counts(*batches: list[StaffingAlert]) -> dict[str, float]:
    """The alert counters the batches add up to (folded one after the other, on one state)."""
    state, total = State(), {"raised": 0.0, "escalated": 0.0, "acknowledged": 0.0, "ack_s_sum": 0.0, "expired": 0.0}
    for batch in batches:
        _, out = run(batch, state)
        for name, value in out.get(ALERT_DAY, ALERTS_KEY).items():
            total[name] += value
    return total


def test_an_acknowledgement_counts_once_with_its_time_to_acknowledge() -> None:
    acked = _alert(2, acknowledged_at=at(1.5))
    counts = _alert_counts([_alert(0)], [acked], [acked.model_copy(update={"at": at(3)})])
    assert counts == {"raised": 1, "escalated": 0, "acknowledged": 1, "ack_s_sum": 90.0, "expired": 0}
    state, _ = run([_alert(0), acked])
    assert state.alerts[("b1", "al-1")].acknowledged_at == at(1.5) and not state.alerts[("b1", "al-1")].expired
    # staffing keeps the raise time as the re-publication's ``at``: the same counts, in one batch or two
    kept = _alert(0, acknowledged_at=at(1.5))
    assert _alert_counts([_alert(0), kept]) == counts and _alert_counts([_alert(0)], [kept]) == counts
    assert _alert_counts([kept]) == counts, "the acknowledged version alone: raised then, acknowledged 90 s later"


def test_an_escalated_alert_acknowledged_counts_its_escalation_once() -> None:
    escalated = _alert(5, reason={"escalated": 1})
    acked = _alert(7, reason={"escalated": 1}, acknowledged_at=at(7))
    counts = _alert_counts([_alert(0), escalated, acked])
    assert counts == {"raised": 1, "escalated": 1, "acknowledged": 1, "ack_s_sum": 420.0, "expired": 0}


def test_an_expiry_counts_once_and_never_for_an_acknowledged_alert() -> None:
    expired = _alert(60, expired=True)
    assert _alert_counts([_alert(0)], [expired], [expired.model_copy(update={"at": at(61)})]) == {
        "raised": 1,
        "escalated": 0,
        "acknowledged": 0,
        "ack_s_sum": 0,
        "expired": 1,
    }
    acked = _alert(10, acknowledged_at=at(10))
    assert _alert_counts([_alert(0), acked], [expired])["expired"] == 0, "acknowledged: its expiry is not counted"
    # out of order (an expiry folded before the acknowledgement): the acknowledgement wins, the expiry is taken back
    assert _alert_counts([_alert(0), expired], [acked]) == {
        "raised": 1,
        "escalated": 0,
        "acknowledged": 1,
        "ack_s_sum": 600.0,
        "expired": 0,
    }


def test_a_raising_that_comes_after_its_acknowledgement_moves_the_time_to_acknowledge() -> None:
    acked = _alert(4, acknowledged_at=at(4))
    counts = _alert_counts([acked], [_alert(1)])
    assert counts == {"raised": 1, "escalated": 0, "acknowledged": 1, "ack_s_sum": 180.0, "expired": 0}
    assert _alert_counts([_alert(1), acked])["ack_s_sum"] == 180.0, "in one batch: folded in time order"


def test_footfall_kyc_and_ratings() -> None:
    footfall = [
        Footfall(
            branch_id="b1",
            at=at(m + 1),
            camera_id="cam-1",
            window_start=at(m),
            window_end=at(m + 1),
            entered=2,
            exited=1,
        )
        for m in range(0, 16)
    ]
    kyc = [
        KycResult(
            branch_id="b1",
            at=at(1),
            session_id=f"k{i}",
            kiosk_id="kiosk-1",
            doc_type=DocType.ID_CARD,
            decision=d,
            id_number_masked="3201**********1234",
        )
        for i, d in enumerate([KycDecision.APPROVED, KycDecision.APPROVED, KycDecision.REVIEW])
    ]
    rating = Feedback(branch_id="b1", at=at(2), ticket_id="t1", window_id="w1", service=ServiceName.CASH, rating=4)
    camera = CameraStatus(branch_id="b1", at=at(0), camera_id="cam-1", state=CameraState.UP, fps=12)
    _, out = run([window("s3", 0), *footfall, *kyc, rating, camera])
    assert out.get(FOOTFALL_INTERVAL, ("b1", "cam-1", COHORT[2])) == {
        "day": dt.date(2027, 3, 1),
        "entered": 26,
        "exited": 13,
    }
    day = dt.date(2027, 3, 1)
    assert out.get(KYC_DAY, ("b1", day, "approved")) == {"decisions": 2}
    assert out.get(KYC_DAY, ("b1", day, "review")) == {"decisions": 1}
    assert out.get(WINDOW_DAY, ("b1", day, "w1"))["rating_sum"] == 4
    assert out.get(STAFF_DAY, ("b1", day, "s3"))["ratings"] == 1, "the rating goes to whoever staffs the window"


def test_keys_name_the_state_a_batch_needs() -> None:
    keys = keys_of([ticket(TicketStatus.CALLED, 1, window="w9"), window("s1", 0, wid="w2")])
    assert keys.journeys == {("b1", "t1")} and keys.windows == {("b1", "w9"), ("b1", "w2")}
    assert not keys.sessions and not keys.alerts


def test_rollup_rows_are_sorted_and_checked() -> None:
    out = Rollups()
    out.add(KYC_DAY, ("b2", dt.date(2027, 1, 1), "approved"), decisions=1)
    out.add(KYC_DAY, ("b1", dt.date(2027, 1, 1), "approved"), decisions=2)
    assert [row[0] for row in out.rows(KYC_DAY)] == ["b1", "b2"]
    assert [spec.table for spec in out.tables()] == ["rollup_kyc_day"]
    with pytest.raises(ValueError, match="do not fit"):
        out.add(KYC_DAY, ("b1",), decisions=1)


# ------------------------------------------------------------------ history tables
def test_every_topic_has_a_raw_table() -> None:
    assert set(RAW_TABLES) == {t.name for t in topics.ALL_TOPICS}
    assert len(set(RAW_TABLE_NAMES)) == len(RAW_TABLE_NAMES)
    assert all(name.startswith("events_") for name in RAW_TABLE_NAMES)


# ------------------------------------------------------------------ privacy
@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("call me on 13912345678", ["mobile"]),
        ("ID 32010219900101123X please", ["id_number"]),
        ("card 6222021234567890123.", ["account"]),
        ("0.8333333333333334", []),  # a float's digits
        ("t-13912345678", []),  # part of an identifier
        ("3201**********1234 / 139****5678", []),  # masked already
        ("12345678901234", []),  # 14 digits: neither
        ("10:13912345678", ["mobile"]),
    ],
)
def test_personal_numbers_are_found(text: str, kinds: list[str]) -> None:
    assert privacy.find(text) == kinds


def test_masking_keeps_the_ends() -> None:
    assert privacy.mask_text("13912345678 and 320102199001011234") == "139****5678 and 3201**********1234"


def test_envelopes_are_masked_in_their_strings_only() -> None:
    raw = b'{"data": {"error": "call 13912345678", "n": 13912345678, "ok": "fine", "l": ["6222021234567890"]}}'
    masked = privacy.mask_envelope(raw)
    assert masked is not None
    value, paths = masked
    assert paths == ["data.error", "data.l.0"]
    assert b"139****5678" in value and b"13912345678," in value, "a JSON number is a measurement: left alone"
    assert b"6222********7890" in value
    assert privacy.mask_envelope(b'{"data": {"at": "2027-01-01T09:00:00.123456Z"}}') is None
    assert privacy.mask_envelope(b"not json 13912345678") is None
    assert privacy.may_hold_numbers(b"x12345678901") and not privacy.may_hold_numbers(b"x1234567890-1")


# ------------------------------------------------------------------ retention
def test_every_table_has_a_retention_and_overrides_are_checked() -> None:
    days = retention.retention_days({})
    assert set(RAW_TABLE_NAMES) <= set(days) and "rollup_service_interval" in days and "ticket_journeys" in days
    assert retention.retention_days({"events_tickets": 30})["events_tickets"] == 30
    with pytest.raises(ValueError, match="no table events_nope"):
        retention.retention_days({"events_nope": 3})
    with pytest.raises(ValueError, match="1 to 3660 days"):
        retention.retention_days({"events_tickets": 0})


def test_partition_names_and_which_ones_expire() -> None:
    name = retention.partition_name("events_tickets", dt.date(2027, 1, 5))
    assert name == "events_tickets_p20270105"
    assert retention.partition_day("events_tickets", name) == dt.date(2027, 1, 5)
    assert retention.partition_day("events_windows", name) is None
    assert retention.partition_day("events_tickets", "events_tickets_p20271399") is None
    names = [retention.partition_name("events_tickets", dt.date(2027, 1, d)) for d in range(1, 11)]
    today = dt.date(2027, 1, 10)
    assert retention.expired_partitions("events_tickets", [*names, "other"], today, 3) == names[:6]
    assert retention.days_ahead(today, 2) == [dt.date(2027, 1, d) for d in (9, 10, 11, 12)]
