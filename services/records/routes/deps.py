"""Dependencies of the records routes, in one place."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.records.usecases.configuration import Configuration


async def get_configuration(request: Request) -> Configuration:
    configuration: Configuration = request.app.state.configuration
    return configuration


ConfigurationDep = Annotated[Configuration, Depends(get_configuration)]
