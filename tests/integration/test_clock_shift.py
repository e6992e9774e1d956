"""Proof that ``make test-timeshift`` really shifts the clocks it claims to (skipped in a normal run).

The target runs the unit and integration suites under libfaketime with ``BRANCHOPS_TEST_CLOCK_SHIFT_DAYS``
and ``BRANCHOPS_TEST_REAL_EPOCH`` (the wall clock before the shift) set; a guard that silently ran
unshifted would prove nothing, so this test fails unless the test process and the Redis server the
tests started both see the shifted time.
"""

from __future__ import annotations

import os
import time

import pytest
import redis.asyncio as aioredis

SHIFT_DAYS = os.environ.get("BRANCHOPS_TEST_CLOCK_SHIFT_DAYS")
REAL_EPOCH = os.environ.get("BRANCHOPS_TEST_REAL_EPOCH")
RUN_SLACK_S = 4 * 3600  # the suite's own duration between the epoch taken and this test

pytestmark = pytest.mark.skipif(SHIFT_DAYS is None or REAL_EPOCH is None, reason="only under make test-timeshift")


def shift_seen(now: float) -> float:
    return now - float(REAL_EPOCH or 0)


def test_the_test_process_runs_shifted() -> None:
    expected = float(SHIFT_DAYS or 0) * 86400
    assert expected - 60 <= shift_seen(time.time()) <= expected + RUN_SLACK_S


async def test_the_redis_server_runs_on_the_same_shifted_clock(redis_client: aioredis.Redis) -> None:
    seconds, micros = await redis_client.time()
    assert abs(seconds + micros / 1e6 - time.time()) < 60
