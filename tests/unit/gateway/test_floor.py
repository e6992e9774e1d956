"""The branch floor: the call board and window days folded from tickets.v1, the display's lines, and the
teller console's and calling display's routes (roles, relays, the display's stream)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.testclient import TestClient

from branchops.contracts.enums import Channel, ServiceName, TicketStatus
from branchops.contracts.events import Ticket
from branchops.settings import Role
from branchops.web.auth import principal_from_token
from services.gateway.adapters.upstream import Upstreams
from services.gateway.bootstrap import build_app
from services.gateway.domain.filters import stream_filter
from services.gateway.domain.floor import CallBoard, WindowDays, display_lines
from services.gateway.domain.passwords import device_key_digest, hash_password
from services.gateway.domain.replay import StreamItem
from services.gateway.domain.snapshot import BranchState
from services.gateway.settings import GatewaySettings
from tests.conftest import api_key, make_platform

T0 = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
S = TicketStatus


def ticket(
    tid: str, status: TicketStatus, window: str | None = None, minutes: float = 0, number: str = "A012"
) -> Ticket:
    return Ticket(
        branch_id="b1",
        at=T0 + dt.timedelta(minutes=minutes),
        ticket_id=tid,
        number=number,
        service=ServiceName.CASH,
        status=status,
        window_id=window,
        channel=Channel.KIOSK,
    )


def test_call_board_newest_first_recall_moves_up_and_undo_leaves() -> None:
    board = CallBoard(size=3)
    first = board.apply(ticket("t1", S.CALLED, "w3", 1, "A012"))
    assert first is not None and (first.number, first.window_id, first.recalls) == ("A012", "w3", 0)
    board.apply(ticket("t2", S.CALLED, "w1", 2, "B004"))
    assert [c["number"] for c in board.view()] == ["B004", "A012"]
    recall = board.apply(ticket("t1", S.CALLED, "w3", 3, "A012"))
    assert recall is not None and recall.recalls == 1, "a recall is announced again"
    assert [c["number"] for c in board.view()] == ["A012", "B004"]
    assert board.apply(ticket("t2", S.SERVING, "w1", 4)) is None
    board.apply(ticket("t2", S.ISSUED, None, 5))  # the call was undone
    assert [c["number"] for c in board.view()] == ["A012"]
    board.apply(ticket("t1", S.COMPLETED, "w3", 6))
    assert [c["number"] for c in board.view()] == ["A012"], "a finished call stays on the board"
    for i in range(5):
        board.apply(ticket(f"x{i}", S.CALLED, "w2", 7 + i, f"C00{i}"))
    assert len(board.view()) == 3 and set(board.view()[0]) == {
        "ticket_id",
        "number",
        "service",
        "window_id",
        "at",
        "recalls",
    }


def test_window_days_count_served_and_handling_from_the_call() -> None:
    days = WindowDays()
    days.apply(ticket("t1", S.CALLED, "w3", 0))
    days.apply(ticket("t1", S.CALLED, "w3", 1))  # recall: the handling still starts at the first call
    days.apply(ticket("t1", S.SERVING, "w3", 2))
    days.apply(ticket("t1", S.COMPLETED, "w3", 6))
    days.apply(ticket("t2", S.CALLED, "w3", 7))
    days.apply(ticket("t2", S.NO_SHOW, "w3", 8))  # no-show: not served
    days.apply(ticket("t3", S.CALLED, "w3", 9))
    days.apply(ticket("t3", S.COMPLETED, "w3", 11))
    assert days.of("w3") == {"served": 2, "avg_handling_min": 4.0}
    assert days.of("w9") == {"served": 0, "avg_handling_min": None}


def test_display_lines_numbers_only_in_line_order() -> None:
    queue = {
        "services": [
            {"service": "cash", "waiting": 3, "open_windows": 1, "est_wait_min": 4.2, "est_wait_p90_min": 9.0},
            {"service": "fx", "waiting": 0, "open_windows": 0, "est_wait_min": 0.0, "est_wait_p90_min": 0.0},
        ],
        "waiting": [
            {"ticket_id": "t9", "number": "A014", "service": "cash", "status": "issued", "position": 2},
            {"ticket_id": "t8", "number": "A013", "service": "cash", "status": "issued", "position": 1},
            {"ticket_id": "t7", "number": "A020", "service": "cash", "status": "transferred", "position": 3},
        ],
    }
    lines = display_lines(queue)
    assert [line["service"] for line in lines] == ["cash", "fx"]
    assert lines[0]["next"] == ["A013", "A014", "A020"] and lines[0]["waiting"] == 3
    assert "t8" not in json.dumps(lines), "no ids on the display"
    assert display_lines(queue, ["general"])[0] == {
        "service": "general",
        "waiting": 0,
        "open_windows": 0,
        "est_wait_min": None,
        "est_wait_p90_min": None,
        "next": [],
    }
    assert display_lines(None) == []


def test_snapshot_takes_an_undone_call_back() -> None:
    state = BranchState("b1", ZoneInfo("Asia/Shanghai"))
    state.apply(ticket("t1", S.ISSUED, None, 0))
    state.apply(ticket("t1", S.CALLED, "w3", 2))
    assert (state.called, state.called_in_target) == (1, 1)
    state.apply(ticket("t1", S.ISSUED, None, 2.05))
    assert (state.called, state.called_in_target, sum(state.arrivals.values())) == (0, 0, 1), "not a new arrival"
    assert state.board.view() == []
    state.apply(ticket("t1", S.CALLED, "w1", 20))
    assert (state.called, state.called_in_target) == (1, 0), "judged on the wait since the issue, 20 min"


def test_display_device_sees_every_call_a_kiosk_only_its_own() -> None:
    call = StreamItem("e1", "branchops.tickets.v1", "b1", "{}", ticket_id="t1")
    plan = StreamItem("e2", "branchops.staffing.plan.v1", "b1", "{}")
    assert stream_filter(Role.KIOSK, display=True)(call) and not stream_filter(Role.KIOSK, display=True)(plan)
    assert not stream_filter(Role.KIOSK)(call)


# --- routes ----------------------------------------------------------------------------------------
PASSWORD = "a-long-password"
KIOSK, DISPLAY = "dev-kiosk-0123456789abcdef0123456789ab", "dev-display-0123456789abcdef012345678"


class Fake:
    def __init__(self) -> None:
        self.calls: list[httpx.Request] = []
        self.form: dict[str, Any] | None = None  # the prepared form of ticket t1 (the queue's staff view)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        path = request.url.path
        if path.endswith("/queue"):
            return httpx.Response(
                200,
                json={
                    "services": [{"service": "cash", "waiting": 1, "open_windows": 1, "est_wait_min": 2.0}],
                    "waiting": [{"ticket_id": "t5", "number": "A005", "service": "cash", "status": "issued"}],
                    "windows": [
                        {"window_id": "w3", "state": "open", "skills": ["cash"], "staff_id": "bo", "ticket_id": "t1"},
                        {"window_id": "w4", "state": "open", "skills": ["wealth"], "staff_id": "cy"},
                        {"window_id": "w5", "state": "closed", "skills": ["cash"], "staff_id": None},
                    ],
                },
            )
        if path.endswith("/tickets/t1"):
            return httpx.Response(
                200,
                json={"ticket_id": "t1", "number": "A001", "service": "cash", "status": "called", "form": self.form},
            )
        if path.endswith("/windows/w3/directed"):
            return httpx.Response(200, json={"window_id": "w3", "waiting": 2})
        if path == "/v1/tts":
            return httpx.Response(200, content=b"RIFF....WAVE", headers={"content-type": "audio/wav"})
        if path.endswith("/no-show") and json.loads(request.content).get("window_id") != "w1":
            return httpx.Response(409, json={"title": "Conflict", "detail": "ticket t1 is not at window w3"})
        return httpx.Response(200, json={"ok": True})


@pytest.fixture
def env() -> Iterator[tuple[TestClient, Fake, Any]]:
    fake = Fake()
    people = {"bo": "teller", "ann": "manager", "hq": "head_office"}
    settings = GatewaySettings(
        users={
            name: {"password": hash_password(PASSWORD, n=2**10), "role": role, "branch": "b1"}
            if role != "head_office"
            else {"password": hash_password(PASSWORD, n=2**10), "role": role}
            for name, role in people.items()
        },
        device_keys={
            device_key_digest(KIOSK): {"branch": "b1", "kiosk_id": "k1"},
            device_key_digest(DISPLAY): {"branch": "b1", "kiosk_id": "display-1", "kind": "display"},
        },
        branches=["b1", "b2"],
        cookie_secure=False,
    )
    platform = make_platform("127.0.0.1:1")
    app = build_app(settings, platform, upstreams=Upstreams(settings, transport=httpx.MockTransport(fake)))
    yield TestClient(app), fake, platform


def _login(client: TestClient, name: str) -> None:
    assert client.post("/v1/auth/login", json={"username": name, "password": PASSWORD}).status_code == 200


def test_teller_page_for_tellers_and_managers_only(env: Any) -> None:
    client, _, _ = env
    assert client.get("/teller", follow_redirects=False).headers["location"] == "/login?next=/teller"
    _login(client, "bo")
    page = client.get("/teller")
    assert page.status_code == 200 and "teller.js" in page.text
    _login(client, "ann")
    assert client.get("/teller").status_code == 200
    _login(client, "hq")
    assert client.get("/teller").status_code == 403
    display = client.get("/display/b1")
    assert display.status_code == 200 and "display.js" in display.text, "public page; its data needs a device key"
    assert client.get("/display/bad:id").status_code == 422


def test_console_relays_with_the_window_and_the_callers_credential(env: Any) -> None:
    client, fake, _ = env
    teller = {"X-API-Key": api_key(Role.TELLER)}
    body = client.get("/v1/branches/b1/windows/w3/console", headers=teller).json()
    assert body["current"]["number"] == "A001" and body["prepared_form"] is None
    assert body["transfer_to"] == ["cash"], "only services an open window serves"
    assert body["lines"][0]["next"] == ["A005"] and body["today"] == {"served": 0, "avg_handling_min": None}
    wrong = client.post("/v1/branches/b1/windows/w3/tickets/t1/no-show", headers=teller)
    assert wrong.status_code == 409 and "not at window" in wrong.json()["detail"], "the queue's reason comes back"
    assert json.loads(fake.calls[-1].content) == {"window_id": "w3"}
    client.post("/v1/branches/b1/windows/w3/tickets/t1/transfer", json={"service": "fx"}, headers=teller)
    assert json.loads(fake.calls[-1].content) == {"window_id": "w3", "service": "fx"}
    assert fake.calls[-1].headers["x-api-key"] == teller["X-API-Key"]
    assert client.post("/v1/branches/b1/windows/w3/tickets/t1/cancel", headers=teller).status_code == 422
    undo = client.post("/v1/branches/b1/windows/w3/undo-call", json={"ticket_id": "t1"}, headers=teller)
    assert undo.status_code == 200 and fake.calls[-1].url.path == "/v1/branches/b1/windows/w3/undo-call"
    opened = client.put("/v1/branches/b1/windows/w3", json={"state": "open", "skills": ["cash"]}, headers=teller)
    assert opened.status_code == 200 and json.loads(fake.calls[-1].content)["staff_id"]
    hq = {"X-API-Key": api_key(Role.HEAD_OFFICE)}
    assert client.get("/v1/branches/b1/windows/w3/console", headers=hq).status_code == 403
    assert client.get("/v1/branches/b1/windows/w3/console").status_code == 401
    assert client.post("/v1/branches/b1/windows/w3/undo-call", json={"ticket_id": "t1"}, headers=hq).status_code == 403


def test_display_reads_the_queue_with_a_minted_service_token_and_speaks_calls(env: Any) -> None:
    client, fake, platform = env
    display = {"X-Device-Key": DISPLAY}
    body = client.get("/v1/branches/b1/display", headers=display).json()
    assert body["lines"][0]["next"] == ["A005"] and body["calls"] == [] and body["source"]
    minted = principal_from_token(platform, fake.calls[-1].headers["authorization"].removeprefix("Bearer "))
    assert (minted.role, minted.branch_id) == (Role.SERVICE, "b1")
    assert "t5" not in json.dumps(body)
    wav = client.post("/v1/branches/b1/display/announce", json={"number": "A012", "window_id": "3"}, headers=display)
    assert wav.status_code == 200 and wav.headers["content-type"] == "audio/wav"
    assert json.loads(fake.calls[-1].content) == {"text": "请 A012 号到 3 号窗口。", "lang": "zh"}
    client.post(
        "/v1/branches/b1/display/announce", json={"number": "A012", "window_id": "3", "lang": "en"}, headers=display
    )
    assert json.loads(fake.calls[-1].content)["text"] == "Number A 0 1 2, please go to window 3."
    bad = client.post(
        "/v1/branches/b1/display/announce", json={"number": "hello world", "window_id": "3"}, headers=display
    )
    assert bad.status_code == 422, "the display speaks calls, not any text"
    assert client.get("/v1/branches/b2/display", headers=display).status_code == 403
    assert client.get("/v1/branches/b1/display").status_code == 401
    assert client.get("/v1/branches/b1/display", headers={"X-API-Key": api_key(Role.HEAD_OFFICE)}).status_code == 403


def test_dev_setup_registers_a_calling_display() -> None:
    from branchops.plugins import DevRun
    from services.gateway.devsetup import dev_setup

    setup = dev_setup(DevRun(branch="demo-9", urls={"gateway": "http://127.0.0.1:8000"}, api_keys={}))
    banner = "\n".join(setup.banner)
    assert "http://127.0.0.1:8000/teller" in banner
    key = banner.split("/display/demo-9#device=")[1].split()[0]
    devices = json.loads(setup.env["GATEWAY_DEVICE_KEYS"])
    assert devices[device_key_digest(key)] == {"branch": "demo-9", "kiosk_id": "display-1", "kind": "display"}
    settings = GatewaySettings(device_keys=devices)
    assert settings.is_display("display-1", "demo-9") and not settings.is_display("kiosk-1", "demo-9")


def test_console_shows_the_prepared_form_and_relays_a_correction_for_its_window(env: Any) -> None:
    client, fake, _ = env
    teller = {"X-API-Key": api_key(Role.TELLER)}
    fake.form = {"kind": "cash_withdrawal", "fields": {"amount": "5000.00", "currency": "CNY"}}
    body = client.get("/v1/branches/b1/windows/w3/console", headers=teller).json()
    assert body["prepared_form"] == fake.form
    fixed = client.patch(
        "/v1/branches/b1/windows/w3/tickets/t1/form", json={"fields": {"amount": "6000", "payee": None}}, headers=teller
    )
    assert fixed.status_code == 200
    sent = fake.calls[-1]
    assert (sent.method, sent.url.path) == ("PATCH", "/v1/branches/b1/tickets/t1/form")
    assert json.loads(sent.content) == {"window_id": "w3", "fields": {"amount": "6000", "payee": None}}
    assert sent.headers["x-api-key"] == teller["X-API-Key"], "the teller's own credential: the queue checks it"
    calls = len(fake.calls)
    for who, status in ((Role.KIOSK, 403), (Role.SERVICE, 403), (Role.HEAD_OFFICE, 403)):
        headers = {"X-API-Key": api_key(who)}
        got = client.patch("/v1/branches/b1/windows/w3/tickets/t1/form", json={"fields": {}}, headers=headers)
        assert got.status_code == status, who
    too_many = {f"f{i}": "x" for i in range(21)}
    got = client.patch("/v1/branches/b1/windows/w3/tickets/t1/form", json={"fields": too_many}, headers=teller)
    assert got.status_code == 422
    assert len(fake.calls) == calls, "refused at the gateway: nothing relayed"


def test_console_offers_the_other_open_windows_and_relays_a_transfer_to_one(env: Any) -> None:
    client, fake, _ = env
    teller = {"X-API-Key": api_key(Role.TELLER)}
    body = client.get("/v1/branches/b1/windows/w3/console", headers=teller).json()
    assert body["transfer_windows"] == ["w4"], "open windows other than this one: not itself, not a closed one"
    assert body["directed"] == 2, "customers other windows sent to w3"
    sent = client.post("/v1/branches/b1/windows/w3/tickets/t1/transfer", json={"to_window": "w4"}, headers=teller)
    assert sent.status_code == 200
    assert json.loads(fake.calls[-1].content) == {"window_id": "w3", "to_window": "w4"}
    calls = len(fake.calls)
    bad = client.post("/v1/branches/b1/windows/w3/tickets/t1/transfer", json={"to_window": "w 4/x"}, headers=teller)
    assert bad.status_code == 422 and len(fake.calls) == calls, "refused at the gateway: nothing relayed"
    unknown = client.get("/v1/branches/b1/windows/w4/console", headers=teller).json()
    assert unknown["directed"] is None and unknown["transfer_windows"] == ["w3"], "no count: shown as unknown"
