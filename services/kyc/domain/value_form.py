"""The shape a value must have, beyond its characters' recognition scores: what stamp text leaves behind
passes the recogniser surely (a seal's ring read as ``南`` or ``管理局`` after an address, at 0.96-0.99), but
an address ends with a house, a room, a building or a place, never with such a piece.

A value whose shape is wrong keeps what was read, and its confidence is capped below the review threshold:
the officer looks at it instead of it passing as "ok".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

# The last character of a Chinese postal address: a number or room (号 室 层 楼 栋 幢 座 户 单元 铺 间 房 …), a
# place (村 组 屯 弄 院 园 区 镇 乡 庄 城 广场 …), a building (厂 店 馆 库 …), a road (路 街 道 巷), a relative
# position (内 旁 侧 处), or a digit/letter of a room number. Not a character that ends a seal inscription
# (…市场监督管理局, …登记专用章).
_ADDRESS_END = re.compile(
    r"[号室层楼栋幢座户元铺间房村组屯弄院园区镇乡庄寨城队社场路街道巷里坊厦苑府湾寓舍厂店馆库心港内旁侧处"
    r"0-9A-Za-z)）]$"
)
# A suspect value's confidence: below review.FIELD_REVIEW_THRESHOLD.
SUSPECT_CONFIDENCE = 0.5


# A registered firm's name ends with its form (…有限公司, …厂, …店, …中心, …合伙企业(有限合伙)); a name cut short
# by glare (北京启明物流有限) does not.
_FIRM_NAME_END = re.compile(r"(?:公司|企业|[厂店部社所行馆院室场坊园站处吧铺堂楼庄屋城家廊会队团苑阁轩斋居汇号)）])$")
# The type of a licence ends with its legal form: …公司, …企业, …户, …社, …所有制, or a bracketed qualifier.
_FIRM_TYPE_END = re.compile(r"(?:公司|企业|户|社|制|伙|[)）])$")


def address_well_formed(address: str) -> bool:
    """Whether the address ends as an address does (not with a stamp's or watermark's piece)."""
    return bool(_ADDRESS_END.search(address))


def firm_name_well_formed(name: str) -> bool:
    return bool(_FIRM_NAME_END.search(name))


def firm_type_well_formed(kind: str) -> bool:
    return bool(_FIRM_TYPE_END.search(kind))


def capped(
    confidences: dict[str, float], fields: dict[str, str], shapes: Mapping[str, Callable[[str], bool]]
) -> dict[str, float]:
    """``confidences`` with each field of ``shapes`` whose value has the wrong shape capped at
    ``SUSPECT_CONFIDENCE``."""
    out = dict(confidences)
    for name, well_formed in shapes.items():
        if name in fields and name in out and not well_formed(fields[name]):
            out[name] = min(out[name], SUSPECT_CONFIDENCE)
    return out


PORTRAIT_SHAPES: dict[str, Callable[[str], bool]] = {"address": address_well_formed}
LICENCE_SHAPES: dict[str, Callable[[str], bool]] = {
    "address": address_well_formed,
    "name": firm_name_well_formed,
    "type": firm_type_well_formed,
}
