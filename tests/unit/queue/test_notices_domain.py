"""Which notice is due, and its words (issue 18 item 3), pure."""

from __future__ import annotations

import pytest

from branchops.contracts.enums import TicketStatus
from services.queue.domain.nearness import NearRule
from services.queue.domain.notices import NoticeKind, TicketNotice, due, finished

RULE = NearRule(people=2, minutes=5.0)
NEAR, CALLED = NoticeKind.NEAR, NoticeKind.CALLED


@pytest.mark.parametrize(
    ("sent", "status", "position", "high", "expected"),
    [
        (frozenset(), TicketStatus.ISSUED, 6, 30.0, None),  # far
        (frozenset(), TicketStatus.ISSUED, 3, 30.0, NEAR),  # 2 ahead
        (frozenset(), TicketStatus.ISSUED, 9, 4.0, NEAR),  # 4 minutes left
        (frozenset({NEAR}), TicketStatus.ISSUED, 1, 1.0, None),  # told already
        (frozenset({NEAR}), TicketStatus.CALLED, None, None, CALLED),
        (frozenset(), TicketStatus.CALLED, None, None, CALLED),  # called at once: only that
        (frozenset({NEAR, CALLED}), TicketStatus.CALLED, None, None, None),  # a recall: not again
        (frozenset(), TicketStatus.TRANSFERRED, 2, 30.0, NEAR),
        (frozenset(), TicketStatus.CANCELLED, None, None, None),
    ],
)
def test_due(
    sent: frozenset[NoticeKind], status: TicketStatus, position: int | None, high: float | None, expected: object
) -> None:
    assert due(sent, status, position, high, RULE) == expected


def test_finished_once_called_or_final() -> None:
    assert finished(TicketStatus.COMPLETED, frozenset())
    assert finished(TicketStatus.CALLED, frozenset({CALLED}))
    assert not finished(TicketStatus.ISSUED, frozenset({NEAR}))


def test_words_in_both_languages_carry_number_window_and_wait() -> None:
    near = TicketNotice(NEAR, "b1", "A012", None, 2, 6.4, "zh")
    assert near.text() == "A012 号：快轮到您了（前面还有 2 位，约 6 分钟），请回到大厅等候。"
    called = TicketNotice(CALLED, "b1", "A012", "3", None, None, "en")
    assert called.text() == "Ticket A012: please come to window 3 now."
