"""Is a configuration document acceptable? Every reason it is not, each with a code, a field and a message.

:func:`validate` parses the JSON (shapes and limits of the contract models, fields nobody reads refused so
a typo is not silently dropped) and then checks the rules across fields. Codes:

``invalid``                 a value of the wrong type or out of its limits
``unknown_field``           a field the document does not have
``unknown_service``         a service or skill that is none of the contract's services, or not one the branch offers
``invalid_time_zone``       not an IANA time zone
``invalid_hours``           a span that closes before (or when) it opens
``overlapping_hours``       two spans of one weekday that overlap
``duplicate_id``            two services, windows, staff, cameras, devices or holidays with one id (or date)
``duplicate_ticket_prefix`` two services with one ticket prefix
``skill_not_offered``       a staff skill that no window offers
``unknown_window``          a device attached to a window the branch does not have
``invalid_absence``         an absence that ends before it starts, or a late arrival (``arrives_at``) over days
``control_character``       a control character (a line break, a tab, an escape...) in the branch's name or address
"""

from __future__ import annotations

import itertools
import unicodedata
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from branchops.contracts.enums import ServiceName
from services.records.domain.config import BranchConfig, OpeningSpan, Weekday

MAX_REASONS = 50


@dataclass(frozen=True)
class Reason:
    code: str
    field: str
    message: str


class InvalidConfig(ValueError):
    """The document is refused; ``reasons`` says why (all of them, up to ``MAX_REASONS``)."""

    def __init__(self, reasons: list[Reason]) -> None:
        super().__init__("; ".join(f"{r.field}: {r.message}" for r in reasons[:3]))
        self.reasons = reasons[:MAX_REASONS]


def validate(raw: Any) -> BranchConfig:
    """The document ``raw`` (parsed JSON) as a :class:`BranchConfig`, or :class:`InvalidConfig`."""
    try:
        config = BranchConfig.model_validate(raw)
    except ValidationError as exc:
        raise InvalidConfig(list(_parse_reasons(exc))) from None
    reasons = list(unknown_fields(raw, config)) + list(check(config))
    if reasons:
        raise InvalidConfig(reasons)
    return config


def _where(loc: Iterable[int | str]) -> str:
    return ".".join(str(part) for part in loc if part != "[key]") or "(document)"  # [key]: pydantic's marker


def _parse_reasons(exc: ValidationError) -> Iterator[Reason]:
    services = ", ".join(s.value for s in ServiceName)
    for error in exc.errors():
        where = _where(error["loc"])
        names = [part for part in error["loc"] if isinstance(part, str)]
        if error["type"] == "enum" and names and names[-1] in ("code", "skills"):
            yield Reason("unknown_service", where, f"{error['input']!r} is not a service ({services})")
        else:
            yield Reason("invalid", where, str(error["msg"]))


def unknown_fields(raw: Any, parsed: Any, loc: tuple[int | str, ...] = ()) -> Iterator[Reason]:
    """Keys of ``raw`` that no field of the model read (opaque JSON fields are not looked into)."""
    if isinstance(parsed, BaseModel) and isinstance(raw, Mapping):
        fields = type(parsed).model_fields
        for key, value in raw.items():
            if key not in fields:
                yield Reason("unknown_field", _where((*loc, key)), f"no field {key!r} here")
            else:
                yield from unknown_fields(value, getattr(parsed, key), (*loc, key))
    elif isinstance(parsed, list) and isinstance(raw, list):
        for i, (raw_item, item) in enumerate(zip(raw, parsed, strict=False)):
            yield from unknown_fields(raw_item, item, (*loc, i))
    elif isinstance(parsed, dict) and isinstance(raw, Mapping):
        by_name = {str(k): v for k, v in parsed.items()}
        for key, value in raw.items():
            if str(key) in by_name:
                yield from unknown_fields(value, by_name[str(key)], (*loc, key))


def check(config: BranchConfig) -> Iterator[Reason]:
    """The rules across fields of a parsed document."""
    yield from _time_zone(config.branch.timezone)
    yield from _plain_text("branch.name", config.branch.name)
    if config.branch.address is not None:
        yield from _plain_text("branch.address.zh", config.branch.address.zh)
        yield from _plain_text("branch.address.en", config.branch.address.en)
    yield from _week("branch.hours", config.branch.hours)
    yield from _duplicates("branch.holidays", [h.date.isoformat() for h in config.branch.holidays], "holiday")
    offered = [s.code for s in config.services]
    yield from _duplicates("services", [s.value for s in offered], "service")
    for prefix, count in Counter(s.ticket_prefix for s in config.services).items():
        if count > 1:
            yield Reason("duplicate_ticket_prefix", "services", f"ticket prefix {prefix!r} is used by {count} services")
    yield from _duplicates("windows", [w.id for w in config.windows], "window")
    window_skills: set[ServiceName] = set()
    for i, window in enumerate(config.windows):
        for skill in window.skills:
            window_skills.add(skill)
            if skill not in offered:
                yield Reason(
                    "unknown_service",
                    f"windows.{i}.skills",
                    f"window {window.id} offers {skill.value}, which is not among the branch's services",
                )
    yield from _duplicates("staff", [s.id for s in config.staff], "staff member")
    for i, member in enumerate(config.staff):
        for skill in member.skills:
            if skill not in window_skills:
                yield Reason(
                    "skill_not_offered",
                    f"staff.{i}.skills",
                    f"staff {member.id} has skill {skill.value}, which no window offers",
                )
        yield from _week(f"staff.{i}.availability", member.availability)
        for j, absence in enumerate(member.absences):
            if absence.end < absence.start:
                yield Reason(
                    "invalid_absence",
                    f"staff.{i}.absences.{j}",
                    f"ends {absence.end.isoformat()}, before it starts {absence.start.isoformat()}",
                )
            elif absence.arrives_at is not None and absence.end != absence.start:
                yield Reason(
                    "invalid_absence",
                    f"staff.{i}.absences.{j}",
                    f"a late arrival (arrives_at {absence.arrives_at}) is for one day: start and end must be the same",
                )
    yield from _duplicates("cameras", [c.id for c in config.cameras], "camera")
    yield from _duplicates("devices", [d.id for d in config.devices], "device")
    windows = {w.id for w in config.windows}
    for i, device in enumerate(config.devices):
        if device.window_id is not None and device.window_id not in windows:
            yield Reason(
                "unknown_window",
                f"devices.{i}.window_id",
                f"device {device.id} is attached to window {device.window_id}, which the branch does not have",
            )


def _time_zone(name: str) -> Iterator[Reason]:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        yield Reason(
            "invalid_time_zone", "branch.timezone", f"unknown time zone {name!r} (IANA name, e.g. Asia/Shanghai)"
        )


def _plain_text(field: str, text: str) -> Iterator[Reason]:
    """One line of text as customers see it: no control or format characters (Unicode category C*)."""
    bad = sorted({f"U+{ord(c):04X}" for c in text if unicodedata.category(c).startswith("C")})
    if bad:
        yield Reason("control_character", field, f"control characters are not allowed here ({', '.join(bad[:5])})")


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _week(field: str, week: Mapping[Weekday, list[OpeningSpan]]) -> Iterator[Reason]:
    for day, spans in week.items():
        where = f"{field}.{day.value}"
        for k, span in enumerate(spans):
            if _minutes(span.close) <= _minutes(span.open):
                yield Reason(
                    "invalid_hours", f"{where}.{k}", f"closes at {span.close}, not after it opens at {span.open}"
                )
        ordered = sorted((s for s in spans if _minutes(s.close) > _minutes(s.open)), key=lambda s: _minutes(s.open))
        for before, after in itertools.pairwise(ordered):
            if _minutes(after.open) < _minutes(before.close):
                yield Reason(
                    "overlapping_hours", where, f"{before.open}-{before.close} and {after.open}-{after.close} overlap"
                )


def _duplicates(field: str, ids: list[str], what: str) -> Iterator[Reason]:
    for value, count in Counter(ids).items():
        if count > 1:
            yield Reason("duplicate_id", field, f"{count} entries for {what} {value!r}")
