"""Queue, staffing and gateway as real uvicorn processes against the devstack (tansu + Redis)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import httpx
import pytest

from branchops.devstack import SERVICES, DevStack
from branchops.settings import Role
from tests.conftest import api_key
from tests.e2e.helpers import eventually, service_env, sse

NAMES = ("queue", "staffing", "gateway")


@pytest.fixture(scope="module")
def slice_ports(devstack: DevStack) -> Iterator[dict[str, int]]:
    specs = {s.name: s for s in SERVICES}
    ports = {name: devstack.start_service(specs[name], env=service_env()) for name in ("queue", "staffing")}
    upstreams = {  # the gateway is told where this run's services are (the others: nowhere)
        f"GATEWAY_{name.upper()}_URL": f"http://127.0.0.1:{ports.get(name, 9)}"
        for name in ("queue", "staffing", "kyc", "voice", "records")
    }
    ports["gateway"] = devstack.start_service(specs["gateway"], env=service_env(**upstreams))
    devstack.wait_healthy(list(NAMES), timeout_s=90)
    yield ports
    for name in NAMES:
        proc, _ = devstack.services.pop(name)
        proc.stop()


def _url(ports: dict[str, int], name: str, path: str) -> str:
    return f"http://127.0.0.1:{ports[name]}{path}"


def test_ticket_flows_from_queue_to_staffing_and_gateway(slice_ports: dict[str, int]) -> None:
    branch = f"e2e-{uuid.uuid4().hex[:8]}"
    manager = {"X-API-Key": api_key(Role.MANAGER)}
    with sse(_url(slice_ports, "gateway", f"/v1/branches/{branch}/stream"), manager) as stream:
        assert stream.status == 200
        created = httpx.post(
            _url(slice_ports, "queue", f"/v1/branches/{branch}/tickets"),
            json={"service": "cash", "channel": "kiosk"},
            headers={"X-API-Key": api_key(Role.KIOSK)},
            timeout=10,
        )
        assert created.status_code == 201, created.text
        ticket = created.json()
        assert ticket["number"] == "A001" and ticket["position"] == 1

        # other topics (the queue's forecast) may come first: wait for this ticket's event
        event = stream.wait_for(lambda e: json.loads(e["data"])["data"].get("ticket_id") == ticket["ticket_id"])
        assert event["event"] == "branchops.tickets.v1"
        envelope = json.loads(event["data"])
        assert envelope["subject"] == branch and envelope["data"]["status"] == "issued"
        assert event["id"] == envelope["id"]

    def counted() -> bool:
        got = httpx.get(_url(slice_ports, "staffing", f"/v1/branches/{branch}/ticket-counts"), headers=manager)
        return got.status_code == 200 and got.json()["counts"]["issued"] == 1

    eventually(counted)


def test_numbers_increase_per_service_and_reads_need_credentials(slice_ports: dict[str, int]) -> None:
    branch = f"e2e-{uuid.uuid4().hex[:8]}"
    kiosk = {"X-API-Key": api_key(Role.KIOSK)}
    url = _url(slice_ports, "queue", f"/v1/branches/{branch}/tickets")
    numbers = [
        httpx.post(url, json={"service": s}, headers=kiosk).json()["number"] for s in ("cash", "cash", "general", "fx")
    ]
    assert numbers == ["A001", "A002", "B001", "E001"]
    assert httpx.post(url, json={"service": "cash"}).status_code == 401
    head_office = {"X-API-Key": api_key(Role.HEAD_OFFICE)}
    forbidden = httpx.post(url, json={"service": "cash"}, headers=head_office)
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"] == "application/problem+json"


def test_services_expose_health_ready_and_metrics(slice_ports: dict[str, int]) -> None:
    for name in NAMES:
        assert httpx.get(_url(slice_ports, name, "/healthz")).json()["status"] == "ok"
        ready = httpx.get(_url(slice_ports, name, "/readyz")).json()
        assert ready["status"] == "ready" and ready["checks"]["kafka"]["ok"] and ready["checks"]["redis"]["ok"]
        metrics = httpx.get(_url(slice_ports, name, "/metrics")).text
        assert "branchops_http_requests_total" in metrics
    staffing_metrics = httpx.get(_url(slice_ports, "staffing", "/metrics")).text
    assert 'branchops_bus_consumed_total{group="branchops-staffing",topic="branchops.tickets.v1"}' in staffing_metrics
    for name in (
        "branchops_bus_consumer_lag{",
        "branchops_bus_handler_seconds_bucket{",
        "branchops_bus_dead_lettered_total",
        "branchops_bus_handler_failures_total",
    ):
        assert name in staffing_metrics, name
