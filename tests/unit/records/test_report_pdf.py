"""The printed day report: an A4 PDF in Chinese (CID font, no font file) or English, charts included, also for
a day without data, and as many pages as the tables need."""

from __future__ import annotations

import base64
import datetime as dt
import re
import zlib
import zoneinfo

from services.records.adapters.report_pdf import render_daily_pdf
from services.records.domain import report as r

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 12, 6)


def _day(staff: int = 2, with_data: bool = True) -> r.Json:
    if not with_data:
        return r.daily_report(
            "b1", DAY, "Asia/Shanghai", TZ, dt.datetime(2026, 12, 6, 4, tzinfo=dt.UTC), r.ReportData(), r.DayExtras()
        )
    starts = r.day_intervals(DAY, TZ)[36:68]
    data = r.ReportData(
        tickets=[
            r.TicketRow(
                DAY,
                "cash",
                10,
                r.TicketCounts(arrivals=3 + n % 5, served=3, abandoned=n % 2, waits=3, within_target=2),
                s,
            )
            for n, s in enumerate(starts)
        ],
        buckets=[r.BucketRow(DAY, "cash", 4, 3, s) for s in starts],
        windows=[
            r.WorkRow(DAY, "w1", r.WorkCounts(served=40, handled=40, handling_s_sum=12000, ratings=9, rating_sum=40))
        ],
        staff=[r.WorkRow(DAY, f"s{n:02d}", r.WorkCounts(served=n)) for n in range(staff)],
        alerts=[r.AlertRow(DAY, "open_window", r.AlertCounts(raised=2, escalated=1))],
        kyc=[r.KycRow(DAY, "approved", 5), r.KycRow(DAY, "rejected", 1)],
        voice=[r.VoiceRow(DAY, r.VoiceCounts(4, 9, 3, 1))],
    )
    forecast = {s: 4.0 + n % 3 for n, s in enumerate(starts) if n not in (5, 6, 20)}  # gaps break the line
    forecast[starts[21]] = 6.0  # a single point between gaps
    extras = r.DayExtras(
        forecast=forecast,
        window_events=[r.WindowEvent(starts[0], "w1", "open")],
        plan=[r.PlanInterval("09:00", 2)],
    )
    return r.daily_report("b1", DAY, "Asia/Shanghai", TZ, dt.datetime(2026, 12, 6, 4, tzinfo=dt.UTC), data, extras)


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def _text(pdf: bytes) -> bytes:
    """The streams as reportlab writes them (ASCII85 over Flate), decoded."""
    out = b""
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            out += zlib.decompress(base64.a85decode(stream.strip(), adobe=True))
        except (ValueError, zlib.error):
            continue
    return out


def test_a_chinese_and_an_english_a4_report() -> None:
    day = _day()
    zh, en = render_daily_pdf(day, "zh"), render_daily_pdf(day, "en")
    for pdf in (zh, en):
        assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
        assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf
        assert _pages(pdf) >= 1
    assert b"/STSong-Light" in zh and b"UniGB-UCS2-H" in zh, "the built-in CID font, no font file"
    assert b"STSong-Light" not in en and b"/Helvetica" in en
    assert b"Branch daily report" in _text(en), "the title, as text"
    assert b"Arrivals and forecast per 15 minutes" in _text(en), "the chart's heading"


def test_a_day_without_data_and_a_long_staff_table() -> None:
    empty = render_daily_pdf(_day(with_data=False), "en")
    assert empty.startswith(b"%PDF-") and _pages(empty) == 1
    long = render_daily_pdf(_day(staff=120), "zh")
    assert _pages(long) >= 3, "tables flow onto further pages"
