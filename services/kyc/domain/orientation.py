"""Upright reading order from the vertical order of known labels.

The OCR classifier turns each upside-down text line before recognising it, so the texts of a card photographed
at 180° read correctly but their boxes run bottom to top; the order of the labels tells which way is up.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from services.kyc.domain.ocr_types import OcrLine, rotated_180
from services.kyc.domain.text_normalize import compact

ID_CARD_LABEL_ORDERS: tuple[tuple[str, ...], ...] = (
    ("姓名", "性别", "出生", "住址", "公民身份号码"),
    ("中华人民共和国", "居民身份证", "签发机关", "有效期限"),
)
LICENCE_LABEL_ORDERS: tuple[tuple[str, ...], ...] = (
    ("营业执照", "名称", "类型", "法定代表人", "经营范围", "登记机关"),
    ("统一社会信用代码", "注册资本", "成立日期", "营业期限", "住所", "登记机关"),
)


def _label_heights(lines: Sequence[OcrLine], labels: Sequence[str]) -> list[float]:
    heights = []
    for label in labels:
        line = next((line for line in lines if label in compact(line.text)), None)
        if line is not None:
            heights.append(line.center_y)
    return heights


def order_votes(lines: Sequence[OcrLine], orders: Sequence[Sequence[str]]) -> tuple[int, int]:
    """(pairs of found labels in reading order, pairs in reverse order)."""
    upright = reversed_ = 0
    for labels in orders:
        heights = _label_heights(lines, labels)
        for first, second in itertools.pairwise(heights):
            upright += second > first
            reversed_ += second < first
    return upright, reversed_


def upright_lines(
    lines: list[OcrLine], width: float, height: float, orders: Sequence[Sequence[str]]
) -> tuple[list[OcrLine], bool]:
    """(lines in the upright frame, whether they had to be turned)."""
    upright, reversed_ = order_votes(lines, orders)
    if reversed_ > upright:
        return rotated_180(lines, width, height), True
    return lines, False


def reads_across(lines: Sequence[OcrLine]) -> bool:
    """Whether the text lines run across the page: most lines of two characters or more are wider than tall.
    On a page turned by 90° the detector finds tall strips (a column of characters each), whatever labels the
    recogniser then makes of them."""
    runs = [line for line in lines if len(compact(line.text)) >= 2]
    across = sum((line.right - line.left) > (line.bottom - line.top) for line in runs)
    return bool(runs) and across * 2 > len(runs)


def turn_order(width: float, height: float, any_aspect: bool) -> list[int]:
    """Turns (degrees clockwise) to try, most likely first. ID cards are landscape, so a tall crop is first
    turned; a business licence comes in landscape and portrait formats, so it is read as it lies first and
    the labels decide."""
    if any_aspect or width >= height:
        return [0, 90, 270]
    return [90, 270, 0]
