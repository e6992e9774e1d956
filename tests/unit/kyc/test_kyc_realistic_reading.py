"""Reading real-looking documents (issue 25): spaced and split labels, portrait licences, stamps and
watermarks, and the checks that catch what reading misses (division codes, per-field confidence)."""

from datetime import date

import pytest

from services.kyc.adapters.division_table import division_table
from services.kyc.domain.face_decision import KycDecision, combine
from services.kyc.domain.id_card import emblem_checks, parse_emblem, portrait_checks
from services.kyc.domain.layout import join_split_labels
from services.kyc.domain.licence import LICENCE_LABELS, licence_checks, licence_confidences, parse_licence
from services.kyc.domain.ocr_types import OcrLine, line_at
from services.kyc.domain.orientation import reads_across, turn_order
from services.kyc.domain.regions import (
    DivisionTable,
    address_matches_region,
    authority_matches_region,
    is_police_authority,
)
from services.kyc.domain.review import confidence_checks
from services.kyc.domain.stamps import is_stamp_text, strip_stamp_text

TABLE = division_table()
CODE = "91341602MA2TXB7K4C"  # not a real firm: region 341602 (亳州市谯城区); check character computed below
FIRM = {
    "name": "亳州晨光文化传媒有限公司",
    "type": "股份有限公司(非上市)",
    "legal_representative": "吕祎",
    "registered_capital": "伍佰万元整",
    "address": "安徽省亳州市谯城区长江路148号18栋2单元451室",
    "established": "2013-01-27",
}


def _code() -> str:
    from services.kyc.domain.credit_code import check_character

    return CODE[:17] + check_character(CODE[:17])


def portrait_licence(spaced: bool = True) -> list[OcrLine]:
    """OCR lines of a portrait-format licence: one column, two-character labels spread (名　　称) and read by
    OCR as separate boxes, the second sometimes glued to its value."""
    lines = [
        line_at("营业执照", 280, 90, 420, 80),
        line_at("统一社会信用代码", 90, 230, 220, 26),
        line_at(_code(), 340, 226, 320, 30),
        line_at("法定代表人", 100, 570, 140, 26),
        line_at("吕祎", 280, 568, 60, 28),
        line_at("注册资本", 100, 640, 110, 26),
        line_at("伍佰万元整", 280, 638, 140, 28),
        line_at("成立日期", 100, 710, 110, 26),
        line_at("2013年01月27日", 280, 708, 200, 28),
        line_at("登记机关", 560, 1220, 110, 26),
    ]
    if spaced:
        lines += [
            line_at("名", 100, 330, 28, 26),
            line_at("称", 180, 330, 28, 26),
            line_at("亳州晨光文化传媒有限公司", 280, 328, 330, 28),
            line_at("类", 100, 400, 28, 26),
            line_at("型股份有限公司(非上市)", 180, 398, 330, 28),
            line_at("住", 100, 470, 28, 26),
            line_at("所", 180, 470, 28, 26),
            line_at("安徽省亳州市谯城区长江路148号18栋2", 280, 468, 480, 28),
            line_at("单元451室", 280, 508, 110, 28),
        ]
    return lines


def test_spaced_labels_read_as_separate_boxes_give_their_values() -> None:
    fields = parse_licence(portrait_licence())
    assert {key: fields.get(key) for key in FIRM} == FIRM
    assert fields["credit_code"] == _code()


def test_split_label_with_second_character_glued_to_the_value_is_joined_and_cut() -> None:
    joined = join_split_labels(
        [line_at("类", 100, 400, 28, 26), line_at("型有限公司", 180, 398, 150, 28)], LICENCE_LABELS
    )
    assert sorted(line.text for line in joined) == ["有限公司", "类型"]
    value = next(line for line in joined if line.text == "有限公司")
    assert value.left > 180  # the value starts after the label's character, not at the box's left edge


def test_a_lone_character_far_from_anything_is_not_joined() -> None:
    lines = [line_at("名", 100, 330, 28, 26), line_at("称号", 600, 330, 60, 26)]
    assert [line.text for line in join_split_labels(lines, LICENCE_LABELS)] == ["名", "称号"]


def test_portrait_pages_are_read_as_they_lie_first_and_sideways_text_is_recognised() -> None:
    assert turn_order(990, 1400, any_aspect=True)[0] == 0
    assert turn_order(540, 856, any_aspect=False)[0] == 90  # a tall crop of an ID card is turned
    across = [line_at("名称", 100, 300, 60, 26), line_at("营业执照", 280, 90, 420, 80)]
    sideways = [line_at("名称", 300, 100, 26, 60), line_at("营业执照", 90, 280, 80, 420)]
    assert reads_across(across)
    assert not reads_across(sideways)


def test_copy_notices_and_seal_text_are_stripped_from_values() -> None:
    assert strip_stamp_text("吕祎复印无效") == "吕祎"
    assert strip_stamp_text("安徽省亳州市谯城区长江路148号亳州市市场监督管理局") == "安徽省亳州市谯城区长江路148号"
    assert strip_stamp_text("晨光文化传媒有限公司复印") == "晨光文化传媒有限公司"
    assert is_stamp_text("复印无效") and is_stamp_text("登记专用章")
    assert not is_stamp_text("壹佰万元整")


def test_watermark_lines_slanted_or_of_another_size_do_not_join_values() -> None:
    """Watermark pieces misread so that no phrase rule knows them (复印无放, 无致): the slanted one lies across
    the capital's row, the upright one (four times the text's height) on the name's row."""
    slanted = OcrLine("复印无放", 0.99, ((300, 700), (520, 560), (560, 620), (340, 760)))
    big = line_at("无致", 620, 300, 200, 110)
    fields = parse_licence([*portrait_licence(), slanted, big])
    assert fields["name"] == FIRM["name"]
    assert fields["registered_capital"] == FIRM["registered_capital"]


def test_issuing_authority_must_be_the_police_of_the_id_region() -> None:
    assert is_police_authority("亳州市公安局谯城分局") and is_police_authority("歙县公安局")
    assert not is_police_authority("亳州市人民政府")
    assert authority_matches_region(TABLE, "亳州市公安局谯城分局", "341602")
    assert authority_matches_region(TABLE, "亳州市公安局谯城分局", "341600")  # a session knows the prefecture
    assert authority_matches_region(TABLE, "歙县公安局", "341021")
    assert authority_matches_region(TABLE, "北京市公安局朝阳分局", "110105")
    assert not authority_matches_region(TABLE, "毫州市公安局谯城分局", "341602")  # look-alike 毫 for 亳
    assert not authority_matches_region(TABLE, "南京市公安局玄武分局", "341602")  # another region's police
    assert not authority_matches_region(TABLE, "亳州市公安局玄武分局", "341602")  # no such district there


def test_emblem_checks_send_a_wrong_authority_to_review_not_rejection() -> None:
    lines = [line_at("签发机关", 150, 382, 100, 24), line_at("毫州市公安局谯城分局", 290, 378, 300, 28)]
    lines.append(line_at("有效期限", 150, 442, 100, 24))
    lines.append(line_at("2023.05.13-2033.05.13", 290, 438, 300, 28))
    fields = parse_emblem(lines)
    checks = emblem_checks(fields, date(2025, 6, 1), table=TABLE, holder_region="341600")
    assert checks["issuing_authority_police"] is True
    assert checks["issuing_authority_matches_id_region"] is False
    assert checks["verdict"] == "review" and not checks["ok"]
    assert combine({k: v for k, v in checks.items() if k not in ("ok", "failed")}, None, None, None).decision is (
        KycDecision.REVIEW
    )
    garbage = emblem_checks({**fields, "issuing_authority": "复印无"}, date(2025, 6, 1))
    assert garbage["issuing_authority_police"] is False and garbage["verdict"] == "review"


@pytest.mark.parametrize(
    ("address", "code", "agrees"),
    [
        ("安徽省亳州市谯城区长江路148号", "341602", True),
        ("亳州市谯城区长江路148号", "341602", True),
        ("安徽省亳州市涡阳县人民路1号", "341602", True),  # moved within the prefecture
        ("北京市朝阳区中山路1号", "110105", True),
        ("北京市海淀区中山路1号", "110105", True),
        ("安徽省毫州市谯城区长江路148号", "341602", False),  # look-alike
        ("江苏省南京市玄武区中山路1号", "341602", False),
        ("安徽省黄山市歙县中山路1号", "341602", False),
    ],
)
def test_address_region_against_a_division_code(address: str, code: str, agrees: bool) -> None:
    assert address_matches_region(TABLE, address, code) is agrees


def test_portrait_side_address_outside_the_id_region_goes_to_review() -> None:
    fields = {
        "name": "吕祎",
        "sex": "男",
        "ethnicity": "汉",
        "birth_date": "1990-01-05",
        "address": "江苏省南京市玄武区中山路1号",
        "id_number": "341602199001050013",
    }
    from services.kyc.domain.id_number import check_character

    fields["id_number"] = fields["id_number"][:17] + check_character(fields["id_number"][:17])
    checks = portrait_checks(fields, TABLE)
    assert checks["address_matches_id_region"] is False
    assert checks["id_number_checksum"] and checks["verdict"] == "review"
    assert portrait_checks({**fields, "address": "安徽省亳州市谯城区长江路1号"}, TABLE)["verdict"] == "ok"


def test_credit_code_region_against_the_address() -> None:
    fields = {**FIRM, "credit_code": _code()}
    assert licence_checks(fields, TABLE)["credit_code_matches_address"] is True
    moved = licence_checks({**fields, "address": "江苏省南京市玄武区中山路1号"}, TABLE)
    assert moved["credit_code_matches_address"] is False
    assert moved["verdict"] == "review"


def test_a_field_below_the_confidence_threshold_sends_the_document_to_review() -> None:
    lines = portrait_licence()
    lines = [line_at("吕祎", 280, 568, 60, 28, score=0.91) if line.text == "吕祎" else line for line in lines]
    fields = parse_licence(lines)
    scores = licence_confidences(lines, fields)
    assert scores["legal_representative"] == pytest.approx(0.91)
    assert scores["name"] == pytest.approx(0.99)
    checks = licence_checks(fields, TABLE, scores)
    assert checks["fields_confident"] is False
    assert checks["low_confidence_fields"] == ["legal_representative"]
    assert checks["verdict"] == "review"
    assert confidence_checks({"name": 0.99}, {"name": "x"})["fields_confident"] is True


def test_division_table_holds_the_three_levels() -> None:
    assert isinstance(TABLE, DivisionTable)
    assert TABLE.province("341602") == "安徽省"
    assert TABLE.prefecture("341602") == "亳州市"
    assert TABLE.county("341602") == "谯城区"
    assert TABLE.prefecture("110105") is None  # 市辖区 is a grouping, not a place
    assert len(TABLE.names) > 3000


def test_a_tilted_page_is_levelled_so_values_stay_on_their_labels_rows() -> None:
    """The locator left the page tilted by 8°: each row climbs by a line height across the page."""
    import math

    from services.kyc.domain.layout import deskewed

    turn = math.radians(-8)

    def tilted(text: str, left: float, top: float, width: float, height: float = 26) -> OcrLine:
        corners = ((left, top), (left + width, top), (left + width, top + height), (left, top + height))
        box = tuple(
            (x * math.cos(turn) - y * math.sin(turn), x * math.sin(turn) + y * math.cos(turn)) for x, y in corners
        )
        return OcrLine(text, 0.99, box)  # type: ignore[arg-type]

    lines = [tilted(line.text, line.left, line.top, line.right - line.left) for line in portrait_licence()]
    assert parse_licence(lines)["registered_capital"] == FIRM["registered_capital"]
    level = deskewed(lines)
    capital = next(line for line in level if line.text == "伍佰万元整")
    label = next(line for line in level if line.text == "注册资本")
    assert abs(capital.center_y - label.center_y) < 3


def test_stray_fragments_join_no_value() -> None:
    """A seal's rim read as 冠 at 0.44 under the address, and 类 whose 型 OCR missed under the name."""
    lines = [line for line in portrait_licence() if line.text not in ("型股份有限公司(非上市)",)]
    lines += [line_at("冠", 300, 548, 28, 26, score=0.44)]
    lines = [line_at("住", 100, 470, 28, 26) if line.text == "类" else line for line in lines]
    lines += [line_at("类", 100, 360, 28, 26)]
    fields = parse_licence(lines)
    assert fields["name"] == FIRM["name"]
    assert fields["address"] == FIRM["address"]


def test_the_start_of_a_spaced_label_whose_rest_ocr_missed_still_anchors_its_value() -> None:
    lines = [line for line in portrait_licence() if line.text != "型股份有限公司(非上市)"]
    lines += [line_at("股份有限公司(非上市)", 280, 398, 300, 28)]
    fields = parse_licence(lines)
    assert fields["type"] == FIRM["type"]
    assert fields["name"] == FIRM["name"]
