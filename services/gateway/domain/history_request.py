"""What head office may ask the event history for: a topic of the contract, a half-open period of bounded
length, and the branches its credential covers (the rules of ``GET /v1/head-office/replay``; pure)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from branchops.contracts import topics

MAX_SPAN = dt.timedelta(days=31)
"""The longest period one replay reads (a month of one topic; longer: several requests)."""


class HistoryRequestError(ValueError):
    """A request the replay refuses, with the problem's ``reason`` and HTTP status."""

    def __init__(self, status: int, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class HistoryRequest:
    topic: str  # the full topic name, e.g. branchops.tickets.v1
    since: dt.datetime
    until: dt.datetime
    branch: str | None  # None: every branch (a network-wide credential only)


def topic_name(asked: str) -> str:
    """The full name of a contract topic given as ``tickets.v1`` or ``branchops.tickets.v1``; dead-letter
    topics are not replayed here (they hold bytes that failed, an operator's tool reads them)."""
    name = asked.strip()
    full = name if name.startswith(topics.PREFIX) else topics.PREFIX + name
    try:
        return topics.topic_by_name(full).name
    except topics.UnknownTopic:
        known = ", ".join(t.name.removeprefix(topics.PREFIX) for t in topics.ALL_TOPICS)
        raise HistoryRequestError(422, "unknown_topic", f"unknown topic {asked!r}; one of: {known}") from None


def history_request(
    topic: str,
    since: dt.datetime,
    until: dt.datetime,
    branch: str | None,
    bound_branch: str | None,
    *,
    max_span: dt.timedelta = MAX_SPAN,
) -> HistoryRequest:
    """Check a replay request of a caller whose credential is tied to ``bound_branch`` (None: network-wide).

    A branch-bound credential reads its own branch only (asked for another: 403 ``branch_scoped``; asked for
    none: its own). Times without an offset are refused: a head office spans time zones."""
    if since.tzinfo is None or until.tzinfo is None:
        raise HistoryRequestError(422, "time_zone_required", "since and until need an offset, e.g. 2026-12-01T00:00Z")
    if until <= since:
        raise HistoryRequestError(422, "empty_period", "until must be after since (the period is [since, until))")
    if until - since > max_span:
        raise HistoryRequestError(
            422, "period_too_long", f"a replay reads at most {max_span.days} days; split the period"
        )
    if bound_branch is not None:
        if branch is not None and branch != bound_branch:
            raise HistoryRequestError(403, "branch_scoped", f"this credential is limited to branch {bound_branch}")
        branch = bound_branch
    return HistoryRequest(topic_name(topic), since.astimezone(dt.UTC), until.astimezone(dt.UTC), branch)
