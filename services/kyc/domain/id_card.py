"""Reading the two sides of a second-generation resident identity card from OCR lines, with checks."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from services.kyc.domain import id_number as idn
from services.kyc.domain.ethnicity import is_known_ethnicity, repair_ethnicity
from services.kyc.domain.layout import extract_fields, same_row, split_segments
from services.kyc.domain.ocr_types import Box, OcrLine
from services.kyc.domain.regions import (
    DivisionTable,
    address_matches_region,
    authority_matches_region,
    is_police_authority,
    repair_place_names,
)
from services.kyc.domain.review import FIELD_REVIEW_THRESHOLD, confidence_checks, field_scores, with_verdict
from services.kyc.domain.stamps import strip_stamp_text
from services.kyc.domain.text_normalize import compact, parse_cn_date
from services.kyc.domain.validity import (
    LONG_TERM,
    ValidityPeriod,
    is_expired,
    is_not_yet_valid,
    is_well_formed,
    matches_age_rule,
    parse_validity,
)
from services.kyc.domain.value_form import PORTRAIT_SHAPES, address_well_formed, capped

PORTRAIT_LABELS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "娃名", "姓各", "姓吕"),
    "sex": ("性别", "性列", "姓别", "性刖"),
    "ethnicity": ("民族", "民旅", "民竣", "民狭"),
    "birth": ("出生", "出主", "山生"),
    "address": ("住址", "住趾", "往址", "住扯", "佳址"),
    "id_number": ("公民身份号码", "公民身份号", "民身份号码", "公民身份证号码", "身份号码", "公民身份"),
}
EMBLEM_LABELS: dict[str, tuple[str, ...]] = {
    "issuing_authority": ("签发机关", "签发机美", "签发机", "发机关"),
    "validity": ("有效期限", "有效期", "效期限", "有效期朋"),
}
EMBLEM_KEYWORDS = ("居民身份证", "中华人民共和国", "签发机关", "有效期限")
PORTRAIT_FIELDS = ("name", "sex", "ethnicity", "birth_date", "address", "id_number")
EMBLEM_FIELDS = ("issuing_authority", "valid_from", "valid_to")
_NOISE = re.compile(r"[^\u4e00-\u9fff0-9A-Za-z()（）\-·]")


def keyword_hits(lines: Sequence[OcrLine]) -> int:
    """How many distinct card labels the lines contain (orientation and side choice)."""
    text = "".join(compact(line.text) for line in lines)
    spellings = [variants[0] for variants in {**PORTRAIT_LABELS, **EMBLEM_LABELS}.values()]
    return sum(spelling in text for spelling in spellings) + ("居民身份证" in text)


def detect_side(lines: Sequence[OcrLine]) -> str | None:
    text = "".join(compact(line.text) for line in lines)
    emblem = sum(keyword in text for keyword in EMBLEM_KEYWORDS) + (parse_validity(text) is not None)
    portrait = sum(variants[0] in text for variants in PORTRAIT_LABELS.values())
    portrait += 2 * (idn.extract_id_number(text) is not None)
    if emblem == 0 and portrait == 0:
        return None
    return "emblem" if emblem > portrait else "portrait"


def _clean(text: str) -> str:
    return _NOISE.sub("", strip_stamp_text(compact(text)))


def parse_portrait(lines: Sequence[OcrLine]) -> dict[str, str]:
    """Fields of the portrait side; a field not read is absent (never guessed)."""
    fields = extract_fields(lines, PORTRAIT_LABELS)
    out: dict[str, str] = {}
    all_text = "".join(compact(line.text) for line in lines)
    number = idn.extract_id_number(fields["id_number"].text) if "id_number" in fields else None
    number = number or idn.extract_id_number(all_text)
    if number:
        out["id_number"] = number
    if "name" in fields and _clean(fields["name"].text):
        out["name"] = _clean(fields["name"].text)
    sex_text = fields["sex"].text if "sex" in fields else ""
    sex = next((char for char in sex_text if char in "男女"), None)
    if sex:
        out["sex"] = sex
    if "ethnicity" in fields:
        ethnicity = repair_ethnicity(_clean(fields["ethnicity"].text).removesuffix("族"))
        if ethnicity:
            out["ethnicity"] = ethnicity
    birth = parse_cn_date(fields["birth"].text) if "birth" in fields else None
    birth = birth or parse_cn_date(all_text)
    if birth:
        out["birth_date"] = birth.isoformat()
    if "address" in fields:
        # A number row whose label OCR missed would otherwise continue the address.
        address = _clean(re.split(r"[0-9A-Za-z]{12,}", compact(fields["address"].text))[0])
        if address:
            out["address"] = address
    return out


def with_places_repaired(fields: dict[str, str], table: DivisionTable) -> dict[str, str]:
    """``fields`` of the portrait side with a misread character of the address's province, prefecture or
    county put right from the region of an ID number whose check digit holds (its first six digits)."""
    number = fields.get("id_number", "")
    if "address" not in fields or not idn.checksum_ok(number):
        return fields
    return {**fields, "address": repair_place_names(table, fields["address"], number[:6])}


def portrait_confidences(lines: Sequence[OcrLine], fields: dict[str, str]) -> dict[str, float]:
    """Recognition score of each read field of the portrait side (the lowest of the lines it came from)."""
    scores = field_scores(lines, extract_fields(lines, PORTRAIT_LABELS), fields, {"birth": ("birth_date",)})
    return capped(scores, fields, PORTRAIT_SHAPES)


def emblem_confidences(lines: Sequence[OcrLine], fields: dict[str, str]) -> dict[str, float]:
    return field_scores(lines, extract_fields(lines, EMBLEM_LABELS), fields, {"validity": ("valid_from", "valid_to")})


def missing_value_regions(lines: Sequence[OcrLine]) -> list[Box]:
    """Boxes of the upright portrait side where the layout puts a value that OCR did not detect, to be read
    on their own: the sex, a single character the detector misses most often, lies right of 性别 and left of
    民族 on the same row. Nothing is asked when the row already holds 男 or 女, or when 性别 was not found.
    """
    segments = split_segments(lines, PORTRAIT_LABELS)
    label = next((segment for segment in segments if segment.label == "sex"), None)
    if label is None:
        return []
    height = label.height
    ethnicity = next(
        (s for s in segments if s.label == "ethnicity" and same_row(s, label) and s.left > label.right), None
    )
    right = label.right + 2.5 * height if ethnicity is None else min(ethnicity.left, label.right + 4 * height)
    row_text = "".join(
        s.text for s in segments if s.label is None and same_row(s, label) and label.left < s.left < right
    )
    if any(char in row_text for char in "男女") or right - label.right < 0.6 * height:
        return []
    return [(label.right + 0.1 * height, label.top - 0.1 * height, right - 0.1 * height, label.bottom + 0.1 * height)]


def parse_emblem(lines: Sequence[OcrLine]) -> dict[str, str]:
    fields = extract_fields(lines, EMBLEM_LABELS)
    out: dict[str, str] = {}
    authority = _clean(fields["issuing_authority"].text) if "issuing_authority" in fields else ""
    if not authority:
        authority = next((_clean(line.text) for line in lines if "公安" in line.text), "")
    if authority:
        out["issuing_authority"] = authority
    period = parse_validity(fields["validity"].text) if "validity" in fields else None
    period = period or parse_validity("".join(line.text for line in lines))
    if period:
        out["valid_from"] = period.valid_from.isoformat()
        out["valid_to"] = period.valid_to_text
    return out


def portrait_checks(
    fields: dict[str, str],
    table: DivisionTable | None = None,
    confidences: dict[str, float] | None = None,
    threshold: float = FIELD_REVIEW_THRESHOLD,
) -> dict[str, Any]:
    """Checks of the portrait side; with a division table, the address must lie in the ID number's region
    (else review); with confidences, every field must be read surely (else review)."""
    number = fields.get("id_number", "")
    facts = idn.facts_of(number)
    birth = fields.get("birth_date")
    checks: dict[str, Any] = {
        "fields_complete": all(name in fields for name in PORTRAIT_FIELDS),
        "id_number_checksum": facts.checksum_ok,
        "id_number_region": facts.region_plausible,
        "birth_date_matches_id": facts.birth_date is not None and birth == facts.birth_date.isoformat(),
        "sex_matches_id": facts.sex is not None and fields.get("sex") == facts.sex,
        "ethnicity_known": is_known_ethnicity(fields.get("ethnicity", "")),
    }
    if "address" in fields:
        checks["address_well_formed"] = address_well_formed(fields["address"])
    if table is not None and "address" in fields and idn.is_well_shaped(number):
        checks["address_matches_id_region"] = address_matches_region(table, fields["address"], number[:6])
    if confidences is not None:
        checks.update(confidence_checks(confidences, fields, threshold, vouched=("sex", "ethnicity", "birth_date")))
    return with_verdict(checks)


def emblem_checks(
    fields: dict[str, str],
    today: date,
    birth_date: date | None = None,
    *,
    table: DivisionTable | None = None,
    holder_region: str | None = None,
    confidences: dict[str, float] | None = None,
    threshold: float = FIELD_REVIEW_THRESHOLD,
) -> dict[str, Any]:
    """Checks of the emblem side. The issuing authority must be a police authority; with the holder's region
    (the ID number's first six digits, or its first four and ``00``) and a division table, the police of that
    region or of its prefecture/province."""
    period = None
    if "valid_from" in fields and "valid_to" in fields:
        valid_to = fields["valid_to"]
        end = None if valid_to == LONG_TERM else date.fromisoformat(valid_to)
        period = ValidityPeriod(date.fromisoformat(fields["valid_from"]), end)
    checks: dict[str, Any] = {
        "fields_complete": all(name in fields for name in EMBLEM_FIELDS),
        "validity_well_formed": period is not None and is_well_formed(period),
        "not_expired": period is not None and not is_expired(period, today),
        "already_valid": period is not None and not is_not_yet_valid(period, today),
    }
    if period is not None and birth_date is not None:
        checks["validity_matches_age"] = matches_age_rule(period, birth_date)
    authority = fields.get("issuing_authority", "")
    checks["issuing_authority_police"] = is_police_authority(authority)
    if table is not None and holder_region:
        checks["issuing_authority_matches_id_region"] = authority_matches_region(table, authority, holder_region)
    if confidences is not None:
        checks.update(confidence_checks(confidences, fields, threshold))
    return with_verdict(checks)
