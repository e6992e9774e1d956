"""Reading a business licence (营业执照) from OCR lines, with the credit-code check."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from services.kyc.domain import credit_code as ucc
from services.kyc.domain.layout import extract_fields
from services.kyc.domain.ocr_types import OcrLine
from services.kyc.domain.regions import DivisionTable, address_matches_region, repair_place_names
from services.kyc.domain.review import FIELD_REVIEW_THRESHOLD, confidence_checks, field_scores, with_verdict
from services.kyc.domain.stamps import strip_stamp_text
from services.kyc.domain.text_normalize import compact, parse_cn_date
from services.kyc.domain.value_form import LICENCE_SHAPES, capped

LICENCE_LABELS: dict[str, tuple[str, ...]] = {
    "credit_code": ("统一社会信用代码", "统一社会信用代", "社会信用代码", "统一社会信用"),
    "name": ("名称", "名杯", "名祢"),
    "type": ("类型", "类塑", "美型"),
    "legal_representative": ("法定代表人", "法定代表", "负责人", "经营者", "执行事务合伙人", "投资人"),
    "registered_capital": ("注册资本", "注册资金", "出资额", "注册资"),
    "established": ("成立日期", "注册日期", "成立日"),
    "business_term": ("营业期限", "经营期限", "合伙期限"),
    "address": ("住所", "主要经营场所", "经营场所", "营业场所"),
    "scope": ("经营范围", "经营范"),
    "authority": ("登记机关",),
}
LICENCE_FIELDS = ("name", "credit_code", "type", "legal_representative", "registered_capital", "address", "established")
_NOISE = re.compile(r"[^\u4e00-\u9fff0-9A-Za-z()（）\-·.]")


def keyword_hits(lines: Sequence[OcrLine]) -> int:
    text = "".join(compact(line.text) for line in lines)
    return sum(variants[0] in text for variants in LICENCE_LABELS.values()) + ("营业执照" in text)


def _clean(text: str) -> str:
    return _NOISE.sub("", strip_stamp_text(compact(text))).replace("（", "(").replace("）", ")")


_PLACE_START = re.compile(r"[\u4e00-\u9fff]{2,7}?(?:省|自治区|市)")


def unlabelled_address(lines: Sequence[OcrLine]) -> str:
    """The address when OCR missed its label (a watermark over 住所): the line starting with a province or
    city that is neither the firm's name nor an authority, with the line continuing it just below; empty
    when there is none or several."""
    starts = [
        line
        for line in lines
        if _PLACE_START.match(compact(line.text))
        and re.search(r"[路街道巷号]", compact(line.text))
        and not re.search(r"公司|局|中心|合伙", compact(line.text))
    ]
    if len(starts) != 1:
        return ""
    first = starts[0]
    below = [
        line
        for line in lines
        if abs(line.left - first.left) < first.height
        and -0.3 * first.height <= line.top - first.bottom < 0.8 * first.height
        and line.height >= 0.8 * first.height  # not a smaller piece of a seal's ring
    ]
    below.sort(key=lambda line: line.top)
    return compact(first.text) + "".join(compact(line.text) for line in below[:1])


def parse_licence(lines: Sequence[OcrLine]) -> dict[str, str]:
    """Fields of the licence; a field not read is absent."""
    fields = extract_fields(lines, LICENCE_LABELS)
    out: dict[str, str] = {}
    code = ucc.extract_credit_code(fields["credit_code"].text) if "credit_code" in fields else None
    if code is None or not ucc.is_valid(code):
        candidates = [ucc.extract_credit_code(line.text) for line in lines]
        code = next((c for c in candidates if c and ucc.is_valid(c)), code)
    if code:
        out["credit_code"] = code
    for key in ("name", "type", "legal_representative", "registered_capital", "address"):
        if key in fields and _clean(fields[key].text):
            out[key] = _clean(fields[key].text)
    if "address" not in out:
        address = _clean(unlabelled_address(lines))
        if address:
            out["address"] = address
    established = parse_cn_date(fields["established"].text) if "established" in fields else None
    if established:
        out["established"] = established.isoformat()
    return out


def with_places_repaired(fields: dict[str, str], table: DivisionTable) -> dict[str, str]:
    """``fields`` with a misread character of the address's province, prefecture or county put right from the
    registration authority's region in a valid credit code (characters 3-8); the address's confidence is
    its lines' score still, so an unsure reading still goes to review."""
    code = fields.get("credit_code", "")
    if "address" not in fields or not ucc.is_valid(code):
        return fields
    return {**fields, "address": repair_place_names(table, fields["address"], code[2:8])}


def licence_confidences(lines: Sequence[OcrLine], fields: dict[str, str]) -> dict[str, float]:
    """Recognition score of each read field (the lowest of the lines it came from)."""
    return capped(field_scores(lines, extract_fields(lines, LICENCE_LABELS), fields), fields, LICENCE_SHAPES)


def licence_checks(
    fields: dict[str, str],
    table: DivisionTable | None = None,
    confidences: dict[str, float] | None = None,
    threshold: float = FIELD_REVIEW_THRESHOLD,
) -> dict[str, Any]:
    """Checks of the licence. With a division table, the registration authority's region in the credit code
    (characters 3-8) must be where the address is (else review); with confidences, every field must be read
    surely (else review)."""
    code = fields.get("credit_code", "")
    checks: dict[str, Any] = {
        "fields_complete": all(name in fields for name in LICENCE_FIELDS),
        "credit_code_checksum": ucc.is_valid(code),
    }
    for name, well_formed in LICENCE_SHAPES.items():
        if name in fields:
            checks[f"{name}_well_formed"] = well_formed(fields[name])
    if table is not None and "address" in fields and ucc.is_valid(code):
        checks["credit_code_matches_address"] = address_matches_region(table, fields["address"], code[2:8])
    if confidences is not None:
        checks.update(confidence_checks(confidences, fields, threshold))
    return with_verdict(checks)
