"""``GET /v1/branches/{b}/reports/daily|daily.pdf|period``: a branch's day and period reports from the rollups
(docs/records-reports-api.md). Managers read their own branch's; head office and services every branch's."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from branchops.web import BranchPath, Problem, check_branch
from branchops.web.problems import ErrorProblems
from branchops.web.roles import ManagerHeadOfficeService
from services.records.domain.report import BadDate, BadRange, RangeTooLong, ReportQueryError
from services.records.usecases.reports import Reports

router = APIRouter(prefix="/v1", tags=["reports"])


def _refused(error: ReportQueryError) -> Problem:
    return Problem(error.status, error.title, str(error), reason=error.reason)


REPORT_PROBLEMS: ErrorProblems = {BadDate: _refused, BadRange: _refused, RangeTooLong: _refused}
"""The reports' query errors as problem+json (registered by bootstrap.py: ``create_service_app(errors=...)``)."""


async def get_reports(request: Request) -> Reports:
    reports: Reports = request.app.state.reports
    return reports


ReportsDep = Annotated[Reports, Depends(get_reports)]


# ------------------------------------------------------------------------------------------------ the shapes
class Totals(BaseModel):
    """Counts of a day, a period or a branch; ratios and averages are null without a denominator."""

    model_config = ConfigDict(extra="allow")

    arrivals: int
    called: int
    served: int
    no_show: int
    abandoned: int
    cancelled: int
    transferred: int
    within_target_share: float | None = Field(description="within target / (waits + abandoned): abandoned = missed")
    wait_p50_min: float | None
    wait_p90_min: float | None
    handling_min_avg: float | None
    ratings: int
    rating_avg: float | None
    footfall_entered: int
    alerts_raised: int
    alerts_acknowledged: int
    alert_ack_s_avg: float | None
    alerts_expired: int
    voice_sessions: int
    voice_completed_without_staff: int
    voice_handed_off: int
    voice_containment: float | None = Field(description="completed without staff / sessions")
    kyc_decisions: int


class IntervalRow(BaseModel):
    model_config = ConfigDict(extra="allow")

    start: str = Field(description="UTC instant the local 15-minute interval starts at")
    local: str = Field(description="HH:MM in the branch's zone")
    arrivals: int
    forecast: float | None = Field(description="the newest forecast published before the interval; null: none")
    served: int
    abandoned: int
    within_target_share: float | None
    wait_p50_min: float | None
    wait_p90_min: float | None
    footfall_entered: int
    windows_open: int | None = Field(description="open at the interval's start; null: no window event known")
    windows_planned: int | None = Field(description="the day's newest staffing plan; null: no plan that day")


class ServiceRow(BaseModel):
    model_config = ConfigDict(extra="allow")

    service: str
    target_wait_min: int
    arrivals: int
    served: int
    abandoned: int
    within_target_share: float | None
    wait_p50_min: float | None
    wait_p90_min: float | None
    handling_min_avg: float | None


class WindowRow(BaseModel):
    model_config = ConfigDict(extra="allow")

    window_id: str
    served: int
    handling_min_avg: float | None
    ratings: int
    rating_avg: float | None


class StaffRow(BaseModel):
    model_config = ConfigDict(extra="allow")

    staff_id: str
    served: int
    handling_min_avg: float | None
    ratings: int
    rating_avg: float | None


class AlertRowView(BaseModel):
    kind: str
    raised: int
    escalated: int
    acknowledged: int
    ack_s_avg: float | None
    expired: int


class KycRowView(BaseModel):
    decision: str
    count: int


class VoiceView(BaseModel):
    sessions: int
    turns: int
    completed_without_staff: int
    handed_off: int
    containment: float | None


class OccupancyHourView(BaseModel):
    hour: int = Field(description="the branch's local hour (0-23)")
    local: str = Field(description="HH:00 in the branch's zone")
    start: str = Field(description="UTC instant the hour starts at")
    cols: int
    rows: int
    person_s: list[float] = Field(description="person-seconds per cell, row-major from the top left of the view")
    seconds: float = Field(description="seconds of the hour the camera saw")
    peak: int = Field(description="most people in view at once")
    people_avg: float | None = Field(description="mean people in view (person-seconds / seconds); null: none seen")


class OccupancyCameraView(BaseModel):
    camera_id: str
    max_cell_person_s: float = Field(description="the day's largest cell: one colour scale for the camera's hours")
    hours: list[OccupancyHourView]


class DailyReport(BaseModel):
    branch_id: str
    date: str
    timezone: str
    generated_at: str
    totals: Totals
    intervals: list[IntervalRow]
    services: list[ServiceRow]
    windows: list[WindowRow]
    staff: list[StaffRow]
    alerts: list[AlertRowView]
    kyc: list[KycRowView]
    voice: VoiceView
    occupancy: list[OccupancyCameraView] = Field(
        description="the hall's hourly occupancy grid per camera (occupancy.v1; counts per cell, no images)"
    )


class DayTotals(Totals):
    date: str


class PeriodReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    branch_id: str
    from_: str = Field(alias="from")
    to: str
    timezone: str
    totals: Totals
    days: list[DayTotals] = Field(description="one per date of the range, zeros included")
    services: list[ServiceRow]
    windows: list[WindowRow]
    staff: list[StaffRow]
    alerts: list[AlertRowView]
    kyc: list[KycRowView]
    voice: VoiceView


REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"description": "a manager of another branch, or a role that does not read reports (teller, kiosk)"}
}
BAD_DATE: dict[int | str, dict[str, Any]] = {
    400: {"description": "a date that is not YYYY-MM-DD (reason: bad_date)"},
    **REFUSED,
}
PERIOD_PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"description": "a date that is not YYYY-MM-DD (reason: bad_date), from after to (reason: bad_range)"},
    422: {"description": "more than 92 days (reason: range_too_long)"},
    **REFUSED,
}
DateQuery = Annotated[str | None, Query(description="YYYY-MM-DD; default: the branch's local today")]
NO_STORE = {"Cache-Control": "no-store"}


# ------------------------------------------------------------------------------------------------ routes
@router.get(
    "/branches/{branch_id}/reports/daily",
    response_model=DailyReport,
    responses=BAD_DATE,
    summary="One day of the branch: totals, intervals, services, windows, staff, alerts, KYC, voice",
)
async def daily(
    branch_id: BranchPath, who: ManagerHeadOfficeService, reports: ReportsDep, date: DateQuery = None
) -> JSONResponse:
    check_branch(who, branch_id)
    return JSONResponse(await reports.daily(branch_id, date), headers=NO_STORE)


@router.get(
    "/branches/{branch_id}/reports/daily.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "printable A4"}, **BAD_DATE},
    summary="The day's report as a printable A4 PDF (charts drawn by the server)",
)
async def daily_pdf(
    branch_id: BranchPath,
    who: ManagerHeadOfficeService,
    reports: ReportsDep,
    date: DateQuery = None,
    lang: Annotated[Literal["zh", "en"], Query(description="language of the labels")] = "zh",
) -> Response:
    check_branch(who, branch_id)
    day, pdf = await reports.daily_pdf(branch_id, date, lang)
    filename = f"branch-report-{branch_id}-{day['date']}-{lang}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"', **NO_STORE},
    )


@router.get(
    "/branches/{branch_id}/reports/period",
    response_model=PeriodReport,
    responses=PERIOD_PROBLEMS,
    summary="Inclusive dates (week, month; at most 92 days): totals, one entry per day, sections",
)
async def period(
    branch_id: BranchPath,
    who: ManagerHeadOfficeService,
    reports: ReportsDep,
    first: Annotated[str, Query(alias="from", description="YYYY-MM-DD")],
    last: Annotated[str, Query(alias="to", description="YYYY-MM-DD, inclusive")],
) -> JSONResponse:
    check_branch(who, branch_id)
    return JSONResponse(await reports.period(branch_id, first, last), headers=NO_STORE)
