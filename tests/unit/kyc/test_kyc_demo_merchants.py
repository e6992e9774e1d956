"""``branchops kyc demo-merchants`` (make run's KYC simulator): what it decides before and while it seeds
demo merchant cases: one line and exit 0 when the machine cannot make them, the key by environment only,
polite retries while the service warms up, the cases in order. No rendering, no models, no server."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from branchops.plugins import DevRun, load_services, run_dev_setup
from services.kyc import demo_merchants
from services.kyc.demo_merchants import KEY_ENV, applicants, request, take_to_review, why_no_demo
from services.kyc.settings import KycSettings

ARGS = argparse.Namespace(kyc_url="http://127.0.0.1:9", branch="b1", cases=3, seed=0)


def never_called(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"no request expected, got {request.method} {request.url}")


@pytest.mark.parametrize(
    ("bench", "font", "pictures", "says"),
    [
        (False, ("f.ttc", 0), True, "bench corpus (bench/) is not importable"),
        (True, None, True, "no CJK font"),
        (True, ("f.ttc", 0), False, "face pictures not cached (make test-data)"),
    ],
)
def test_without_what_the_demo_needs_it_says_why_in_one_line_and_exits_0(
    bench: bool,
    font: object,
    pictures: bool,
    says: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(KEY_ENV, "kiosk-key")
    monkeypatch.setattr(demo_merchants, "_bench_importable", lambda: bench)
    monkeypatch.setattr(demo_merchants, "_font", lambda: font)
    monkeypatch.setattr(demo_merchants, "_pictures_cached", lambda: pictures)
    client = httpx.Client(transport=httpx.MockTransport(never_called), base_url=ARGS.kyc_url)
    assert demo_merchants.seed(ARGS, client) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and says in out[0], out
    assert out[0].startswith("demo-merchants: no demo merchant case made: ")


def test_the_later_questions_are_not_asked_once_one_fails() -> None:
    def boom() -> bool:
        raise AssertionError("asked after the bench was found missing")

    assert "bench corpus" in str(why_no_demo(lambda: False, boom, boom))
    assert why_no_demo(lambda: True, lambda: ("f", 0), lambda: True) is None


def test_without_a_kiosk_key_in_the_environment_it_refuses(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    client = httpx.Client(transport=httpx.MockTransport(never_called), base_url=ARGS.kyc_url)
    assert demo_merchants.seed(ARGS, client) == 2
    assert KEY_ENV in capsys.readouterr().err


def test_the_cases_cycle_approvable_impostor_photocopy_each_from_its_own_seed() -> None:
    made = applicants(4, seed=7)
    assert [a.kind for a in made] == ["approvable", "impostor", "photocopy", "approvable"]
    assert [a.selfie for a in made] == ["same", "other", "same", "same"]
    assert [a.condition for a in made] == ["clean", "clean", "photocopy", "clean"]
    assert len({a.seed for a in made}) == 4
    assert applicants(0, seed=0) == []


def test_it_asks_again_while_the_service_warms_up_and_honours_retry_after() -> None:
    answers: Iterator[httpx.Response | Exception] = iter(
        [httpx.ConnectError("refused"), httpx.Response(503), httpx.Response(429, headers={"Retry-After": "3"})]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        answer = next(answers, httpx.Response(201, json={"case_id": "c1"}))
        if isinstance(answer, Exception):
            raise answer
        return answer

    waits: list[float] = []
    client = httpx.Client(transport=httpx.MockTransport(handler), base_url="http://kyc")
    got = request(client, "POST", "/v1/kyc/merchant-cases", json={}, sleep=waits.append)
    assert got.status_code == 201
    assert len(waits) == 3 and waits[2] == 3.0 and waits[0] < waits[1]


def test_it_gives_up_after_its_attempts_and_never_retries_a_refusal() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(503 if request.url.path.endswith("busy") else 422)

    client = httpx.Client(transport=httpx.MockTransport(handler), base_url="http://kyc")
    assert request(client, "GET", "/busy", attempts=4, sleep=lambda _: None).status_code == 503
    assert request(client, "GET", "/refused", attempts=4, sleep=lambda _: None).status_code == 422
    assert calls == ["/busy"] * 4 + ["/refused"]


def test_a_service_that_never_answers_is_named_once() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    client = httpx.Client(transport=httpx.MockTransport(handler), base_url="http://kyc")
    with pytest.raises(demo_merchants.ServiceUnavailable, match="did not answer after 3 attempts"):
        request(client, "GET", "/", attempts=3, sleep=lambda _: None)


def test_a_case_goes_to_review_as_the_kiosk_with_the_selfie_for_its_challenge() -> None:
    seen: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, request.headers.get("content-type", "")))
        if request.url.path.endswith("merchant-cases"):
            assert json.loads(request.content) == {"branch_id": "b1", "kiosk_id": "kiosk-demo"}
            return httpx.Response(201, json={"case_id": "c9"})
        if request.url.path.endswith("/selfie"):
            assert json.loads(request.content) == {"frames": ["blink", "turn_left"]}
            return httpx.Response(200, json={"case_id": "c9", "status": "review"})
        return httpx.Response(200, json={"case": {"challenge": ["blink", "turn_left"], "status": "documents"}})

    client = httpx.Client(transport=httpx.MockTransport(handler), base_url="http://kyc")
    documents = [("licence", b"L"), ("id-card", b"P"), ("id-card", b"E")]
    cid, state = take_to_review(client, "b1", documents, lambda challenge: {"frames": challenge})
    assert (cid, state["status"]) == ("c9", "review")
    assert [path for path, _ in seen] == [
        "/v1/kyc/merchant-cases",
        "/v1/kyc/merchant-cases/c9/licence",
        "/v1/kyc/merchant-cases/c9/id-card",
        "/v1/kyc/merchant-cases/c9/id-card",
        "/v1/kyc/merchant-cases/c9/selfie",
    ]
    assert [kind for _, kind in seen[1:4]] == ["image/jpeg"] * 3


def test_a_refused_upload_is_an_error_naming_the_step() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("merchant-cases"):
            return httpx.Response(201, json={"case_id": "c1"})
        return httpx.Response(422, json={"reason": "no_document_found"})

    client = httpx.Client(transport=httpx.MockTransport(handler), base_url="http://kyc")
    with pytest.raises(RuntimeError, match="licence: 422"):
        take_to_review(client, "b1", [("licence", b"L")], lambda c: {})


def test_make_run_keeps_document_images_for_the_demo_with_a_fresh_key_and_says_so() -> None:
    kyc = next(s for s in load_services() if s.name == "kyc")
    run = DevRun(branch="b1", urls={}, api_keys={})
    first, second = run_dev_setup(kyc, run), run_dev_setup(kyc, run)
    assert first.env["KYC_RETENTION_KEY"] != second.env["KYC_RETENTION_KEY"]  # a fresh key per run
    settings = KycSettings(**{k.removeprefix("KYC_").lower(): v for k, v in first.env.items()})  # type: ignore[arg-type]
    assert settings.retention_ttl_s == 8 * 3600 and settings.retention_key_bytes() is not None
    assert any("production default is off" in line for line in first.banner)
    assert KycSettings.model_fields["retention_ttl_s"].default == 0  # the service's own default stays off


def test_branchops_up_runs_the_demo_as_a_kiosk_with_its_key_by_environment(tmp_path: Path) -> None:
    from branchops.clock import Clock
    from branchops.up import _simulator

    class Stack:
        redis_url = "redis://127.0.0.1:1/0"
        kafka_bootstrap = "127.0.0.1:2"
        services: ClassVar[dict[str, tuple[object, int]]] = {}
        log_dir = tmp_path

    kyc = next(s for s in load_services() if s.name == "kyc")
    clock = Clock.simulated_from(dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC), 20.0)
    keys: dict[str, Any] = {"kiosk": "secret-kiosk-key", "teller": "t"}
    process = _simulator(kyc, Stack(), 8003, keys, branch="b1", speed=20.0, clock=clock)  # type: ignore[arg-type]
    assert process.argv[3:] == ["kyc", "demo-merchants", "--kyc-url", "http://127.0.0.1:8003", "--branch", "b1"]
    assert "secret-kiosk-key" not in " ".join(process.argv)
    assert process.env is not None and process.env[KEY_ENV] == "secret-kiosk-key"
