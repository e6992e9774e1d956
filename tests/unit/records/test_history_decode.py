"""Whatever bytes arrive, records' decoder either gives an event to keep or an error that dead-letters them
(EventDecodeError, PermanentError): never anything that would stop the consumer on one record."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from branchops.bus import PermanentError
from branchops.contracts import ALL_TOPICS, EventDecodeError, Topic
from services.records.domain import privacy
from services.records.handlers import HistoryHandler

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.from_regex(r"1[3-9]\d{9}|\d{16,19}", fullmatch=True),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


def _outcome(topic: Topic, raw: bytes) -> str:
    try:
        HistoryHandler.decode(topic, raw)
    except (EventDecodeError, PermanentError):
        return "dead-lettered"
    return "kept"


@settings(max_examples=300, deadline=None)
@given(topic=st.sampled_from(ALL_TOPICS), raw=st.binary(max_size=200))
def test_any_bytes(topic: Topic, raw: bytes) -> None:
    assert _outcome(topic, raw) in ("kept", "dead-lettered")


@settings(max_examples=300, deadline=None)
@given(topic=st.sampled_from(ALL_TOPICS), data=JSON)
def test_any_json_with_numbers_in_it(topic: Topic, data: object) -> None:
    envelope = {
        "specversion": "1.0",
        "id": "e1",
        "source": "branchops/test/x",
        "type": topic.event_type,
        "time": "2027-01-01T00:00:00Z",
        "subject": "b1",
        "data": data,
    }
    assert _outcome(topic, json.dumps(envelope).encode()) in ("kept", "dead-lettered")


def test_deeply_nested_json_is_refused_not_crashed_on() -> None:
    deep = b'{"data": ' + b"[" * 100_000 + b'"13912345678"' + b"]" * 100_000 + b"}"
    assert privacy.mask_envelope(deep) is None
    assert _outcome(ALL_TOPICS[0], deep) == "dead-lettered"
