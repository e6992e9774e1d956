"""The queue's refusals (domain errors) as problem+json: the status by the error's kind, its title and message."""

from __future__ import annotations

from branchops.web import Problem
from services.queue.domain.errors import Conflict, Invalid, NotFound, QueueError

STATUS: dict[type[QueueError], int] = {NotFound: 404, Conflict: 409, Invalid: 422}


def status_of(error: QueueError) -> int:
    return next((status for kind, status in STATUS.items() if isinstance(error, kind)), 400)


def problem(error: QueueError) -> Problem:
    return Problem(status_of(error), error.title, str(error))
