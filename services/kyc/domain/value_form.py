"""The shape a value must have, beyond its characters' recognition scores: what stamp text leaves behind
passes the recogniser surely (a seal's ring read as ``南`` or ``管理局`` after an address, at 0.96-0.99), but
an address ends with a house, a room, a building or a place, never with such a piece.

A value whose shape is wrong keeps what was read, and its confidence is capped below the review threshold:
the officer looks at it instead of it passing as "ok".
"""

from __future__ import annotations

import re

# The last character of a Chinese postal address: a number or room (号 室 层 楼 栋 幢 座 户 单元 铺 间 …), a
# place (村 组 屯 弄 院 园 区 …), a road (路 街 道 巷), or a digit/letter of a room number.
_ADDRESS_END = re.compile(r"[号室层楼栋幢座户元铺间村组屯弄院园区路街道巷里坊场厦苑府湾寓舍0-9A-Za-z)）]$")
# A suspect value's confidence: below review.FIELD_REVIEW_THRESHOLD.
SUSPECT_CONFIDENCE = 0.5


def address_well_formed(address: str) -> bool:
    """Whether the address ends as an address does (not with a stamp's or watermark's piece)."""
    return bool(_ADDRESS_END.search(address))


def capped(confidences: dict[str, float], fields: dict[str, str]) -> dict[str, float]:
    """``confidences`` with the address's capped at ``SUSPECT_CONFIDENCE`` when its shape is wrong."""
    address = fields.get("address")
    if address is None or address_well_formed(address) or "address" not in confidences:
        return confidences
    return {**confidences, "address": min(confidences["address"], SUSPECT_CONFIDENCE)}
