"""Text that stamps and watermarks leave in a value: copy notices (复印无效), seal inscriptions (…专用章,
…市场监督管理局) and the pieces OCR makes of them."""

from __future__ import annotations

import re

COPY_NOTICES = (
    "再次复印无效",
    "复印无效",
    "复印件无效",
    "仅供办理",
    "仅限办理",
    "与原件一致",
    "与原件相符",
    "此件仅供",
    "复印件",
)
_NOTICE = re.compile("|".join(sorted(map(re.escape, COPY_NOTICES), key=len, reverse=True)))
# Pieces of the copy notice read separately (a diagonal watermark is cut into characters and pairs).
_NOTICE_PIECES = re.compile("复印无|印无效|复印|印无|无效")
# Inscriptions of round seals: a registration authority (a place of up to three characters before it, so
# that a value glued in front loses nothing more) or the kind of seal.
_SEAL = re.compile(r"[\u4e00-\u9fff]{0,3}(?:市场监督管理局|工商行政管理局)|登记专用章|专用章")


# The end of a registration authority's seal inscription read on its own after a value (管理局, 监督管理局).
_SEAL_TAIL = re.compile(r"(?:[场监督行政]{0,4}管理局|理局)$")


def strip_stamp_text(text: str) -> str:
    """``text`` without copy notices, their pieces and seal inscriptions (input already compacted), nor the
    end of a seal inscription stuck after it."""
    text = _NOTICE.sub("", text)
    text = _SEAL.sub("", text)
    return _SEAL_TAIL.sub("", _NOTICE_PIECES.sub("", text))


def is_stamp_text(text: str) -> bool:
    """Whether an OCR line is nothing but stamp or watermark text."""
    return bool(text) and not strip_stamp_text(text)
