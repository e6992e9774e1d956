"""Where on an upright document a value must be that the text detector did not find (a moiré pattern, glare
or a watermark over it): boxes the reader recognises on their own.

A box is asked for only when the label was found and its row holds no text right of it; for the ID card's
validity and number, when neither the value nor its label was read, the row the card's fixed layout puts
them on (below 签发机关; three row pitches below 住址); for a firm's name or type whose text ends as none
does (cut short by glare), right of its last piece. Boxes are in the layout's level frame (``layout.tilt``).
The reader keeps a probe's reading only when the recogniser is sure of it, so an empty box costs one
recognition and adds nothing; a kept reading carries its own score into the field's confidence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.kyc.domain import id_number as idn
from services.kyc.domain.id_card import EMBLEM_LABELS, PORTRAIT_LABELS, missing_value_regions
from services.kyc.domain.layout import Segment, labelled_segments, same_row, split_segments
from services.kyc.domain.licence import LICENCE_LABELS
from services.kyc.domain.ocr_types import Box, OcrLine
from services.kyc.domain.stamps import strip_stamp_text
from services.kyc.domain.text_normalize import compact
from services.kyc.domain.validity import parse_validity
from services.kyc.domain.value_form import firm_name_well_formed, firm_type_well_formed

# How far right of its label (in label heights) each portrait value may reach.
PORTRAIT_VALUE_WIDTHS = {"name": 5.0, "ethnicity": 3.0, "birth": 8.0, "address": 11.5, "id_number": 14.0}
# An ethnicity is mostly one or two characters: when the box of a four-character name reads unsurely (it takes
# in watermark strokes), a narrower one is read.
NARROW_ETHNICITY_WIDTH = 1.8
# 民族 and its value lie this many label heights right of the left edge of 性别, on its row.
ETHNICITY_ROW = (4.6, 12.0)
# The ID number's row lies this many row pitches (姓名 to 住址 is three) below the top of 住址; the card's
# layout is fixed, so the row is found when its label was missed too.
NUMBER_ROW_PITCHES = (2.85, 3.95)
# A licence value: up to this many label heights right of the label, or up to the next label on its row.
LICENCE_VALUE_WIDTH = 16.0
LICENCE_PROBED = ("name", "type", "legal_representative", "registered_capital", "established", "address")


@dataclass(frozen=True)
class Alternatives:
    """Boxes for one value, most likely first: the reader keeps the first it reads surely."""

    boxes: tuple[Box, ...]


def _first_labels(segments: Sequence[Segment]) -> dict[str, Segment]:
    found: dict[str, Segment] = {}
    for segment in segments:
        if segment.label is not None and segment.label not in found:
            found[segment.label] = segment
    return found


def _row_is_empty(label: Segment, segments: Sequence[Segment], right: float) -> bool:
    """No plain text on the label's row between the label and ``right``."""
    return not any(
        s.label is None and same_row(s, label) and s.right > label.right + 0.3 * label.height and s.left < right
        for s in segments
    )


def _right_of(label: Segment, right: float) -> Box:
    height = label.height
    return (label.right + 0.1 * height, label.top - 0.15 * height, right, label.bottom + 0.15 * height)


def portrait_probes(lines: Sequence[OcrLine]) -> list[Box | Alternatives]:
    """The sex (``id_card.missing_value_regions``), and the name, ethnicity, birth date and first address line
    when their label's row is empty right of it."""
    boxes: list[Box | Alternatives] = list(missing_value_regions(lines))
    segments = split_segments(lines, PORTRAIT_LABELS)
    labels = _first_labels(segments)
    number_read = idn.checksum_ok(idn.extract_id_number("".join(compact(line.text) for line in lines)) or "")
    for key, width in PORTRAIT_VALUE_WIDTHS.items():
        label = labels.get(key)
        if label is None or (key == "id_number" and number_read):
            continue
        right = label.right + width * label.height
        if not _row_is_empty(label, segments, right):
            continue
        if key == "ethnicity":
            narrow = _right_of(label, label.right + NARROW_ETHNICITY_WIDTH * label.height)
            boxes.append(Alternatives((_right_of(label, right), narrow)))
        else:
            boxes.append(_right_of(label, right))
    if not number_read and "id_number" not in labels:
        boxes += _number_row(labels)
    sex = labels.get("sex")
    if "ethnicity" not in labels and sex is not None:
        # 民族 and its value missed together: the right half of the sex row, where the card prints both
        height = sex.height
        boxes.append(
            (
                sex.left + ETHNICITY_ROW[0] * height,
                sex.top - 0.15 * height,
                sex.left + ETHNICITY_ROW[1] * height,
                sex.bottom + 0.15 * height,
            )
        )
    return boxes


def _number_row(labels: Mapping[str, Segment]) -> list[Box]:
    """The ID number's whole row, placed from 姓名 and 住址 (its label was missed with the number)."""
    name, address = labels.get("name"), labels.get("address")
    if name is None or address is None or address.top - name.top < 2 * name.height:
        return []
    pitch = (address.top - name.top) / 3
    top, bottom = (address.top + share * pitch for share in NUMBER_ROW_PITCHES)
    return [(address.left - 0.3 * address.height, top, address.left + 19.5 * address.height, bottom)]


def emblem_probes(lines: Sequence[OcrLine]) -> list[Box]:
    """The issuing authority when its label's row is empty; the validity period when it was not read: right of
    有效期限, or, with that label missing too, the whole row below 签发机关 (the card prints it there, the
    label at the same left edge)."""
    segments = split_segments(lines, EMBLEM_LABELS)
    labels = _first_labels(segments)
    validity, authority = labels.get("validity"), labels.get("issuing_authority")
    boxes = []
    if authority is not None and _row_is_empty(authority, segments, authority.right + 12.0 * authority.height):
        boxes.append(_right_of(authority, authority.right + 12.0 * authority.height))
    if parse_validity("".join(compact(line.text) for line in lines)) is not None:
        return boxes
    if validity is not None:
        return [*boxes, _right_of(validity, validity.right + 11.0 * validity.height)]
    if authority is None:
        return boxes
    height = authority.height
    below = (
        authority.left - 0.3 * height,
        authority.bottom + 0.35 * height,
        authority.left + 14.0 * height,
        authority.bottom + 2.1 * height,
    )
    return [*boxes, below]


def id_card_probes(lines: Sequence[OcrLine]) -> list[Box | Alternatives]:
    """Probes of whichever side the lines are: the labels of the other side are not there."""
    return [*portrait_probes(lines), *emblem_probes(lines)]


def _value_left(label: Segment, segments: Sequence[Segment]) -> float:
    """Where the values of the label's column start: the nearest left edge of a value right of a label of
    the same column (spaced labels leave a wide gap), else just right of the label."""
    lefts = [
        s.left
        for s in segments
        if s.label is None
        and s.whole_line
        and len(s.text) >= 3
        and any(
            a.label is not None
            and abs(a.left - label.left) < 0.6 * label.height
            and same_row(a, s)
            and a.right < s.left
            for a in segments
        )
    ]
    near = [left for left in lefts if left > label.right]
    return min(near, key=lambda left: left - label.right) - 0.2 * label.height if near else label.right


def licence_probes(lines: Sequence[OcrLine], keys: Sequence[str] = LICENCE_PROBED) -> list[Box]:
    """Licence values whose label was found with nothing right of it on its row: from the column's value
    edge to the next label on the row (a two-column layout) or ``LICENCE_VALUE_WIDTH`` heights."""
    segments = labelled_segments(lines, LICENCE_LABELS)
    labels = _first_labels(segments)
    boxes: list[Box] = []
    for key in keys:
        label = labels.get(key)
        if label is None:
            continue
        right = label.right + LICENCE_VALUE_WIDTH * label.height
        right = min(
            [
                right,
                *(
                    s.left - 0.2 * label.height
                    for s in segments
                    if s.label and same_row(s, label) and s.left > label.right
                ),
            ]
        )
        if not _row_is_empty(label, segments, right):
            continue
        left = _value_left(label, segments)
        if right - left > label.height:
            boxes.append((left, label.top - 0.15 * label.height, right, label.bottom + 0.15 * label.height))
    return boxes + cut_value_probes(segments, labels)


# Values whose shape says they were cut short (glare over their end): the rest is looked for right of them.
CUT_SHAPES = {"name": firm_name_well_formed, "type": firm_type_well_formed}


def cut_value_probes(segments: Sequence[Segment], labels: Mapping[str, Segment]) -> list[Box]:
    """Right of a firm name or type whose row's text ends as no name or type does (``北京启明物流有限``): the
    box from its last piece to the next label on the row or eight heights on."""
    boxes: list[Box] = []
    for key, well_formed in CUT_SHAPES.items():
        label = labels.get(key)
        if label is None:
            continue
        row = sorted(
            (s for s in segments if s.label is None and same_row(s, label) and s.left > label.right - label.height),
            key=lambda s: s.left,
        )
        nearer = [s for s in segments if s.label is not None and same_row(s, label) and s.left > label.right]
        end = min((s.left for s in nearer), default=math.inf)
        row = [s for s in row if s.left < end]
        if not row or well_formed(strip_stamp_text("".join(s.text for s in row))):
            continue
        last = row[-1]
        right = min(end - 0.2 * label.height, last.right + 8.0 * last.height)
        if right - last.right > 0.8 * last.height:
            boxes.append((last.right + 0.1 * last.height, last.top, right, last.bottom))
    return boxes
