"""Undo the movement just made, by voice: "撤销刚才的还款" / "cancel the payment I just made".

The dialogue remembers the customer's last movement of this session (a card repayment, a bill payment, a
transfer between own accounts), reads it back when asked to undo it and waits for an explicit yes; the use
case then asks the core for its reversal once (one idempotency key per confirmed reversal). The core keeps
the bank's rules: a movement is reversed once and only the same day (``already_reversed`` /
``not_reversible``). Pure: words, the remembered movement and the core's answer in; replies out.
"""

from __future__ import annotations

import re
from typing import Final

from services.voice.domain.banking import PostingResult
from services.voice.domain.dialogue.self_service import SANDBOX, WHAT, money

REVERSAL: Final = "reversal"
"""The dialogue's own task (no NLU intent): the session's last movement, reversed after a yes."""

_ZH_STRONG = re.compile(r"(撤销|撤回|冲正|退回|撤掉)")
_ZH_CANCEL = re.compile(r"取消")
_ZH_LAST = re.compile(r"(刚才|刚刚|上一笔|最后一笔|那笔|这笔|方才)")
_ZH_MOVEMENT = re.compile(r"(还款|转账|缴费|交费|付款|支付|交易|电费|水费|燃气费)")
_EN_VERB = re.compile(r"\b(cancel|reverse|undo|revert|void|take back|call back)\b")
_EN_MOVEMENT = re.compile(r"\b(payment|repayment|transfer|bill|transaction)s?\b")
_EN_LAST = re.compile(r"\b(just|last|previous|earlier|made|did|that)\b")


def asks_reversal(words: str) -> bool:
    """Does the customer ask to undo the movement just made? ``words`` normalised (lower case). 撤销/撤回/
    冲正 with a movement (还款, 转账...) or 取消 with 刚才/上一笔; in English a verb (cancel, reverse, undo)
    with a movement and a word that points back (just, last, made, that). A plain 取消 / "cancel" is not one:
    it cancels the task under way."""
    if _ZH_STRONG.search(words) and (_ZH_MOVEMENT.search(words) or _ZH_LAST.search(words)):
        return True
    if _ZH_CANCEL.search(words) and _ZH_LAST.search(words) and _ZH_MOVEMENT.search(words):
        return True
    return bool(_EN_VERB.search(words) and _EN_MOVEMENT.search(words) and _EN_LAST.search(words))


def remembered(intent: str, banking: dict[str, str], result: PostingResult) -> dict[str, str]:
    """What the session keeps of a movement just posted, to undo it: its posting, what it was, masked accounts."""
    return {
        "posting_id": str(result.posting.posting_id),
        "intent": intent,
        "amount_minor": str(result.posting.amount_minor),
        "currency": result.posting.currency,
        "day": result.posting.day,
        "source_masked": banking.get("source_masked", ""),
        "target_masked": banking.get("target_masked", ""),
    }


TEXT: Final[dict[str, dict[str, str]]] = {
    "readback": {
        "zh": "{tag}要撤销刚才的{what} {amount} 元（从 {source} 付到 {target}，流水号 {posting}）吗？"
        "撤销后款项退回 {source}。确认请说“是”或按“确认”，不撤销请说“不是”。",
        "en": "{tag}Reverse the {what} you just made, CNY {amount} from {source} to {target} (reference "
        '{posting})? The money goes back to {source}. Say "yes" or press Confirm to reverse it, "no" to keep it.',
    },
    "reversed": {
        "zh": "{tag}已撤销：{what} {amount} 元已退回 {source}，撤销流水号 {posting}。还有什么可以帮您？",
        "en": "{tag}Reversed: the {what} of CNY {amount} is back on {source}, reversal reference {posting}. "
        "Anything else?",
    },
    "nothing": {
        "zh": "{tag}本次服务中您还没有办理可撤销的交易。更早的交易请到柜台办理撤销。",
        "en": "{tag}You have not made a payment in this session that could be reversed. For an earlier one, "
        "please go to the counter.",
    },
    "already": {
        "zh": "{tag}这笔{what}（流水号 {posting}）已经撤销过了，款项已退回，无需再操作。",
        "en": "{tag}The {what} (reference {posting}) has already been reversed; the money is back. Nothing more to do.",
    },
    "not_today": {
        "zh": "{tag}这笔{what}不是今天办理的，自助机只能撤销当天的交易，未做任何操作。请到柜台咨询。",
        "en": "{tag}This {what} was not made today; the kiosk reverses only today's payments. Nothing was done. "
        "Please ask at the counter.",
    },
}


def say(key: str, lang: str, last: dict[str, str] | None = None, **values: object) -> str:
    side = 0 if lang == "zh" else 1
    facts: dict[str, object] = {}
    if last:
        facts = {
            "what": WHAT.get(last["intent"], (last["intent"], last["intent"]))[side],
            "amount": money(int(last["amount_minor"])),
            "source": last.get("source_masked", ""),
            "target": last.get("target_masked", ""),
            "posting": last["posting_id"],
        }
    template = TEXT[key]["zh" if lang == "zh" else "en"]
    return template.format(tag=SANDBOX.get(lang, SANDBOX["zh"]), **{**facts, **values})


def reversed_reply(last: dict[str, str], lang: str, result: PostingResult) -> tuple[str, dict[str, object]]:
    """The reversal posted (or replayed): the reply and the kiosk's receipt screen (sandbox)."""
    reply = say("reversed", lang, last, posting=result.posting.posting_id)
    screen: dict[str, object] = {
        "kind": "receipt",
        "sandbox": True,
        "intent": REVERSAL,
        "posting_id": result.posting.posting_id,
        "reverses": int(last["posting_id"]),
        "amount": money(abs(result.posting.amount_minor)),
        "currency": result.posting.currency,
        "from": last.get("target_masked", ""),
        "to": last.get("source_masked", ""),
        "at": result.posting.at,
        "replayed": result.replayed,
    }
    return reply, screen
