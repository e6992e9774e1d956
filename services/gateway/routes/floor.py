"""The branch floor: the teller console's calls (its window's customer, the actions on it, undo) and the
calling display's state and spoken calls.

The console acts for one window: every ticket action names the window, so the queue refuses (409) a ticket
that is at another window. The display is a device (its device key, bound to a branch) or staff; it reads
the queue through a short service token the gateway mints for that branch, and gets numbers, windows and
waits only, never an id of a person.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from branchops.clock import platform_clock
from branchops.contracts.enums import ServiceName, WindowState
from branchops.settings import Role
from branchops.web import BranchPath, issue_token
from services.gateway.access import (
    Caller,
    KioskTellerManagerService,
    TellerManagerService,
    allow,
    check_branch_access,
)
from services.gateway.domain.floor import display_lines
from services.gateway.routes.deps import Gateway, GatewayDep

router = APIRouter(prefix="/v1/branches/{branch_id}", tags=["floor"])
_ID = r"^[A-Za-z0-9_.-]{1,64}$"
WindowPath = Annotated[str, Path(pattern=_ID)]
TicketPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,128}$")]
ConsoleAction = Literal["recall", "start", "no-show", "transfer", "complete"]


class WindowChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: WindowState
    skills: list[ServiceName] = Field(default_factory=list, max_length=len(ServiceName))


class TicketAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: ServiceName | None = None  # transfer: the service the customer goes to
    to_window: str | None = Field(None, pattern=_ID)  # transfer: the window the customer goes to (its own line)


class FormFix(BaseModel):
    """A teller's corrections of the prepared form (the queue validates the fields: 422 with the field)."""

    model_config = ConfigDict(extra="forbid")
    fields: dict[str, str | int | float | None] = Field(max_length=20)


TellerManager = Annotated[Caller, Depends(allow(Role.TELLER, Role.MANAGER))]


class UndoCall(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ticket_id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,128}$")


class Announce(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: str = Field(pattern=r"^[A-Z][0-9]{3,4}$")
    window_id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,16}$")
    lang: Literal["zh", "en"] = "zh"


def clock_view(gateway: Gateway) -> dict[str, Any]:
    clock = platform_clock()
    return {"now": clock.now().isoformat(), "rate": clock.rate, "timezone": gateway.settings.timezone}


def staff_id(who: Caller) -> str:
    return "".join(c if c.isalnum() or c in "_.-" else "-" for c in who.principal.subject)[:64]


@router.get("/windows/{window_id}/console", summary="The teller console: a window, its customer, lines and day")
async def console(
    branch_id: BranchPath, window_id: WindowPath, who: TellerManagerService, gateway: GatewayDep
) -> dict[str, Any]:
    check_branch_access(who, branch_id, gateway.settings)
    up = gateway.upstreams
    queue = await up.fetch_json("queue", f"/v1/branches/{branch_id}/queue", who.upstream)
    windows = (queue or {}).get("windows") or []
    window = next((w for w in windows if w.get("window_id") == window_id), None)
    current = None
    prepared = None
    if window is not None and window.get("ticket_id"):
        ticket = await up.fetch_json("queue", f"/v1/branches/{branch_id}/tickets/{window['ticket_id']}", who.upstream)
        if ticket is not None:
            current = {
                k: ticket.get(k)
                for k in ("ticket_id", "number", "service", "status", "issued_at", "channel", "priority")
            }
            current["called_at"] = window.get("busy_since")
            prepared = ticket.get("form")
    skills = list(window.get("skills") or []) if window is not None else []
    directed = await up.fetch_json("queue", f"/v1/branches/{branch_id}/windows/{window_id}/directed", who.upstream)
    return {
        "branch_id": branch_id,
        "window_id": window_id,
        "clock": clock_view(gateway),
        "source": queue is not None,
        "window": window,
        "windows": [{k: w.get(k) for k in ("window_id", "state", "skills", "staff_id")} for w in windows],
        "current": current,
        "prepared_form": prepared,  # the digital employee's form of the current customer (None: none)
        "lines": display_lines(queue, skills),
        "today": gateway.handlers.state(branch_id).window_days.of(window_id),
        "services": [s.value for s in ServiceName],
        "transfer_to": _served_now(queue),
        "transfer_windows": _open_others(windows, window_id),
        "directed": (directed or {}).get("waiting"),  # customers other windows sent here (None: unknown)
    }


def _open_others(windows: list[dict[str, Any]], window_id: str) -> list[str]:
    """The other open windows: a customer can be sent to one of them (into its own line)."""
    return sorted(str(w["window_id"]) for w in windows if w.get("state") == "open" and w.get("window_id") != window_id)


def _served_now(queue: dict[str, Any] | None) -> list[str]:
    """Services some open window serves (a transfer elsewhere would strand the customer); all when unknown."""
    lines = (queue or {}).get("services") or []
    open_now = [str(s.get("service")) for s in lines if isinstance(s, dict) and s.get("open_windows")]
    return open_now or [s.value for s in ServiceName]


@router.put("/windows/{window_id}", summary="Open, close or pause the console's window with its services")
async def put_window(
    branch_id: BranchPath, window_id: WindowPath, body: WindowChange, who: TellerManagerService, gateway: GatewayDep
) -> Response:
    check_branch_access(who, branch_id, gateway.settings)
    payload = {**body.model_dump(mode="json"), "staff_id": staff_id(who)}
    return await gateway.upstreams.relay(
        "queue", "PUT", f"/v1/branches/{branch_id}/windows/{window_id}", who.upstream, json_body=payload
    )


@router.post(
    "/windows/{window_id}/tickets/{ticket_id}/{action}",
    summary="Recall, start, no-show, transfer or complete the window's customer (409: not at this window)",
)
async def act(
    branch_id: BranchPath,
    window_id: WindowPath,
    ticket_id: TicketPath,
    action: ConsoleAction,
    who: TellerManagerService,
    gateway: GatewayDep,
    body: TicketAction | None = None,
) -> Response:
    check_branch_access(who, branch_id, gateway.settings)
    payload: dict[str, Any] = {"window_id": window_id}
    if body is not None and body.service is not None:
        payload["service"] = body.service.value
    if body is not None and body.to_window is not None:
        payload["to_window"] = body.to_window
    return await gateway.upstreams.relay(
        "queue", "POST", f"/v1/branches/{branch_id}/tickets/{ticket_id}/{action}", who.upstream, json_body=payload
    )


@router.patch(
    "/windows/{window_id}/tickets/{ticket_id}/form",
    summary="Correct a field of the prepared form of the window's customer (409: not at this window or finished)",
)
async def fix_form(
    branch_id: BranchPath,
    window_id: WindowPath,
    ticket_id: TicketPath,
    body: FormFix,
    who: TellerManager,
    gateway: GatewayDep,
) -> Response:
    check_branch_access(who, branch_id, gateway.settings)
    payload = {"window_id": window_id, "fields": body.fields}
    return await gateway.upstreams.relay(
        "queue", "PATCH", f"/v1/branches/{branch_id}/tickets/{ticket_id}/form", who.upstream, json_body=payload
    )


@router.post("/windows/{window_id}/undo-call", summary="Take back a mistaken call within 5 s (queue service)")
async def undo_call(
    branch_id: BranchPath, window_id: WindowPath, body: UndoCall, who: TellerManagerService, gateway: GatewayDep
) -> Response:
    check_branch_access(who, branch_id, gateway.settings)
    return await gateway.upstreams.relay(
        "queue",
        "POST",
        f"/v1/branches/{branch_id}/windows/{window_id}/undo-call",
        who.upstream,
        json_body=body.model_dump(),
    )


@router.get("/display", summary="The calling display: latest calls, per service waiting, expected wait, next numbers")
async def display(branch_id: BranchPath, who: KioskTellerManagerService, gateway: GatewayDep) -> dict[str, Any]:
    check_branch_access(who, branch_id, gateway.settings)
    token = issue_token(gateway.platform, "gateway-display", Role.SERVICE, branch_id)
    headers = {"Authorization": f"Bearer {token}"}
    queue = await gateway.upstreams.fetch_json("queue", f"/v1/branches/{branch_id}/queue", headers)
    lines = [line for line in display_lines(queue) if line["open_windows"] or line["waiting"]]
    return {
        "branch_id": branch_id,
        "clock": clock_view(gateway),
        "source": queue is not None,
        "calls": gateway.handlers.state(branch_id).board.view(),
        "lines": lines,
    }


def call_sentence(number: str, window_id: str, lang: str) -> str:
    if lang == "en":
        return f"Number {' '.join(number)}, please go to window {window_id}."
    return f"请 {number} 号到 {window_id} 号窗口。"


@router.post(
    "/display/announce",
    response_class=Response,
    summary="A call spoken (WAV, voice service): 请 A012 号到 3 号窗口 / Number A012, please go to window 3",
    responses={200: {"content": {"audio/wav": {}}}},
)
async def announce(
    branch_id: BranchPath, body: Announce, who: KioskTellerManagerService, gateway: GatewayDep
) -> Response:
    check_branch_access(who, branch_id, gateway.settings)
    text = call_sentence(body.number, body.window_id, body.lang)
    return await gateway.upstreams.relay(
        "voice", "POST", "/v1/tts", who.upstream, json_body={"text": text, "lang": body.lang}
    )
