"""Drawing synthetic ID cards (both sides) and business licences with PIL, in memory."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from bench.kyc.fonts import cjk_font
from bench.kyc.identities import InventedFirm, InventedPerson

CARD_SIZE = (856, 540)  # 85.6 x 54 mm at 10 px/mm
LICENCE_SIZE = (1400, 990)
LABEL_BLUE = (40, 90, 160)
INK = (20, 20, 20)


def _wrap(text: str, width: int) -> list[str]:
    return [text[start : start + width] for start in range(0, len(text), width)]


def _spaced(
    draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, size: int, fill: tuple[int, int, int], spacing: int = 0
) -> None:
    font = cjk_font(size)
    x, y = xy
    for char in text:
        draw.text((x, y), char, font=font, fill=fill)
        x += int(draw.textlength(char, font=font)) + spacing


def _card_background(rng: random.Random) -> Image.Image:
    base = (238 + rng.randint(-6, 6), 240 + rng.randint(-6, 6), 236 + rng.randint(-6, 6))
    card = Image.new("RGB", CARD_SIZE, base)
    draw = ImageDraw.Draw(card)
    for offset in range(-CARD_SIZE[1], CARD_SIZE[0], 14):  # faint guilloche-like hatching
        draw.line([(offset, 0), (offset + CARD_SIZE[1], CARD_SIZE[1])], fill=(226, 232, 236), width=1)
    return card


def render_id_portrait(person: InventedPerson, rng: random.Random) -> Image.Image:
    card = _card_background(rng)
    draw = ImageDraw.Draw(card)
    label, value, left, value_left = 24, 28, 60, 150
    _spaced(draw, (left, 58), "姓名", label, LABEL_BLUE, 6)
    _spaced(draw, (value_left, 54), person.name, value, INK, 2)
    _spaced(draw, (left, 120), "性别", label, LABEL_BLUE, 6)
    _spaced(draw, (value_left, 116), person.sex, value, INK)
    _spaced(draw, (250, 120), "民族", label, LABEL_BLUE, 6)
    _spaced(draw, (340, 116), person.ethnicity, value, INK)
    _spaced(draw, (left, 182), "出生", label, LABEL_BLUE, 6)
    birth = person.birth_date
    _spaced(draw, (value_left, 178), f"{birth.year} 年 {birth.month} 月 {birth.day} 日", value, INK)
    _spaced(draw, (left, 244), "住址", label, LABEL_BLUE, 6)
    for row, text in enumerate(_wrap(person.address, 12)):
        _spaced(draw, (value_left, 240 + row * 40), text, value, INK, 1)
    _spaced(draw, (left, 440), "公民身份号码", label, LABEL_BLUE, 4)
    _spaced(draw, (260, 432), person.id_number, 34, INK, 5)
    draw.rectangle((580, 60, 800, 340), fill=(214, 218, 222))
    draw.ellipse((640, 110, 740, 230), fill=(160, 160, 168))
    draw.pieslice((600, 220, 780, 420), 180, 360, fill=(160, 160, 168))
    return card


def render_id_emblem(person: InventedPerson, rng: random.Random) -> Image.Image:
    card = _card_background(rng)
    draw = ImageDraw.Draw(card)
    draw.ellipse((50, 40, 190, 180), outline=(200, 30, 30), width=8)
    draw.regular_polygon((120, 110, 38), 5, fill=(220, 180, 40))
    _spaced(draw, (260, 56), "中华人民共和国", 40, INK, 10)
    _spaced(draw, (240, 130), "居民身份证", 58, INK, 22)
    _spaced(draw, (150, 382), "签发机关", 24, INK, 6)
    _spaced(draw, (290, 378), person.issuing_authority, 28, INK, 1)
    _spaced(draw, (150, 442), "有效期限", 24, INK, 6)
    start = person.valid_from.strftime("%Y.%m.%d")
    end = "长期" if person.valid_to is None else person.valid_to.strftime("%Y.%m.%d")
    _spaced(draw, (290, 438), f"{start}-{end}", 28, INK, 1)
    return card


def render_licence(firm: InventedFirm, rng: random.Random) -> Image.Image:
    sheet = Image.new("RGB", LICENCE_SIZE, (250, 246, 236))
    draw = ImageDraw.Draw(sheet)
    draw.rectangle((30, 30, LICENCE_SIZE[0] - 30, LICENCE_SIZE[1] - 30), outline=(190, 60, 50), width=10)
    _spaced(draw, (90, 90), "统一社会信用代码", 26, INK, 2)
    _spaced(draw, (90, 130), firm.credit_code, 30, INK, 3)
    _spaced(draw, (520, 80), "营业执照", 86, INK, 30)
    left, right, label_size, value_size = 110, 760, 26, 28

    def field(x: int, y: int, label: str, text: str, width: int) -> int:
        _spaced(draw, (x, y), label, label_size, INK, 4)
        rows = _wrap(text, width)
        for row, chunk in enumerate(rows):
            _spaced(draw, (x + 170, y - 2 + row * 42), chunk, value_size, INK, 1)
        return y + 42 * len(rows) + 30

    y = field(left, 330, "名 称", firm.name, 14)
    y = field(left, y, "类 型", firm.type, 14)
    y = field(left, y, "法定代表人", firm.legal_representative, 14)
    field(left, y, "经营范围", firm.scope, 14)
    established = firm.established
    y = field(right, 330, "注册资本", firm.registered_capital, 14)
    y = field(right, y, "成立日期", f"{established.year}年{established.month:02d}月{established.day:02d}日", 14)
    y = field(right, y, "营业期限", f"{established.year}年{established.month:02d}月{established.day:02d}日至长期", 14)
    field(right, y, "住 所", firm.address, 14)
    _spaced(draw, (right + 150, 860), "登记机关", 26, INK, 4)
    draw.ellipse((right + 300, 800, right + 460, 960), outline=(210, 40, 40), width=5)
    return sheet
