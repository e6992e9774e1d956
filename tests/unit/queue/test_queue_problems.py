"""The queue's refusals are domain errors; the routes answer them with the status of their kind and their title."""

from __future__ import annotations

import dataclasses

import pytest

from services.queue.domain.errors import (
    Conflict,
    DayFull,
    Invalid,
    NotFound,
    PriorityNotAllowed,
    QueueError,
    UnknownTicket,
)
from services.queue.handlers import QueueHandlers
from services.queue.routes.problems import problem


@pytest.mark.parametrize(
    ("error", "status", "title"),
    [
        (NotFound("no window w1 in branch b1: open it first (PUT)"), 404, "Not found"),
        (UnknownTicket("no ticket t-1 in branch b1"), 404, "Unknown ticket"),
        (Conflict("window w1 is closed: open it before calling"), 409, "Conflict with the current state"),
        (DayFull("all 999 numbers of cash used today"), 409, "No numbers left today"),
        (Invalid("a skill is listed twice"), 422, "Invalid request"),
        (PriorityNotAllowed("vip tickets cannot be issued through the online channel"), 422, "Priority not allowed"),
        (QueueError("something else"), 400, "Refused"),
    ],
)
def test_each_refusal_keeps_its_status_and_title(error: QueueError, status: int, title: str) -> None:
    answer = problem(error)
    assert (answer.status, answer.title, answer.detail) == (status, title, str(error))


def test_the_handlers_are_consumers_only() -> None:
    fields = {f.name for f in dataclasses.fields(QueueHandlers)}
    public = [n for n, v in vars(QueueHandlers).items() if callable(v) and not n.startswith("_") and n not in fields]
    assert public and all(name.startswith("on_") for name in public), public
