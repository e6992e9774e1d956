"""Dependencies of the queue routes: the use cases from ``app.state`` (filled by bootstrap.py) and path ids."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from branchops.contracts.base import Identifier
from services.queue.handlers import QueueHandlers

IdPath = Annotated[Identifier, Path()]


async def get_handlers(request: Request) -> QueueHandlers:
    return request.app.state.handlers


HandlersDep = Annotated[QueueHandlers, Depends(get_handlers)]
