"""Intraday alerts: compare the floor now with the (re-)plan and say what to do, in zh and en.

Per service, in name order: when the predicted wait exceeds the target, or the plan wants more
windows than are open, open a closed window that serves the service (or whose services are unknown)
with an idle person who has the skill (the plan's choice first); failing that delay a break that is
about to start, recall someone from a break, and failing everything raise ``sla_risk``.
When the wait is well under target and the plan wants fewer windows, close one.
Hysteresis: a window told to open is not told to close (nor the reverse) within ``hysteresis_min``;
the last instruction per window is passed in and returned updated.
Every alert expires ``expiry_min`` after it was raised. Pure: values in, values out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .plan import Plan
from .problem import minutes_to_clock

SERVICE_ZH = {
    "cash": "现金业务",
    "general": "综合业务",
    "corporate": "对公业务",
    "wealth": "理财业务",
    "fx": "外汇业务",
}
"""The services' names on the pages (the dashboard's zh labels); a code not listed is shown as it is."""
Memory = dict[str, tuple[str, int]]  # window id -> (last instruction: open_window | close_window, minute)


@dataclass(frozen=True)
class WindowNow:
    window_id: str
    is_open: bool
    staff_id: str | None = None
    service: str | None = None
    skills: tuple[str, ...] = ()  # services the window serves (windows.v1); empty: unknown, any


@dataclass(frozen=True)
class StaffNow:
    staff_id: str
    status: str  # serving | idle | on_break | off_duty
    skills: tuple[str, ...]
    break_starts_min: int | None = None  # next planned break, if any


@dataclass(frozen=True)
class ServiceNow:
    name: str
    queue: int
    predicted_wait_min: float


@dataclass(frozen=True)
class FloorNow:
    now_min: int
    target_wait_min: float
    windows: tuple[WindowNow, ...]
    staff: tuple[StaffNow, ...]
    services: tuple[ServiceNow, ...]


@dataclass(frozen=True)
class PlanNow:
    """What the current plan wants in this interval: windows per service, service per person."""

    windows: Mapping[str, int]
    serving: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertSettings:
    hysteresis_min: int = 20
    expiry_min: int = 15
    close_below: float = 0.5  # close only while the predicted wait is under this share of the target
    break_lookahead_min: int = 15
    break_delay_min: int = 15


@dataclass(frozen=True)
class Alert:
    kind: str  # open_window | close_window | delay_break | recall_staff | sla_risk
    service: str
    raised_min: int
    expires_min: int
    window_id: str | None = None
    staff_id: str | None = None
    predicted_wait_min: float = 0.0
    target_wait_min: float = 0.0
    message: Mapping[str, str] = field(default_factory=dict)


def _message(
    kind: str, service: str, window: str | None, staff: str | None, wait: float, target: float, until: str
) -> dict[str, str]:
    zh_service = SERVICE_ZH.get(service, service)  # "综合业务", not "general业务"
    why_en = f"predicted wait {wait:.0f} min vs target {target:.0f} min"
    why_zh = f"预计等候 {wait:.0f} 分钟，目标 {target:.0f} 分钟"
    texts = {
        "open_window": (
            f"Open window {window} for {service} with {staff}: {why_en}.",
            f"请开启 {window} 号窗口办理{zh_service}（{staff}）：{why_zh}。",
        ),
        "close_window": (
            f"Close window {window} ({service}): {why_en}; {staff} can go back to other work.",
            f"可关闭 {window} 号窗口（{zh_service}）：{why_zh}；{staff} 可转做其他工作。",
        ),
        "delay_break": (
            f"Delay {staff}'s break by {until}: {service} {why_en}.",
            f"请 {staff} 推迟休息 {until.replace(' min', ' 分钟')}：{zh_service}{why_zh}。",
        ),
        "recall_staff": (
            f"Recall {staff} from break to serve {service}: {why_en}.",
            f"请召回休息中的 {staff} 办理{zh_service}：{why_zh}。",
        ),
        "sla_risk": (
            f"Service level at risk for {service} until {until}: {why_en}; nobody free to open a window.",
            f"{zh_service}服务水平有风险（至 {until}）：{why_zh}；暂无可开窗人员。",
        ),
    }
    en, zh = texts[kind]
    return {"zh": zh, "en": en}


def _recent(memory: Memory, window_id: str, kind: str, now: int, settings: AlertSettings) -> bool:
    last = memory.get(window_id)
    return last is not None and last[0] == kind and now - last[1] < settings.hysteresis_min


def propose_alerts(
    floor: FloorNow, plan: PlanNow, memory: Memory, settings: AlertSettings | None = None
) -> tuple[tuple[Alert, ...], Memory]:
    settings = settings or AlertSettings()
    now, target = floor.now_min, floor.target_wait_min
    memory = {w: last for w, last in memory.items() if now - last[1] < settings.hysteresis_min}
    used_staff: set[str] = set()
    used_windows: set[str] = set()
    alerts: list[Alert] = []

    def raise_alert(kind: str, service: ServiceNow, window: str | None = None, staff: str | None = None) -> None:
        until = (
            f"{settings.break_delay_min} min" if kind == "delay_break" else minutes_to_clock(now + settings.expiry_min)
        )
        alerts.append(
            Alert(
                kind,
                service.name,
                now,
                now + settings.expiry_min,
                window,
                staff,
                service.predicted_wait_min,
                target,
                _message(kind, service.name, window, staff, service.predicted_wait_min, target, until),
            )
        )
        if window is not None and kind in ("open_window", "close_window"):
            memory[window] = (kind, now)
        for key, used in ((staff, used_staff), (window, used_windows)):
            if key is not None:
                used.add(key)

    for service in sorted(floor.services, key=lambda s: s.name):
        serving = [w for w in floor.windows if w.is_open and w.service == service.name]
        planned = plan.windows.get(service.name, 0)
        over = service.predicted_wait_min > target
        wanted = max(planned - len(serving), 1 if over else 0)
        for _ in range(wanted):
            closed = [
                w
                for w in floor.windows
                if not w.is_open
                and (not w.skills or service.name in w.skills)
                and w.window_id not in used_windows
                and not _recent(memory, w.window_id, "close_window", now, settings)
            ]
            idle = [
                s
                for s in floor.staff
                if s.status == "idle" and service.name in s.skills and s.staff_id not in used_staff
            ]
            idle.sort(key=lambda s: (plan.serving.get(s.staff_id) != service.name, s.staff_id))
            if closed and idle:
                raise_alert("open_window", service, closed[0].window_id, idle[0].staff_id)
                continue
            if not over:
                break
            soon = [
                s
                for s in floor.staff
                if s.status == "serving"
                and service.name in s.skills
                and s.break_starts_min is not None
                and s.staff_id not in used_staff
                and 0 <= s.break_starts_min - now <= settings.break_lookahead_min
            ]
            resting = [
                s
                for s in floor.staff
                if s.status == "on_break" and service.name in s.skills and s.staff_id not in used_staff
            ]
            if soon:
                raise_alert("delay_break", service, None, min(soon, key=lambda s: s.break_starts_min or 0).staff_id)
            elif resting:
                raise_alert("recall_staff", service, None, min(resting, key=lambda s: s.staff_id).staff_id)
            else:
                raise_alert("sla_risk", service)
                break
        calm = service.predicted_wait_min < settings.close_below * target
        surplus = len(serving) - max(planned, 1 if service.queue > 0 else 0)
        if calm and surplus > 0 and not over:
            closable = [w for w in serving if not _recent(memory, w.window_id, "open_window", now, settings)]
            closable.sort(key=lambda w: (plan.serving.get(w.staff_id or "") == service.name, w.window_id))
            for window in closable[:surplus]:
                raise_alert("close_window", service, window.window_id, window.staff_id)
    return tuple(alerts), memory


def plan_now(plan: Plan, now_min: int) -> PlanNow:
    """The interval of a plan that contains ``now_min``, and who serves what in it."""
    clock = minutes_to_clock(now_min)
    rows = [row for row in plan.intervals if row.start <= clock]
    windows = dict(rows[-1].open_windows) if rows else {}
    serving: dict[str, str] = {}
    for assignment in plan.assignments:
        for stretch in assignment.serving:
            if stretch.start <= clock < stretch.end:
                serving[assignment.staff_id] = stretch.service
    return PlanNow(windows=windows, serving=serving)
