"""End to end through the façade with the real OCR model on rendered synthetic documents (invented data).

Skipped when no CJK font is installed (Debian package fonts-noto-cjk) or rapidocr is missing.
"""

import io
import random
from datetime import date

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("rapidocr")
fonts = pytest.importorskip("bench.kyc.fonts")
if fonts.cjk_font_location() is None:
    pytest.skip("no CJK font installed (apt-get install -y fonts-noto-cjk)", allow_module_level=True)

from bench.kyc.conditions import CONDITIONS  # noqa: E402
from bench.kyc.expected import emblem_fields, licence_fields, portrait_fields  # noqa: E402
from bench.kyc.identities import InventedPerson, invented_firm, invented_person  # noqa: E402
from bench.kyc.render import render_id_emblem, render_id_portrait, render_licence  # noqa: E402
from services.kyc.adapters.document_reader import DocumentReader  # noqa: E402
from services.kyc.adapters.rapid_ocr import RapidOcrEngine  # noqa: E402
from services.kyc.usecases.documents import NoDocumentFoundError, read_business_licence, read_id_card  # noqa: E402

TODAY = date(2025, 6, 1)


@pytest.fixture(scope="module")
def reader() -> DocumentReader:
    return DocumentReader(RapidOcrEngine(threads=2))


@pytest.mark.parametrize("condition", ["clean", "perspective", "rotated_180", "rotated_90"])
def test_id_card_both_sides(reader: DocumentReader, condition: str) -> None:
    rng = random.Random(f"test-{condition}")
    person = invented_person(rng, TODAY)
    portrait = read_id_card(CONDITIONS[condition](render_id_portrait(person, rng), rng), today=TODAY, reader=reader)
    assert portrait["side"] == "portrait"
    assert portrait["fields"] == portrait_fields(person)
    assert portrait["checks"]["ok"], portrait["checks"]
    assert 0.8 < portrait["confidence"] <= 1.0
    emblem = read_id_card(
        CONDITIONS[condition](render_id_emblem(person, rng), rng),
        today=TODAY,
        holder_birth_date=person.birth_date,
        reader=reader,
    )
    assert emblem["side"] == "emblem"
    assert emblem["fields"] == emblem_fields(person)
    assert emblem["checks"]["ok"], emblem["checks"]


def test_expired_card_is_flagged(reader: DocumentReader) -> None:
    rng = random.Random("expired")
    person = invented_person(rng, TODAY)
    later = date(2099, 1, 1)
    result = read_id_card(CONDITIONS["clean"](render_id_emblem(person, rng), rng), today=later, reader=reader)
    if person.valid_to is None:
        assert result["checks"]["not_expired"]
    else:
        assert result["checks"]["failed"] == ["not_expired"]


@pytest.mark.parametrize("condition", ["clean", "tilted"])
def test_business_licence(reader: DocumentReader, condition: str) -> None:
    rng = random.Random(f"licence-{condition}")
    firm = invented_firm(rng)
    result = read_business_licence(CONDITIONS[condition](render_licence(firm, rng), rng), reader=reader)
    assert result["fields"] == licence_fields(firm)
    assert result["checks"]["ok"]


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "image",
    [np.full((480, 640, 3), 235, np.uint8), np.random.default_rng(3).integers(0, 255, (480, 640, 3), np.uint8)],
    ids=["blank", "noise"],
)
def test_photo_without_a_card_is_refused(reader: DocumentReader, image: np.ndarray) -> None:
    with pytest.raises(NoDocumentFoundError, match="no_document_found"):
        read_id_card(_png(image), today=TODAY, reader=reader)
    with pytest.raises(ValueError, match="no_document_found"):
        read_business_licence(_png(image), reader=reader)


SHORT_ROWS = InventedPerson(
    name="林芳",
    sex="女",
    ethnicity="汉",
    birth_date=date(1985, 3, 14),
    address="江苏省南京市玄武区中山路128号12栋1单元150室",  # wraps to a last row of two characters: 0室
    id_number="320102198503140021",
    issuing_authority="南京市公安局玄武分局",
    valid_from=date(2022, 5, 1),
    valid_to=date(2042, 5, 1),
)


@pytest.mark.parametrize("condition", ["clean", "rotated_90", "rotated_180"])
def test_lone_characters_and_short_rows_are_read_in_any_orientation(reader: DocumentReader, condition: str) -> None:
    """The sex (one character) and a two-character last address row: per-line orientation used to turn such
    short crops upside down and lose them; the orientation is now voted for the whole card."""
    rng = random.Random(f"short-rows-{condition}")
    image = CONDITIONS[condition](render_id_portrait(SHORT_ROWS, rng), rng)
    result = read_id_card(image, today=TODAY, reader=reader)
    assert result["fields"] == portrait_fields(SHORT_ROWS)
    assert result["checks"]["ok"], result["checks"]
