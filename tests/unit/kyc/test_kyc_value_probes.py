"""Value probes (issue 25): where a value must be that the detector missed, from the OCR lines alone."""

from collections.abc import Sequence

import numpy as np
import pytest

from services.kyc.adapters.document_reader import DocumentReader, DocumentText, level_view
from services.kyc.domain.id_card import parse_emblem
from services.kyc.domain.layout import tilt, turned
from services.kyc.domain.ocr_types import OcrLine, line_at
from services.kyc.domain.value_probes import Alternatives, emblem_probes, licence_probes, portrait_probes


def test_portrait_rows_left_empty_by_the_detector_are_probed_right_of_their_labels() -> None:
    lines = [
        line_at("姓名", 64, 70, 74, 38),
        line_at("王芳", 164, 68, 80, 40),
        line_at("性别", 64, 137, 76, 40),
        line_at("女", 164, 139, 40, 38),
        line_at("民族", 272, 138, 77, 42),  # ethnicity missed (moiré)
        line_at("出生", 64, 208, 76, 40),  # birth date missed
        line_at("住址", 63, 276, 77, 42),  # first address line missed
        line_at("171号21栋1单元24", 165, 318, 282, 43),
        line_at("公民身份号码 341602198604110034", 58, 481, 704, 63),
    ]
    ethnicity, birth, address = portrait_probes(lines)
    assert isinstance(ethnicity, Alternatives) and not isinstance(birth, Alternatives)
    assert not isinstance(address, Alternatives)
    wide, narrow = ethnicity.boxes
    assert narrow[0] == wide[0] > 349 and (wide[2], narrow[2]) == pytest.approx((349 + 3 * 42, 349 + 1.8 * 42))
    assert birth[0] > 140 and birth[1] < 208 < 248 < birth[3]
    assert address[1] < 276 and address[3] < 318 + 10  # the label's row only, not the continuation below


def test_no_portrait_probe_when_every_value_was_read() -> None:
    lines = [
        line_at("姓名王芳", 64, 70, 180, 38),
        line_at("性别女民族汉", 64, 137, 300, 40),
        line_at("出生1990年1月5日", 64, 208, 370, 40),
        line_at("住址安徽省亳州市", 63, 276, 400, 42),
        line_at("公民身份号码 341602198604110034", 58, 481, 704, 63),
    ]
    assert portrait_probes(lines) == []


def test_id_number_missed_with_its_label_is_probed_on_the_row_the_card_layout_puts_it() -> None:
    lines = [
        line_at("姓名高然", 62, 66, 181, 45),
        line_at("住址", 64, 279, 76, 38),
        line_at("山东省青岛市市南区光明街", 166, 277, 401, 40),
        line_at("416号7栋1单元205", 165, 321, 282, 40),
    ]
    [box] = portrait_probes(lines)
    assert not isinstance(box, Alternatives)
    pitch = (279 - 66) / 3
    assert box[1] < 279 + 3.1 * pitch < 279 + 3.6 * pitch < box[3] and box[0] < 64 and box[2] > 64 + 18 * 38
    assert box[1] > 321 + 40  # below the address's last line


def test_a_value_box_reaching_back_over_its_label_loses_the_label_characters_read_twice() -> None:
    lines = [
        line_at("签发机关", 164, 431, 144, 41),
        line_at("关黟县公安局", 280, 417, 217, 66, 0.93),
        line_at("有效期限 2022.02.17-2042.02.17", 152, 486, 586, 72),
    ]
    assert parse_emblem(lines)["issuing_authority"] == "黟县公安局"
    assert parse_emblem([lines[0], line_at("关岭县公安局", 320, 431, 217, 41), lines[2]])["issuing_authority"] == (
        "关岭县公安局"  # a value that merely starts like the label's end, not over it, is kept whole
    )


def test_emblem_validity_missed_with_its_label_is_probed_on_the_row_below_the_authority() -> None:
    authority = line_at("签发机关 亳州市公安局谯城分局", 165, 430, 487, 39)
    [box] = emblem_probes([line_at("中华人民共和国", 285, 69, 394, 68), authority])
    assert box[0] < 165 and box[1] > 469 and box[3] > 469 + 39 and box[2] > 165 + 13 * 39
    assert emblem_probes([authority, line_at("有效期限 2023.05.13-2033.05.13", 165, 498, 496, 38)]) == []


def test_licence_label_with_nothing_right_of_it_is_probed_from_its_value_column_to_the_next_label() -> None:
    lines = [
        line_at("成立日期", 514, 274, 92, 31),  # its date missed
        line_at("类型", 75, 277, 89, 28),
        line_at("有限责任公司", 190, 278, 236, 26),
        line_at("注册资本", 516, 227, 87, 28),
        line_at("壹佰万元整", 632, 226, 108, 30),
        line_at("名称", 75, 229, 90, 28),  # its name missed; the right column's label closes the probe
    ]
    boxes = sorted(licence_probes(lines), key=lambda box: box[1])
    assert len(boxes) == 2
    name, established = boxes
    assert 165 < name[0] < 190 and name[2] < 516
    assert established[0] >= 606 and established[2] > 800


def test_probe_boxes_are_placed_in_the_level_frame_of_a_tilted_page_and_read_back_in_the_image_frame() -> None:
    lines = [OcrLine("有效期限 2023.05.13", 0.99, turned(line_at("", 100, 200, 300, 30).box, -5.0)) for _ in range(3)]  # type: ignore[arg-type]
    assert round(tilt(lines), 3) == 5.0
    image = np.full((400, 600, 3), 255, np.uint8)
    view, (left, top) = level_view(image, 5.0)
    assert view.shape[0] > 400 and view.shape[1] > 600 and top < 0 <= left

    class Recogniser:
        def read(self, image: np.ndarray) -> list[OcrLine]:
            return []

        def recognise(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
            return [("2023年09月26日", 0.99) for _ in crops]

    text = DocumentText(lines, True, 0, 2)
    probed = DocumentReader(Recogniser())._probe(text, image, [(100.0, 250.0, 400.0, 280.0)])
    added = probed.lines[-1]
    assert added.text == "2023年09月26日"
    level = turned(added.box, 5.0)
    assert [round(v) for v in (level[0][0], level[0][1], level[2][0], level[2][1])] == [100, 250, 400, 280]


def test_of_alternative_boxes_the_first_read_surely_is_kept() -> None:
    class Recogniser:
        def read(self, image: np.ndarray) -> list[OcrLine]:
            return []

        def recognise(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
            return [("汉郊", 0.45) if crop.shape[1] > 60 else ("汉", 0.99) for crop in crops]

    text = DocumentText([line_at("民族", 272, 138, 77, 42)], True, 0, 1)
    probe = Alternatives(((353.0, 132.0, 475.0, 186.0), (353.0, 132.0, 400.0, 186.0)))
    probed = DocumentReader(Recogniser())._probe(text, np.full((400, 600, 3), 255, np.uint8), [probe])
    assert [line.text for line in probed.lines] == ["民族", "汉"]
    assert probed.lines[-1].right == 400.0


def test_a_firm_name_or_type_cut_short_is_probed_right_of_its_last_piece_up_to_the_next_label() -> None:
    lines = [
        line_at("名称", 75, 229, 90, 28),
        line_at("北京启明物流有限", 187, 221, 170, 39),  # 公司 under glare
        line_at("注册资本", 518, 229, 86, 28),
        line_at("壹佰万元整", 632, 226, 108, 31),
        line_at("类型", 75, 278, 89, 29),
        line_at("股份有限公司(非上市)", 189, 276, 199, 31),  # whole
    ]
    [box] = licence_probes(lines)
    assert not isinstance(box, Alternatives)
    assert 357 < box[0] < 362 and box[2] < 518 and box[1] == 221 and box[3] == 260


def test_ethnicity_missed_with_its_label_is_probed_on_the_right_half_of_the_sex_row() -> None:
    lines = [
        line_at("姓名", 64, 69, 101, 40),
        line_at("杜涛兰", 158, 66, 118, 45),
        line_at("性别男", 63, 136, 149, 45),  # 民族维吾尔 missed
        line_at("出生", 66, 209, 74, 38),
        line_at("1961年9月25日", 165, 206, 255, 44),
        line_at("住址", 66, 277, 74, 38),
        line_at("湖北省武汉市江岸区新华路", 144, 271, 433, 50),
        line_at("公民身份号码 420102196109254674", 68, 492, 686, 48),
    ]
    [box] = portrait_probes(lines)
    assert not isinstance(box, Alternatives)
    assert 63 + 4 * 45 < box[0] < 272 and box[2] > 540 and box[1] < 136 and box[3] > 181


def test_a_probe_reading_that_repeats_the_line_already_read_there_is_dropped() -> None:
    # docs/kyc-specimens.md, chineseocr-card: the detector's line starts left of the 住址 label's right edge
    read = [line_at("住址", 20, 146, 63, 20), line_at("北京市海淀区西北旺东路", 77, 147, 183, 21)]

    class Recogniser:
        def read(self, image: np.ndarray) -> list[OcrLine]:
            return []

        def recognise(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
            return [("北京市海淀区西北旺东路", 0.99) for _ in crops]

    text = DocumentText(read, True, 0, 1)
    image = np.full((400, 600, 3), 255, np.uint8)
    probed = DocumentReader(Recogniser())._probe(text, image, [(85.0, 145.0, 302.0, 170.0)])
    assert probed.lines == read
    elsewhere = DocumentReader(Recogniser())._probe(text, image, [(85.0, 175.0, 302.0, 200.0)])
    assert len(elsewhere.lines) == 3  # the row below: a line of its own
