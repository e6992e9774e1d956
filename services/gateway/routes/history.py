"""Head office re-reads a period of one topic: ``GET /v1/head-office/replay`` streams the events as JSON
lines (the ``branchops replay`` command's output, through the API). On Apache Kafka the broker's time index
gives the offsets (only the period is read); on tansu every partition is scanned (branchops/bus/replay.py).
The last line is the summary: ``{"replay": {"method", "read", "matched", ...}}``."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from aiokafka.errors import KafkaError
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from branchops.bus.replay import ReplayedEvent, ReplayError, ReplayReport, replay
from branchops.contracts.base import BranchId
from branchops.web import Problem
from services.gateway.access import HeadOfficeService
from services.gateway.domain.history_request import HistoryRequestError, history_request
from services.gateway.routes.deps import GatewayDep

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/head-office", tags=["head office"])
MAX_REPLAYS = 2
"""Replays one gateway process runs at once (each is a Kafka consumer reading a period); more: 429."""


@dataclass
class ReplaySlots:
    in_use: int = 0


def _slots(request: Request) -> ReplaySlots:
    state = request.app.state
    if not hasattr(state, "replay_slots"):
        state.replay_slots = ReplaySlots()
    slots: ReplaySlots = state.replay_slots
    return slots


def _line(item: dict[str, Any]) -> bytes:
    return json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


async def _lines(
    first: ReplayedEvent | None, rest: AsyncGenerator[ReplayedEvent, None], report: ReplayReport, slots: ReplaySlots
) -> AsyncIterator[bytes]:
    try:
        if first is not None:
            yield _line(first.as_json())
            async for item in rest:
                yield _line(item.as_json())
        yield _line({"replay": report.as_json()})
    except (ReplayError, KafkaError) as error:  # after the first line the status is sent: say it in the stream
        log.warning("head-office replay stopped: %s", error)
        yield _line({"replay": {**report.as_json(), "error": str(error) or type(error).__name__}})
    finally:
        slots.in_use -= 1
        await rest.aclose()


@router.get(
    "/replay",
    summary="Re-read a period of one topic as JSON lines (offsets by time on Apache Kafka)",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/x-ndjson": {}}, "description": "one event a line, then the summary"},
        403: {"description": "a branch-bound credential asked for another branch (reason branch_scoped)"},
        404: {"description": "the topic does not exist on the broker (reason no_topic)"},
        429: {"description": "too many replays running (reason replay_busy)"},
        503: {"description": "the broker does not answer (reason broker_unavailable)"},
    },
)
async def replay_period(
    request: Request,
    who: HeadOfficeService,
    gateway: GatewayDep,
    topic: Annotated[str, Query(min_length=1, max_length=100, description="tickets.v1 or branchops.tickets.v1")],
    since: Annotated[dt.datetime, Query(description="ISO 8601 with offset, inclusive")],
    until: Annotated[dt.datetime, Query(description="ISO 8601 with offset, exclusive")],
    branch: Annotated[BranchId | None, Query(description="one branch (required scope for a bound credential)")] = None,
) -> StreamingResponse:
    try:
        asked = history_request(topic, since, until, branch, who.principal.branch_id)
    except HistoryRequestError as error:
        raise Problem(error.status, "Replay refused", str(error), reason=error.reason) from error
    slots = _slots(request)
    if slots.in_use >= MAX_REPLAYS:
        raise Problem(
            429,
            "Too many replays",
            f"{MAX_REPLAYS} replays are running; try again shortly",
            reason="replay_busy",
            headers={"Retry-After": "10"},
        )
    slots.in_use += 1
    report = ReplayReport(asked.topic, asked.since, asked.until, asked.branch)
    events = replay(
        gateway.platform.kafka_bootstrap, asked.topic, asked.since, asked.until, branch=asked.branch, report=report
    )
    try:
        first = await anext(events, None)
    except ReplayError as error:
        slots.in_use -= 1
        await events.aclose()
        raise Problem(404, "Not Found", str(error), reason="no_topic") from error
    except (KafkaError, OSError) as error:
        slots.in_use -= 1
        await events.aclose()
        raise Problem(503, "Broker unavailable", type(error).__name__, reason="broker_unavailable") from error
    except BaseException:
        slots.in_use -= 1
        raise
    log.info(
        "head-office replay by %s: %s %s..%s branch=%s method=%s",
        who.principal.subject,
        asked.topic,
        asked.since.isoformat(),
        asked.until.isoformat(),
        asked.branch,
        report.method,
    )
    return StreamingResponse(_lines(first, events, report, slots), media_type="application/x-ndjson")
