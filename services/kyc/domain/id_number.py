"""Citizen identity number of GB 11643-1999: check character, birth date, sex and region."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from services.kyc.domain.text_normalize import compact, fix_digit_lookalikes, safe_date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
# Province-level administrative divisions (GB/T 2260), plus 71 Taiwan, 81 Hong Kong, 82 Macao and
# 83 (Taiwan residents' residence permits).
PROVINCE_CODES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    }
)
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")  # ASCII only: \d would admit other scripts' digits


def check_character(first17: str) -> str:
    """The 18th character computed from the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("the check character needs exactly 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def is_well_shaped(number: str) -> bool:
    return _SHAPE.fullmatch(number) is not None


def checksum_ok(number: str) -> bool:
    return is_well_shaped(number) and check_character(number[:17]) == number[17]


def region_plausible(number: str) -> bool:
    """Province prefix known and the prefecture/county digits not all zero."""
    return number[:2] in PROVINCE_CODES and number[2:6] != "0000"


def birth_date_of(number: str) -> date | None:
    if not is_well_shaped(number):
        return None
    return safe_date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def sex_of(number: str) -> str | None:
    """男 when the 17th digit is odd, 女 when even."""
    if not is_well_shaped(number):
        return None
    return "男" if int(number[16]) % 2 == 1 else "女"


def extract_id_number(text: str) -> str | None:
    """The 18-character number inside noisy OCR text, look-alike letters read as digits.

    The last character may be the letter X (or x, or the multiplication sign).
    When noise glued to the number makes a run longer than 18, the one window that is a complete valid
    number (check character, birth date, region) is taken; when none or several are, the first well-shaped
    window is returned as read, for the checks to flag.
    """
    cleaned = compact(text).replace("×", "X").replace("x", "X")
    shaped: list[str] = []
    for run in re.findall(r"[0-9A-Za-z|!]{18,}", cleaned):
        for start in range(len(run) - 17):
            window = run[start : start + 18]
            candidate = fix_digit_lookalikes(window[:17]) + (
                "X" if window[17] in "XK" else fix_digit_lookalikes(window[17])
            )
            if is_well_shaped(candidate):
                shaped.append(candidate)
        if shaped:
            break
    complete = [number for number in dict.fromkeys(shaped) if is_complete(number)]
    if len(complete) == 1:
        return complete[0]
    return shaped[0] if shaped else None


def is_complete(number: str) -> bool:
    """Check character right, a real birth date and a known province: a number OCR read in full."""
    return checksum_ok(number) and birth_date_of(number) is not None and region_plausible(number)


@dataclass(frozen=True)
class IdNumberFacts:
    number: str
    checksum_ok: bool
    region_plausible: bool
    birth_date: date | None
    sex: str | None


def facts_of(number: str) -> IdNumberFacts:
    return IdNumberFacts(
        number=number,
        checksum_ok=checksum_ok(number),
        region_plausible=is_well_shaped(number) and region_plausible(number),
        birth_date=birth_date_of(number),
        sex=sex_of(number),
    )
