"""Slow clients against a real uvicorn server with the head-deadline protocol (issue 24 item 10).

A connection that sends no complete request head within the deadline is closed; a request whose head
arrived is served however long the app takes; a kept-alive connection gets the deadline again after each
response; a WebSocket outlives it.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI, WebSocket

from branchops.devstack.process import free_port
from branchops.web.server import HEAD_TIMEOUT_ENV, HeadDeadlineH11, HeadDeadlineHttpTools

DEADLINE_S = 0.5


def make_app() -> FastAPI:
    app = FastAPI()

    @app.get("/slow")
    async def slow() -> dict[str, bool]:
        await asyncio.sleep(DEADLINE_S * 3)  # longer than the head deadline: served all the same
        return {"ok": True}

    @app.get("/fast")
    async def fast() -> dict[str, bool]:
        return {"ok": True}

    @app.websocket("/ws")
    async def ws(socket_: WebSocket) -> None:
        await socket_.accept()
        while True:
            await socket_.send_text(await socket_.receive_text())

    return app


@pytest.fixture(params=[HeadDeadlineHttpTools, HeadDeadlineH11], ids=["httptools", "h11"])
def server(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setenv(HEAD_TIMEOUT_ENV, str(DEADLINE_S))
    port = free_port()
    config = uvicorn.Config(make_app(), host="127.0.0.1", port=port, http=request.param, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield port
    server.should_exit = True
    thread.join(10)


def closed_within(conn: socket.socket, seconds: float) -> bool:
    conn.settimeout(seconds)
    try:
        while True:
            data = conn.recv(4096)
            if not data:
                return True
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_a_head_sent_too_slowly_is_cut(server: int) -> None:
    conn = socket.create_connection(("127.0.0.1", server))
    conn.sendall(b"GET /fast HTTP/1.1\r\nHost: x\r\n")  # never finishes the head
    started = time.monotonic()
    assert closed_within(conn, DEADLINE_S * 6)
    assert time.monotonic() - started < DEADLINE_S * 4


def test_a_silent_connection_is_cut(server: int) -> None:
    conn = socket.create_connection(("127.0.0.1", server))
    assert closed_within(conn, DEADLINE_S * 6)


def test_a_slow_answer_is_not_a_slow_client(server: int) -> None:
    conn = socket.create_connection(("127.0.0.1", server))
    conn.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
    conn.settimeout(DEADLINE_S * 10)
    answer = conn.recv(4096)
    assert answer.startswith(b"HTTP/1.1 200") and b'{"ok":true}' in answer


def test_kept_alive_connections_get_the_deadline_again(server: int) -> None:
    conn = socket.create_connection(("127.0.0.1", server))
    for _ in range(2):  # two requests in good time on one connection
        conn.sendall(b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
        conn.settimeout(5)
        assert conn.recv(4096).startswith(b"HTTP/1.1 200")
        time.sleep(DEADLINE_S / 3)
    conn.sendall(b"GET /fast HTTP/1.1\r\n")  # then a head that never completes
    assert closed_within(conn, DEADLINE_S * 6)


def test_a_websocket_outlives_the_head_deadline(server: int) -> None:
    from websockets.sync.client import connect

    with connect(f"ws://127.0.0.1:{server}/ws") as ws:
        time.sleep(DEADLINE_S * 3)
        ws.send("still here")
        assert ws.recv(timeout=5) == "still here"
