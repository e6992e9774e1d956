"""The simulated branch's past: its configuration seeded into records, and N past days of tickets in Kafka.

``branchops simulate-history`` (what ``branchops up`` runs for the staffing service's ``simulator``) does
both once a run starts, so the forecast, the plan and the reports have data from the first minute:

1. **configuration**: ``GET /v1/branches/{b}/config`` of the records service; when there is none (404),
   ``PUT`` :func:`simulation.demo_config.demo_config`. A configuration that exists (a kept data dir, or
   one a manager edited) is left as it is, but announced again (:func:`reannounce`): ``make run`` keeps
   PostgreSQL in ``--data-dir`` but starts a fresh broker, so the compacted ``branch-config.v1`` lost the
   event records published when it was stored, and staffing would never see the branch. The event is the
   one records published (same version, who and when, staff names masked by records' own rule) with an
   id derived from branch and version, so records keeps it once however often the run restarts.
2. **history**: each of the ``days`` local days before today (the platform clock's) is simulated offline
   by :func:`simulation.branch_day.simulate_day` (the live simulator's demo day, one seed per branch and
   day) and its ``tickets.v1`` events are published straight to the topic with their past times
   (the envelope's ``time`` is the event's). Event ids come from that seed, so a day published again
   carries the same ids and records, which keeps each event id once, stores nothing twice. Days done are
   remembered in Redis (``bo:simulate:history:<branch>``), so a restart against the same Redis skips them;
   against a fresh Redis (``make run`` without ``REDIS_URL``) they are published again, which refills the
   staffing service's Redis history and duplicates nothing in records.

Only tickets are backfilled, not windows.v1: the queue service applies windows.v1 of other producers to its
live windows, and past window states have no use for the forecast.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
import zlib
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from branchops.bus.producer import EventPublisher
from branchops.contracts import CloudEvent, encode, new_event, topics
from branchops.contracts.branch_config import BranchConfig
from branchops.contracts.events import BranchConfigChanged, ChangedBy, Ticket
from branchops.state import global_key
from simulation.branch_day import DaySpec, simulate_day
from simulation.demo_config import OPEN, ZONE, demo_config
from simulation.live_branch import demo_day

SOURCE = "branchops/simulate/history"


def done_key(branch: str) -> str:
    return global_key("simulate", "history", branch)


def staffing_url_key(branch: str) -> str:
    """Where ``simulate-history`` announces the staffing service's URL to ``simulate`` (same run, same Redis)."""
    return global_key("simulate", "staffing-url", branch)


def seed_of(branch: str, day: dt.date) -> int:
    return zlib.crc32(f"{branch}:{day.isoformat()}".encode())


def past_days(today: dt.date, days: int) -> list[dt.date]:
    """The ``days`` days before ``today``, oldest first."""
    return [today - dt.timedelta(days=n) for n in range(days, 0, -1)]


def day_events(branch: str, day: dt.date, scale: float = 1.0) -> list[CloudEvent[Any]]:
    """The tickets.v1 events of one simulated past day, in time order, with deterministic ids."""
    services, windows = demo_day(scale)
    hour, minute = map(int, OPEN.split(":"))
    open_at = dt.datetime.combine(day, dt.time(hour, minute), ZoneInfo(ZONE))
    events, _ = simulate_day(DaySpec(branch, day, open_at, services, windows), seed_of(branch, day))
    out = []
    for event_id, data in events:
        if isinstance(data, Ticket):
            event = new_event(topics.TICKETS, data, source=SOURCE, event_id=event_id)
            out.append(event.model_copy(update={"time": data.at}))
    return out


@dataclass
class BackfillReport:
    days: int = 0
    skipped: int = 0
    events: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"history: {self.days} day(s) published ({self.events} events), {self.skipped} already done, "
            f"in {self.seconds:.1f} s"
        )


async def backfill(
    publisher: EventPublisher, branch: str, days: list[dt.date], redis: Any | None = None
) -> BackfillReport:
    """Publish each day's tickets (the days ``redis`` remembers as done are skipped)."""
    report, started = BackfillReport(), time.monotonic()
    done: set[bytes] = set(await redis.smembers(done_key(branch))) if redis is not None else set()
    key = branch.encode()
    for day in days:
        if day.isoformat().encode() in done:
            report.skipped += 1
            continue
        events = day_events(branch, day)
        futures = [await publisher.send_raw_nowait(topics.TICKETS.name, encode(e), key=key) for e in events]
        await asyncio.gather(*futures)
        if redis is not None:
            await redis.sadd(done_key(branch), day.isoformat())
        report.days += 1
        report.events += len(events)
    report.seconds = time.monotonic() - started
    return report


def config_event(stored: dict[str, Any]) -> CloudEvent[Any]:
    """The branch-config.v1 event of a configuration as ``GET /v1/branches/{b}/config`` returns it."""
    from services.records.domain.changes import for_event  # records' masking of staff names

    branch, version = str(stored["branch_id"]), int(stored["version"])
    data = BranchConfigChanged(
        branch_id=branch,
        at=dt.datetime.fromisoformat(stored["updated_at"]),
        version=version,
        changed_by=ChangedBy.model_validate(stored["updated_by"]),
        config=for_event(BranchConfig.model_validate(stored["config"])),
    )
    event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"branchops:branch-config:{branch}:{version}"))
    return new_event(topics.BRANCH_CONFIG, data, source=SOURCE, event_id=event_id)


async def reannounce(publisher: EventPublisher, stored: dict[str, Any]) -> None:
    event = config_event(stored)
    await publisher.send_raw(topics.BRANCH_CONFIG.name, encode(event), key=event.subject.encode())


async def seed_config(client: httpx.AsyncClient, branch: str) -> tuple[str, dict[str, Any] | None]:
    """Put the demo configuration into records unless the branch has one: (what was done, in words; the
    configuration that existed, to announce again)."""
    path = f"/v1/branches/{branch}/config"
    current = await client.get(path)
    if current.status_code == 200:
        stored: dict[str, Any] = current.json()
        return f"configuration of {branch}: kept version {stored.get('version')}", stored
    if current.status_code != 404:
        raise ValueError(f"records answers {current.status_code} on GET {path}: {current.text[:200]}")
    created = await client.put(path, json=demo_config(branch))
    if created.status_code not in (200, 201):
        raise ValueError(f"records answers {created.status_code} on PUT {path}: {created.text[:500]}")
    return f"configuration of {branch}: version {created.json().get('version')} seeded", None
