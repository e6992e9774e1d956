"""Common base of every event's ``data``: each carries ``branch_id`` and ``at``."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

BranchId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
"""Branch ids are Kafka keys and Redis key parts: short, no spaces, no separators like ':'."""

Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")]
"""Ids of tickets, windows, cameras, sessions...: they become Redis key parts, so no ':' and no spaces."""
ClockTime = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
NonNegative = Annotated[int, Field(ge=0)]


class EventData(BaseModel):
    """Fields every topic's payload carries. Unknown fields are ignored: additive changes are compatible."""

    model_config = ConfigDict(extra="ignore", frozen=True, use_enum_values=False)

    branch_id: BranchId = Field(description="Branch the event belongs to; also the Kafka key")
    at: AwareDatetime = Field(description="When it happened (RFC 3339 with offset)")


class Part(BaseModel):
    """Base of nested value objects inside event data."""

    model_config = ConfigDict(extra="ignore", frozen=True)
