"""Invented card holders and firms with valid-checksum numbers; deterministic for a given seed."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from services.kyc.domain import credit_code as ucc
from services.kyc.domain import id_number as idn
from services.kyc.domain.text_normalize import add_years, age_on
from services.kyc.domain.validity import expected_term

# County-level areas: (code, province+city+district, city, district) — public administrative divisions.
AREAS = (
    ("110105", "北京市朝阳区", "北京市", "朝阳"),
    ("320102", "江苏省南京市玄武区", "南京市", "玄武"),
    ("440305", "广东省深圳市南山区", "深圳市", "南山"),
    ("330106", "浙江省杭州市西湖区", "杭州市", "西湖"),
    ("510104", "四川省成都市锦江区", "成都市", "锦江"),
    ("420102", "湖北省武汉市江岸区", "武汉市", "江岸"),
    ("370202", "山东省青岛市市南区", "青岛市", "市南"),
    ("610113", "陕西省西安市雁塔区", "西安市", "雁塔"),
)
# Areas whose names hold rare characters that OCR reads as common look-alikes (亳/毫, 歙/翕, 郯/剡, 濮/璞,
# 鄞/勤, 黟/黔, 莒/莒, 儋/澹, 邕/雍, 婺/婺); issuing authority as printed on their cards.
RARE_AREAS = (
    ("341602", "安徽省亳州市谯城区", "亳州市", "谯城"),
    ("341021", "安徽省黄山市歙县", "黄山市", "歙县"),
    ("371322", "山东省临沂市郯城县", "临沂市", "郯城县"),
    ("410902", "河南省濮阳市华龙区", "濮阳市", "华龙"),
    ("330212", "浙江省宁波市鄞州区", "宁波市", "鄞州"),
    ("341023", "安徽省黄山市黟县", "黄山市", "黟县"),
    ("371122", "山东省日照市莒县", "日照市", "莒县"),
    ("450109", "广西壮族自治区南宁市邕宁区", "南宁市", "邕宁"),
    ("361130", "江西省上饶市婺源县", "上饶市", "婺源县"),
)
RARE_GIVEN = "喆堃赟昇淼犇鑫燚垚玥珺玙琤翀彧祎昶暐曌"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
    "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
)
GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰萍红鹏辉建文宇浩然子涵欣怡梓轩雨泽思远嘉琪晨阳佳慧志宏海峰"
ETHNICITIES = ("汉", "汉", "汉", "汉", "回", "满", "蒙古", "壮", "藏", "维吾尔", "苗", "彝", "土家", "朝鲜")
STREETS = ("中山路", "人民路", "解放大道", "建设街", "和平里", "新华路", "文化巷", "长江路", "湖滨路", "光明街")
FIRM_WORDS = ("晨光", "远航", "青禾", "云帆", "恒泰", "鼎新", "星河", "瑞丰", "启明", "华彩")
INDUSTRIES = ("科技", "商贸", "餐饮管理", "信息技术", "文化传媒", "物流", "建筑工程", "电子")
FIRM_TYPES = ("有限责任公司(自然人投资或控股)", "有限责任公司(自然人独资)", "股份有限公司(非上市)", "个人独资企业")
CAPITALS = ("壹佰万元整", "伍拾万元整", "叁佰万元整", "伍佰万元整", "壹仟万元整", "贰拾万元整")


@dataclass(frozen=True)
class InventedPerson:
    name: str
    sex: str
    ethnicity: str
    birth_date: date
    address: str
    id_number: str
    issuing_authority: str
    valid_from: date
    valid_to: date | None


@dataclass(frozen=True)
class InventedFirm:
    name: str
    credit_code: str
    type: str
    legal_representative: str
    registered_capital: str
    address: str
    established: date
    scope: str


def _name(rng: random.Random, rare: bool = False) -> str:
    surname = rng.choice(SURNAMES)
    given = [rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2)))]
    if rare and rng.random() < 0.5:
        given[-1] = rng.choice(RARE_GIVEN)
    return surname + "".join(given)


def _area(rng: random.Random, rare: bool) -> tuple[str, str, str, str]:
    return rng.choice(RARE_AREAS) if rare and rng.random() < 0.5 else rng.choice(AREAS)


def _authority(city: str, district: str) -> str:
    """A county's police (歙县公安局) or a city district's branch (南京市公安局玄武分局)."""
    return f"{district}公安局" if district.endswith("县") else f"{city}公安局{district}分局"


def _street_address(rng: random.Random, area: str) -> str:
    address = f"{area}{rng.choice(STREETS)}{rng.randint(1, 999)}号"
    if rng.random() < 0.7:
        address += f"{rng.randint(1, 30)}栋{rng.randint(1, 3)}单元{rng.randint(101, 2804)}室"
    return address


def invented_person(rng: random.Random, today: date, rare: bool = False) -> InventedPerson:
    """``rare``: half the time an area, and a given name, with rare characters."""
    code, area, city, district = _area(rng, rare)
    birth = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 55))
    sex = rng.choice("男女")
    sequence = rng.randint(0, 99) * 10 + rng.choice((1, 3, 5, 7, 9) if sex == "男" else (0, 2, 4, 6, 8))
    first17 = f"{code}{birth:%Y%m%d}{sequence:03d}"
    issued = today - timedelta(days=rng.randint(30, 365 * 4))
    issued = max(issued, add_years(birth, 16))
    term = expected_term(age_on(birth, issued))
    return InventedPerson(
        name=_name(rng, rare),
        sex=sex,
        ethnicity=rng.choice(ETHNICITIES),
        birth_date=birth,
        address=_street_address(rng, area),
        id_number=first17 + idn.check_character(first17),
        issuing_authority=_authority(city, district),
        valid_from=issued,
        valid_to=None if term is None else add_years(issued, term),
    )


def invented_firm(rng: random.Random, rare: bool = False) -> InventedFirm:
    code, area, city, _ = _area(rng, rare)
    body = "".join(rng.choice(ucc.ALPHABET) for _ in range(9))
    first17 = f"91{code}{body}"
    word, industry = rng.choice(FIRM_WORDS), rng.choice(INDUSTRIES)
    return InventedFirm(
        name=f"{city.removesuffix('市')}{word}{industry}有限公司",
        credit_code=first17 + ucc.check_character(first17),
        type=rng.choice(FIRM_TYPES),
        legal_representative=_name(rng, rare),
        registered_capital=rng.choice(CAPITALS),
        address=_street_address(rng, area),
        established=date(2000, 1, 1) + timedelta(days=rng.randint(0, 365 * 24)),
        scope=f"{industry}领域内的技术开发、技术咨询、技术服务；销售日用百货、电子产品。（依法须经批准的项目，"
        "经相关部门批准后方可开展经营活动）",
    )
