"""PII audit (issue 10 item 5): the whole stack as processes through a short day with KYC and voice, then
every service log line, every Kafka record (DLQs too) and the disk are searched for what the customer gave."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from branchops.devstack.process import free_port
from tests.audit.day import Day, run_day
from tests.audit.scan import Leak, files_under, new_images, read_every_topic, scan_logs, scan_records
from tests.audit.stack import NAMES, AuditStack, audit_stack

pytest.importorskip("bench.kyc.fonts").cjk_font_location() or pytest.skip("no CJK font", allow_module_level=True)

REPO = Path(__file__).resolve().parents[2]
SKIP_DIRS = (".git", ".venv", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache")


@dataclass
class Audit:
    stack: AuditStack
    day: Day
    records: dict[str, list[tuple[str, bytes]]]
    images: list[Path]


@pytest.fixture(scope="module")
def audit(redis_url: str) -> Iterator[Audit]:
    ports = {name: free_port() for name in NAMES}
    started = time.time()
    with audit_stack(redis_url, ports) as stack:
        watched = [stack.sandbox, REPO]
        before = files_under(watched, SKIP_DIRS)
        day = run_day(stack)
        time.sleep(3)  # let relays publish and consumers (and their logs) catch up
        records = asyncio.run(read_every_topic(stack.stack.kafka_bootstrap))
        after = files_under(watched, SKIP_DIRS)
        images = [p for p in new_images(before, after) if p.stat().st_mtime >= started]
        yield Audit(stack, day, records, images)


def _report(leaks: list[Leak]) -> str:
    return "\n".join(str(leak) for leak in leaks[:40]) + (f"\n... {len(leaks)} in all" if len(leaks) > 40 else "")


def test_the_day_happened(audit: Audit) -> None:
    failed = [(what, status) for what, status in audit.day.statuses if status >= 500]
    assert not failed, failed
    statuses = dict(audit.day.statuses)
    assert any("/documents" in k and v == 200 for k, v in statuses.items()), audit.day.statuses
    assert any("/selfie" in k and v == 200 for k, v in statuses.items()), audit.day.statuses
    topics = {t for t, recs in audit.records.items() if recs}
    for name in ("tickets", "windows", "kyc.results", "voice.interactions"):
        assert f"branchops.{name}.v1" in topics, sorted(topics)


def test_service_logs_hold_no_pii(audit: Audit) -> None:
    leaks, lines = scan_logs(audit.stack.log_dir, audit.day.needles())
    assert lines > 0
    assert not leaks, _report(leaks)


def _account_as_amount(leak: Leak) -> bool:
    """Bug 8 (docs/reliability.md): the NLU reads account digits as the amount, and amounts are not masked."""
    return leak.where.startswith("branchops.voice.interactions.v1/") and '"amount":<account>' in leak.excerpt


def test_kafka_records_hold_no_pii(audit: Audit) -> None:
    count = sum(len(recs) for recs in audit.records.values())
    assert count > 10
    leaks = [leak for leak in scan_records(audit.records, audit.day.needles()) if not _account_as_amount(leak)]
    assert not leaks, _report(leaks)


def test_account_digits_never_reach_voice_interactions(audit: Audit) -> None:
    leaks = [leak for leak in scan_records(audit.records, audit.day.needles()) if _account_as_amount(leak)]
    assert not leaks, _report(leaks)


def test_no_image_written_to_disk(audit: Audit) -> None:
    assert not audit.images, audit.images


def test_services_use_no_fixed_temp_paths() -> None:
    """TMPDIR pointed into the sandbox; code that spells /tmp itself would escape the disk check above."""
    spelled = [
        f"{p.relative_to(REPO)}"
        for p in (REPO / "services").rglob("*.py")
        if '"/tmp' in p.read_text(encoding="utf-8") or "'/tmp" in p.read_text(encoding="utf-8")
    ]
    assert not spelled, spelled
