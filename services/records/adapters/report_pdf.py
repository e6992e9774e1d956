"""The branch's day report as a printable A4 PDF, drawn with reportlab (tables, and charts drawn as vector
shapes): title, totals, arrivals against the forecast and the share within target per interval, services,
windows, staff, alerts, the digital employee and KYC, and the hall's occupancy: per camera one small heat map per
hour (cells coloured by the person-seconds spent there, one colour scale for the camera's day, with a legend).

Chinese uses reportlab's built-in CID font ``STSong-Light`` (the PDF viewer supplies its glyphs: no font file
ships with the service); English uses Helvetica.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from reportlab.graphics.shapes import Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.records.domain.report_labels import VALUE_FIELDS, figure, label, value_label
from services.records.domain.report_labels import labels as labels_of

CJK_FONT = "STSong-Light"
MARGIN = 15 * mm
WIDTH = A4[0] - 2 * MARGIN
ARRIVALS = colors.HexColor("#3b6ea8")
FORECAST = colors.HexColor("#d9822b")
GOOD = colors.HexColor("#3c8d5a")
GRID = colors.HexColor("#d0d4da")
HEADER = colors.HexColor("#e8edf3")


def _fonts(lang: str) -> tuple[str, str]:
    """(regular, bold) of ``lang``; the CID font is registered once per process (reportlab keeps a registry)."""
    if lang != "en":
        if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
        return CJK_FONT, CJK_FONT
    return "Helvetica", "Helvetica-Bold"


class _Styles:
    def __init__(self, lang: str) -> None:
        self.font, self.bold = _fonts(lang)
        self.title = ParagraphStyle("title", fontName=self.bold, fontSize=16, leading=20, spaceAfter=4)
        self.meta = ParagraphStyle("meta", fontName=self.font, fontSize=9, leading=12, textColor=colors.grey)
        self.heading = ParagraphStyle(
            "heading", fontName=self.bold, fontSize=11.5, leading=15, spaceBefore=8, keepWithNext=1
        )
        self.body = ParagraphStyle("body", fontName=self.font, fontSize=9, leading=12)
        self.header = ParagraphStyle("header", fontName=self.bold, fontSize=7.5, leading=9)


def _table(rows: Sequence[Sequence[Any]], styles: _Styles, widths: Sequence[float] | None = None) -> Table:
    """A table over the page's width (the first column half as wide again as the others), its header cells
    wrapped when long."""
    columns = len(rows[0])
    if widths is None:
        unit = WIDTH / (columns + 0.5)
        widths = [unit * 1.5, *([unit] * (columns - 1))]
    header = [Paragraph(str(cell), styles.header) if isinstance(cell, str) else cell for cell in rows[0]]
    table = Table([header, *(list(r) for r in rows[1:])], colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), styles.font),
                ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                ("BACKGROUND", (0, 0), (-1, 0), HEADER),
                ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _rows(items: Sequence[dict[str, Any]], keys: Sequence[str], lang: str) -> list[list[str]]:
    header = [label(lang, k) for k in keys]
    body = [[_cell(k, item.get(k), lang) for k in keys] for item in items]
    return [header, *body]


def _cell(key: str, value: Any, lang: str) -> str:
    if key in VALUE_FIELDS and isinstance(value, str):
        return value_label(lang, key, value)
    return figure(key, value)


def _totals_table(totals: dict[str, Any], lang: str, styles: _Styles) -> Table:
    keys = list(totals)
    half = (len(keys) + 1) // 2
    left, right = keys[:half], keys[half:]
    rows = [[label(lang, "totals"), "", "", ""]]
    for n, key in enumerate(left):
        other = right[n] if n < len(right) else None
        rows.append(
            [
                label(lang, key),
                figure(key, totals[key]),
                label(lang, other) if other else "",
                figure(other, totals[other]) if other else "",
            ]
        )
    table = _table(rows, styles, [WIDTH * 0.32, WIDTH * 0.18, WIDTH * 0.32, WIDTH * 0.18])
    table.setStyle(TableStyle([("SPAN", (0, 0), (-1, 0)), ("ALIGN", (2, 1), (2, -1), "LEFT")]))
    return table


def _axis_labels(intervals: Sequence[dict[str, Any]]) -> list[tuple[int, str]]:
    """(index, HH:MM) of the ticks: every hour, or every few intervals when there are few hours."""
    hours = [(n, i["local"]) for n, i in enumerate(intervals) if str(i["local"]).endswith(":00")]
    if len(hours) >= 2:
        return hours
    step = max(1, len(intervals) // 8)
    return [(n, intervals[n]["local"]) for n in range(0, len(intervals), step)]


def _chart(
    intervals: Sequence[dict[str, Any]],
    bars: Sequence[float | None],
    line: Sequence[float | None] | None,
    top: float,
    ticks: Sequence[tuple[float, str]],
    legend: Sequence[tuple[str, Any, bool]],
    font: str,
    bar_color: Any,
) -> Drawing:
    """Bars per interval, an optional line over them, y ticks ``(value, text)``, a legend (text, colour, is
    a line)."""
    height = 150.0
    left, bottom, right, top_pad = 34.0, 22.0, 6.0, 18.0
    plot_w, plot_h = WIDTH - left - right, height - bottom - top_pad
    drawing = Drawing(WIDTH, height)
    count = max(len(intervals), 1)
    slot = plot_w / count

    def y(value: float) -> float:
        return bottom + plot_h * min(max(value / top, 0.0), 1.0) if top > 0 else bottom

    for tick, text in ticks:
        drawing.add(Line(left, y(tick), left + plot_w, y(tick), strokeColor=GRID, strokeWidth=0.4))
        drawing.add(String(left - 3, y(tick) - 2.5, text, fontName=font, fontSize=7, textAnchor="end"))
    drawing.add(Line(left, bottom, left + plot_w, bottom, strokeColor=colors.black, strokeWidth=0.6))
    for n, bar in enumerate(bars):
        if bar:
            x = left + n * slot + slot * 0.15
            drawing.add(Rect(x, bottom, slot * 0.7, y(bar) - bottom, fillColor=bar_color, strokeColor=None))
    if line is not None:
        segment: list[float] = []
        for n, point in enumerate([*line, None]):
            if point is None:
                if len(segment) >= 4:
                    drawing.add(PolyLine(segment, strokeColor=FORECAST, strokeWidth=1.4))
                elif len(segment) == 2:
                    drawing.add(Rect(segment[0] - 1.5, segment[1] - 1.5, 3, 3, fillColor=FORECAST, strokeColor=None))
                segment = []
            else:
                segment += [left + n * slot + slot / 2, y(point)]
    for n, text in _axis_labels(intervals):
        drawing.add(
            String(left + n * slot + slot / 2, bottom - 10, text, fontName=font, fontSize=6.5, textAnchor="middle")
        )
    x = left
    for text, colour, is_line in legend:
        if is_line:
            drawing.add(Line(x, height - 8, x + 12, height - 8, strokeColor=colour, strokeWidth=1.4))
        else:
            drawing.add(Rect(x, height - 11, 10, 7, fillColor=colour, strokeColor=None))
        drawing.add(String(x + 15, height - 10.5, text, fontName=font, fontSize=7.5))
        x += 20 + pdfmetrics.stringWidth(text, font, 7.5) + 12
    return drawing


HEAT = ("#fff7ec", "#fdd49e", "#fdbb84", "#fc8d59", "#e34a33", "#b30000")
"""The heat maps' colour scale, from an empty cell to the day's busiest (the reports page uses the same)."""
HEAT_COLUMNS = 6


def heat_colour(share: float) -> Any:
    """The scale's colour at ``share`` (0..1) of the day's busiest cell, linear between the stops."""
    share = min(max(share, 0.0), 1.0) * (len(HEAT) - 1)
    n = min(int(share), len(HEAT) - 2)
    a, b = colors.HexColor(HEAT[n]), colors.HexColor(HEAT[n + 1])
    f = share - n
    return colors.Color(a.red + (b.red - a.red) * f, a.green + (b.green - a.green) * f, a.blue + (b.blue - a.blue) * f)


def _grid(
    drawing: Drawing, x0: float, y_top: float, width: float, cells: Sequence[float], shape: tuple[int, int], top: float
) -> None:
    """A grid of ``cells`` (row-major, ``shape`` = cols, rows) as coloured squares, its top left at (x0, y_top)."""
    cols, rows = shape
    height = width * 9 / 16  # the camera frame's shape
    w, h = width / cols, height / rows
    for i, value in enumerate(cells):
        c, r = i % cols, i // cols
        fill = heat_colour(value / top if top > 0 else 0.0)
        drawing.add(Rect(x0 + c * w, y_top - (r + 1) * h, w, h, fillColor=fill, strokeColor=None))
    drawing.add(Rect(x0, y_top - height, width, height, fillColor=None, strokeColor=GRID, strokeWidth=0.5))


def _legend(drawing: Drawing, x: float, y: float, width: float, top: float, lang: str, font: str) -> None:
    """The colour scale from 0 to ``top`` person-seconds, its title above it."""
    steps = 60
    for k in range(steps):
        colour = heat_colour(k / (steps - 1))
        drawing.add(Rect(x + k * width / steps, y, width / steps + 0.2, 7, fillColor=colour, strokeColor=None))
    drawing.add(String(x, y + 10, label(lang, "occupancy_legend"), fontName=font, fontSize=7))
    drawing.add(String(x, y - 8, "0", fontName=font, fontSize=6.5))
    drawing.add(String(x + width, y - 8, f"{top:.0f}", fontName=font, fontSize=6.5, textAnchor="end"))


def _day_cells(hours: Sequence[dict[str, Any]]) -> tuple[list[float], tuple[int, int]]:
    """The day's cells (the hours of the last hour's shape added up) and that shape."""
    shape = (int(hours[-1]["cols"]), int(hours[-1]["rows"]))
    total = [0.0] * (shape[0] * shape[1])
    for hour in hours:
        if (int(hour["cols"]), int(hour["rows"])) == shape:
            total = [a + float(b) for a, b in zip(total, hour["person_s"], strict=True)]
    return total, shape


def _heat_maps(camera: dict[str, Any], lang: str, font: str) -> Drawing:
    """One camera's day: the whole day's map (its own scale) beside its legend, then a small map per hour
    (``HEAT_COLUMNS`` a row, one scale for the day's hours: its busiest cell) and their legend."""
    hours = camera["hours"]
    top = float(camera["max_cell_person_s"]) or 1.0
    gap, caption, legend_h = 8.0, 11.0, 28.0
    day_w = WIDTH * 0.5
    day_h = day_w * 9 / 16
    cell_w = (WIDTH - gap * (HEAT_COLUMNS - 1)) / HEAT_COLUMNS
    map_h = cell_w * 9 / 16
    rows = (len(hours) + HEAT_COLUMNS - 1) // HEAT_COLUMNS
    height = caption + day_h + gap * 2 + rows * (map_h + caption + gap) + legend_h
    drawing = Drawing(WIDTH, height)
    cells, shape = _day_cells(hours)
    day_top = max(cells, default=0.0) or 1.0
    peak = max(int(h["peak"]) for h in hours)
    end = f"{(int(str(hours[-1]['local'])[:2]) + 1) % 24:02d}:00"  # the last hour's end
    day_text = label(lang, "occupancy_day").format(first=hours[0]["local"], last=end, peak=peak)
    drawing.add(String(0, height - caption + 3, day_text, fontName=font, fontSize=7.5))
    _grid(drawing, 0, height - caption, day_w, cells, shape, day_top)
    _legend(drawing, day_w + 16, height - caption - day_h + 12, WIDTH - day_w - 16, day_top, lang, font)
    below = height - caption - day_h - gap * 2
    for n, hour in enumerate(hours):
        col, row = n % HEAT_COLUMNS, n // HEAT_COLUMNS
        x0 = col * (cell_w + gap)
        y_top = below - row * (map_h + caption + gap) - caption
        _grid(
            drawing,
            x0,
            y_top,
            cell_w,
            [float(v) for v in hour["person_s"]],
            (int(hour["cols"]), int(hour["rows"])),
            top,
        )
        text = label(lang, "occupancy_hour").format(local=hour["local"], peak=hour["peak"])
        drawing.add(String(x0, y_top + 3, text, fontName=font, fontSize=7))
    _legend(drawing, 0, 10, WIDTH * 0.5, top, lang, font)
    return drawing


def _arrivals_chart(intervals: Sequence[dict[str, Any]], lang: str, font: str) -> Drawing:
    arrivals = [float(i["arrivals"]) for i in intervals]
    forecast = [None if i.get("forecast") is None else float(i["forecast"]) for i in intervals]
    peak = max([*arrivals, *(f for f in forecast if f is not None), 1.0])
    step = max(1, int(peak // 4) or 1)
    ticks = [(float(v), str(v)) for v in range(0, int(peak) + step + 1, step)]
    top = ticks[-1][0]
    legend = [(label(lang, "arrivals"), ARRIVALS, False), (label(lang, "forecast"), FORECAST, True)]
    return _chart(intervals, arrivals, forecast, top, ticks, legend, font, ARRIVALS)


def _share_chart(intervals: Sequence[dict[str, Any]], lang: str, font: str) -> Drawing:
    shares = [i.get("within_target_share") for i in intervals]
    ticks = [(v / 100, f"{v}%") for v in (0, 25, 50, 75, 100)]
    legend = [(label(lang, "within_target_share"), GOOD, False)]
    return _chart(intervals, shares, None, 1.0, ticks, legend, font, GOOD)


SERVICE_KEYS = (
    "service",
    "target_wait_min",
    "arrivals",
    "served",
    "abandoned",
    "within_target_share",
    "wait_p50_min",
    "wait_p90_min",
    "handling_min_avg",
)
WINDOW_KEYS = ("window_id", "served", "handling_min_avg", "ratings", "rating_avg")
STAFF_KEYS = ("staff_id", "served", "handling_min_avg", "ratings", "rating_avg")
ALERT_KEYS = ("kind", "raised", "escalated", "acknowledged", "ack_s_avg", "expired")
VOICE_KEYS = ("sessions", "turns", "completed_without_staff", "handed_off", "containment")
KYC_KEYS = ("decision", "count")


def render_daily_pdf(day: dict[str, Any], lang: str = "zh") -> bytes:
    """The day's report (usecases/reports.py ``daily``) as an A4 PDF in ``lang`` (zh, en)."""
    styles = _Styles(lang)
    names = labels_of(lang)
    out = io.BytesIO()
    title = f"{names['title']} | {day['branch_id']} | {day['date']}"
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author="BranchOps records",
    )

    def footer(canvas: Canvas, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(styles.font, 7.5)
        canvas.setFillColor(colors.grey)
        canvas.drawString(MARGIN, 8 * mm, title)
        canvas.drawRightString(A4[0] - MARGIN, 8 * mm, names["page"].format(n=document.page))
        canvas.restoreState()

    story: list[Flowable] = [
        Paragraph(f"{names['title']}: {day['branch_id']}", styles.title),
        Paragraph(
            f"{names['date']} {day['date']} | {names['timezone']} {day['timezone']} | "
            f"{names['generated']} {day['generated_at']}",
            styles.meta,
        ),
        Spacer(1, 6),
        _totals_table(day["totals"], lang, styles),
    ]
    intervals = day["intervals"]

    def section(key: str, flowable: Flowable | None) -> None:
        story.append(Paragraph(names[key], styles.heading))
        story.append(flowable if flowable is not None else Paragraph(names["none"], styles.body))

    section("chart_arrivals", _arrivals_chart(intervals, lang, styles.font) if intervals else None)
    section("chart_share", _share_chart(intervals, lang, styles.font) if intervals else None)
    for key, items, keys in (
        ("services", day["services"], SERVICE_KEYS),
        ("windows", day["windows"], WINDOW_KEYS),
        ("staff", day["staff"], STAFF_KEYS),
        ("alerts", day["alerts"], ALERT_KEYS),
        ("voice", [day["voice"]] if day["voice"]["sessions"] else [], VOICE_KEYS),
        ("kyc", day["kyc"], KYC_KEYS),
    ):
        section(key, _table(_rows(items, keys, lang), styles) if items else None)
    cameras = day.get("occupancy") or []
    story.append(Paragraph(names["occupancy"], styles.heading))
    if not cameras:
        story.append(Paragraph(names["none"], styles.body))
    for camera in cameras:
        story.append(Paragraph(label(lang, "occupancy_camera").format(camera=camera["camera_id"]), styles.body))
        story.append(_heat_maps(camera, lang, styles.font))
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
