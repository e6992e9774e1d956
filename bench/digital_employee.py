"""Digital employee containment bench (issue 19, item 5): scripted kiosk conversations in Mandarin and English,
drawn by the mix of bench/data/digital_employee_mix.json (an ASSUMED branch mix, see its note), run as text
(no ASR) through the real dialogue: the voice app over HTTP (ASGI, in-process) with its Redis sessions and its
broker, the real queue app for tickets, and the real records app whose SANDBOX core (PostgreSQL) answers
self-service. A customer who verifies at the kiosk gets an approved KYC result stored the way the records
consumer stores it.

Reports per language and per intent group: task success (the conversation reached its scripted goal: the
task's end and reason, the screen or the ticket), turns per task, containment rate (completed without staff /
tasks that ended). Prints a table and writes bench/results/digital_employee.json.

    .venv/bin/python -m bench.digital_employee --conversations 500
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.common import machine, percentile, write_result  # noqa: E402
from branchops.devstack import find_or_start_postgres  # noqa: E402
from branchops.devstack.kafka import dev_broker  # noqa: E402
from branchops.devstack.postgres import create_database, drop_database  # noqa: E402
from branchops.devstack.redis_server import LocalRedis  # noqa: E402
from branchops.settings import PlatformSettings, Role  # noqa: E402
from services.queue.bootstrap import build_app as build_queue  # noqa: E402
from services.queue.settings import QueueSettings  # noqa: E402
from services.records.bootstrap import build_app as build_records  # noqa: E402
from services.records.settings import RecordsSettings  # noqa: E402
from services.voice.bootstrap import build_app as build_voice  # noqa: E402
from services.voice.domain.nlu import NluEngine  # noqa: E402
from services.voice.settings import VoiceSettings  # noqa: E402
from tests.integration.sandbox_core_support import store_kyc  # noqa: E402

MIX = ROOT / "bench" / "data" / "digital_employee_mix.json"
KEYS = {role: f"bench-{role.value}-key-{uuid.uuid4().hex}" for role in Role}
CUSTOMERS = ("3201**********1234", "1101**********5678")  # the sandbox's first two demo customers, as KYC masks
BRANCH = "bench-de"
GOOD_PINS = ("582914", "902817", "135790", "746203", "318562", "620497", "471835")
"""New PINs typed on the keypad in PIN-change scripts (none weak; consecutive ones differ)."""
PER_BRANCH = 5
"""Conversations per seeded branch: the demo customers' cards owe a little, so repayments move to fresh ones."""


def platform(bootstrap: str) -> PlatformSettings:
    return PlatformSettings(  # type: ignore[call-arg]
        env="test",
        kafka_bootstrap=bootstrap,
        api_keys={key: role for role, key in KEYS.items()},
        jwt_secret=uuid.uuid4().hex * 2,
        instance="bench",
    )


@asynccontextmanager
async def apps(bootstrap: str, redis_url: str, database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    """The voice app (client) wired to the records app's SANDBOX core and the queue app, all in this loop."""
    plat = platform(bootstrap)
    records = build_records(
        RecordsSettings(database_url=database_url, redis_url=redis_url, history_enabled=False, database_wait_s=10),  # type: ignore[call-arg]
        plat,
    )
    channels = {"vip": ["appointment", "teller"], "urgent": ["teller", "voice"]}
    queue = build_queue(QueueSettings(redis_url=redis_url, priority_channels=channels), plat)  # type: ignore[call-arg]
    mounts = {"http://records": httpx.ASGITransport(app=records), "http://queue": httpx.ASGITransport(app=queue)}
    http = httpx.AsyncClient(mounts=mounts)
    service = KEYS[Role.SERVICE]
    voice = build_voice(
        VoiceSettings(  # type: ignore[call-arg]
            redis_url=redis_url,
            queue_url="http://queue",
            queue_api_key=service,
            core_banking_url="http://records",
            asr_engine_zh="vosk",
            asr_engine_en="vosk",
            nlu_rate_limit_per_minute=100_000,
        ),
        plat,
        engine=NluEngine.from_corpus(),
        http=http,
    )
    async with (
        records.router.lifespan_context(records),
        queue.router.lifespan_context(queue),
        voice.router.lifespan_context(voice),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=voice), base_url="http://voice", timeout=60) as client,
    ):
        yield client, records.state


def reached(goal: dict[str, Any], last: dict[str, Any], lang: str) -> bool:
    if last.get("end") != goal.get("end"):
        return False
    if "end_reason" in goal and last.get("end_reason") != goal["end_reason"]:
        return False
    screens = goal.get("screen")
    shown = (last.get("screen") or {}).get("kind")
    if screens is not None and shown not in (screens if isinstance(screens, list) else [screens]):
        return False
    if goal.get("ticket") and not last.get("ticket"):
        return False
    wanted = (goal.get("reply_has") or {}).get(lang)
    return not wanted or wanted in str(last.get("reply", ""))


async def converse(
    client: httpx.AsyncClient, records: Any, script: dict[str, Any], lang: str, n: int
) -> dict[str, Any]:
    headers = {"X-API-Key": KEYS[Role.KIOSK]}
    branch = f"{BRANCH}-{n // PER_BRANCH}"
    if n % PER_BRANCH == 0:
        await records.sandbox_core.seed(branch)
    body: dict[str, Any] = {"kiosk_id": f"kiosk-{n % 4}", "lang": lang}
    if script["identity"]:
        body["identity"] = await store_kyc(records.engine, branch, masked=CUSTOMERS[n % len(CUSTOMERS)])
    started = await client.post(f"/v1/branches/{branch}/dialogue/sessions", json=body, headers=headers)
    started.raise_for_status()
    session = started.json()["session_id"]
    last: dict[str, Any] = {}
    turns, ms = 0, []
    wordings = [script[lang], *script.get("variants", {}).get(lang, [])]
    for step in random.Random(n).choice(wordings):
        t0 = time.perf_counter()
        if isinstance(step, dict) and "pin" in step:  # the kiosk's PIN keypad: a new PIN, twice (one per conversation)
            pin = GOOD_PINS[n % len(GOOD_PINS)]
            answer = await client.post(
                f"/v1/branches/{branch}/dialogue/sessions/{session}/pin",
                json={"new_pin": pin, "repeat_pin": pin},
                headers=headers,
            )
        else:
            answer = await client.post(
                f"/v1/branches/{branch}/dialogue/sessions/{session}/turns", json={"text": step}, headers=headers
            )
        ms.append((time.perf_counter() - t0) * 1000)
        answer.raise_for_status()
        last = answer.json()
        turns += 1
        if last.get("end") and not script.get("through"):  # "through": a reversal after the payment ended
            break
    return {
        "script": script["id"],
        "group": script["group"],
        "lang": lang,
        "turns": turns,
        "success": reached(script["goal"], last, lang),
        "end": last.get("end"),
        "end_reason": last.get("end_reason"),
        "last_reply": last.get("reply", ""),
        "turn_ms": ms,
    }


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ended = [r for r in rows if r["end"]]
    contained = [r for r in ended if r["end"] == "completed"]
    return {
        "conversations": len(rows),
        "task_success": round(sum(r["success"] for r in rows) / len(rows), 4) if rows else None,
        "turns_per_task": round(sum(r["turns"] for r in rows) / len(rows), 2) if rows else None,
        "ended": len(ended),
        "completed": len(contained),
        "handed_off": len(ended) - len(contained),
        "containment": round(len(contained) / len(ended), 4) if ended else None,
    }


async def run(count: int, seed: int, bootstrap: str, redis_url: str, database_url: str) -> dict[str, Any]:
    mix = json.loads(MIX.read_text(encoding="utf-8"))
    scripts = mix["scripts"]
    rng = random.Random(seed)
    drawn = rng.choices(scripts, weights=[s["weight"] for s in scripts], k=count)
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    async with apps(bootstrap, redis_url, database_url) as (client, records):
        for n, script in enumerate(drawn):
            rows.append(await converse(client, records, script, "zh" if n % 2 == 0 else "en", n))
    wall = time.perf_counter() - started
    by_lang = {lang: summarise([r for r in rows if r["lang"] == lang]) for lang in ("zh", "en")}
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[r["group"]].append(r)
    failures: dict[str, int] = defaultdict(int)
    examples: dict[str, str] = {}
    for r in rows:
        if not r["success"]:
            key = f"{r['script']}/{r['lang']}"
            failures[key] += 1
            examples.setdefault(key, r["last_reply"][:160])
    turn_ms = [m for r in rows for m in r["turn_ms"]]
    return {
        "conversations": count,
        "seed": seed,
        "mix": str(MIX.relative_to(ROOT)),
        "mix_note": mix["note"],
        "all": summarise(rows),
        "by_language": by_lang,
        "by_group": {g: summarise(rs) for g, rs in sorted(groups.items())},
        "end_reasons": dict(sorted(_count(r["end_reason"] or "none" for r in rows).items())),
        "failures": dict(sorted(failures.items())),
        "failure_examples": examples,
        "turn_ms_p50": round(percentile(turn_ms, 50), 1),
        "turn_ms_p95": round(percentile(turn_ms, 95), 1),
        "wall_s": round(wall, 1),
        "machine": machine(),
    }


def _count(values: Any) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for v in values:
        out[v] += 1
    return out


def table(result: dict[str, Any]) -> str:
    lines = [f"{'slice':<24}{'n':>5}{'success':>9}{'turns':>7}{'ended':>7}{'contained':>10}{'containment':>12}"]
    slices = [("all", result["all"])]
    slices += [(f"lang {k}", v) for k, v in result["by_language"].items()]
    slices += [(f"group {k}", v) for k, v in result["by_group"].items()]
    for name, s in slices:
        rate = "-" if s["containment"] is None else f"{s['containment']:.1%}"
        lines.append(
            f"{name:<24}{s['conversations']:>5}{s['task_success']:>9.1%}{s['turns_per_task']:>7}"
            f"{s['ended']:>7}{s['completed']:>10}{rate:>12}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    log_dir = Path(tempfile.mkdtemp(prefix="bench-de-"))
    redis = LocalRedis(log_dir=log_dir)
    redis.start()
    broker = dev_broker(log_dir / "broker")
    broker.start()
    pg_url, server = find_or_start_postgres(log_dir=log_dir / "postgres")
    database = f"bench_de_{uuid.uuid4().hex[:8]}"
    url = create_database(pg_url, database)
    try:
        result = asyncio.run(run(args.conversations, args.seed, broker.bootstrap, redis.url, url))
    finally:
        drop_database(pg_url, database)
        if server is not None:
            server.stop()
        broker.stop()
        redis.stop()
    print(table(result))
    print(f"turn p50 {result['turn_ms_p50']} ms, p95 {result['turn_ms_p95']} ms, wall {result['wall_s']} s")
    if result["failures"]:
        print("failures:", json.dumps(result["failures"], ensure_ascii=False))
    path = write_result("digital_employee", result)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
