"""Drawing synthetic ID cards (both sides) and business licences with PIL, in memory."""

from __future__ import annotations

import math
import random

from PIL import Image, ImageChops, ImageDraw

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


# --- realistic variations (issue 25): spaced labels, both licence formats, seals, copy watermarks ----------

PORTRAIT_LICENCE_SIZE = (990, 1400)
SEAL_RED = (215, 35, 40)
WIDE_SPACE = "\u3000"


def spaced_label(label: str) -> str:
    """A two-character label as real licences print it, spread to four characters' width: 名　　称."""
    return f"{label[0]}{WIDE_SPACE * 2}{label[1]}" if len(label) == 2 else label


def _licence_lines(firm: InventedFirm) -> list[tuple[str, str]]:
    established = firm.established
    day = f"{established.year}年{established.month:02d}月{established.day:02d}日"
    return [
        ("名称", firm.name),
        ("类型", firm.type),
        ("住所", firm.address),
        ("法定代表人", firm.legal_representative),
        ("注册资本", firm.registered_capital),
        ("成立日期", day),
        ("营业期限", f"{day}至长期"),
        ("经营范围", firm.scope),
    ]


def _field(
    draw: ImageDraw.ImageDraw, x: int, y: int, label: str, text: str, width: int, value_dx: int, spaced: bool
) -> int:
    _spaced(draw, (x, y), spaced_label(label) if spaced else label, 26, INK, 4)
    rows = _wrap(text, width)
    for row, chunk in enumerate(rows):
        _spaced(draw, (x + value_dx, y - 2 + row * 42), chunk, 28, INK, 1)
    return y + 42 * len(rows) + 30


def seal(size: int, text: str, rng: random.Random) -> Image.Image:
    """A round red seal on white (to be multiplied onto a page): ring, star, inscription along the upper arc."""
    layer = Image.new("RGB", (size, size), (255, 255, 255))
    draw = ImageDraw.Draw(layer)
    draw.ellipse((4, 4, size - 4, size - 4), outline=SEAL_RED, width=max(4, size // 40))
    draw.regular_polygon((size // 2, size // 2, size // 7), 5, rotation=rng.uniform(-8, 8), fill=SEAL_RED)
    font = cjk_font(max(14, size // 9))
    radius = size / 2 - size / 7
    span = min(240.0, 22.0 * len(text))
    for index, char in enumerate(text):
        angle = -90 - span / 2 + span * (index + 0.5) / len(text)
        glyph = Image.new("L", (int(font.size) + 8, int(font.size) + 8), 0)
        ImageDraw.Draw(glyph).text((4, 2), char, font=font, fill=255)
        glyph = glyph.rotate(-(angle + 90), resample=Image.Resampling.BICUBIC, expand=True)
        cx = size / 2 + radius * math.cos(math.radians(angle))
        cy = size / 2 + radius * math.sin(math.radians(angle))
        layer.paste(SEAL_RED, (int(cx - glyph.width / 2), int(cy - glyph.height / 2)), glyph)
    return layer


def stamp(page: Image.Image, center: tuple[int, int], size: int, text: str, rng: random.Random) -> Image.Image:
    """``page`` with a seal pressed over it (ink multiplies: black text under it stays black)."""
    layer = Image.new("RGB", page.size, (255, 255, 255))
    mark = seal(size, text, rng).rotate(rng.uniform(-25, 25), fillcolor=(255, 255, 255))
    layer.paste(mark, (center[0] - size // 2, center[1] - size // 2))
    return ImageChops.multiply(page, layer)


def watermark(page: Image.Image, rng: random.Random, text: str = "复印无效") -> Image.Image:
    """``page`` with a grey copy notice written diagonally across it, as stamped on photocopies."""
    width, height = page.size
    layer = Image.new("L", (width * 2, height * 2), 255)
    draw = ImageDraw.Draw(layer)
    font = cjk_font(max(40, width // 12))
    grey = rng.randint(150, 190)
    for row in range(3):
        span = draw.textlength(text, font=font)
        x = width - span / 2 + rng.randint(-80, 80)
        draw.text((x, height // 2 + (row + 0.5) * height // 3), text, font=font, fill=grey)
    layer = layer.rotate(rng.uniform(25, 40), fillcolor=255).crop(
        (width // 2, height // 2, width * 3 // 2, height * 3 // 2)
    )
    return ImageChops.multiply(page, Image.merge("RGB", (layer, layer, layer)))


def render_licence_realistic(firm: InventedFirm, rng: random.Random, portrait: bool | None = None) -> Image.Image:
    """A licence as real ones are: landscape or portrait format (both official layouts), two-character labels
    spread wide (名　　称), the registration authority's round red seal over the lower values, and, one time in
    three, a 复印无效 watermark across a photocopy."""
    portrait = rng.random() < 0.5 if portrait is None else portrait
    city = firm.address[: firm.address.index("市") + 1] if "市" in firm.address else "本市"
    authority = city.split("省")[-1].split("区")[-1] + "市场监督管理局"
    if portrait:
        sheet = Image.new("RGB", PORTRAIT_LICENCE_SIZE, (250, 246, 236))
        draw = ImageDraw.Draw(sheet)
        draw.rectangle(
            (24, 24, PORTRAIT_LICENCE_SIZE[0] - 24, PORTRAIT_LICENCE_SIZE[1] - 24), outline=(190, 60, 50), width=8
        )
        _spaced(draw, (280, 90), "营业执照", 80, INK, 26)
        _spaced(draw, (90, 230), "统一社会信用代码", 26, INK, 2)
        _spaced(draw, (340, 226), firm.credit_code, 30, INK, 3)
        y = 330
        for label, text in _licence_lines(firm):
            y = _field(draw, 100, y, label, text, 20, 180, True)
        _spaced(draw, (560, 1220), "登记机关", 26, INK, 4)
        return _copy_notice(stamp(sheet, (640, 1150 - rng.randint(0, 260)), 230, authority, rng), rng)
    sheet = Image.new("RGB", LICENCE_SIZE, (250, 246, 236))
    draw = ImageDraw.Draw(sheet)
    draw.rectangle((30, 30, LICENCE_SIZE[0] - 30, LICENCE_SIZE[1] - 30), outline=(190, 60, 50), width=10)
    _spaced(draw, (90, 90), "统一社会信用代码", 26, INK, 2)
    _spaced(draw, (90, 130), firm.credit_code, 30, INK, 3)
    _spaced(draw, (520, 80), "营业执照", 86, INK, 30)
    fields = dict(_licence_lines(firm))
    left, right = 110, 760
    y = 330
    for label in ("名称", "类型", "法定代表人", "经营范围"):
        y = _field(draw, left, y, label, fields[label], 14, 170, True)
    y = 330
    for label in ("注册资本", "成立日期", "营业期限", "住所"):
        y = _field(draw, right, y, label, fields[label], 14, 170, True)
    _spaced(draw, (right + 150, 880), "登记机关", 26, INK, 4)
    return _copy_notice(stamp(sheet, (right + 330, 820 - rng.randint(0, 240)), 230, authority, rng), rng)


def _copy_notice(page: Image.Image, rng: random.Random) -> Image.Image:
    return watermark(page, rng) if rng.random() < 1 / 3 else page


def render_id_emblem_realistic(person: InventedPerson, rng: random.Random) -> Image.Image:
    """The emblem side, one time in three a photocopy marked 复印无效."""
    return _copy_notice(render_id_emblem(person, rng), rng)


def render_id_portrait_realistic(person: InventedPerson, rng: random.Random) -> Image.Image:
    return _copy_notice(render_id_portrait(person, rng), rng)
