"""Self-service at the kiosk through the ``CoreBanking`` port (docs/core-banking.md): which intents the digital
employee completes itself, what it needs first (the customer's identity, an amount, a bill reference), the
read-back a money movement is confirmed on, and the replies and kiosk screens of the core's answers.

Pure: values in, values out. The use case (usecases/dialogue.py) calls the core and hands its answers here.
Every reply that shows the core's data says it is the SANDBOX core's (沙箱).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Literal

from services.voice.domain.banking import AccountSummary, FxRate, InterestRate, PostingResult, Statement
from services.voice.domain.dialogue.state import DialogueState

RATE_READS = frozenset({"fx_rate", "interest_rate_inquiry"})
"""Published rates: no identity needed."""
CUSTOMER_READS = frozenset({"balance_inquiry", "transaction_history", "statement_print", "pension_inquiry"})
"""The customer's own data: only for a customer the kiosk's KYC check (ID card + face) has just verified."""
MOVEMENTS = frozenset({"credit_card_repayment", "utility_payment"})
"""Money movements completed at the kiosk: identity, read-back, an explicit yes, one idempotency key."""
CHANGES = frozenset({"mobile_banking_activation", "sms_alert_service", "credit_card_activation", "digital_rmb_wallet"})
"""Enrolments and state changes (self_service_changes.py): read back, an explicit yes, one key."""
PIN_CHANGE = "password_change"
"""Identity first, then the new PIN twice on the on-screen keypad, never by voice or text."""
THROUGH_CORE = RATE_READS | CUSTOMER_READS | MOVEMENTS | CHANGES | {PIN_CHANGE}
OWN_ACCOUNTS = re.compile(
    r"自己的?(账户|卡|储蓄)|本人(账户|名下)|我的(储蓄|活期)|own account|my savings|between my accounts"
)
"""Words that make a transfer one between the customer's own accounts (then the kiosk does it, else a counter)."""
BILLERS = {"electricity": "sbx-biller-power", "water": "sbx-biller-water", "gas": "sbx-biller-gas"}
BILLERS_DEFAULT = "sbx-biller-power"
BILLER_NAMES = {
    "sbx-biller-power": ("电费", "electricity"),
    "sbx-biller-water": ("水费", "water"),
    "sbx-biller-gas": ("燃气费", "gas"),
    "sbx-biller-telecom": ("话费", "phone"),
}
BILL_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{3,31}")
SANDBOX = {"zh": "【沙箱】", "en": "[SANDBOX] "}
SMALLER_AMOUNT = frozenset({"insufficient_funds", "limit_exceeded", "amount_out_of_range"})

TEXT: dict[str, dict[str, str]] = {
    "identity_needed": {
        "zh": "查询或办理您的账户业务，请先在自助机上完成身份核验（身份证 + 人脸），然后再说一次或点按钮。",
        "en": "For your own accounts, please first verify your identity at this kiosk (ID card + face), then ask"
        " again.",
    },
    "identity_failed": {
        "zh": "{tag}身份核验未通过或已过期。请重新核验，或到柜台由工作人员为您办理。",
        "en": "{tag}Your identity check did not pass or has expired. Please verify again, or a colleague at the "
        "counter can help.",
    },
    "no_account": {
        "zh": "没有找到可办理的账户（{what}）。请到柜台办理。",
        "en": "I found no account for this ({what}). Please go to the counter.",
    },
    "balance": {"zh": "{tag}您的账户余额：{lines}。", "en": "{tag}Your balances: {lines}."},
    "statement": {
        "zh": "{tag}{account} 近{days}天共 {count} 笔交易，已显示在屏幕上。",
        "en": "{tag}{account}: {count} transactions over the last {days} days, shown on the screen.",
    },
    "fx": {
        "zh": "{tag}外汇牌价（每单位人民币，银行买入/卖出）：{lines}。",
        "en": "{tag}FX rates (CNY per unit, we buy / we sell): {lines}.",
    },
    "interest": {"zh": "{tag}利率：{lines}。", "en": "{tag}Interest rates: {lines}."},
    "readback": {
        "zh": "{tag}请确认：{what} {amount} 元，从 {source} 付到 {target}。确认请说“是”或按“确认”，取消请说“不是”。",
        "en": '{tag}Please confirm: {what}, CNY {amount}, from {source} to {target}. Say "yes" or press Confirm to '
        'go ahead, "no" to cancel.',
    },
    "posted": {
        "zh": "{tag}已完成：{what} {amount} 元，从 {source} 付到 {target}，流水号 {posting}。还有什么可以帮您？",
        "en": "{tag}Done: {what}, CNY {amount}, from {source} to {target}, reference {posting}. Anything else?",
    },
    "insufficient_funds": {
        "zh": "{tag}余额不足，未扣款。请说一个较小的金额，或说“取消”。",
        "en": '{tag}Not enough funds; nothing was taken. Please say a smaller amount, or "cancel".',
    },
    "limit_exceeded": {
        "zh": "{tag}超过自助机单笔或当日限额，未扣款。请说一个较小的金额，或到柜台办理。",
        "en": "{tag}Above the kiosk's limit per payment or per day; nothing was taken. Say a smaller amount, or go "
        "to the counter.",
    },
    "amount_out_of_range": {
        "zh": "{tag}金额不在可办理范围内（例如超过应还金额），未扣款。请说一个新的金额，或说“取消”。",
        "en": "{tag}That amount cannot be paid (for example more than is owed); nothing was taken. Say another "
        'amount, or "cancel".',
    },
    "core_unavailable": {
        "zh": "{tag}银行系统暂时没有回应，结果未知。请再按一次“确认”查询结果，不会重复扣款；或到柜台咨询。",
        "en": "{tag}The bank's system did not answer; the outcome is unknown. Press Confirm again to learn it (it "
        "will not be paid twice), or ask at the counter.",
    },
    "core_unavailable_read": {
        "zh": "{tag}银行系统暂时无法查询，请稍后再试，或到柜台办理。",
        "en": "{tag}The bank's system cannot answer just now. Please try again later, or go to the counter.",
    },
    "already_done": {
        "zh": "{tag}这项业务已经办理过了，无需重复办理。还有什么可以帮您？",
        "en": "{tag}That is already done; nothing more to do. Anything else?",
    },
    "core_refused": {
        "zh": "{tag}本笔业务无法在自助机办理（{reason}），未扣款。请到柜台办理。",
        "en": "{tag}This cannot be done at the kiosk ({reason}); nothing was taken. Please go to the counter.",
    },
}
KINDS = {
    "debit_card": ("借记卡", "debit card"),
    "savings": ("储蓄账户", "savings"),
    "credit_card": ("信用卡", "credit card"),
    "loan": ("贷款", "loan"),
}
WHAT = {
    "credit_card_repayment": ("信用卡还款", "credit card repayment"),
    "utility_payment": ("生活缴费", "bill payment"),
    "transfer": ("本人账户间转账", "transfer between your own accounts"),
}


def text(key: str, lang: str, **values: object) -> str:
    return TEXT[key][lang if lang in ("zh", "en") else "zh"].format(tag=SANDBOX.get(lang, SANDBOX["zh"]), **values)


def money(amount_minor: int) -> str:
    sign = "-" if amount_minor < 0 else ""
    whole, cents = divmod(abs(amount_minor), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def amount_minor(value: object) -> int | None:
    """The amount the customer said (yuan, at most two decimals) in fen; None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    fen = round(float(value) * 100)
    return fen if fen > 0 and abs(fen - float(value) * 100) < 1e-6 else None


def needs_identity(intent: str) -> bool:
    return intent in CUSTOMER_READS or intent in MOVEMENTS or intent in CHANGES or intent in (PIN_CHANGE, "transfer")


def own_transfer(intent: str | None, slots: dict[str, object]) -> bool:
    """A transfer the customer said is between their own accounts (the slot the use case sets from the words)."""
    return intent == "transfer" and slots.get("own_accounts") == "yes"


def is_movement(intent: str | None, slots: dict[str, object]) -> bool:
    """Done through the core after its accounts are read (``prepare``): a money movement, an enrolment or state
    change (read back, then a yes), a PIN change (the keypad)."""
    return intent in MOVEMENTS or intent in CHANGES or intent == PIN_CHANGE or own_transfer(intent, slots)


def required_slots(intent: str) -> tuple[str, ...]:
    if intent == "credit_card_repayment":
        return ("amount",)
    if intent == "utility_payment":
        return ("amount", "bill_reference")
    if intent in ("sms_alert_service", "digital_rmb_wallet"):
        return ("amount",)  # the alert's threshold; the wallet's top-up
    return ()


def bill_reference_in(words: str) -> str | None:
    found = BILL_REFERENCE.search(words.replace(" ", ""))
    return found.group(0) if found else None


@dataclass(frozen=True)
class BankingRequest:
    """What the use case asks the core: ``read`` (balances, statement, rates), ``prepare`` (find the accounts of
    a movement to read back) or ``post`` (the confirmed movement, with the key of the turn it was confirmed on)."""

    action: Literal["read", "prepare", "post"]
    intent: str
    key_turn: int | None = None


@dataclass(frozen=True)
class Plan:
    """The accounts of a movement, chosen from the customer's accounts, to read back and then post."""

    source_id: str
    source_masked: str
    target_id: str
    target_masked: str
    amount_minor: int


def plan_movement(intent: str, slots: dict[str, object], accounts: list[AccountSummary]) -> Plan | None:
    """Pay from the debit card (else savings) in CNY; to the credit card, or to the biller of the bill type."""
    amount = amount_minor(slots.get("amount"))
    sources = [a for a in accounts if a.currency == "CNY" and a.kind in ("debit_card", "savings")]
    sources.sort(key=lambda a: (a.kind != "debit_card", a.account_id))
    if amount is None or not sources:
        return None
    source = sources[0]
    if intent == "transfer":  # from the debit card to the customer's CNY savings (or the other way round)
        others = [a for a in sources if a.account_id != source.account_id]
        if not others:
            return None
        return Plan(source.account_id, source.number_masked, others[0].account_id, others[0].number_masked, amount)
    if intent == "credit_card_repayment":
        cards = [a for a in accounts if a.kind == "credit_card" and a.currency == "CNY"]
        if not cards:
            return None
        return Plan(source.account_id, source.number_masked, cards[0].account_id, cards[0].number_masked, amount)
    biller = BILLERS.get(str(slots.get("bill_type", "")), BILLERS_DEFAULT)
    return Plan(source.account_id, source.number_masked, biller, biller_label(biller, slots), amount)


def biller_label(biller: str, slots: dict[str, object]) -> str:
    zh, en = BILLER_NAMES.get(biller, (biller, biller))
    reference = str(slots.get("bill_reference", ""))
    masked = reference[:2] + "****" + reference[-2:] if len(reference) > 4 else "****"
    return f"{en}/{zh} {masked}"


def with_plan(previous: DialogueState, plan: Plan) -> DialogueState:
    state = copy.deepcopy(previous)
    state.banking = {
        "source_id": plan.source_id,
        "source_masked": plan.source_masked,
        "target_id": plan.target_id,
        "target_masked": plan.target_masked,
        "amount_minor": str(plan.amount_minor),
    }
    return state


def readback(state: DialogueState) -> str:
    assert state.intent is not None
    b = state.banking
    what = WHAT[state.intent][0 if state.lang == "zh" else 1]
    amount = money(int(b["amount_minor"]))
    return text("readback", state.lang, what=what, amount=amount, source=b["source_masked"], target=b["target_masked"])


def receipt(state: DialogueState, intent: str, result: PostingResult) -> tuple[str, dict[str, object]]:
    b = state.banking
    what = WHAT[intent][0 if state.lang == "zh" else 1]
    amount = money(result.posting.amount_minor)
    reply = text(
        "posted",
        state.lang,
        what=what,
        amount=amount,
        source=b.get("source_masked", ""),
        target=b.get("target_masked", ""),
        posting=result.posting.posting_id,
    )
    screen: dict[str, object] = {
        "kind": "receipt",
        "sandbox": True,
        "intent": intent,
        "posting_id": result.posting.posting_id,
        "amount": amount,
        "currency": result.posting.currency,
        "from": b.get("source_masked", ""),
        "to": b.get("target_masked", ""),
        "at": result.posting.at,
        "replayed": result.replayed,
        "accounts": [_account_row(a) for a in result.accounts],
    }
    return reply, screen


def _account_row(a: AccountSummary) -> dict[str, object]:
    return {
        "number": a.number_masked,
        "kind": a.kind,
        "currency": a.currency,
        "balance": money(a.balance_minor),
        "available": money(a.available_minor),
    }


def balance_reply(lang: str, accounts: list[AccountSummary]) -> tuple[str, dict[str, object]]:
    shown = [a for a in accounts if a.kind in ("debit_card", "savings", "credit_card")]
    sep = "；" if lang == "zh" else "; "
    side = 0 if lang == "zh" else 1
    lines = sep.join(
        f"{KINDS.get(a.kind, (a.kind, a.kind))[side]} {a.number_masked} {money(a.balance_minor)} {a.currency}"
        for a in shown
    )
    return text("balance", lang, lines=lines), {
        "kind": "balance",
        "sandbox": True,
        "accounts": [_account_row(a) for a in shown],
    }


def statement_reply(lang: str, statement: Statement) -> tuple[str, dict[str, object]]:
    days = (statement.end - statement.start).days + 1
    reply = text("statement", lang, account=statement.account.number_masked, days=days, count=len(statement.lines))
    rows = [
        {
            "day": line.day,
            "kind": line.kind,
            "amount": money(line.amount_minor),
            "currency": line.currency,
            "counterparty": " ".join(line.counterparty_masked),
        }
        for line in statement.lines[-20:]
    ]
    return reply, {
        "kind": "statement",
        "sandbox": True,
        "account": statement.account.number_masked,
        "from": statement.start.isoformat(),
        "to": statement.end.isoformat(),
        "lines": rows,
    }


def fx_reply(lang: str, rates: list[FxRate], currency: object) -> tuple[str, dict[str, object]]:
    wanted = [r for r in rates if r.currency == currency] or rates
    sep = "；" if lang == "zh" else "; "
    lines = sep.join(f"{r.currency} {r.bank_buys}/{r.bank_sells}" for r in wanted)
    rows = [{"currency": r.currency, "bank_buys": r.bank_buys, "bank_sells": r.bank_sells} for r in rates]
    return text("fx", lang, lines=lines), {"kind": "fx_rates", "sandbox": True, "rates": rows}


def interest_reply(lang: str, rates: list[InterestRate]) -> tuple[str, dict[str, object]]:
    sep = "；" if lang == "zh" else "; "
    lines = sep.join(f"{r.name_zh if lang == 'zh' else r.product} {r.annual_percent}%" for r in rates)
    rows = [{"product": r.product, "name_zh": r.name_zh, "annual_percent": r.annual_percent} for r in rates]
    return text("interest", lang, lines=lines), {"kind": "interest_rates", "sandbox": True, "rates": rows}


@dataclass(frozen=True)
class Refusal:
    reply: str
    outcome: str  # core_refused | core_unavailable | identity_failed | retry_amount | retry_confirm | answered
    keep: Literal["reset", "amount", "confirm"]


def refusal(lang: str, reason: str, *, posting: bool) -> Refusal:
    """The next step after the core refused (nothing posted) or did not answer (outcome unknown)."""
    if reason in ("identity_not_verified", "identity_required"):
        return Refusal(text("identity_failed", lang), "identity_failed", "reset")
    if reason in ("already_enrolled", "already_active"):  # done meanwhile (another kiosk, a retry): say so
        return Refusal(text("already_done", lang), "answered", "reset")
    if reason in SMALLER_AMOUNT and posting:
        return Refusal(text(reason, lang), "retry_amount", "amount")
    if reason == "core_unavailable":
        if posting:  # keep the confirmed turn's key: pressing confirm again asks with the same key
            return Refusal(text("core_unavailable", lang), "core_unavailable", "confirm")
        return Refusal(text("core_unavailable_read", lang), "core_unavailable", "reset")
    return Refusal(text("core_refused", lang, reason=reason), "core_refused", "reset")
