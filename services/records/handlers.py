"""The records service's consumer: every topic into the history (usecases/ingest.py), a batch at a time.

:meth:`HistoryHandler.decode` turns a record into an :class:`Incoming` (an invalid one goes to the DLQ): it
masks personal numbers a producer left in the JSON's strings (domain/privacy.py) before anything is kept.
:meth:`HistoryHandler.on_batch` stores a batch; adapters/batch_consumer.py commits its offsets after that.
"""

from __future__ import annotations

import logging

from prometheus_client import Counter

from branchops.bus import PermanentError
from branchops.contracts import EventDecodeError, Topic, decode
from services.records.domain import privacy
from services.records.usecases.ingest import Incoming, Ingest, IngestReport

log = logging.getLogger(__name__)
MASKED = Counter("records_history_masked_total", "Events kept with personal numbers masked by records", ["topic"])


class HistoryHandler:
    def __init__(self, ingest: Ingest) -> None:
        self.ingest = ingest

    @staticmethod
    def decode(topic: Topic, value: bytes) -> Incoming:
        if b"\\u0000" in value:
            raise EventDecodeError(f"invalid {topic.name} event: a NUL character (\\u0000), which is not kept")
        masked = privacy.mask_envelope(value)
        if masked is not None:
            value, paths = masked
            MASKED.labels(topic.name).inc()
            log.warning("%s: masked personal numbers at %s before keeping it", topic.name, ", ".join(paths))
            try:
                event = decode(topic, value)
            except EventDecodeError as exc:
                raise PermanentError(
                    f"personal numbers at {', '.join(paths)}; masked, the event is invalid: {exc}"
                ) from None
        else:
            event = decode(topic, value)
        return Incoming(topic.name, event, value.decode())

    async def on_batch(self, batch: list[Incoming]) -> IngestReport:
        return await self.ingest(batch)
