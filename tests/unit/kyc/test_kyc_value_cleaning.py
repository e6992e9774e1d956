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


def test_a_lone_label_end_in_a_one_column_licence_stays_in_the_label_column() -> None:
    # portrait-format licence (moiré): 所 of 住　所 read alone; the rows below keep their own labels' values
    lines = [
        line_at("统一社会信用代码 91450109DHJP75HG6R", 79, 12, 581, 34),
        line_at("名", 84, 104, 48, 43),
        line_at("称", 167, 106, 39, 34),
        line_at("南宁启明电子有限公司", 258, 106, 276, 35),
        line_at("类", 86, 171, 41, 37),
        line_at("型", 170, 174, 35, 33),
        line_at("有限责任公司(自然人投资或控股)", 256, 172, 402, 35),
        line_at("所", 167, 242, 39, 32),
        line_at("广西壮族自治区南宁市邕宁区解放大道891", 258, 240, 509, 34),
        line_at("号", 256, 278, 34, 36),
        line_at("法定代表人", 88, 346, 149, 35),
        line_at("方彧", 253, 346, 65, 35),
        line_at("注册资本", 85, 411, 123, 40),
        line_at("伍佰万元整", 256, 412, 143, 37),
        line_at("成立日期", 88, 480, 118, 36),
        line_at("2008年10月23日", 255, 480, 208, 36),
        line_at("营业期限", 88, 548, 117, 36),
        line_at("2008年10月23日至长期", 255, 548, 289, 34),
    ]
    fields = parse_licence(lines)
    assert fields["address"] == "广西壮族自治区南宁市邕宁区解放大道891号"
    assert (fields["legal_representative"], fields["registered_capital"], fields["established"]) == (
        "方彧",
        "伍佰万元整",
        "2008-10-23",
    )


def test_an_unlabelled_address_continues_on_the_line_just_below_even_when_their_boxes_touch() -> None:
    lines = [
        line_at("统一社会信用代码", 62, 65, 157, 26),
        line_at("安徽省黄山市黟县长江路169", 633, 374, 258, 30),
        line_at("号4栋3单元1723室", 633, 401, 174, 35),  # its box starts 3 px above the first line's bottom
        line_at("经营范围", 74, 377, 91, 30),
    ]
    assert parse_licence(lines)["address"] == "安徽省黄山市黟县长江路169号4栋3单元1723室"


def test_a_firm_name_or_type_cut_short_goes_to_review_however_sure_its_characters() -> None:
    lines = [
        line_at("名称", 75, 229, 90, 28),
        line_at("北京启明物流有限", 187, 221, 170, 39),
        line_at("类型", 75, 278, 89, 29),
        line_at("个人独", 192, 277, 62, 28),
    ]
    fields = parse_licence(lines)
    assert (fields["name"], fields["type"]) == ("北京启明物流有限", "个人独")
    scores = licence_confidences(lines, fields)
    assert scores["name"] < FIELD_REVIEW_THRESHOLD and scores["type"] < FIELD_REVIEW_THRESHOLD
    checks = licence_checks(fields, TABLE, scores)
    assert checks["name_well_formed"] is False and checks["type_well_formed"] is False
    whole = {"name": "北京启明物流有限公司", "type": "个人独资企业"}
    assert licence_checks(whole)["name_well_formed"] and licence_checks(whole)["type_well_formed"]


def test_a_county_one_glyph_from_the_one_county_of_the_named_prefecture_is_repaired_as_a_guess() -> None:
    from services.kyc.domain.regions import repair_county

    # docs/kyc-specimens.md, bigppwong-13: 埇桥区 read 埔桥区 at 0.998, the number's prefecture code historic
    assert repair_county(TABLE, "安徽省宿州市埔桥区大泽乡") == "安徽省宿州市埇桥区大泽乡"
    assert repair_county(TABLE, "北京市海锭区西北旺东路") == "北京市海淀区西北旺东路"
    for right in ("安徽省宿州市埇桥区大泽乡", "上海市浦东新区张江路", "江苏省南京市解放大道425号", "湖滨路12号"):
        assert repair_county(TABLE, right) is None
