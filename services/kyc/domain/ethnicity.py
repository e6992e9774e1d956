"""The 56 ethnic groups recognised in China (GB 3304), as printed on the card (without the suffix 族)."""

from __future__ import annotations

ETHNIC_GROUPS = frozenset(
    [
        "汉",
        "蒙古",
        "回",
        "藏",
        "维吾尔",
        "苗",
        "彝",
        "壮",
        "布依",
        "朝鲜",
        "满",
        "侗",
        "瑶",
        "白",
        "土家",
        "哈尼",
        "哈萨克",
        "傣",
        "黎",
        "傈僳",
        "佤",
        "畲",
        "高山",
        "拉祜",
        "水",
        "东乡",
        "纳西",
        "景颇",
        "柯尔克孜",
        "土",
        "达斡尔",
        "仫佬",
        "羌",
        "布朗",
        "撒拉",
        "毛南",
        "仡佬",
        "锡伯",
        "阿昌",
        "普米",
        "塔吉克",
        "怒",
        "乌孜别克",
        "俄罗斯",
        "鄂温克",
        "德昂",
        "保安",
        "裕固",
        "京",
        "塔塔尔",
        "独龙",
        "鄂伦春",
        "赫哲",
        "门巴",
        "珞巴",
        "基诺",
    ]
)


def is_known_ethnicity(name: str) -> bool:
    return name in ETHNIC_GROUPS


def repair_ethnicity(name: str) -> str:
    """The official name when ``name`` is one character away from exactly one name of two or more characters
    (``维吾尓`` → ``维吾尔``); else ``name`` unchanged, so a doubtful reading stays flagged by
    ``is_known_ethnicity``. One-character names are never repaired: a single misread character is one
    substitution away from every one of them (``汊`` could be 汉 or 水).
    """
    if name in ETHNIC_GROUPS or len(name) < 2:
        return name
    near = [
        known
        for known in ETHNIC_GROUPS
        if len(known) == len(name) and sum(a != b for a, b in zip(known, name, strict=True)) == 1
    ]
    return near[0] if len(near) == 1 else name
