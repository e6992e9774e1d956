"""What a prepared form costs a ticket: sequential POST /tickets against one real queue process (fresh
Redis, broker), alternating requests with and without a form of the digital employee, and the teller's
correction (PATCH .../form) of a called ticket. Latencies in ms (p50, p95) and the machine's load.

    .venv/bin/python bench/ticket_forms.py --requests 300
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, median, percentile, write_result  # noqa: E402
from bench.ticket_load import start_queue  # noqa: E402

FORM = {
    "kind": "transfer",
    "fields": {"amount": "3500.00", "currency": "CNY", "payee": "张三", "account_last4": "1234"},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="tickets of each kind (with and without a form)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-forms-") as logs:
        stack, redis, base, teller = start_queue(Path(logs))
        try:
            headers = {"X-API-Key": teller}
            timings: dict[str, list[float]] = {"without_form": [], "with_form": [], "correction": []}
            with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
                branch = f"bench-forms-{int(time.time())}"
                url = f"/v1/branches/{branch}/tickets"
                for i in range(2 * args.requests):
                    body: dict[str, object] = {"service": "general", "channel": "teller"}
                    kind = "with_form" if i % 2 else "without_form"
                    if i % 2:
                        body["form"] = FORM
                    started = time.perf_counter()
                    got = client.post(url, json=body)
                    timings[kind].append((time.perf_counter() - started) * 1000)
                    assert got.status_code == 201, got.text
                opened = client.put(f"/v1/branches/{branch}/windows/w1", json={"state": "open", "skills": ["general"]})
                assert opened.status_code == 200, opened.text
                for _ in range(min(args.requests, 100)):
                    called = client.post(f"/v1/branches/{branch}/windows/w1/call-next").json()
                    started = time.perf_counter()
                    fixed = client.patch(
                        f"{url}/{called['ticket_id']}/form", json={"window_id": "w1", "fields": {"amount": "3600"}}
                    )
                    timings["correction"].append((time.perf_counter() - started) * 1000)
                    assert fixed.status_code == 200, fixed.text
                    client.post(f"{url}/{called['ticket_id']}/complete", json={"window_id": "w1"})
        finally:
            stack.stop()
            redis.stop()
    result = {
        kind: {"n": len(v), "p50_ms": round(median(v), 2), "p95_ms": round(percentile(v, 95), 2)}
        for kind, v in timings.items()
    }
    payload = {"machine": machine(), "results": result}
    path = write_result("ticket_forms", payload)
    for kind, stats in result.items():
        print(f"{kind:14s} n={stats['n']:4d} p50 {stats['p50_ms']:7.2f} ms  p95 {stats['p95_ms']:7.2f} ms")
    print(f"load (1 min) {payload['machine']['loadavg_1m']}; written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
