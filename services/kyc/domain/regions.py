"""Administrative regions (GB/T 2260 codes) against the place names printed on a document.

The six digits opening an ID number (and digits 3-8 of a credit code) name a county-level division; the
issuing authority and the address name places. A misread place-name character (毫州 for 亳州) passes the
number's check digit, but not these comparisons. The table is handed in (``DivisionTable``); loading it is
the adapters' job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Prefecture-level rows that group counties without being a place ("市辖区" of a municipality).
_GROUPINGS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")
_SUFFIXES = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "省",
    "市",
    "区",
    "县",
    "盟",
    "旗",
)
_AUTHORITY = re.compile(r"(?P<city>.+?)公安局(?:(?P<branch>.+?)分局)?")


@dataclass(frozen=True)
class DivisionTable:
    """Code (six digits) → name of every province, prefecture and county."""

    names: Mapping[str, str]

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str]]) -> DivisionTable:
        return cls(dict(rows))

    def province(self, code: str) -> str | None:
        return self.names.get(code[:2] + "0000")

    def prefecture(self, code: str) -> str | None:
        name = self.names.get(code[:4] + "00")
        return None if name is None or name in _GROUPINGS else name

    def county(self, code: str) -> str | None:
        return None if code[4:6] == "00" else self.names.get(code[:6])

    def counties_of(self, code: str) -> list[str]:
        """Names of the county-level divisions of the prefecture of ``code`` (a municipality's districts)."""
        prefix = code[:4]
        return [name for key, name in self.names.items() if key.startswith(prefix) and key[4:6] != "00"]

    def known(self, code: str) -> bool:
        return len(code) >= 6 and code[:6].isdigit() and self.province(code) is not None


def spellings(name: str) -> list[str]:
    """A place name as printed: in full, and without its level suffix when two characters or more remain
    (南京市 → 南京, 朝阳区 → 朝阳)."""
    out = [name]
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            out.append(name[: -len(suffix)])
            break
    return out


def _strip_one(text: str, names: Iterable[str]) -> str | None:
    """``text`` without the longest spelling of one of ``names`` it starts with; None when none fits."""
    fits = [spelling for name in names for spelling in spellings(name) if text.startswith(spelling)]
    return text[len(max(fits, key=len)) :] if fits else None


def is_police_authority(text: str) -> bool:
    """Issued by a public security bureau (…公安局) or its branch (…分局)."""
    return _AUTHORITY.fullmatch(text) is not None


def authority_matches_region(table: DivisionTable, authority: str, code: str) -> bool:
    """Whether ``authority`` is the police of the region ``code``: ``<place>公安局[<district>分局]`` where the
    place is the region's county, prefecture or province (each name spelled exactly, optionally preceded by
    the province) and the branch, when present, a county-level division of that prefecture."""
    match = _AUTHORITY.fullmatch(authority)
    if match is None or not table.known(code):
        return False
    place, consumed = match.group("city"), 0
    for level in (table.province(code), table.prefecture(code), table.county(code)):
        rest = _strip_one(place, [level]) if level else None
        if rest is not None:
            place, consumed = rest, consumed + 1
    if place and code[4:6] == "00" and table.prefecture(code) is not None:
        # a prefecture's region (the holder's number known to four digits): the police of one of its counties
        rest = _strip_one(place, table.counties_of(code))
        if rest is not None:
            place, consumed = rest, consumed + 1
    branch = match.group("branch")
    branch_ok = branch is None or _strip_one(branch, table.counties_of(code)) == ""
    return place == "" and consumed > 0 and branch_ok


def address_matches_region(table: DivisionTable, address: str, code: str) -> bool:
    """Whether an address starts in the province and prefecture of ``code``: the province (may be left out),
    then the prefecture, or straight a county of that prefecture (a municipality, or a county-level city).
    A place name misread by one character fails."""
    if not table.known(code):
        return False
    province, prefecture = table.province(code), table.prefecture(code)
    after_province = _strip_one(address, [province]) if province else None
    rest = after_province if after_province is not None else address
    if prefecture is not None and _strip_one(rest, [prefecture]) is not None:
        return True
    straight_to_county = after_province is not None or prefecture is None
    return straight_to_county and _strip_one(rest, table.counties_of(code)) is not None


def _one_apart(read: str, name: str) -> bool:
    return len(read) == len(name) and sum(a != b for a, b in zip(read, name, strict=True)) == 1


def repair_place_names(table: DivisionTable, text: str, code: str) -> str:
    """``text`` (an address) with one misread character of the place names of ``code`` put right: the
    province (may be left out), prefecture and county are matched in turn at the text's start, and the first
    that is one character away from its name as printed (南京市会武区 for 玄武区, 野县 for 黟县) is spelled as
    the table has it, unless the text there already starts another known place name (江宁 is not 江苏).
    Nothing else is changed; a text whose places do not line up with ``code`` is returned as it is."""
    if not table.known(code):
        return text
    position, repaired = 0, False
    for level in (table.province(code), table.prefecture(code), table.county(code)):
        if level is None:
            continue
        names = sorted(spellings(level), key=len, reverse=True)
        exact = next((name for name in names if text.startswith(name, position)), None)
        if exact is not None:
            position += len(exact)
            continue
        near = [name for name in names if len(name) >= 2 and _one_apart(text[position : position + len(name)], name)]
        if repaired or not near or _starts_known_place(table, text, position):
            continue
        name = near[0]
        text, position, repaired = text[:position] + name + text[position + len(name) :], position + len(name), True
    return text


def _starts_known_place(table: DivisionTable, text: str, position: int) -> bool:
    return any(text.startswith(spelling, position) for name in table.names.values() for spelling in spellings(name))


def repair_county(table: DivisionTable, address: str) -> str | None:
    """The address with its county spelled as the table has it, when the address names a province (may be
    left out) and a prefecture, and then no county of that prefecture but exactly one that one character
    differs from (埔桥区 under 宿州市, where 埇桥区 is; the same level suffix); None when there is nothing to
    repair. Independent of any number, so a repair is a guess for the officer to confirm, not a fact."""
    position, province = 0, None
    for code, name in table.names.items():
        if code.endswith("0000"):
            fits = [spelling for spelling in spellings(name) if address.startswith(spelling)]
            if fits:
                province, position = code, len(max(fits, key=len))
                break
    prefecture = None
    for code, name in table.names.items():
        if code[4:] != "00" or code[2:4] == "00" or (province and code[:2] != province[:2]):
            continue
        if name in _GROUPINGS:
            prefecture = prefecture or (code if province else None)
            continue
        fits = [spelling for spelling in spellings(name) if address.startswith(spelling, position)]
        if fits:
            prefecture, position = code, position + len(max(fits, key=len))
            break
    if prefecture is None:
        return None
    counties = table.counties_of(prefecture)
    if any(address.startswith(spelling, position) for name in counties for spelling in spellings(name)):
        return None
    near = {
        name
        for name in counties
        if len(name) >= 2
        and address[position + len(name) - 1 : position + len(name)] == name[-1]
        and _one_apart(address[position : position + len(name)], name)
    }
    if len(near) != 1 or _starts_known_place(table, address, position):
        return None
    name = near.pop()
    return address[:position] + name + address[position + len(name) :]
