"""Closed vocabularies for slot values: surface words (Mandarin and English, lower case) -> canonical value.

Values: currencies are ISO 4217, countries ISO 3166-1 alpha-2, services the counter services of
``branchops.contracts.enums.ServiceName``; the rest are snake_case ids documented here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

CURRENCIES: Mapping[str, tuple[str, ...]] = {
    "HKD": ("港币", "港元", "港纸", "hkd", "hk$", "hong kong dollars", "hong kong dollar", "hk dollars"),
    "AUD": ("澳元", "澳币", "aud", "australian dollars", "australian dollar", "aussie dollars"),
    "CAD": ("加元", "加币", "cad", "canadian dollars", "canadian dollar"),
    "SGD": ("新加坡元", "新加坡币", "新币", "sgd", "singapore dollars", "singapore dollar"),
    "KRW": ("韩元", "韩币", "krw", "korean won"),
    "CHF": ("瑞士法郎", "瑞郎", "chf", "swiss francs", "swiss franc"),
    "USD": (
        "美元",
        "美金",
        "美刀",
        "usd",
        "us$",
        "us dollars",
        "us dollar",
        "american dollars",
        "dollars",
        "dollar",
        "bucks",
        "$",
    ),
    "EUR": ("欧元", "eur", "euros", "euro", "€"),
    "JPY": ("日元", "日币", "日圆", "jpy", "japanese yen", "yen", "円"),
    "GBP": ("英镑", "gbp", "pounds sterling", "pounds", "pound", "sterling", "quid", "£"),
    "CNY": ("人民币", "元", "块钱", "块", "圆", "rmb", "cny", "renminbi", "yuan", "kuai", "¥", "￥"),
}

COUNTRIES: Mapping[str, tuple[str, ...]] = {
    "US": ("美国", "united states", "the states", "usa", "the us", "the u.s.", "america"),
    "GB": ("英国", "united kingdom", "the uk", "uk", "britain", "england", "london"),
    "JP": ("日本", "japan", "tokyo"),
    "CA": ("加拿大", "canada"),
    "AU": ("澳大利亚", "澳洲", "australia"),
    "NZ": ("新西兰", "new zealand"),
    "DE": ("德国", "germany"),
    "FR": ("法国", "france", "paris"),
    "IT": ("意大利", "italy"),
    "ES": ("西班牙", "spain"),
    "NL": ("荷兰", "netherlands", "holland"),
    "CH": ("瑞士", "switzerland"),
    "IE": ("爱尔兰", "ireland"),
    "SG": ("新加坡", "singapore"),
    "KR": ("韩国", "south korea", "korea"),
    "HK": ("香港", "hong kong"),
    "MO": ("澳门", "macau", "macao"),
    "TH": ("泰国", "thailand"),
    "MY": ("马来西亚", "malaysia"),
    "RU": ("俄罗斯", "russia"),
    "IN": ("印度", "india"),
}

CARD_TYPES: Mapping[str, tuple[str, ...]] = {
    "social_security": (
        "社保卡",
        "医保卡",
        "社会保障卡",
        "social security card",
        "social insurance card",
        "social security",
    ),
    "credit": ("信用卡", "贷记卡", "credit card", "creditcard", "credit"),
    "debit": (
        "借记卡",
        "储蓄卡",
        "银行卡",
        "工资卡",
        "存折",
        "debit card",
        "debit",
        "bank card",
        "savings card",
        "atm card",
        "cash card",
    ),
}

BILL_TYPES: Mapping[str, tuple[str, ...]] = {
    "electricity": ("电费", "交电", "缴电", "电表", "electricity", "electric bill", "power bill", "power"),
    "water": ("水费", "交水", "水表", "water"),
    "gas": ("燃气", "煤气", "天然气", "gas"),
    "phone": (
        "话费",
        "手机费",
        "电话费",
        "充值手机",
        "phone bill",
        "mobile bill",
        "phone",
        "top up my mobile",
        "top-up",
    ),
    "broadband": ("宽带", "网费", "broadband", "internet"),
    "property_fee": ("物业费", "物业管理费", "物业", "property fee", "property management", "management fee", "strata"),
    "heating": ("暖气", "供暖", "取暖费", "heating"),
    "tv": ("有线电视", "电视费", "cable tv", "tv licence", "television"),
    "tuition": ("学费", "tuition", "school fees", "school fee"),
    "traffic_fine": ("交通罚款", "罚单", "违章", "traffic fine", "speeding fine", "parking fine"),
}

LOAN_TYPES: Mapping[str, tuple[str, ...]] = {
    "housing_fund": ("公积金贷款", "公积金", "provident fund"),
    "mortgage": (
        "房贷",
        "住房贷款",
        "按揭",
        "买房",
        "购房",
        "房子",
        "mortgage",
        "home loan",
        "housing loan",
        "buy a house",
        "buy a flat",
        "buying a home",
    ),
    "car": ("车贷", "汽车贷款", "买车", "car loan", "auto loan", "buy a car", "vehicle loan"),
    "business": ("经营贷", "经营性贷款", "企业贷款", "创业贷", "小微", "business loan", "company loan", "sme loan"),
    "student": ("助学贷款", "学生贷款", "student loan", "education loan", "tuition loan"),
    "consumer": ("消费贷", "消费贷款", "信用贷", "装修贷", "personal loan", "consumer loan", "renovation loan"),
}

PURPOSES: Mapping[str, tuple[str, ...]] = {
    "study_abroad": (
        "留学",
        "出国读书",
        "出国念书",
        "study abroad",
        "studying abroad",
        "student visa",
        "university abroad",
    ),
    "visa": ("签证", "签注", "visa"),
    "immigration": ("移民", "immigration", "residence permit"),
    "travel": ("旅游", "旅行", "出国玩", "travel", "holiday", "trip", "vacation"),
    "property_purchase": ("买房", "购房", "property purchase", "buying a house", "buy a house"),
    "proof_of_funds": ("资信证明", "资产证明", "proof of funds", "proof of assets"),
}

SERVICES: Mapping[str, tuple[str, ...]] = {
    "corporate": ("对公", "公司", "企业", "单位", "business account", "company", "corporate", "business"),
    "fx": (
        "外汇",
        "外币",
        "换汇",
        "购汇",
        "结汇",
        "境外汇款",
        "美元",
        "欧元",
        "日元",
        "港币",
        "英镑",
        "foreign currency",
        "foreign exchange",
        "currency exchange",
        "exchange money",
        "fx",
        "remittance",
        "dollars",
        "euros",
    ),
    "wealth": (
        "理财",
        "基金",
        "贷款",
        "房贷",
        "保险",
        "贵金属",
        "黄金",
        "investment",
        "wealth",
        "loan",
        "mortgage",
        "fund",
        "insurance",
        "gold",
    ),
    "cash": ("存钱", "取钱", "存款", "取款", "现金", "零钱", "存现", "取现", "cash", "deposit", "withdraw", "coins"),
    "general": (
        "开户",
        "办卡",
        "挂失",
        "补卡",
        "密码",
        "销户",
        "非现金",
        "综合",
        "个人业务",
        "account",
        "card",
        "password",
        "pin",
        "general",
    ),
}


def lexicon_pattern(vocabulary: Mapping[str, tuple[str, ...]]) -> re.Pattern[str]:
    """One regex over all surface words, longest first; Latin words must not be glued to other letters."""
    surfaces = sorted({s for words in vocabulary.values() for s in words}, key=len, reverse=True)
    parts = []
    for surface in surfaces:
        escaped = re.escape(surface)
        parts.append(f"(?<![a-z]){escaped}(?![a-z])" if re.search(r"[a-z]", surface) else escaped)
    return re.compile("|".join(parts))


def canonical(vocabulary: Mapping[str, tuple[str, ...]], surface: str) -> str:
    """Canonical value of one surface word (as matched by ``lexicon_pattern``)."""
    for value, surfaces in vocabulary.items():
        if surface in surfaces:
            return value
    raise KeyError(surface)
