"""Feed one ticket transition to the model: the same code in the service and in the replay (pure)."""

from __future__ import annotations

import datetime as dt

from branchops.contracts.enums import TicketStatus as S
from services.queue.domain.lifecycle import AT_WINDOW, WAITING
from services.queue.domain.model import Model
from services.queue.domain.tickets import TicketRecord


def minutes(start: dt.datetime, end: dt.datetime) -> float:
    return max((end - start).total_seconds() / 60.0, 0.0)


def learn_transition(model: Model, before: TicketRecord, after: S, at: dt.datetime) -> Model:
    service = before.service.value
    if before.status in WAITING and after is S.CALLED:
        waited = minutes(before.joined_at, at)
        model = model.learn_wait(service, waited, left=False)
        if before.pred_wait_min is not None and before.transferred_from is None:
            model = model.learn_residual(waited, before.pred_wait_min, before.pred_sd_min or 0.0)
        return model
    if before.status in WAITING and after in (S.ABANDONED, S.CANCELLED):
        return model.learn_wait(service, minutes(before.joined_at, at), left=True)
    if before.status in AT_WINDOW and before.called_at is not None:
        took = minutes(before.called_at, at)
        if after in (S.COMPLETED, S.TRANSFERRED):
            return model.learn_service(service, before.window_id, took)
        if after is S.NO_SHOW:
            return model.learn_no_show(service, took)
    return model
