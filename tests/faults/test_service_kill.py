"""The queue service SIGKILLed while a burst of ticket requests is under way, then started again.

What a client saw acknowledged (201) must still be there, its event must reach tickets.v1, and no number may
be handed out twice; requests that died with the process are allowed to have happened or not."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx

from branchops.contracts import topics
from branchops.devstack import SERVICES, DevStack
from branchops.devstack.process import free_port
from branchops.settings import Role
from tests.conftest import api_key
from tests.e2e.helpers import eventually, service_env
from tests.integration.kafka_helpers import read_topic

QUEUE = next(s for s in SERVICES if s.name == "queue")
KIOSK = {"X-API-Key": api_key(Role.KIOSK)}
WORKERS = 4


@dataclass
class Burst:
    url: str
    acked: list[dict[str, str]] = field(default_factory=list)
    failed: int = 0
    refused: list[int] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> None:
        with httpx.Client(timeout=5) as http:
            while not self.stop.is_set():
                try:
                    reply = http.post(self.url, json={"service": "cash"}, headers=KIOSK)
                except httpx.HTTPError:
                    with self.lock:
                        self.failed += 1
                    time.sleep(0.05)
                    continue
                with self.lock:
                    if reply.status_code == 201:
                        self.acked.append(reply.json())
                    else:
                        self.refused.append(reply.status_code)


def test_queue_killed_mid_burst_keeps_every_acknowledged_ticket(stack: DevStack) -> None:
    port = free_port()
    stack.start_service(QUEUE, port=port, env=service_env())
    stack.wait_healthy(["queue"], timeout_s=60)
    branch = f"kill-{uuid.uuid4().hex[:6]}"
    burst = Burst(f"http://127.0.0.1:{port}/v1/branches/{branch}/tickets")
    threads = [threading.Thread(target=burst.run, daemon=True) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    eventually(lambda: len(burst.acked) >= 30, timeout_s=30, interval_s=0.01)
    stack.services["queue"][0].kill()  # SIGKILL with requests in flight
    killed_at, acked_before = time.monotonic(), len(burst.acked)
    time.sleep(0.5)
    stack.start_service(QUEUE, port=port, env=service_env())
    stack.wait_healthy(["queue"], timeout_s=60)
    ready_after = time.monotonic() - killed_at
    eventually(lambda: len(burst.acked) >= acked_before + 20, timeout_s=30, interval_s=0.01)
    burst.stop.set()
    for thread in threads:
        thread.join(10)

    numbers = [t["number"] for t in burst.acked]
    assert len(numbers) == len(set(numbers)), "a number was handed out twice"
    assert all(status == 503 for status in burst.refused), burst.refused
    with httpx.Client(timeout=5) as http:
        for ticket in burst.acked:
            got = http.get(f"{burst.url}/{ticket['ticket_id']}", headers=KIOSK)
            assert got.status_code == 200 and got.json()["number"] == ticket["number"], got.text

    wanted = {t["ticket_id"] for t in burst.acked}

    def issued_events() -> dict[str, set[str]]:
        records = asyncio.run(read_topic(stack.kafka_bootstrap, topics.TICKETS.name, expect=10**6, timeout_s=3))
        seen: dict[str, set[str]] = {}
        for record in records:
            data = json.loads(record.value)["data"]
            if data["branch_id"] == branch and data["status"] == "issued":
                seen.setdefault(data["number"], set()).add(data["ticket_id"])
        return seen

    seen = eventually(lambda: (s := issued_events()) and wanted <= set().union(*s.values()) and s, timeout_s=30)
    assert isinstance(seen, dict)
    assert all(len(ids) == 1 for ids in seen.values()), "one number, two tickets on tickets.v1"
    print(
        f"queue SIGKILL: {acked_before} acked before, {len(burst.acked)} in all, {burst.failed} connection errors,"
        f" {len(burst.refused)} refused; ready {ready_after:.1f} s after the kill;"
        f" {len(seen)} issued numbers on tickets.v1"
    )
