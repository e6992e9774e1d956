"""Head-office replay by time: re-read the events a topic took in a period, optionally of one branch.

:func:`replay` is the library function (the ``branchops replay`` command and the head-office API use it);
:func:`register` adds the command::

    branchops replay --topic branchops.tickets.v1 --since 2026-12-01T00:00Z --until 2026-12-02T00:00Z [--branch b]

The period is half-open, ``since <= t < until``, on the records' timestamps (the time the producer stamped
on each record when it published it, Kafka's ``CreateTime``).

* **Apache Kafka**: the start and stop offset of every partition come from the broker's time index
  (ListOffsets by timestamp, ``offsets_for_times``): only the period is read.
* **tansu** (and any broker whose answer to a ListOffsets by timestamp is refused or not Kafka's): each
  partition is read from the beginning to its current end and filtered by time. The result is the same;
  the cost is the whole topic. :attr:`ReplayReport.method` says which was used and :attr:`ReplayReport.note`
  why; the command prints that report on stderr (stdout carries only the events, one JSON object a line).

The replay reads without a consumer group (assign and seek): it commits nothing and disturbs no service's
offsets. It stops at each partition's end as it was when the replay began.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord

Method = Literal["auto", "offsets_for_times", "scan"]


class ReplayError(RuntimeError):
    """The replay cannot be done (no such topic, a bad period, the broker stopped answering)."""


@dataclass(frozen=True)
class ReplayedEvent:
    topic: str
    partition: int
    offset: int
    timestamp: dt.datetime
    key: str | None
    event: Any  # the CloudEvent as JSON (a dict), or the raw text when the bytes are not JSON

    def as_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "timestamp": self.timestamp.isoformat().replace("+00:00", "Z"),
            "key": self.key,
            "event": self.event,
        }


@dataclass
class ReplayReport:
    """How a replay ran: filled in as it goes (``method`` once the offsets are planned)."""

    topic: str
    since: dt.datetime
    until: dt.datetime
    branch: str | None = None
    method: str = "pending"
    note: str = ""
    partitions: dict[int, tuple[int, int]] = field(default_factory=dict)  # partition -> [start, stop) offsets
    read: int = 0  # records fetched from the broker
    matched: int = 0  # records in the period (and of the branch)

    def as_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "since": _iso(self.since),
            "until": _iso(self.until),
            "branch": self.branch,
            "method": self.method,
            "note": self.note,
            "partitions": {str(p): list(span) for p, span in sorted(self.partitions.items())},
            "read": self.read,
            "matched": self.matched,
        }


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def parse_time(text: str) -> dt.datetime:
    """An ISO 8601 time; without an offset it is UTC."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"not an ISO 8601 time: {text!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


async def _answers_like_kafka(consumer: AIOKafkaConsumer, tps: list[TopicPartition]) -> bool:
    """Whether the broker has offsets for times: asked for a time ten years ahead, Apache Kafka answers that
    no partition has a record at or after it; tansu answers offset 0 (with timestamp -1) whatever the time."""
    far = _ms(dt.datetime.now(dt.UTC) + dt.timedelta(days=3650))
    try:
        found = await consumer.offsets_for_times(dict.fromkeys(tps, far))
    except (KafkaError, AssertionError, TypeError, ValueError):
        return False
    return all(found.get(tp) is None for tp in tps)


async def _time_offsets(
    consumer: AIOKafkaConsumer,
    tps: list[TopicPartition],
    at_ms: int,
    begin: dict[TopicPartition, int],
    end: dict[TopicPartition, int],
) -> dict[TopicPartition, int] | None:
    """The first offset of each partition whose timestamp is at or after ``at_ms`` (its end when none is),
    by ListOffsets; None when the broker refuses the request or answers unlike Kafka (a timestamp before the
    one asked for, an offset outside the partition)."""
    try:
        found = await consumer.offsets_for_times(dict.fromkeys(tps, at_ms))
    except (KafkaError, AssertionError, TypeError, ValueError):
        return None
    offsets: dict[TopicPartition, int] = {}
    for tp in tps:
        answer = found.get(tp)
        if answer is None:
            offsets[tp] = end[tp]
            continue
        if answer.timestamp < at_ms or not begin[tp] <= answer.offset <= end[tp]:
            return None
        offsets[tp] = answer.offset
    return offsets


async def replay(
    bootstrap: str,
    topic: str,
    since: dt.datetime,
    until: dt.datetime,
    *,
    branch: str | None = None,
    method: Method = "auto",
    report: ReplayReport | None = None,
    idle_timeout_s: float = 15.0,
    consumer_factory: Callable[..., AIOKafkaConsumer] = AIOKafkaConsumer,
) -> AsyncGenerator[ReplayedEvent, None]:
    """The events of ``topic`` stamped in ``[since, until)`` (of ``branch`` when given: the record key, which
    is the branch id), partition by partition in offset order. ``method``: ``auto`` uses offsets for times
    where the broker has them and reads the whole topic elsewhere; ``report`` (optional) is filled in."""
    since = since if since.tzinfo else since.replace(tzinfo=dt.UTC)
    until = until if until.tzinfo else until.replace(tzinfo=dt.UTC)
    if until <= since:
        raise ValueError(f"--until ({_iso(until)}) must be after --since ({_iso(since)})")
    report = report if report is not None else ReplayReport(topic, since, until, branch)
    since_ms, until_ms = _ms(since), _ms(until)
    consumer = consumer_factory(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        group_id=None,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
        request_timeout_ms=15_000,
        client_id="branchops-replay",
    )
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()  # the bootstrap's metadata names no topic on Kafka
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise ReplayError(f"no topic {topic!r} on {bootstrap}")
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        begin = await consumer.beginning_offsets(tps)
        end = await consumer.end_offsets(tps)
        starts: dict[TopicPartition, int] | None = None
        stops: dict[TopicPartition, int] | None = None
        if method in ("auto", "offsets_for_times"):
            if await _answers_like_kafka(consumer, tps):
                starts = await _time_offsets(consumer, tps, since_ms, begin, end)
                stops = await _time_offsets(consumer, tps, until_ms, begin, end) if starts is not None else None
            if starts is None or stops is None:
                if method == "offsets_for_times":
                    raise ReplayError("the broker does not answer offsets for times (ListOffsets by timestamp)")
                report.note = (
                    "this broker has no offsets for times (tansu?): read every partition from the beginning "
                    "and kept the records stamped in the period"
                )
            else:
                report.method = "offsets_for_times"
                report.note = "start and stop offsets from the broker's time index (ListOffsets by timestamp)"
        if starts is None or stops is None:
            report.method = "scan"
            report.note = report.note or "read every partition from the beginning, filtered by time (as asked)"
            starts, stops = dict(begin), dict(end)
        report.partitions = {tp.partition: (starts[tp], max(starts[tp], stops[tp])) for tp in tps}
        todo = [tp for tp in tps if starts[tp] < stops[tp]]
        if not todo:
            return
        consumer.assign(todo)
        for tp in todo:
            consumer.seek(tp, starts[tp])
        pending = set(todo)
        last_progress = time.monotonic()
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=200, max_records=2000)
            for tp, records in batch.items():
                for record in records:
                    if record.offset >= stops[tp]:
                        break
                    report.read += 1
                    item = _matching(record, since_ms, until_ms, branch)
                    if item is not None:
                        report.matched += 1
                        yield item
            progressed = False
            for tp in list(pending):
                position = await consumer.position(tp)
                if position >= stops[tp]:
                    pending.discard(tp)
                    progressed = True
            if batch or progressed:
                last_progress = time.monotonic()
            elif time.monotonic() - last_progress > idle_timeout_s:
                raise ReplayError(
                    f"no records for {idle_timeout_s} s with partitions {sorted(t.partition for t in pending)} unread"
                )
    finally:
        await consumer.stop()


def _matching(
    record: ConsumerRecord[Any, Any], since_ms: int, until_ms: int, branch: str | None
) -> ReplayedEvent | None:
    raw: bytes = record.value or b""
    try:
        event: Any = json.loads(raw)
    except ValueError:
        event = raw.decode(errors="replace")
    stamp = record.timestamp
    if stamp is None or stamp < 0:  # no record timestamp: the event's own time
        event_time = event.get("time") if isinstance(event, dict) else None
        try:
            stamp = _ms(parse_time(event_time)) if isinstance(event_time, str) else None
        except ValueError:
            stamp = None
    if stamp is None or not since_ms <= stamp < until_ms:
        return None
    key = record.key.decode(errors="replace") if record.key is not None else None
    if branch is not None:
        subject = event.get("subject") if isinstance(event, dict) else None
        if key != branch and subject != branch:
            return None
    return ReplayedEvent(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        timestamp=dt.datetime.fromtimestamp(stamp / 1000, dt.UTC),
        key=key,
        event=event,
    )


async def replay_window(
    bootstrap: str,
    topic: str,
    since: dt.datetime,
    until: dt.datetime,
    *,
    branch: str | None = None,
    method: Method = "auto",
    limit: int | None = None,
) -> tuple[ReplayReport, list[ReplayedEvent]]:
    """:func:`replay` collected into a list (at most ``limit`` events): for an API that answers at once."""
    report = ReplayReport(topic, since, until, branch)
    events: list[ReplayedEvent] = []
    async for item in replay(bootstrap, topic, since, until, branch=branch, method=method, report=report):
        events.append(item)
        if limit is not None and len(events) >= limit:
            break
    return report, events


async def _print_replay(args: argparse.Namespace) -> ReplayReport:
    since, until = parse_time(args.since), parse_time(args.until)
    report = ReplayReport(args.topic, since, until, args.branch)
    async for item in replay(
        args.bootstrap, args.topic, since, until, branch=args.branch, method=args.method, report=report
    ):
        sys.stdout.write(json.dumps(item.as_json(), ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return report


def run_command(args: argparse.Namespace) -> int:
    """``branchops replay`` (branchops/replay_cli.py parses the arguments)."""
    try:
        report = asyncio.run(_print_replay(args))
    except ReplayError as exc:
        print(f"branchops replay: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"replay": report.as_json()}, ensure_ascii=False), file=sys.stderr)
    return 0
