"""The rules of the head-office replay request (services/gateway/domain/history_request.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from services.gateway.domain.history_request import MAX_SPAN, HistoryRequestError, history_request, topic_name

SINCE = dt.datetime(2026, 3, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_short_and_full_topic_names_resolve_to_the_contract_topic() -> None:
    assert topic_name("tickets.v1") == "branchops.tickets.v1"
    assert topic_name(" branchops.feedback.v1 ") == "branchops.feedback.v1"


@pytest.mark.parametrize("asked", ["tickets", "tickets.v1.dlq", "branchops.nope.v1", "../etc"])
def test_unknown_and_dead_letter_topics_are_refused(asked: str) -> None:
    with pytest.raises(HistoryRequestError) as refused:
        topic_name(asked)
    assert (refused.value.status, refused.value.reason) == (422, "unknown_topic")
    assert "tickets.v1" in str(refused.value)  # the message lists what may be asked


def test_a_network_wide_request_is_normalised_to_utc() -> None:
    asked = history_request("tickets.v1", SINCE, SINCE + dt.timedelta(hours=2), None, None)
    assert asked.topic == "branchops.tickets.v1" and asked.branch is None
    assert asked.since == dt.datetime(2026, 3, 1, 0, tzinfo=dt.UTC)
    assert asked.until - asked.since == dt.timedelta(hours=2)


def test_a_bound_credential_reads_its_own_branch_only() -> None:
    own = history_request("tickets.v1", SINCE, SINCE + dt.timedelta(hours=1), None, "b1")
    assert own.branch == "b1"
    assert history_request("tickets.v1", SINCE, SINCE + dt.timedelta(hours=1), "b1", "b1").branch == "b1"
    with pytest.raises(HistoryRequestError) as refused:
        history_request("tickets.v1", SINCE, SINCE + dt.timedelta(hours=1), "b2", "b1")
    assert (refused.value.status, refused.value.reason) == (403, "branch_scoped")


@pytest.mark.parametrize(
    ("since", "until", "reason"),
    [
        (SINCE, SINCE, "empty_period"),
        (SINCE, SINCE - dt.timedelta(minutes=1), "empty_period"),
        (SINCE, SINCE + MAX_SPAN + dt.timedelta(seconds=1), "period_too_long"),
        (SINCE.replace(tzinfo=None), SINCE + dt.timedelta(hours=1), "time_zone_required"),
    ],
)
def test_bad_periods_are_refused_with_a_reason(since: dt.datetime, until: dt.datetime, reason: str) -> None:
    with pytest.raises(HistoryRequestError) as refused:
        history_request("tickets.v1", since, until, None, None)
    assert (refused.value.status, refused.value.reason) == (422, reason)


def test_the_longest_period_is_allowed() -> None:
    assert history_request("tickets.v1", SINCE, SINCE + MAX_SPAN, None, None).until == (SINCE + MAX_SPAN).astimezone(
        dt.UTC
    )
