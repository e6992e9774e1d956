"""Document-level orientation vote and the re-reading of values the detector missed (no OCR model needed)."""

import io
from collections.abc import Sequence

import numpy as np
import pytest
from PIL import Image

from services.kyc.adapters.document_reader import PROBE_MIN_SCORE, DocumentReader, crop_box
from services.kyc.adapters.rapid_ocr import upside_down_by_vote
from services.kyc.domain import id_card
from services.kyc.domain.id_card import missing_value_regions, parse_portrait
from services.kyc.domain.ocr_types import OcrLine, line_at
from services.kyc.domain.orientation import ID_CARD_LABEL_ORDERS


@pytest.mark.parametrize(
    ("votes", "flipped"),
    [
        ([], False),
        ([("0", 0.99, 10.0)], False),
        ([("180", 0.99, 10.0)], True),
        # three lone characters wrongly called upside down do not outvote one long upright line
        ([("0", 0.95, 12.0), ("180", 0.95, 1.0), ("180", 0.92, 1.1), ("180", 0.99, 1.2)], False),
        # an upside-down document: most of the width says 180
        ([("180", 0.97, 12.0), ("180", 0.9, 6.0), ("0", 0.8, 1.0), ("0", 0.99, 1.5)], True),
        ([("0", 0.5, 4.0), ("180", 0.5, 4.0)], False),  # a tie keeps the image as it is
    ],
)
def test_orientation_is_voted_by_the_whole_document(votes: list[tuple[str, float, float]], flipped: bool) -> None:
    assert upside_down_by_vote(votes) is flipped


SEX_LABEL = line_at("性别", 60, 120, 50, 30)
ETHNICITY = line_at("民族汉", 250, 120, 90, 30)


def test_missing_sex_is_looked_for_between_its_label_and_ethnicity_at_most_four_heights() -> None:
    assert missing_value_regions([SEX_LABEL, ETHNICITY]) == [(113.0, 117.0, 227.0, 153.0)]
    assert missing_value_regions([SEX_LABEL, line_at("民族汉", 200, 120, 90, 30)]) == [(113.0, 117.0, 197.0, 153.0)]


def test_missing_sex_without_ethnicity_label_looks_two_and_a_half_heights_right() -> None:
    assert missing_value_regions([SEX_LABEL]) == [(113.0, 117.0, 182.0, 153.0)]


@pytest.mark.parametrize(
    "lines",
    [
        [SEX_LABEL, line_at("男", 150, 118, 30, 30), ETHNICITY],  # value detected on its own
        [line_at("性别女民族汉", 60, 120, 300, 30)],  # value glued to the labels
        [line_at("姓名王芳", 60, 58, 120, 30), ETHNICITY],  # no 性别 label: nothing to anchor a probe
        [],
    ],
    ids=["separate", "glued", "no-label", "empty"],
)
def test_no_probe_when_the_sex_was_read_or_cannot_be_placed(lines: list[OcrLine]) -> None:
    assert missing_value_regions(lines) == []


def test_no_probe_when_ethnicity_leaves_no_room() -> None:
    assert missing_value_regions([SEX_LABEL, line_at("民族汉", 112, 120, 90, 30)]) == []


def test_crop_box_is_clipped_and_refuses_slivers() -> None:
    image = np.zeros((100, 200, 3), np.uint8)
    crop = crop_box(image, (-5.0, 10.0, 50.0, 40.0))
    assert crop is not None and crop.shape == (30, 50, 3)
    assert crop_box(image, (190.0, 10.0, 260.0, 40.0)) is not None
    assert crop_box(image, (198.0, 10.0, 260.0, 40.0)) is None
    assert crop_box(image, (10.0, 98.0, 50.0, 140.0)) is None


PORTRAIT = [
    line_at("姓名", 60, 58, 50, 30),
    line_at("王芳", 150, 55, 60, 30),
    SEX_LABEL,
    ETHNICITY,
    line_at("出生", 60, 182, 50, 30),
    line_at("1990年1月2日", 150, 179, 200, 30),
    line_at("住址", 60, 244, 50, 30),
    line_at("江苏省南京市玄武区中山路1号", 150, 241, 330, 30),
    line_at("公民身份号码", 60, 440, 140, 30),
    line_at("32010219900102122X", 260, 434, 400, 30),
]


class FakeText:
    """Returns fixed lines for any image and one fixed reading for every probe crop."""

    def __init__(self, lines: list[OcrLine], reading: tuple[str, float]) -> None:
        self.lines, self.reading = lines, reading
        self.probed: list[tuple[int, int]] = []

    def read(self, image: np.ndarray) -> list[OcrLine]:
        return list(self.lines)

    def recognise(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        self.probed += [crop.shape[:2] for crop in crops]
        return [self.reading for _ in crops]


def _card_png() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((540, 856, 3), 235, np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("reading", "sex"),
    [
        (("女", 0.97), "女"),
        (("女", PROBE_MIN_SCORE - 0.01), None),  # not sure enough: the field stays missing (flagged)
        (("一", 0.99), None),  # a sure reading that is no sex value is not turned into one
        (("", 0.0), None),
    ],
)
def test_a_probed_value_is_kept_only_when_read_surely(reading: tuple[str, float], sex: str | None) -> None:
    fake = FakeText(PORTRAIT, reading)
    text = DocumentReader(fake).read(
        _card_png(), id_card.keyword_hits, ID_CARD_LABEL_ORDERS, prober=missing_value_regions
    )
    assert fake.probed == [(36, 114)]
    assert parse_portrait(text.lines).get("sex") == sex


def test_no_probe_without_a_prober_or_when_the_value_was_read() -> None:
    fake = FakeText(PORTRAIT, ("女", 0.99))
    DocumentReader(fake).read(_card_png(), id_card.keyword_hits, ID_CARD_LABEL_ORDERS)
    with_value = FakeText([*PORTRAIT, line_at("女", 150, 118, 30, 30)], ("男", 0.99))
    text = DocumentReader(with_value).read(
        _card_png(), id_card.keyword_hits, ID_CARD_LABEL_ORDERS, prober=missing_value_regions
    )
    assert fake.probed == [] and with_value.probed == []
    assert parse_portrait(text.lines)["sex"] == "女"
