"""The Redis scripts and transactions of gateway, voice and staffing's live store, called directly on the cluster.

Each runs on a branch of its own (its own slot); the calls must answer as on one server: no CROSSSLOT (a script
or MULTI over two slots), no MOVED reaching the caller (the client follows redirections by itself).
"""

from __future__ import annotations

import datetime as dt
import uuid

import redis.asyncio as aioredis
from redis.exceptions import RedisClusterException, ResponseError

from branchops.bus.outbox import Outbox
from branchops.contracts.enums import ServiceName, WindowState
from branchops.contracts.events import Feedback, QueueForecast, ServiceQueue, Window
from services.gateway.adapters.kiosk_tickets import KioskTickets
from services.gateway.adapters.ratings import RatingStore
from services.kyc.adapters.image_retention import RetainedImages
from services.kyc.domain.envelope import KEY_BYTES
from services.staffing.adapters.live_store import LiveStore
from services.voice.adapters.branch_facts import BranchFactsBoard
from services.voice.adapters.queue_client import WaitBoard
from services.voice.adapters.sessions import SessionStore
from services.voice.domain.dialogue.state import DialogueState
from services.voice.routes.nlu import DeviceRateLimiter
from tests.integration.test_staffing_config import change, config

NOW = dt.datetime.now(dt.UTC)


def branch() -> str:
    return f"ca-{uuid.uuid4().hex[:8]}"


async def test_gateway_kiosk_tickets_and_ratings(redis_client: aioredis.Redis) -> None:
    b = branch()
    kiosk = KioskTickets(redis_client)
    await kiosk.add(b, "k1", "t1")
    assert await kiosk.held(b, "k1", ["t1", "t2"]) == frozenset({"t1"})
    outbox = Outbox(redis_client, f"gw-{uuid.uuid4().hex[:6]}", source="branchops/test/gw", instance="t")
    ratings = RatingStore(redis_client, outbox)
    feedback = Feedback(branch_id=b, at=NOW, ticket_id="t1", service=ServiceName.CASH, rating=5)
    assert await ratings.record(feedback) is None, "a new rating"
    again = await ratings.record(feedback.model_copy(update={"rating": 1}))
    assert again is not None and again["rating"] == 5, "rated once; the first rating stays"
    assert await redis_client.xlen(outbox.stream(b)) == 1


async def test_voice_sessions_facts_waits_and_rate_limit(redis_client: aioredis.Redis) -> None:
    b = branch()
    sessions = SessionStore(redis_client, ttl_s=60)
    state = DialogueState(session_id="s1", branch_id=b, kiosk_id="k1")
    await sessions.put(state)
    assert await sessions.get(b, "s1") == state
    await sessions.delete(state)
    assert await sessions.get(b, "s1") is None
    facts = BranchFactsBoard(redis_client)
    assert await facts.record(change(b, 2, config()))
    assert not await facts.record(change(b, 1, config())), "an older version is not kept (the script's check)"
    assert (await facts.facts(b)) is not None
    waits = WaitBoard(redis_client)
    queue = ServiceQueue(service=ServiceName.CASH, waiting=3, open_windows=1, est_wait_min=4.5, est_wait_p90_min=9.0)
    await waits.record(QueueForecast(branch_id=b, at=NOW, per_service=[queue]))
    assert await waits.wait_minutes(b, "cash") == 4.5
    limiter = DeviceRateLimiter(redis_client, per_minute=2)
    device = f"dev-{uuid.uuid4().hex}"
    at = dt.datetime.now(dt.UTC).replace(second=30, microsecond=0)  # half a minute into the limiter's window
    assert [await limiter.hit(device, at) for _ in range(3)] == [None, None, 30]


async def test_staffing_live_store_scripts_and_lock(redis_client: aioredis.Redis) -> None:
    b = branch()
    live = LiveStore(redis_client)
    newer = Window(branch_id=b, at=NOW, window_id="w1", state=WindowState.OPEN, skills=[ServiceName.CASH])
    older = newer.model_copy(update={"at": NOW - dt.timedelta(minutes=5), "state": WindowState.CLOSED})
    await live.put_window(newer)
    await live.put_window(older)
    assert [w.state for w in await live.windows(b)] == ["open"], "the older state changes nothing (the script)"
    assert await live.lock(b, "me") and not await live.lock(b, "other")
    await live.unlock(b, "other")
    assert not await live.lock(b, "other"), "only the holder unlocks"
    await live.unlock(b, "me")
    assert await live.lock(b, "other")


async def test_kyc_retained_images_with_their_global_index(redis_client: aioredis.Redis) -> None:
    """The images (the branch's slot) and the session's index (a global key) are written apart."""
    b, session = branch(), f"ks-{uuid.uuid4().hex[:8]}"
    images = RetainedImages(redis_client, bytes(range(KEY_BYTES)), ttl_s=60)
    await images.keep(b, session, [("front", b"jpeg-bytes")])
    assert await images.branch_of(session) == b
    assert await images.load(session) == {"front": b"jpeg-bytes"}
    assert await images.delete(session)
    assert await images.load(session) == {}


async def test_a_script_over_two_branches_is_refused(redis_client: aioredis.Redis) -> None:
    """What the hash tags prevent: one script call over two branches' keys is a CROSSSLOT error on a cluster
    (so the tests above do touch one slot each, not only by luck)."""
    script = redis_client.register_script("return redis.call('MSET', KEYS[1], 1, KEYS[2], 2)")
    first, second = f"bo:test:{{{branch()}}}:x", f"bo:test:{{{branch()}}}:x"
    try:
        await script(keys=[first, second])
    except (RedisClusterException, ResponseError) as error:
        assert "slot" in str(error).lower()
    else:
        raise AssertionError("a script over two slots ran")
