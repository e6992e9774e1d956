"""Every topic's model round-trips; bad payloads are refused with a readable reason."""

from __future__ import annotations

import json
from typing import Any

import pytest

from branchops.contracts import ALL_TOPICS, EventDecodeError, decode, encode, new_event, topic_by_name, topics
from branchops.contracts.asyncapi import build_document, render
from tests.unit.platform.samples import samples

SAMPLES = samples()
SOURCE = "branchops/test/unit"


def test_every_topic_has_a_sample_and_a_dlq_twin() -> None:
    assert {t.name for t in ALL_TOPICS} == set(SAMPLES)
    for topic in ALL_TOPICS:
        assert topic.name.startswith("branchops.") and topic.name.split(".")[-1].startswith("v")
        assert topic.dlq == topic.name + ".dlq"
        assert topic.key_field == "branch_id"


@pytest.mark.parametrize("topic", ALL_TOPICS, ids=lambda t: t.short)
def test_round_trip(topic: topics.Topic) -> None:
    event = new_event(topic, SAMPLES[topic.name], source=SOURCE)
    raw = encode(event)
    back = decode(topic, raw)
    assert back == event
    assert back.data == SAMPLES[topic.name]
    envelope = json.loads(raw)
    assert envelope["specversion"] == "1.0" and envelope["type"] == topic.name
    assert envelope["subject"] == "b1" and envelope["datacontenttype"] == "application/json"
    assert envelope["time"].endswith("Z") or "+" in envelope["time"]


def test_unknown_fields_are_ignored_so_additive_changes_stay_compatible() -> None:
    envelope = json.loads(encode(new_event(topics.TICKETS, SAMPLES[topics.TICKETS.name], source=SOURCE)))
    envelope["data"]["new_field_from_v1_1"] = "x"
    envelope["extension"] = 1
    assert decode(topics.TICKETS, json.dumps(envelope)).data.ticket_id == "t-1"


def _ticket_envelope(**data_changes: Any) -> dict[str, Any]:
    envelope = json.loads(encode(new_event(topics.TICKETS, SAMPLES[topics.TICKETS.name], source=SOURCE)))
    envelope["data"].update(data_changes)
    return envelope


@pytest.mark.parametrize(
    ("envelope", "reason"),
    [
        (_ticket_envelope(service="teleport"), "data.service"),
        (_ticket_envelope(status="lost"), "data.status"),
        (_ticket_envelope(number="23"), "data.number"),
        (_ticket_envelope(at="2026-12-01T09:30:00"), "timezone"),
        (_ticket_envelope(branch_id="b 1"), "data.branch_id"),
        (_ticket_envelope(branch_id="b2"), "subject must equal data.branch_id"),
        ({**_ticket_envelope(), "specversion": "0.3"}, "specversion"),
        ({**_ticket_envelope(), "type": "branchops.windows.v1"}, "does not belong"),
        ({k: v for k, v in _ticket_envelope().items() if k != "id"} | {"id": ""}, "id"),
        (["not", "an", "object"], "(event)"),
    ],
    ids=["enum", "status", "number", "naive-time", "branch-id", "subject", "specversion", "type", "empty-id", "array"],
)
def test_bad_payloads_are_refused_with_a_reason(envelope: Any, reason: str) -> None:
    with pytest.raises(EventDecodeError) as err:
        decode(topics.TICKETS, json.dumps(envelope))
    assert reason in str(err.value)
    assert (
        str(err.value).startswith("invalid branchops.tickets.v1 event")
        or "does not belong" in str(err.value)
        or "subject" in str(err.value)
    )


@pytest.mark.parametrize(
    ("topic", "changes", "reason"),
    [
        (topics.KYC_RESULTS, {"id_number_masked": "320102199001011234"}, "id_number_masked"),
        (topics.VOICE_INTERACTIONS, {"slots": {"account_last4": "1234"}}, "must be masked"),
        (topics.FEEDBACK, {"rating": 6}, "rating"),
        (topics.FOOTFALL, {"entered": -1}, "entered"),
        (topics.FOOTFALL, {"window_end": "2026-12-01T01:00:00Z"}, "window_end is before window_start"),
        (topics.OCCUPANCY, {"person_s": [1.0, 2.0]}, "not cols x rows"),
        (topics.OCCUPANCY, {"person_s": [-1.0] * 8}, "person_s"),
        (
            topics.QUEUE_FORECAST,
            {
                "per_service": [
                    {"service": "cash", "waiting": 1, "open_windows": 1, "est_wait_min": 9, "est_wait_p90_min": 3}
                ]
            },
            "p90",
        ),
        (topics.STAFFING_PLAN, {"intervals": [{"start": "25:00", "required": {}, "planned": {}}]}, "start"),
        (topics.STAFFING_ALERTS, {"kind": "panic"}, "kind"),
    ],
    ids=[
        "unmasked-id-number",
        "unmasked-account",
        "rating",
        "negative-count",
        "window-order",
        "occupancy-grid-shape",
        "occupancy-negative-cell",
        "p90-below-mean",
        "clock-time",
        "alert-kind",
    ],
)
def test_domain_rules_in_contracts(topic: topics.Topic, changes: dict[str, Any], reason: str) -> None:
    envelope = json.loads(encode(new_event(topic, SAMPLES[topic.name], source=SOURCE)))
    envelope["data"].update(changes)
    with pytest.raises(EventDecodeError, match=reason):
        decode(topic, json.dumps(envelope))


def test_new_event_refuses_the_wrong_model() -> None:
    with pytest.raises(TypeError, match="carries Window"):
        new_event(topics.WINDOWS, SAMPLES[topics.TICKETS.name], source=SOURCE)


def test_topic_lookup() -> None:
    assert topic_by_name("branchops.tickets.v1") is topics.TICKETS
    with pytest.raises(KeyError, match="unknown topic"):
        topic_by_name("branchops.tickets.v0")


def test_committed_asyncapi_is_current() -> None:
    with open("docs/asyncapi.yaml", encoding="utf-8") as committed:
        assert committed.read() == render(), "docs/asyncapi.yaml is stale: run `make docs`"


def test_asyncapi_describes_every_topic_and_dlq() -> None:
    doc = build_document()
    assert doc["asyncapi"].startswith("3.")
    addresses = {c["address"] for c in doc["channels"].values()}
    for topic in ALL_TOPICS:
        assert {topic.name, topic.dlq} <= addresses
        schema = doc["components"]["schemas"][f"{topic.model.__name__}Event"]
        assert {"specversion", "id", "source", "type", "subject", "data"} <= set(schema["properties"])
