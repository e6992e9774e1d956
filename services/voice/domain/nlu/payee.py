"""Payee of a transfer: ``转给张三``, ``给我妈转``, ``收款人是李四``, "send 500 to John Smith", "to my mum".

Runs on normalised text where amounts and dates are already blanked out. Best effort: the payee is
confirmed with the customer before any money moves.
"""

from __future__ import annotations

import re

_ZH_NAME = r"(?P<name>[a-z]+(?:\s[a-z]+)?|[^\s，,。！？!?、转汇打的卡了吧呀啊呢一下0-9a-z]{1,5})"
ZH_PATTERNS = (
    re.compile(r"(?:收款人|收款方)(?:是|为|:)?\s?" + _ZH_NAME),
    re.compile(r"(?:转账?|汇款?|打款?|转钱|汇钱|打钱)(?:到|给)\s?" + _ZH_NAME),
    re.compile(r"给\s?" + _ZH_NAME + r"\s?(?:转|汇|打)"),
    re.compile(r"(?:给|到)\s?" + _ZH_NAME + r"\s*(?:[，,。!！]|$)"),
)
EN_STOP_WORDS = frozenset(
    {
        "please",
        "from",
        "on",
        "by",
        "today",
        "tomorrow",
        "now",
        "via",
        "using",
        "in",
        "at",
        "and",
        "with",
        "for",
        "right",
        "asap",
        "immediately",
        "account",
        "accounts",
        "card",
        "through",
        "this",
        "next",
        "of",
        "the",
        "bank",
        "is",
        "okay",
        "ok",
        "thanks",
        "thank",
        "dollars",
        "yuan",
        "rmb",
        "euros",
        "pounds",
        "abroad",
    }
)
EN_OWN_ACCOUNT_WORDS = frozenset({"account", "accounts", "card", "savings", "checking", "wallet", "abroad"})
EN_PATTERNS = (
    re.compile(r"(?:payee|recipient|beneficiary)(?:\sis|:)?\s(?P<rest>.+)"),
    re.compile(r"(?<![a-z])(?:transfer|send|wire|pay|move|remit|give|put)(?![a-z]).*?(?<![a-z])to\s(?P<rest>.+)"),
)
ZH_SELF = frozenset({"我", "我自己", "自己", "你", "你们", "他", "她", "本人", "我的", "他们", "它"})


def _english_name(rest: str) -> str | None:
    words: list[str] = []
    for word in rest.split():
        if word in EN_OWN_ACCOUNT_WORDS and len(words) <= 2:
            return None
        if word in EN_STOP_WORDS or not word.isalpha():
            break
        words.append(word)
        if len(words) == 3:
            break
    if not words or words in (["my"], ["me"], ["myself"], ["him"], ["her"], ["them"]):
        return None
    return " ".join(word if word == "my" else word.capitalize() for word in words)


def find_payee(text: str) -> str | None:
    """The payee name as spoken (English names capitalised), or ``None``."""
    for pattern in ZH_PATTERNS:
        match = pattern.search(text)
        if match:
            name = match["name"].strip()
            if name and name not in ZH_SELF and not name.startswith("我的") and not name.endswith(("账户", "账号")):
                return _english_name(name) if name.isascii() else name
    for pattern in EN_PATTERNS:
        match = pattern.search(text)
        if match:
            name = _english_name(match["rest"])
            if name:
                return name
    return None
