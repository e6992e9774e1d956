"""Value probes (issue 25): where a value must be that the detector missed, from the OCR lines alone."""

from collections.abc import Sequence

import numpy as np

from services.kyc.adapters.document_reader import DocumentReader, DocumentText, level_view
from services.kyc.domain.layout import tilt, turned
from services.kyc.domain.ocr_types import OcrLine, line_at
from services.kyc.domain.value_probes import emblem_probes, licence_probes, portrait_probes


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
    ]
    boxes = portrait_probes(lines)
    assert len(boxes) == 3
    ethnicity, birth, address = sorted(boxes, key=lambda box: box[1])
    assert ethnicity[0] > 349 and ethnicity[2] == 349 + 3 * 42
    assert birth[0] > 140 and birth[1] < 208 < 248 < birth[3]
    assert address[1] < 276 and address[3] < 318 + 10  # the label's row only, not the continuation below


def test_no_portrait_probe_when_every_value_was_read() -> None:
    lines = [
        line_at("姓名王芳", 64, 70, 180, 38),
        line_at("性别女民族汉", 64, 137, 300, 40),
        line_at("出生1990年1月5日", 64, 208, 370, 40),
        line_at("住址安徽省亳州市", 63, 276, 400, 42),
    ]
    assert portrait_probes(lines) == []


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
