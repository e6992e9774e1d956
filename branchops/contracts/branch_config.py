"""A branch's configuration document: what ``branchops.branch-config.v1`` carries and the records service keeps.

The shapes and per-field limits live here, in the contracts, because every consumer of the topic parses
them. The rules across fields (hours that overlap, a staff skill no window offers, duplicate ids...) are
the records service's (services/records/domain/); an event only ever carries a document that passed them.
Like every contract model, unknown fields are ignored when reading, so additive changes stay compatible.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from branchops.contracts.base import ClockTime, Identifier, Part
from branchops.contracts.enums import ServiceName


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


class DeviceKind(StrEnum):
    KIOSK = "kiosk"
    RATING_PAD = "rating_pad"


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
TicketPrefix = Annotated[str, StringConstraints(pattern=r"^[A-Z]$")]


class OpeningSpan(Part):
    """``open`` until ``close`` (local time of the branch, same day)."""

    open: ClockTime
    close: ClockTime


class Holiday(Part):
    date: dt.date
    name: Annotated[str, StringConstraints(max_length=200)] = ""


class BranchAddress(Part):
    """The branch's street address, as told to customers in both languages."""

    zh: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=200)]
    en: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=200)]


Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9 ()-]{2,30}[0-9]$")]


class BranchInfo(Part):
    name: Name
    timezone: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="IANA time zone of the hours, e.g. Asia/Shanghai"
    )
    hours: dict[Weekday, list[OpeningSpan]] = Field(
        default_factory=dict, description="opening spans per weekday; a weekday left out is closed"
    )
    holidays: list[Holiday] = Field(default_factory=list, description="closed all day")
    address: BranchAddress | None = Field(None, description="street address in Chinese and English (optional)")
    phone: Phone | None = Field(None, description='public phone number, e.g. "+86 21 5888 0000" (optional)')


class ServiceNames(Part):
    zh: Name
    en: Name


class ServiceConfig(Part):
    code: ServiceName
    name: ServiceNames
    target_wait_min: Annotated[int, Field(ge=1, le=240)]
    ticket_prefix: TicketPrefix = Field(description='first letter of its ticket numbers ("A" of "A023")')


class WindowConfig(Part):
    id: Identifier
    skills: Annotated[list[ServiceName], Field(min_length=1)]
    label: Name = Field(description='what is written on the window, e.g. "3号窗口"')


class Absence(Part):
    start: dt.date
    end: dt.date = Field(description="last day of the absence (inclusive)")
    arrives_at: ClockTime | None = Field(
        None,
        description="a late arrival: on a one-day absence, the local time the person comes in (absent before it, "
        "available after it); left out, the whole day",
    )


class StaffConfig(Part):
    id: Identifier
    display_name: Name = Field(description="kept in full by records; masked in events (DESIGN.md section 7)")
    skills: Annotated[list[ServiceName], Field(min_length=1)]
    max_minutes_per_day: Annotated[int, Field(ge=0, le=24 * 60)] = 480
    max_minutes_per_week: Annotated[int, Field(ge=0, le=7 * 24 * 60)] | None = None
    availability: dict[Weekday, list[OpeningSpan]] = Field(
        default_factory=dict, description="when they can work, per weekday; a weekday left out: not available"
    )
    absences: list[Absence] = Field(default_factory=list)


class CameraConfig(Part):
    id: Identifier
    url_ref: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(
        description="a reference to the stream's address (the secret store's name of it), never a URL with credentials"
    )
    lines: Any = Field(default=None, description="counting lines, opaque JSON for now")
    zones: Any = Field(default=None, description="zones, opaque JSON for now")


class DeviceConfig(Part):
    id: Identifier
    kind: DeviceKind
    window_id: Identifier | None = Field(None, description="the window a rating pad belongs to")


class BranchConfig(Part):
    """The whole configuration of one branch."""

    branch: BranchInfo
    services: list[ServiceConfig] = Field(default_factory=list)
    windows: list[WindowConfig] = Field(default_factory=list)
    staff: list[StaffConfig] = Field(default_factory=list)
    cameras: list[CameraConfig] = Field(default_factory=list)
    devices: list[DeviceConfig] = Field(default_factory=list)


__all__ = [
    "Absence",
    "BranchAddress",
    "BranchConfig",
    "BranchInfo",
    "CameraConfig",
    "DeviceConfig",
    "DeviceKind",
    "Holiday",
    "OpeningSpan",
    "ServiceConfig",
    "ServiceNames",
    "StaffConfig",
    "Weekday",
    "WindowConfig",
]
