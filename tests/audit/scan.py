"""Where PII could leak to: log files, every Kafka topic (DLQs too), image files on disk."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition

from branchops.contracts.topics import all_topic_names
from services.kyc.domain import id_number

IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF8", b"BM", b"RIFF")  # RIFF: check for WEBP below
_ID_LIKE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


@dataclass(frozen=True)
class Leak:
    where: str  # file:line or topic/partition@offset
    what: str  # which needle (its label, never the value itself)
    excerpt: str  # the surrounding text with the value replaced by <label>

    def __str__(self) -> str:
        return f"{self.where}: {self.what}: {self.excerpt}"


def readable(raw: bytes) -> str:
    """Text as a person would read it: JSON unicode escapes decoded, whatever the producer chose."""
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        return text


def find(where: str, text: str, needles: dict[str, str]) -> Iterator[Leak]:
    """Each needle (label -> value) found in ``text``, and any 18-digit string with a valid ID checksum."""
    hits = {label: value for label, value in needles.items() if value in text}
    for match in _ID_LIKE.finditer(text):
        if id_number.checksum_ok(match[0].upper()) and match[0] not in hits.values():
            hits[f"valid ID number at {match.start()}"] = match[0]
    for label, value in hits.items():
        at = text.index(value)
        excerpt = text[max(0, at - 60) : at + len(value) + 60]
        for other_label, other in {**needles, **hits}.items():
            excerpt = excerpt.replace(other, f"<{other_label}>")
        yield Leak(where, label, excerpt.replace("\n", " "))


def scan_logs(log_dir: Path, needles: dict[str, str]) -> tuple[list[Leak], int]:
    leaks: list[Leak] = []
    lines = 0
    for path in sorted(log_dir.rglob("*.log")):
        for number, raw in enumerate(path.read_bytes().splitlines(), 1):
            lines += 1
            leaks.extend(find(f"{path.name}:{number}", readable(raw), needles))
    return leaks, lines


async def read_every_topic(bootstrap: str) -> dict[str, list[tuple[str, bytes]]]:
    """Every record of every topic from the beginning to the current end: (position, key+headers+value)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20)
    await consumer.start()
    try:
        names = set(all_topic_names()) | set(await consumer.topics())
        await consumer._client.set_topics(sorted(names))
        await consumer._client.force_metadata_update()
        partitions = [
            TopicPartition(topic, p)
            for topic in sorted(names | set(await consumer.topics()))
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        out: dict[str, list[tuple[str, bytes]]] = {tp.topic: [] for tp in partitions}
        if not partitions:
            return out
        consumer.assign(partitions)  # all at once: assigning again would narrow the metadata to the new set
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        pending = {tp for tp in partitions if ends[tp] > 0}
        for _ in range(300):
            if not pending:
                break
            batch = await consumer.getmany(*pending, timeout_ms=200)
            for tp, recs in batch.items():
                for rec in recs:
                    headers = b" ".join(k.encode() + b"=" + (v or b"") for k, v in rec.headers)
                    blob = (rec.key or b"") + b" " + headers + b" " + (rec.value or b"")
                    out[tp.topic].append((f"{tp.topic}/{tp.partition}@{rec.offset}", blob))
                    if rec.offset + 1 >= ends[tp]:
                        pending.discard(tp)
        return out
    finally:
        await consumer.stop()


def scan_records(records: dict[str, list[tuple[str, bytes]]], needles: dict[str, str]) -> list[Leak]:
    leaks: list[Leak] = []
    for items in records.values():
        for where, blob in items:
            key_and_headers, _, value = blob.rpartition(b" ")
            leaks.extend(find(where, readable(key_and_headers) + " " + readable(value), needles))
            leaks.extend(find(where, readable(blob), needles))
    unique = {(leak.where, leak.what): leak for leak in leaks}
    return list(unique.values())


def is_image(head: bytes) -> bool:
    if head.startswith(b"RIFF"):
        return head[8:12] == b"WEBP"
    if head.startswith(b"BM"):
        return len(head) >= 14 and head[6:10] == b"\0\0\0\0"  # BMP: reserved bytes are zero
    return head.startswith(IMAGE_MAGIC)


def files_under(roots: Iterable[Path], skip: tuple[str, ...] = ()) -> dict[Path, float]:
    """Regular files under ``roots`` with their modification times (``skip``: folder names not entered)."""
    found: dict[Path, float] = {}
    for root in roots:
        if not root.exists():
            continue
        for path in root.rglob("*"):
            if any(part in skip for part in path.relative_to(root).parts):
                continue
            try:
                if path.is_file() and not path.is_symlink():
                    found[path] = path.stat().st_mtime
            except OSError:
                continue
    return found


def new_images(before: dict[Path, float], after: dict[Path, float]) -> list[Path]:
    """Files created or rewritten between the two listings that start like an image."""
    images: list[Path] = []
    for path, mtime in after.items():
        if before.get(path) == mtime:
            continue
        try:
            with path.open("rb") as handle:
                head = handle.read(16)
        except OSError:
            continue
        if is_image(head):
            images.append(path)
    return images
