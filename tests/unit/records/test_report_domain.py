"""Branch reports, pure parts: query dates, local days and their intervals, Totals arithmetic (nulls without a
denominator, abandoned as missed), windows open and planned per interval, the audit's pages, the labels."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from branchops.contracts.enums import AlertKind, KycDecision, ServiceName
from services.records.domain import report as r
from services.records.domain.report_labels import LABELS, figure, label, labels, value_label

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
DAY = dt.date(2026, 12, 6)


@pytest.mark.parametrize("text", ["2026-13-01", "2026-02-30", "yesterday", "2026-2-1", "2026-W49-1", "20261206", ""])
def test_a_date_is_yyyy_mm_dd(text: str) -> None:
    with pytest.raises(r.BadDate) as refused:
        r.parse_date(text)
    assert refused.value.reason == "bad_date" and refused.value.status == 400


def test_ranges_are_inclusive_ordered_and_bounded() -> None:
    assert r.date_range("2026-12-01", "2026-12-01") == (dt.date(2026, 12, 1), dt.date(2026, 12, 1))
    assert r.date_range("2026-01-01", "2026-04-02")[1] == dt.date(2026, 4, 2)  # 92 days
    with pytest.raises(r.BadRange) as backwards:
        r.date_range("2026-12-02", "2026-12-01")
    assert backwards.value.reason == "bad_range"
    with pytest.raises(r.RangeTooLong) as too_long:
        r.date_range("2026-01-01", "2026-04-03")
    assert (too_long.value.status, too_long.value.reason, too_long.value.days, too_long.value.limit) == (
        422,
        "range_too_long",
        93,
        92,
    )
    with pytest.raises(r.BadDate):
        r.date_range("2026-12-01", "soon")
    assert r.dates(dt.date(2026, 2, 27), dt.date(2026, 3, 2)) == [
        dt.date(2026, 2, 27),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 2),
    ]


def test_local_days_and_their_quarter_hours() -> None:
    lo, hi = r.day_bounds(DAY, SHANGHAI)
    assert (lo, hi) == (dt.datetime(2026, 12, 5, 16, tzinfo=dt.UTC), dt.datetime(2026, 12, 6, 16, tzinfo=dt.UTC))
    starts = r.day_intervals(DAY, SHANGHAI)
    assert len(starts) == 96 and starts[0] == lo and starts[36].astimezone(SHANGHAI).strftime("%H:%M") == "09:00"
    assert len(r.day_intervals(dt.date(2026, 3, 29), BERLIN)) == 92, "a 23-hour day"
    assert len(r.day_intervals(dt.date(2026, 10, 25), BERLIN)) == 100, "a 25-hour day"
    assert r.instant(dt.datetime(2026, 12, 6, 9, 30, 15, 999, tzinfo=SHANGHAI)) == "2026-12-06T01:30:15Z"


def test_totals_count_abandoned_as_missed_and_say_null_without_a_denominator() -> None:
    empty = r.totals(r.Figures())
    assert tuple(empty) == r.TOTALS_FIELDS
    assert all(empty[k] is None for k in empty if k.endswith(("_share", "_min", "_avg", "_containment")))
    assert all(empty[k] == 0 for k in empty if empty[k] is not None)
    f = r.Figures(
        tickets=r.TicketCounts(
            arrivals=10, called=8, served=7, abandoned=2, waits=8, within_target=6, handled=7, handling_s_sum=7 * 330
        ),
        ratings=3,
        rating_sum=13,
        alerts=r.AlertCounts(raised=2, acknowledged=2, ack_s_sum=75),
        voice=r.VoiceCounts(sessions=3, completed_without_staff=2, handed_off=1),
        kyc=4,
    )
    f.histogram.update({2: 4, 5: 4})
    got = r.totals(f)
    assert got["within_target_share"] == 0.6  # 6 of 8 waits + 2 abandoned
    assert got["handling_min_avg"] == 5.5 and got["rating_avg"] == 4.33 and got["alert_ack_s_avg"] == 37.5
    assert got["voice_containment"] == 0.667 and got["kyc_decisions"] == 4
    assert got["wait_p50_min"] == 3.0 and got["wait_p90_min"] == 5.8
    twice = r.sum_figures([f, f])
    assert r.totals(twice)["arrivals"] == 20 and r.totals(twice)["within_target_share"] == 0.6


def test_sections_add_up_per_service_worker_kind_and_decision() -> None:
    t0, t1 = (dt.datetime(2026, 12, 6, 1, m, tzinfo=dt.UTC) for m in (0, 15))
    data = r.ReportData(
        tickets=[
            r.TicketRow(DAY, "cash", 10, r.TicketCounts(arrivals=3, waits=2, within_target=2, abandoned=1), t0),
            r.TicketRow(DAY, "cash", 12, r.TicketCounts(arrivals=2, waits=2, within_target=1), t1),
            r.TicketRow(DAY, "general", 15, r.TicketCounts(arrivals=1), t0),
        ],
        buckets=[r.BucketRow(DAY, "cash", 1, 2, t0), r.BucketRow(DAY, "cash", 20, 2, t1)],
        windows=[
            r.WorkRow(DAY, "w2", r.WorkCounts(served=1)),
            r.WorkRow(DAY, "w1", r.WorkCounts(served=2, handled=2, handling_s_sum=600, ratings=1, rating_sum=5)),
            r.WorkRow(DAY + dt.timedelta(days=1), "w1", r.WorkCounts(served=1, handled=1, handling_s_sum=60)),
        ],
        alerts=[r.AlertRow(DAY, "queue_long", r.AlertCounts(raised=1)), r.AlertRow(DAY, "break", r.AlertCounts(2))],
        kyc=[r.KycRow(DAY, "review", 1), r.KycRow(DAY, "approved", 2), r.KycRow(DAY, "approved", 1)],
        voice=[r.VoiceRow(DAY, r.VoiceCounts(2, 5, 1, 1))],
    )
    services = r.services(data)
    assert [s["service"] for s in services] == ["cash", "general"]
    assert services[0]["target_wait_min"] == 12, "the newest interval's target"
    assert services[0]["within_target_share"] == 0.6 and services[0]["wait_p50_min"] == 2.0
    assert services[1]["wait_p50_min"] is None and services[1]["within_target_share"] is None
    workers = r.workers(data.windows, "window_id")
    assert workers[0] == {
        "window_id": "w1",
        "served": 3,
        "handling_min_avg": 3.7,
        "ratings": 1,
        "rating_avg": 5.0,
        "no_show": 0,
    }
    assert workers[1]["handling_min_avg"] is None and workers[1]["rating_avg"] is None
    assert [a["kind"] for a in r.alerts(data.alerts)] == ["break", "queue_long"]
    assert r.kyc(data.kyc) == [{"decision": "approved", "count": 3}, {"decision": "review", "count": 1}]
    assert r.voice(data.voice)["containment"] == 0.5 and r.voice([])["containment"] is None
    later = r.TicketRow(DAY + dt.timedelta(days=1), "cash", 20, r.TicketCounts())
    assert r.services(r.ReportData(tickets=[*data.tickets, later]))[0]["target_wait_min"] == 20, "a later day wins"


def test_windows_open_replays_the_events_up_to_each_start() -> None:
    base = dt.datetime(2026, 12, 6, 1, tzinfo=dt.UTC)
    q = dt.timedelta(minutes=15)
    events = [
        r.WindowEvent(base - dt.timedelta(hours=10), "w9", "open"),  # the evening before, never closed
        r.WindowEvent(base + q, "w2", "open"),  # exactly at a start: counts from that start
        r.WindowEvent(base - q, "w1", "open"),
        r.WindowEvent(base + 2 * q + dt.timedelta(minutes=3), "w1", "break"),
        r.WindowEvent(base + 3 * q, "w1", "open"),
        r.WindowEvent(base + 3 * q, "w2", "closed"),
    ]
    starts = [base + n * q for n in range(5)]
    assert list(r.windows_open(events, starts).values()) == [2, 3, 3, 2, 2]
    assert r.windows_open([], starts)[base] == 0


def test_windows_planned_by_the_plan_interval_covering_each_time() -> None:
    plan = [r.PlanInterval("09:30", 3), r.PlanInterval("09:00", 2), r.PlanInterval("10:00", 1)]
    times = ["08:45", "09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30"]
    assert list(r.windows_planned(plan, times).values()) == [0, 2, 2, 3, 3, 1, 1, 0]
    assert list(r.windows_planned([r.PlanInterval("09:00", 4)], ["09:00", "09:15"]).values()) == [4, 0]
    assert r.windows_planned([], ["09:00"]) == {"09:00": 0}


def test_intervals_have_any_data_and_say_null_where_unknown() -> None:
    t0, t1, t2 = (dt.datetime(2026, 12, 6, 1, m, tzinfo=dt.UTC) for m in (0, 15, 30))
    data = r.ReportData(
        tickets=[
            r.TicketRow(DAY, "cash", 10, r.TicketCounts(arrivals=2), t0),
            r.TicketRow(DAY, "cash", 10, r.TicketCounts()),
        ],
        footfall=[r.FootfallRow(DAY, 5, t1), r.FootfallRow(DAY, 9)],
    )
    rows = r.intervals(data, r.DayExtras(forecast={t2: 4.256}), SHANGHAI)
    assert [(i["local"], i["arrivals"], i["footfall_entered"], i["forecast"]) for i in rows] == [
        ("09:00", 2, 0, None),
        ("09:15", 0, 5, None),
        ("09:30", 0, 0, 4.26),
    ]
    assert all(i["windows_open"] is None and i["windows_planned"] is None for i in rows)


def test_audit_pages() -> None:
    at = dt.datetime(2026, 12, 6, 2, tzinfo=dt.UTC)
    rows = [r.AuditEntry(v, at, "mgr", "manager", {"staff": {"changed": ["s-2"]}}) for v in (5, 4, 3)]
    page = r.audit_page("b1", rows, 2)
    assert [e["version"] for e in page["entries"]] == [5, 4] and page["next_before_version"] == 4
    assert page["entries"][0]["changed_at"] == "2026-12-06T02:00:00Z"
    assert r.audit_page("b1", rows, 3)["next_before_version"] is None
    assert r.audit_page("b1", [], 3) == {"branch_id": "b1", "entries": [], "next_before_version": None}


def test_labels_exist_in_both_languages_for_every_figure() -> None:
    assert set(LABELS["zh"]) == set(LABELS["en"])
    for name in r.TOTALS_FIELDS:
        assert name in LABELS["zh"], name
    assert labels("fr") is LABELS["zh"] and label("en", "served") == "Served" and label("en", "unknown") == "unknown"
    for field, codes in (("decision", KycDecision), ("kind", AlertKind), ("service", ServiceName)):
        for code in codes:
            assert f"{field}.{code.value}" in LABELS["zh"], code
    assert value_label("zh", "decision", "approved") == "通过" and value_label("en", "kind", "new_kind") == "new_kind"
    assert figure("within_target_share", 0.7425) == "74.2%" and figure("wait_p50_min", None) == "–"
    assert (
        figure("rating_avg", 4.5) == "4.50" and figure("handling_min_avg", 5.25) == "5.2" and figure("served", 3) == "3"
    )
