"""Stamp pieces stuck to values, the shape of an address, and place names put right from a region code
(issue 25): pure tests with the OCR lines as input."""

from services.kyc.adapters.division_table import division_table
from services.kyc.domain.id_card import portrait_checks, portrait_confidences, with_places_repaired
from services.kyc.domain.licence import licence_checks, licence_confidences, parse_licence
from services.kyc.domain.ocr_types import line_at
from services.kyc.domain.regions import repair_place_names
from services.kyc.domain.review import FIELD_REVIEW_THRESHOLD
from services.kyc.domain.stamps import strip_stamp_text
from services.kyc.domain.value_form import address_well_formed

TABLE = division_table()


def _licence(*extra: object) -> list:
    return [
        line_at("统一社会信用代码", 62, 65, 158, 26),
        line_at("营业执照", 348, 61, 314, 87),
        line_at("名称", 74, 226, 127, 32),
        line_at("南京启明物流有限公司", 181, 217, 215, 46),
        line_at("注册资本", 516, 226, 92, 31),
        line_at("壹佰万元整", 632, 225, 109, 32),
        line_at("住所", 504, 370, 102, 36),
        line_at("江苏省南京市玄武区和平里30", 630, 371, 272, 35, 0.961),
        line_at("2号27栋1单元256室", 632, 400, 184, 35, 0.991),
        *extra,
    ]


def test_a_seal_ring_character_below_an_address_is_no_part_of_it() -> None:
    # 南 of the seal's ring (南京市市场监督管理局) read on a line of its own, smaller, inside the value column
    fields = parse_licence(_licence(line_at("南", 686, 433, 20, 23, 0.99)))
    assert fields["address"] == "江苏省南京市玄武区和平里302号27栋1单元256室"
    # a continuation line of the value's own size at the value's left edge is kept
    fields = parse_licence(_licence(line_at("南楼", 632, 434, 50, 35, 0.99)))
    assert fields["address"] == "江苏省南京市玄武区和平里302号27栋1单元256室南楼"


def test_the_end_of_a_seal_inscription_after_a_value_is_stripped() -> None:
    assert strip_stamp_text("北京市朝阳区光明街540号管理局") == "北京市朝阳区光明街540号"
    assert strip_stamp_text("北京市朝阳区光明街540号监督管理局") == "北京市朝阳区光明街540号"
    assert strip_stamp_text("北京市朝阳区光明街540号") == "北京市朝阳区光明街540号"


def test_an_address_ending_like_no_address_goes_to_review_however_sure_its_characters() -> None:
    assert address_well_formed("江苏省南京市玄武区和平里302号27栋1单元256室")
    assert address_well_formed("北京市朝阳区光明街540号")
    assert not address_well_formed("江苏省南京市玄武区和平里302号27栋1单元256室南")
    lines = _licence(line_at("南", 632, 434, 30, 35, 0.99))  # a stray character nothing tells apart
    fields = parse_licence(lines)
    assert fields["address"].endswith("室南")
    scores = licence_confidences(lines, fields)
    assert scores["address"] < FIELD_REVIEW_THRESHOLD
    checks = licence_checks(fields, TABLE, scores)
    assert checks["address_well_formed"] is False and "address" in checks["low_confidence_fields"]
    assert checks["ok"] is False


def test_portrait_address_shape_is_checked_and_capped_too() -> None:
    lines = [
        line_at("姓名", 64, 70, 74, 38),
        line_at("王芳", 164, 68, 80, 40),
        line_at("住址", 63, 276, 77, 42),
        line_at("安徽省亳州市谯城区文化巷171号管", 165, 276, 500, 43),
    ]
    fields = {"name": "王芳", "address": "安徽省亳州市谯城区文化巷171号管"}
    assert portrait_confidences(lines, fields)["address"] < FIELD_REVIEW_THRESHOLD
    assert portrait_checks(fields)["address_well_formed"] is False


def test_a_place_name_misread_by_one_character_is_spelled_as_the_region_code_has_it() -> None:
    assert repair_place_names(TABLE, "江苏省南京市会武区解放大道425号", "320102") == "江苏省南京市玄武区解放大道425号"
    assert repair_place_names(TABLE, "安徽省黄山市野县长江路914号", "341023") == "安徽省黄山市黟县长江路914号"
    assert repair_place_names(TABLE, "安徽省毫州市谯城区文化巷", "341602") == "安徽省亳州市谯城区文化巷"


def test_place_names_are_left_alone_when_they_are_right_far_off_or_another_known_place() -> None:
    assert repair_place_names(TABLE, "北京市朝阳区光明街540号", "110105") == "北京市朝阳区光明街540号"
    assert repair_place_names(TABLE, "北京市朝阳区光明街540号", "110108") == "北京市朝阳区光明街540号"  # 海淀区
    assert repair_place_names(TABLE, "江宁区文化巷", "320102") == "江宁区文化巷"  # not 江苏 misread
    assert repair_place_names(TABLE, "江苏省南京市会武区解放大道", "999999") == "江苏省南京市会武区解放大道"


def test_portrait_address_is_repaired_only_from_a_number_whose_check_digit_holds() -> None:
    fields = {"id_number": "341602198604110034", "address": "安徽省毫州市谯城区文化巷171号"}
    assert with_places_repaired(fields, TABLE)["address"] == "安徽省亳州市谯城区文化巷171号"
    broken = {**fields, "id_number": "341602198604110035"}
    assert with_places_repaired(broken, TABLE) == broken


def test_a_spaced_label_whose_first_character_ocr_missed_is_found_by_its_last() -> None:
    lines = [
        line_at("统一社会信用代码", 58, 67, 158, 26),
        line_at("称", 128, 230, 46, 28),  # 名 missed
        line_at("南京启明物流有限公司", 188, 226, 215, 34),
        line_at("注册资本", 514, 228, 92, 30),
        line_at("壹佰万元整", 630, 226, 110, 32),
        line_at("型", 128, 278, 46, 29),  # 类 missed
        line_at("有限责任公司(自然人独资)", 188, 274, 238, 36),
        line_at("成立日期", 513, 275, 91, 31),
        line_at("2022年03月16日", 632, 278, 152, 26),
        line_at("法定代表人 杨勇英", 72, 324, 186, 35),
        line_at("营业期限", 516, 325, 87, 32),
        line_at("所", 572, 377, 32, 26),  # 住 missed
        line_at("江苏省南京市玄武区和平里30", 632, 374, 266, 30),
        line_at("经营范围", 72, 375, 93, 31),
        line_at("2号27栋1单元256室", 633, 403, 179, 26),
    ]
    fields = parse_licence(lines)
    assert fields["name"] == "南京启明物流有限公司"
    assert fields["type"] == "有限责任公司(自然人独资)"
    assert fields["address"] == "江苏省南京市玄武区和平里302号27栋1单元256室"


def test_a_county_police_matches_the_prefecture_a_session_knows_of_the_holder() -> None:
    from services.kyc.domain.regions import authority_matches_region

    assert authority_matches_region(TABLE, "莒县公安局", "371100")  # 莒县 lies in 日照市
    assert authority_matches_region(TABLE, "莒县公安局", "371122")
    assert not authority_matches_region(TABLE, "莒县公安局", "341000")  # not a county of 黄山市
    assert not authority_matches_region(TABLE, "莒县公安局", "371102")  # the holder's own county is known
