"""Key naming, PII masking and JSON logs."""

from __future__ import annotations

import json
import logging

import pytest

from branchops.logging import JsonFormatter, mask_pii, request_id_var
from branchops.state import branch_key, global_key


def test_branch_keys_carry_a_cluster_hash_tag() -> None:
    assert branch_key("queue", "b1", "ticket", "t-1") == "bo:queue:{b1}:ticket:t-1"
    assert branch_key("queue", "b1") == "bo:queue:{b1}"
    assert global_key("bus", "dedup", "g", "e1") == "bo:bus:dedup:g:e1"


@pytest.mark.parametrize("bad", ["", "a:b", "a b", "{x}", "x" * 129, "中文"])
def test_key_parts_are_checked(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid key part"):
        branch_key("queue", bad)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("id 320102199001011234 ok", "id 3201**********1234 ok"),
        ("id 11010519491231002X", "id 1101**********002X"),
        ("card 6222021234567890123", "card 6222***********0123"),
        ("call 13812345678 now", "call 138****5678 now"),
        ("ticket A023 window 3 at 09:30", "ticket A023 window 3 at 09:30"),
        ("amount 3500 yuan", "amount 3500 yuan"),
        (
            '"WebSocket /v1/dialogue?lang=zh&token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJrIn0.c2ln" [accepted]',
            '"WebSocket /v1/dialogue?lang=zh&token=***" [accepted]',
        ),
        ("bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJrIn0.c2lnbmF0dXJl seen", "bearer eyJ*** seen"),
        ("GET /x?api_key=s3cr3t&page=2", "GET /x?api_key=***&page=2"),
        ("the token expired", "the token expired"),
    ],
)
def test_mask_pii(text: str, masked: str) -> None:
    assert mask_pii(text) == masked


def test_json_log_lines_are_masked_and_carry_the_request_id() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "customer %s verified", ("320102199001011234",), None)
    token = request_id_var.set("req-7")
    try:
        line = json.loads(JsonFormatter("kyc").format(record))
    finally:
        request_id_var.reset(token)
    assert line["msg"] == "customer 3201**********1234 verified"
    assert line["request_id"] == "req-7" and line["service"] == "kyc" and line["level"] == "INFO"


def test_server_log_lines_go_through_the_masking_formatter(capsys: pytest.CaptureFixture[str]) -> None:
    from branchops.logging import configure_logging

    uvicorn_error = logging.getLogger("uvicorn.error")
    saved = (
        logging.getLogger().handlers[:],
        logging.getLogger().level,
        uvicorn_error.handlers[:],
        uvicorn_error.propagate,
        uvicorn_error.level,
    )
    uvicorn_error.handlers[:] = [logging.StreamHandler()]  # what uvicorn installs before the app starts
    uvicorn_error.propagate = False
    uvicorn_error.setLevel(logging.INFO)  # uvicorn's default (another test's server may have left it at WARNING)
    try:
        configure_logging("voice")
        uvicorn_error.info('%s - "WebSocket %s" [accepted]', "127.0.0.1:5", "/v1/asr?token=eyJa1b2.c3d4e5.f6")
        err = capsys.readouterr().err
    finally:
        logging.getLogger().handlers[:], level, uvicorn_error.handlers[:], uvicorn_error.propagate, own = saved
        logging.getLogger().setLevel(level)
        uvicorn_error.setLevel(own)
    line = json.loads(err.strip().splitlines()[-1])
    assert line["logger"] == "uvicorn.error" and "token=***" in line["msg"] and "eyJa1b2" not in err


def test_the_access_log_stays_off_when_uvicorn_switched_it_off() -> None:
    from branchops.logging import configure_logging

    access, root = logging.getLogger("uvicorn.access"), logging.getLogger()
    saved = (root.handlers[:], root.level, access.handlers[:], access.propagate)
    access.handlers[:] = []  # what `uvicorn --no-access-log` leaves
    access.propagate = False
    try:
        configure_logging("queue")
        assert not access.hasHandlers(), "uvicorn logs every request when its access logger has a handler"
    finally:
        root.handlers[:], level, access.handlers[:], access.propagate = saved
        root.setLevel(level)
