"""A real-looking business licence through the real OCR (rapidocr): portrait format, labels spread wide
(名　　称), the registration authority's red seal pressed over the lower values, photographed as it lies and
turned by 90°. Rendered in memory at test time (invented data); skipped without a CJK font or rapidocr."""

import random

import pytest

pytest.importorskip("rapidocr")
fonts = pytest.importorskip("bench.kyc.fonts")
if fonts.cjk_font_location() is None:
    pytest.skip("no CJK font installed (apt-get install -y fonts-noto-cjk)", allow_module_level=True)

from bench.kyc.conditions import CONDITIONS, REALISTIC_CONDITIONS  # noqa: E402
from bench.kyc.expected import licence_fields  # noqa: E402
from bench.kyc.identities import invented_firm  # noqa: E402
from bench.kyc.render import render_licence_realistic, spaced_label, stamp  # noqa: E402
from services.kyc.adapters.document_reader import DocumentReader  # noqa: E402
from services.kyc.adapters.rapid_ocr import RapidOcrEngine  # noqa: E402
from services.kyc.usecases.documents import read_business_licence  # noqa: E402


@pytest.fixture(scope="module")
def reader() -> DocumentReader:
    return DocumentReader(RapidOcrEngine(threads=2))


@pytest.mark.parametrize("condition", ["clean", "rotated_90", "photocopy"])
def test_portrait_licence_with_seal_and_spaced_labels(reader: DocumentReader, condition: str) -> None:
    rng = random.Random(f"portrait-licence-{condition}")
    firm = invented_firm(rng, rare=False)
    page = render_licence_realistic(firm, rng, portrait=True)
    assert page.height > page.width and spaced_label("名称") == "名\u3000\u3000称"
    apply = {**CONDITIONS, **REALISTIC_CONDITIONS}[condition]
    result = read_business_licence(apply(page, rng), reader=reader)
    assert result["fields"] == licence_fields(firm)
    assert result["checks"]["credit_code_matches_address"] is True
    assert set(result["field_confidence"]) == set(licence_fields(firm))


def test_a_seal_pressed_over_a_value_does_not_join_it(reader: DocumentReader) -> None:
    """The seal is moved onto the legal representative's and the capital's rows."""
    rng = random.Random("seal-over-values")
    firm = invented_firm(rng)
    page = render_licence_realistic(firm, rng, portrait=True)
    page = stamp(page, (420, 640), 230, "南京市市场监督管理局", rng)
    result = read_business_licence(CONDITIONS["clean"](page, rng), reader=reader)
    expected = licence_fields(firm)
    for name in ("legal_representative", "registered_capital", "name"):
        assert result["fields"][name] == expected[name]
