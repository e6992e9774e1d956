"""Label-anchored field extraction from OCR lines laid out on a form.

Each field has a label (with the spellings OCR produces). A label starts a field; text to its right on
the same row is its value; rows below that start in its value column continue it (an address over
two or three lines). Labels glued to their values (``姓名张三``) and several labels on one OCR line
(``性别男民族汉``) are split first. A label printed with wide spacing (``名　　称``) comes as separate OCR
boxes (``名`` | ``称`` or ``名`` | ``称晨光科技有限公司``); its pieces are joined back first. Lines slanted
like a diagonal watermark, and lines that are nothing but stamp text, are no field's text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from services.kyc.domain.ocr_types import OcrLine, line_at
from services.kyc.domain.stamps import is_stamp_text
from services.kyc.domain.text_normalize import compact

_HAN = "[\u4e00-\u9fff]"

# A text line slanted more than this (degrees) is a diagonal watermark, not document text (documents are
# rectified before OCR; a photo the locator could not rectify is tilted by less).
MAX_SLANT = 20.0


@dataclass(frozen=True)
class Segment:
    """A piece of one OCR line: either a label or plain text, with its horizontal extent."""

    text: str
    label: str | None
    left: float
    right: float
    top: float
    bottom: float
    score: float
    whole_line: bool = False  # the segment is an OCR line of its own, not a piece cut from a longer one

    @property
    def center_y(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 1.0)


@dataclass
class FieldText:
    parts: list[str] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    value_left: float = 0.0
    last_bottom: float = 0.0
    line_height: float = 1.0
    boxes: list[tuple[float, float]] = field(default_factory=list)  # (left, height) of each part

    def is_stray_piece(self, segment: Segment) -> bool:
        """A piece of a seal's ring below the value (``南`` after an address): one or two characters on a line
        of their own, smaller than the value's lines and not starting at its left edge."""
        if not self.boxes or not segment.whole_line or len(segment.text) > 2:
            return False
        height = sorted(h for _, h in self.boxes)[len(self.boxes) // 2]
        left = min(x for x, _ in self.boxes)
        return segment.height < 0.8 * height and segment.left > left + height

    @property
    def text(self) -> str:
        return "".join(self.parts)

    @property
    def score(self) -> float:
        return min(self.scores) if self.scores else 0.0


def _label_pattern(labels: Mapping[str, Sequence[str]]) -> tuple[re.Pattern[str], list[str]]:
    """One alternation with a group per spelling (longest first) and the field key of each group.

    Spellings of four or more characters also match with any one character misread (``注朋资本``).
    """
    alternatives: list[tuple[int, int, str, str]] = []
    for key, variants in labels.items():
        for spelling in variants:
            alternatives.append((len(spelling), 1, re.escape(spelling), key))
            if len(spelling) >= 4:
                for index in range(len(spelling)):
                    fuzzy = re.escape(spelling[:index]) + _HAN + re.escape(spelling[index + 1 :])
                    alternatives.append((len(spelling), 0, fuzzy, key))
    alternatives.sort(key=lambda item: (-item[0], -item[1]))
    pattern = re.compile("|".join(f"({regex})" for _, _, regex, _ in alternatives))
    return pattern, [key for _, _, _, key in alternatives]


def slant(line: OcrLine) -> float:
    """Angle (degrees, 0-90) of the line's top edge against the horizontal."""
    (x0, y0), (x1, y1) = line.box[0], line.box[1]
    angle = abs(math.degrees(math.atan2(y1 - y0, x1 - x0))) % 180
    return min(angle, 180 - angle)


def _signed_slant(line: OcrLine) -> float:
    (x0, y0), (x1, y1) = line.box[0], line.box[1]
    angle = math.degrees(math.atan2(y1 - y0, x1 - x0))
    return angle - 180 if angle > 90 else angle + 180 if angle <= -90 else angle


def deskewed(lines: Sequence[OcrLine]) -> list[OcrLine]:
    """The lines turned so that the text runs level: a page the locator left tilted (glare over an edge)
    makes the rows climb, and a value leaves its label's row. The tilt is the median slant of the lines of
    four characters or more; below 1.5° nothing is turned."""
    angle = tilt(lines)
    if not angle:
        return list(lines)
    return [OcrLine(line.text, line.score, turned(line.box, angle)) for line in lines]  # type: ignore[arg-type]


def tilt(lines: Sequence[OcrLine]) -> float:
    """The page's tilt in degrees (the median slant of the lines of four characters or more); 0.0 below 1.5°.
    ``deskewed`` turns the lines by it, and value probes are placed in that turned frame."""
    slants = sorted(_signed_slant(line) for line in lines if len(compact(line.text)) >= 4)
    if not slants:
        return 0.0
    angle = slants[len(slants) // 2]
    return angle if abs(angle) >= 1.5 else 0.0


def turned(points: Sequence[tuple[float, float]], angle: float) -> tuple[tuple[float, float], ...]:
    """``points`` in the frame turned by ``angle`` degrees about the origin (``deskewed``'s frame); a negative
    angle turns back."""
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    return tuple((x * cos + y * sin, -x * sin + y * cos) for x, y in points)


def _row_neighbour(line: OcrLine, lines: Sequence[OcrLine]) -> OcrLine | None:
    """The nearest line right of ``line`` on its row, within four line heights."""
    best: OcrLine | None = None
    for other in lines:
        if other is line or abs(other.center_y - line.center_y) >= 0.5 * min(other.height, line.height):
            continue
        gap = other.left - line.right
        if -0.5 * line.height <= gap <= 4 * line.height and (best is None or other.left < best.left):
            best = other
    return best


def _joined(first: OcrLine, second: OcrLine, labels: Sequence[str]) -> list[OcrLine] | None:
    """``first`` (the start of a label) joined with ``second`` when together they spell a label or a longer
    start of one: the label as one line, and what of ``second`` follows it as another."""
    head, tail = compact(first.text), compact(second.text)
    combined = head + tail
    complete = [label for label in labels if len(label) > len(head) and combined.startswith(label)]
    if complete:
        label = max(complete, key=len)
        used = len(label) - len(head)
        step = (second.right - second.left) / max(len(tail), 1)
        cut = second.left + used * step
        score = min(first.score, second.score)
        out = [line_at(label, first.left, first.top, cut - first.left, first.bottom - first.top, score)]
        if used < len(tail):
            out.append(
                line_at(tail[used:], cut, second.top, second.right - cut, second.bottom - second.top, second.score)
            )
        return out
    if any(label.startswith(combined) and len(label) > len(combined) for label in labels):
        width, height = second.right - first.left, max(first.bottom, second.bottom) - first.top
        return [line_at(combined, first.left, first.top, width, height, min(first.score, second.score))]
    return None


def join_split_labels(lines: Sequence[OcrLine], labels: Mapping[str, Sequence[str]]) -> list[OcrLine]:
    """Lines with every label that OCR cut into pieces on its row (wide letter-spacing) joined back."""
    spellings = sorted({compact(s) for variants in labels.values() for s in variants if len(compact(s)) >= 2})
    out = list(lines)
    changed = True
    while changed:
        changed = False
        for line in out:
            head = compact(line.text)
            if not head or not any(label.startswith(head) and len(label) > len(head) for label in spellings):
                continue
            neighbour = _row_neighbour(line, out)
            joined = _joined(line, neighbour, spellings) if neighbour is not None else None
            if joined is not None:
                out = [other for other in out if other is not line and other is not neighbour] + joined
                changed = True
                break
    return out


def text_lines(lines: Sequence[OcrLine]) -> list[OcrLine]:
    """The document's own text: without lines slanted like a diagonal watermark and stamp-only lines."""
    return [line for line in lines if slant(line) <= MAX_SLANT and not is_stamp_text(compact(line.text))]


def split_segments(lines: Sequence[OcrLine], labels: Mapping[str, Sequence[str]]) -> list[Segment]:
    """Cuts every line at label spellings; the extent of each piece is interpolated along the line.
    Split labels are joined first; watermark and stamp lines are left out."""
    pattern, keys = _label_pattern(labels)
    segments: list[Segment] = []
    for line in join_split_labels(deskewed(text_lines(lines)), labels):
        text = compact(line.text)
        if not text:
            continue
        step = (line.right - line.left) / len(text)
        cursor = 0
        pieces: list[tuple[int, int, str | None]] = []
        for match in pattern.finditer(text):
            if match.start() > cursor:
                pieces.append((cursor, match.start(), None))
            pieces.append((match.start(), match.end(), keys[(match.lastindex or 1) - 1]))
            cursor = match.end()
        if cursor < len(text):
            pieces.append((cursor, len(text), None))
        for start, end, label in pieces:
            segments.append(
                Segment(
                    text[start:end],
                    label,
                    line.left + start * step,
                    line.left + end * step,
                    line.top,
                    line.bottom,
                    line.score,
                    len(pieces) == 1,
                )
            )
    return segments


def labelled_segments(lines: Sequence[OcrLine], labels: Mapping[str, Sequence[str]]) -> list[Segment]:
    """``split_segments`` with the lone label starts and one-character misreads standing in a label column
    taken as labels (as ``extract_fields`` does)."""
    segments = split_segments(lines, labels)
    found = {s.label for s in segments if s.label is not None}
    return _relabel_in_columns(segments, labels, label_columns([s for s in segments if s.label]), found)


def same_row(a: Segment, b: Segment) -> bool:
    return abs(a.center_y - b.center_y) < 0.5 * min(a.height, b.height)


_same_row = same_row


def extract_fields(lines: Sequence[OcrLine], labels: Mapping[str, Sequence[str]]) -> dict[str, FieldText]:
    """Field key → its text, for every label found; the first occurrence of a label wins."""
    segments = sorted(split_segments(lines, labels), key=lambda s: (round(s.center_y), s.left))
    anchors = [s for s in segments if s.label is not None]
    fields: dict[str, FieldText] = {}
    anchor_of: dict[int, str] = {}
    for anchor in anchors:
        label = anchor.label
        if label is not None and label not in fields:
            fields[label] = FieldText(value_left=anchor.right, last_bottom=anchor.bottom, line_height=anchor.height)
            anchor_of[id(anchor)] = label
    columns = label_columns(anchors)
    segments = _relabel_in_columns(segments, labels, columns, set(fields))
    anchors = [s for s in segments if s.label is not None]
    for anchor in anchors:
        if anchor.label is not None and anchor.label not in fields:
            fields[anchor.label] = FieldText(
                value_left=anchor.right, last_bottom=anchor.bottom, line_height=anchor.height
            )
            anchor_of[id(anchor)] = anchor.label
    anchor_at = {key: anchor for anchor in anchors if (key := anchor_of.get(id(anchor))) is not None}
    for segment in segments:
        if segment.label is not None or _stray(segment, labels, columns):
            continue
        key = _owner(segment, anchors, anchor_of, fields, columns)
        if key is not None and not fields[key].is_stray_piece(segment):
            owner = fields[key]
            label_of = anchor_at.get(key)
            text = segment.text if owner.parts or label_of is None else without_label_overlap(segment, label_of)
            owner.parts.append(text)
            owner.boxes.append((segment.left, segment.height))
            owner.scores.append(segment.score)
            owner.last_bottom = max(owner.last_bottom, segment.bottom)
    return fields


def without_label_overlap(segment: Segment, anchor: Segment) -> str:
    """The value's text without the end of its label that OCR read a second time: a value box reaching back
    over its label (``签发机关`` | ``关黟县公安局``, the box starting under 关) starts with the label's last
    characters. Only as many characters are dropped as the box overlaps the label."""
    if not same_row(segment, anchor) or segment.left >= anchor.right:
        return segment.text
    char_width = (anchor.right - anchor.left) / max(len(anchor.text), 1)
    overlap = anchor.right - segment.left
    for count in range(min(len(anchor.text), len(segment.text) - 1), 0, -1):
        if segment.text.startswith(anchor.text[-count:]) and overlap >= (count - 0.5) * char_width:
            return segment.text[count:]
    return segment.text


# A line of one or two characters read this unsurely is a fragment of a seal or a watermark, not a value.
STRAY_SCORE = 0.6


def _stray(segment: Segment, labels: Mapping[str, Sequence[str]], columns: Sequence[float]) -> bool:
    """A segment that is no value: a short unsure fragment (``冠`` at 0.44 from a seal's rim), or the start of
    a label whose rest OCR missed, standing in a label column (``类`` without ``型``)."""
    if segment.whole_line and len(segment.text) <= 2 and segment.score < STRAY_SCORE:
        return True
    at_column = any(abs(segment.left - column) < 0.5 * segment.height for column in columns)
    return (
        at_column
        and segment.whole_line
        and any(s.startswith(segment.text) and len(s) > len(segment.text) for v in labels.values() for s in v)
    )


def label_columns(anchors: Sequence[Segment]) -> list[float]:
    """Left edges of the label columns of a form: labels of different rows starting at the same x (within
    half a line height). A label alone at its x (民族, beside 性别) makes no column."""
    lefts = []
    for anchor in anchors:
        if any(
            other is not anchor
            and not same_row(other, anchor)
            and abs(other.left - anchor.left) < 0.5 * min(other.height, anchor.height)
            for other in anchors
        ):
            lefts.append(anchor.left)
    return sorted(lefts)


def _relabel_in_columns(
    segments: list[Segment], labels: Mapping[str, Sequence[str]], columns: Sequence[float], found: set[str]
) -> list[Segment]:
    """A whole OCR line of two Han characters standing at a label column's left edge, one character away from
    the two-character spelling of exactly one label not found elsewhere (``名郡`` → 名称, ``仕所`` → 住所), is
    that label; so is the start of exactly one such label there (``类`` whose ``型`` OCR missed). Anywhere
    else, or when two labels fit, it stays plain text."""
    out = []
    for segment in segments:
        label = None
        if segment.label is None and segment.whole_line and re.fullmatch(f"{_HAN}{{2}}", segment.text):
            at_column = any(abs(segment.left - column) < 0.5 * segment.height for column in columns)
            near = {
                key
                for key, variants in labels.items()
                if key not in found
                for spelling in variants
                if len(spelling) == 2 and sum(a != b for a, b in zip(spelling, segment.text, strict=True)) == 1
            }
            label = next(iter(near)) if at_column and len(near) == 1 else None
        if label is None and segment.label is None and segment.whole_line and 1 <= len(segment.text) <= 3:
            # The start of a spaced label whose rest OCR missed (类 without 型), when it starts one label only.
            at_column = any(abs(segment.left - column) < 0.5 * segment.height for column in columns)
            starts = {
                key
                for key, variants in labels.items()
                if key not in found
                for spelling in variants
                if spelling.startswith(segment.text) and len(spelling) > len(segment.text)
            }
            label = next(iter(starts)) if at_column and len(starts) == 1 else None
        left = segment.left
        if label is None and segment.label is None and segment.whole_line and re.fullmatch(_HAN, segment.text):
            label, left = _label_end(segment, labels, columns, found)
        if label is not None:
            found.add(label)
            segment = Segment(
                segment.text, label, left, segment.right, segment.top, segment.bottom, segment.score, True
            )
        out.append(segment)
    return out


def _label_end(
    segment: Segment, labels: Mapping[str, Sequence[str]], columns: Sequence[float], found: set[str]
) -> tuple[str | None, float]:
    """The label a lone character ends, when OCR missed the first character of a spaced two-character label
    (``称`` of 名　称, ``所`` of 住　所): the last character of exactly one such label not found elsewhere,
    standing one to three heights right of a label column's left edge; with that edge, where the label
    starts (so that it sits in its column, not as a column of its own)."""
    height = segment.height
    column = next((c for c in columns if 0.8 * height < segment.left - c < 3.5 * height), None)
    if column is None:
        return None, segment.left
    ends = {
        key
        for key, variants in labels.items()
        if key not in found
        for spelling in variants
        if len(spelling) == 2 and spelling[1] == segment.text
    }
    return (next(iter(ends)), column) if len(ends) == 1 else (None, segment.left)


def _beyond_column(segment: Segment, row_anchor: Segment, columns: Sequence[float]) -> bool:
    """Whether a segment starts in a label column right of its row's label: on a two-column form, text there
    belongs to the right column's row, whose label OCR did not read (``名称 ACME有限公司 电图 壹佰万元整``), and
    is not the left field's value."""
    return any(row_anchor.right < column <= segment.left + 0.5 * segment.height for column in columns)


def _owner(
    segment: Segment,
    anchors: list[Segment],
    anchor_of: dict[int, str],
    fields: dict[str, FieldText],
    columns: Sequence[float] = (),
) -> str | None:
    """The field a plain segment belongs to: the field whose value column holds it and whose last line lies
    just above (a continuation line), else the nearest label on its left in the same row unless a label
    column lies between them."""
    same_row = [a for a in anchors if _same_row(a, segment) and a.left <= segment.left + 1]
    row_anchor = max(same_row, key=lambda a: a.left) if same_row else None
    if row_anchor is not None and not 0.4 * row_anchor.height < segment.height < 2.0 * row_anchor.height:
        return None  # text of another size on the label's row: a stamp or a watermark, not the value
    continued = _continued_field(segment, anchors, anchor_of, fields, row_anchor, columns)
    if continued is not None:
        return continued
    if row_anchor is None or _beyond_column(segment, row_anchor, columns):
        return None
    return anchor_of.get(id(row_anchor))


def _continued_field(
    segment: Segment,
    anchors: list[Segment],
    anchor_of: dict[int, str],
    fields: dict[str, FieldText],
    row_anchor: Segment | None,
    columns: Sequence[float] = (),
) -> str | None:
    """A field of a column right of ``row_anchor`` (a two-column form) whose last line lies just above; never
    a field of a column left of a label column the segment starts in."""
    best: tuple[float, str] | None = None
    for anchor in anchors:
        key = anchor_of.get(id(anchor))
        if key is None or (row_anchor is not None and anchor.left <= row_anchor.left + 2 * row_anchor.height):
            continue
        if _beyond_column(segment, anchor, columns):
            continue
        owner = fields[key]
        gap = segment.top - owner.last_bottom
        column_ok = segment.left >= anchor.left - 0.5 * owner.line_height
        if column_ok and -0.5 * owner.line_height < gap < 1.2 * owner.line_height:
            distance = gap + abs(segment.left - owner.value_left) / 10
            if best is None or distance < best[0]:
                best = (distance, key)
    return best[1] if best else None
