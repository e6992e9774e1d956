"""Finding a CJK font on the machine (Debian package fonts-noto-cjk, or WenQuanYi as a fallback)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


@lru_cache(maxsize=1)
def cjk_font_location() -> tuple[str, int] | None:
    """(path, index in the collection) of a simplified-Chinese face, or None when no CJK font is installed."""
    for path in CANDIDATES:
        if not Path(path).exists():
            continue
        for index in range(10):
            try:
                face = ImageFont.truetype(path, 20, index=index)
            except OSError:
                break
            family = face.getname()[0] or ""
            if " SC" in family or "WenQuanYi" in family or "WenQuanYi" in path:
                return path, index
        return path, 0
    return None


@lru_cache(maxsize=64)
def cjk_font(size: int) -> ImageFont.FreeTypeFont:
    location = cjk_font_location()
    if location is None:
        raise RuntimeError("no CJK font installed: apt-get install -y fonts-noto-cjk")
    return ImageFont.truetype(location[0], size, index=location[1])
