"""Normalisation of OCR text: full-width forms, blanks, look-alike characters and dates."""

from __future__ import annotations

import re
from datetime import date

_FULLWIDTH_OFFSET = 0xFEE0
_DIGIT_LOOKALIKES = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "D": "0",
        "Q": "0",
        "I": "1",
        "l": "1",
        "|": "1",
        "i": "1",
        "!": "1",
        "Z": "2",
        "z": "2",
        "S": "5",
        "s": "5",
        "B": "8",
        "G": "6",
        "b": "6",
        "g": "9",
        "q": "9",
        "T": "7",
    }
)
_SEPARATORS = str.maketrans(
    {"。": ".", "·": ".", ",": ".", "、": ".", "—": "-", "–": "-", "~": "-", "一": "-", "_": "-", "至": "-", "－": "-"}
)
# Traditional forms a multilingual recogniser may return for characters printed in simplified form.
_TRADITIONAL = str.maketrans(
    "漢滿維爾壯鮮納條龍東廣蘇區號棟單門樓層縣鄉鎮園莊陽義興華遼寧黃萬與業實開發經營範圍電話務產銷貿傳媒資壹貳參陸質責設"
    "機關內長期聯網種類證書體廠廳灣嶺峽濱劍衛樂靈雲飛風髮醫藥農貨運輸鐵軌億廈劉張陳楊趙吳孫鄭馬龐謝韓馮鄧許蔣賈葉閻錢"
    "湯顧鍾盧羅熊劉",
    "汉满维尔壮鲜纳条龙东广苏区号栋单门楼层县乡镇园庄阳义兴华辽宁黄万与业实开发经营范围电话务产销贸传媒资壹贰叁陆质责设"
    "机关内长期联网种类证书体厂厅湾岭峡滨剑卫乐灵云飞风发医药农货运输铁轨亿厦刘张陈杨赵吴孙郑马庞谢韩冯邓许蒋贾叶阎钱"
    "汤顾钟卢罗熊刘",
)
_CN_DATE = re.compile(r"(\d{4})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?")
_DOTTED_DATE = re.compile(r"(\d{4})[.\-/]?(\d{2})[.\-/]?(\d{2})")


def to_halfwidth(text: str) -> str:
    """Turns full-width ASCII forms (``１２Ｘ``) and the ideographic space into plain ASCII."""
    out = []
    for char in text:
        code = ord(char)
        if code == 0x3000:
            out.append(" ")
        elif 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - _FULLWIDTH_OFFSET))
        else:
            out.append(char)
    return "".join(out)


def compact(text: str) -> str:
    """Half-width, simplified form without any blank: OCR inserts blanks at random inside Chinese text."""
    return re.sub(r"\s+", "", to_halfwidth(text)).translate(_TRADITIONAL)


def fix_digit_lookalikes(text: str) -> str:
    """Reads letters that OCR confuses with digits as those digits (for fields that are digits only)."""
    return text.translate(_DIGIT_LOOKALIKES)


def normalize_separators(text: str) -> str:
    return text.translate(_SEPARATORS)


def safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_cn_date(text: str) -> date | None:
    """``1990年1月5日`` (or with dots/dashes) anywhere in ``text``, digits repaired; None when absent."""
    match = _CN_DATE.search(fix_digit_lookalikes(compact(text)))
    if match is None:
        return None
    return safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))


def parse_dotted_date(text: str) -> date | None:
    """``2015.03.01`` or ``20150301`` exactly (after repairs); None when not a date."""
    match = _DOTTED_DATE.fullmatch(fix_digit_lookalikes(compact(text)))
    if match is None:
        return None
    return safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))


def add_years(day: date, years: int) -> date:
    """Same month and day ``years`` later; 29 February falls on 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def age_on(birth: date, day: date) -> int:
    """Full years of age on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
