"""The rest of the kiosk's self-service through the ``CoreBanking`` port (docs/core-banking.md section 6):
enrolments and state changes (mobile banking, SMS alerts, the digital RMB wallet and its top-up, a credit
card's activation), a PIN change on the on-screen keypad, pension credits and a printed statement.

Pure: what to read back from the customer's accounts and services, what is already done (a clear answer,
nothing to confirm), the replies and the kiosk screens (masked, SANDBOX). The use case calls the core.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from services.voice.domain.banking import AccountSummary, ChangeResult, Pension, PostingResult, SelfServices, Statement
from services.voice.domain.dialogue.self_service import SANDBOX, amount_minor, money

SERVICE_OF = {
    "mobile_banking_activation": "mobile_banking",
    "sms_alert_service": "sms_alerts",
    "credit_card_activation": "card_activation",
    "digital_rmb_wallet": "digital_wallet",
}
PIN = re.compile(r"^[0-9]{6}$")
STATEMENT_PRINT_DEFAULT_DAYS = 30
PENSION_DAYS = 365

TEXT: dict[str, dict[str, str]] = {
    "ask_amount_sms_alert_service": {
        "zh": "请问单笔金额超过多少元时给您发短信提醒？可在屏幕键盘输入。",
        "en": "From what amount per transaction should we text you? You can type it on the keypad.",
    },
    "ask_amount_digital_rmb_wallet": {
        "zh": "请问向数字人民币钱包充值多少元？（钱包最多存 10,000 元）",
        "en": "How much would you like to top up your digital RMB wallet with? (It holds at most CNY 10,000.)",
    },
    "readback_mobile_banking_activation": {
        "zh": "{tag}请确认：开通手机银行，验证短信将发送到预留手机 {phone}。确认请说“是”或按“确认”。",
        "en": '{tag}Please confirm: activate mobile banking; the code goes to your registered phone {phone}. Say "yes"'
        " or press Confirm.",
    },
    "readback_sms_alert_service": {
        "zh": "{tag}请确认：账户 {account} 单笔 {threshold} 元及以上的交易，短信通知到 {phone}。"
        "确认请说“是”或按“确认”。",
        "en": "{tag}Please confirm: text {phone} for every transaction of CNY {threshold} or more on {account}. Say "
        '"yes" or press Confirm.',
    },
    "readback_credit_card_activation": {
        "zh": "{tag}请确认：激活信用卡 {card}。确认请说“是”或按“确认”。",
        "en": '{tag}Please confirm: activate the credit card {card}. Say "yes" or press Confirm.',
    },
    "readback_digital_rmb_wallet": {
        "zh": "{tag}请确认：{open}从 {source} 向数字人民币钱包充值 {amount} 元。确认请说“是”或按“确认”。",
        "en": '{tag}Please confirm: {open}top up your digital RMB wallet with CNY {amount} from {source}. Say "yes" '
        "or press Confirm.",
    },
    "wallet_open": {
        "zh": "开立数字人民币钱包（沙箱子账户），并",
        "en": "open a digital RMB wallet (a sandbox sub-account) and ",
    },
    "done_mobile_banking_activation": {
        "zh": "{tag}手机银行已开通，验证短信将发送到 {phone}。还有什么可以帮您？",
        "en": "{tag}Mobile banking is on; the code goes to {phone}. Anything else?",
    },
    "done_sms_alert_service": {
        "zh": "{tag}短信通知已开通：{account} 单笔 {threshold} 元及以上通知到 {phone}。还有什么可以帮您？",
        "en": "{tag}SMS alerts are on: CNY {threshold} or more on {account}, texted to {phone}. Anything else?",
    },
    "done_credit_card_activation": {
        "zh": "{tag}信用卡 {card} 已激活，可以使用了。还有什么可以帮您？",
        "en": "{tag}The credit card {card} is active and ready to use. Anything else?",
    },
    "done_digital_rmb_wallet": {
        "zh": "{tag}已向数字人民币钱包 {wallet} 充值 {amount} 元，流水号 {posting}，钱包余额 {balance} 元。"
        "还有什么可以帮您？",
        "en": "{tag}Your digital RMB wallet {wallet} was topped up with CNY {amount}, reference {posting}; it now "
        "holds CNY {balance}. Anything else?",
    },
    "already_mobile_banking_activation": {
        "zh": "{tag}您的手机银行已经开通（预留手机 {phone}），无需再办理。如需更换手机号请到柜台。",
        "en": "{tag}Mobile banking is already on (registered phone {phone}); nothing to do. To change the phone, "
        "please see the counter.",
    },
    "already_sms_alert_service": {
        "zh": "{tag}账户 {account} 已开通短信通知，无需再办理。如需修改请到柜台。",
        "en": "{tag}SMS alerts are already on for {account}; nothing to do. To change them, please see the counter.",
    },
    "already_credit_card_activation": {
        "zh": "{tag}您的信用卡 {card} 已经是激活状态，可以直接使用。",
        "en": "{tag}Your credit card {card} is already active; you can use it.",
    },
    "no_phone": {
        "zh": "{tag}您没有预留手机号，无法开通。请到柜台登记手机号后再办理。",
        "en": "{tag}There is no registered phone, so this cannot be switched on. Please register a phone at the "
        "counter first.",
    },
    "no_card": {
        "zh": "{tag}没有找到您名下的信用卡。如需申请信用卡请到柜台。",
        "en": "{tag}I found no credit card of yours. To apply for one, please see the counter.",
    },
    "pin_enter": {
        "zh": "{tag}请在屏幕密码键盘上输入 {account} 的新6位密码，再输入一次确认。请勿说出密码。",
        "en": "{tag}Please enter the new six-digit PIN for {account} on the on-screen keypad, then once more. Do "
        "not say it aloud.",
    },
    "pin_not_by_voice": {
        "zh": "{tag}为了安全，请不要说出或在文字框输入密码，请使用屏幕上的密码键盘；取消请说“取消”。",
        "en": "{tag}For your safety, do not say or type the PIN in the text box; use the on-screen PIN keypad, or say "
        '"cancel".',
    },
    "pin_mismatch": {
        "zh": "{tag}两次输入的密码不一致，未修改。请在密码键盘上重新输入两次。",
        "en": "{tag}The two entries differ; nothing was changed. Please enter the new PIN twice again.",
    },
    "pin_format": {
        "zh": "{tag}密码须为6位数字，未修改。请重新输入。",
        "en": "{tag}A PIN is six digits; nothing was changed. Please enter it again.",
    },
    "weak_pin": {
        "zh": "{tag}这个密码太容易被猜到（如六位相同、连续或成对重复的数字），未修改。请换一个密码重新输入两次。",
        "en": "{tag}That PIN is too easy to guess (all the same, a run like 1-2-3, or a repeated pattern); nothing "
        "was changed. Please choose another and enter it twice.",
    },
    "pin_changed": {
        "zh": "{tag}{account} 的密码已修改，请牢记新密码。还有什么可以帮您？",
        "en": "{tag}The PIN of {account} has been changed; please remember it. Anything else?",
    },
    "no_pin_task": {
        "zh": "现在没有在修改密码。如需修改密码，请说“修改密码”或点按钮。",
        "en": 'No PIN change is under way. To change your PIN, say "change my PIN" or tap the button.',
    },
    "pension": {
        "zh": "{tag}近一年养老金入账 {count} 笔，合计 {total} 元；最近一笔 {last_day} 入账 {last} 元，已显示在屏幕上。",
        "en": "{tag}{count} pension credits over the last year, CNY {total} in all; the latest, CNY {last}, on "
        "{last_day}. They are on the screen.",
    },
    "pension_none": {
        "zh": "{tag}近一年没有养老金入账记录。如有疑问，请到柜台或社保机构咨询。",
        "en": "{tag}No pension credits in the last year. If that is unexpected, please ask at the counter or your "
        "pension office.",
    },
    "statement_printed": {
        "zh": "{tag}{account} 从 {start} 到 {end} 共 {count} 笔交易的对账单已生成并发送到打印机，请在出纸口取单。",
        "en": "{tag}The statement of {account} from {start} to {end} ({count} transactions) was sent to the "
        "printer; please take it from the slot.",
    },
}


def text(key: str, lang: str, **values: object) -> str:
    return TEXT[key][lang if lang in ("zh", "en") else "zh"].format(tag=SANDBOX.get(lang, SANDBOX["zh"]), **values)


def slot_prompt(intent: str | None, slot: str, lang: str) -> str | None:
    key = f"ask_{slot}_{intent}"
    return text(key, lang) if key in TEXT else None


@dataclass(frozen=True)
class ChangePlan:
    """What a change will do, read back to the customer (kept in the dialogue state as text)."""

    fields: dict[str, str]


@dataclass(frozen=True)
class Nothing:
    """Nothing to do (already enrolled or active) or cannot be done here: a clear answer, the task ends."""

    reply: str
    handed_off: bool = False


def _sources(accounts: list[AccountSummary]) -> list[AccountSummary]:
    found = [a for a in accounts if a.currency == "CNY" and a.kind in ("debit_card", "savings")]
    return sorted(found, key=lambda a: (a.kind != "debit_card", a.account_id))


def _said_account(accounts: list[AccountSummary], slots: dict[str, object]) -> AccountSummary | None:
    last4 = str(slots.get("account_last4", ""))
    return next((a for a in accounts if last4 and a.number_masked.endswith(last4)), None)


def plan_change(
    intent: str, slots: dict[str, object], accounts: list[AccountSummary], services: SelfServices, lang: str
) -> ChangePlan | Nothing:
    if intent == "mobile_banking_activation":
        if services.active("mobile_banking"):
            return Nothing(text("already_mobile_banking_activation", lang, phone=services.phone_masked or "—"))
        if not services.phone_masked:
            return Nothing(text("no_phone", lang), handed_off=True)
        return ChangePlan({"phone": services.phone_masked})
    if intent == "sms_alert_service":
        account = _said_account(accounts, slots) or next(iter(_sources(accounts)), None)
        threshold = amount_minor(slots.get("amount")) if slots.get("amount") not in (0, "0") else 0
        if account is None or threshold is None:
            return Nothing(text("no_card", lang), handed_off=True)
        if services.active("sms_alerts", account.account_id):
            return Nothing(text("already_sms_alert_service", lang, account=account.number_masked))
        if not services.phone_masked:
            return Nothing(text("no_phone", lang), handed_off=True)
        return ChangePlan(
            {
                "account_id": account.account_id,
                "account": account.number_masked,
                "threshold_minor": str(threshold),
                "threshold": money(threshold),
                "phone": services.phone_masked,
            }
        )
    if intent == "credit_card_activation":
        if not services.cards:
            return Nothing(text("no_card", lang), handed_off=True)
        inactive = [c for c in services.cards if c.state != "active"]
        if not inactive:
            return Nothing(text("already_credit_card_activation", lang, card=services.cards[0].number_masked))
        return ChangePlan({"account_id": inactive[0].account_id, "card": inactive[0].number_masked})
    # digital_rmb_wallet: open it when there is none, then top it up from the debit card (else savings)
    sources = _sources(accounts)
    amount = amount_minor(slots.get("amount"))
    if not sources or amount is None:
        return Nothing(text("no_card", lang), handed_off=True)
    return ChangePlan(
        {
            "source_id": sources[0].account_id,
            "source": sources[0].number_masked,
            "amount_minor": str(amount),
            "amount": money(amount),
            "open": "" if services.wallet is not None else "yes",
        }
    )


def readback(intent: str, fields: dict[str, str], lang: str) -> str:
    values = dict(fields)
    if intent == "digital_rmb_wallet":
        values["open"] = text("wallet_open", lang) if fields.get("open") else ""
    return text(f"readback_{intent}", lang, **values)


def change_done(intent: str, fields: dict[str, str], lang: str, result: ChangeResult) -> tuple[str, dict[str, object]]:
    reply = text(f"done_{intent}", lang, **fields)
    screen: dict[str, object] = {
        "kind": "enrolment",
        "sandbox": True,
        "intent": intent,
        "service": result.service,
        "state": result.state,
        "replayed": result.replayed,
        "detail": {k: v for k, v in fields.items() if not k.endswith("_id") and k != "threshold_minor"},
    }
    return reply, screen


def wallet_done(fields: dict[str, str], lang: str, result: PostingResult) -> tuple[str, dict[str, object]]:
    wallet = next((a for a in result.accounts if a.kind == "digital_wallet"), None)
    values = {
        "wallet": wallet.number_masked if wallet else "",
        "amount": money(result.posting.amount_minor),
        "posting": result.posting.posting_id,
        "balance": money(wallet.balance_minor) if wallet else "",
    }
    screen: dict[str, object] = {
        "kind": "receipt",
        "sandbox": True,
        "intent": "digital_rmb_wallet",
        "posting_id": result.posting.posting_id,
        "amount": values["amount"],
        "currency": result.posting.currency,
        "from": fields.get("source", ""),
        "to": values["wallet"],
        "at": result.posting.at,
        "replayed": result.replayed,
        "accounts": [],
    }
    return text("done_digital_rmb_wallet", lang, **values), screen


def pin_account(accounts: list[AccountSummary], slots: dict[str, object]) -> AccountSummary | None:
    """The account whose PIN changes: the one whose last four digits were said, else the debit card (else
    savings, else a credit card if the customer said credit)."""
    said = _said_account(accounts, slots)
    if said is not None:
        return said
    if slots.get("card_type") == "credit":
        cards = [a for a in accounts if a.kind == "credit_card"]
        if cards:
            return cards[0]
    return next(iter(_sources(accounts)), None)


def pin_screen(account_masked: str) -> dict[str, object]:
    return {"kind": "pin_entry", "sandbox": True, "account": account_masked, "digits": 6}


def check_pin_entries(new: str, repeat: str) -> str | None:
    """The reply key when the two keypad entries cannot be sent (``pin_format`` / ``pin_mismatch``), else None.
    The PIN's strength is the core's rule (``weak_pin``)."""
    if not PIN.match(new) or not PIN.match(repeat):
        return "pin_format"
    if new != repeat:
        return "pin_mismatch"
    return None


def pension_reply(lang: str, pension: Pension) -> tuple[str, dict[str, object]]:
    rows = [
        {"day": c.day, "amount": money(c.amount_minor), "currency": c.currency, "account": c.account_masked}
        for c in pension.credits
    ]
    screen: dict[str, object] = {
        "kind": "pension",
        "sandbox": True,
        "from": pension.start.isoformat(),
        "to": pension.end.isoformat(),
        "lines": rows,
        "total": money(pension.total_minor),
    }
    if not pension.credits:
        return text("pension_none", lang), screen
    last = pension.credits[-1]
    reply = text(
        "pension",
        lang,
        count=len(pension.credits),
        total=money(pension.total_minor),
        last=money(last.amount_minor),
        last_day=last.day,
    )
    return reply, screen


def statement_range(slots: dict[str, object], today: dt.date) -> tuple[dt.date, dt.date]:
    """The printed statement's days: the range the customer said (``date_range`` or ``date``), never after
    today; else the last 30 days."""
    said = str(slots.get("date_range") or "")
    if "/" in said:
        try:
            first, last = (dt.date.fromisoformat(x) for x in said.split("/", 1))
        except ValueError:
            first = last = today
        else:
            last = min(last, today)
            if first <= last:
                return first, last
    return today - dt.timedelta(days=STATEMENT_PRINT_DEFAULT_DAYS - 1), today


def statement_print_reply(lang: str, statement: Statement) -> tuple[str, dict[str, object]]:
    rows = [
        {
            "day": line.day,
            "kind": line.kind,
            "amount": money(line.amount_minor),
            "currency": line.currency,
            "counterparty": " ".join(line.counterparty_masked),
        }
        for line in statement.lines
    ]
    reply = text(
        "statement_printed",
        lang,
        account=statement.account.number_masked,
        start=statement.start.isoformat(),
        end=statement.end.isoformat(),
        count=len(rows),
    )
    return reply, {
        "kind": "statement_print",
        "sandbox": True,
        "account": statement.account.number_masked,
        "from": statement.start.isoformat(),
        "to": statement.end.isoformat(),
        "lines": rows,
        "balance": money(statement.account.balance_minor),
        "currency": statement.account.currency,
        "printed": True,
    }
