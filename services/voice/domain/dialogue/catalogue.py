"""What the dialogue does with each transaction intent of docs/INTENTS.md: where it routes, which slots
it must have, whether money moves (then it confirms first), and its name in both languages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

SELF_SERVICE: Final = "self_service"
QUEUE: Final = "queue"


@dataclass(frozen=True)
class IntentSpec:
    zh: str
    en: str
    route: str  # a counter service (cash, general, corporate, wealth, fx), self_service or queue
    required: tuple[str, ...] = ()
    money: bool = False
    urgent: bool = False


CATALOGUE: Final[dict[str, IntentSpec]] = {
    "balance_inquiry": IntentSpec("余额查询", "balance enquiry", SELF_SERVICE),
    "transaction_history": IntentSpec("交易明细查询", "transaction history", SELF_SERVICE),
    "statement_print": IntentSpec("打印流水", "statement printing", SELF_SERVICE),
    "transfer": IntentSpec("转账汇款", "a transfer", "general", ("amount",), money=True),
    "cash_withdrawal": IntentSpec("取款", "a cash withdrawal", "cash", ("amount",), money=True),
    "large_cash_appointment": IntentSpec("大额取现预约", "a large withdrawal booking", "cash", ("amount",), money=True),
    "cash_deposit": IntentSpec("存款", "a cash deposit", "cash", money=True),
    "coin_exchange": IntentSpec("零钱兑换", "coin and note exchange", "cash"),
    "fixed_deposit": IntentSpec("定期存款", "a time deposit", "general", ("amount",), money=True),
    "deposit_certificate": IntentSpec("存款证明", "a deposit certificate", "general"),
    "open_account": IntentSpec("开户办卡", "opening an account", "general"),
    "close_account": IntentSpec("销户", "closing an account", "general"),
    "card_loss_report": IntentSpec("挂失", "reporting a lost card", "general", urgent=True),
    "card_unfreeze": IntentSpec("解挂解冻", "unblocking a card", "general"),
    "card_replacement": IntentSpec("补卡换卡", "replacing a card", "general"),
    "password_reset": IntentSpec("重置密码", "resetting a PIN", "general"),
    "password_change": IntentSpec("修改密码", "changing a PIN", SELF_SERVICE),
    "phone_number_change": IntentSpec("修改预留手机号", "changing your phone number", "general"),
    "personal_info_update": IntentSpec("更新身份证信息", "updating ID details", "general"),
    "limit_adjustment": IntentSpec("调整转账限额", "changing a transfer limit", "general"),
    "mobile_banking_activation": IntentSpec("开通手机银行", "mobile banking", SELF_SERVICE),
    "sms_alert_service": IntentSpec("短信通知", "SMS alerts", SELF_SERVICE),
    "ukey_service": IntentSpec("U盾业务", "security tokens", "general"),
    "digital_rmb_wallet": IntentSpec("数字人民币钱包", "the digital RMB wallet", SELF_SERVICE),
    "credit_card_application": IntentSpec("申请信用卡", "a credit card application", "general"),
    "credit_card_repayment": IntentSpec("信用卡还款", "credit card repayment", SELF_SERVICE, money=True),
    "credit_card_activation": IntentSpec("信用卡激活", "credit card activation", SELF_SERVICE),
    "loan_inquiry": IntentSpec("贷款咨询", "a loan enquiry", "wealth"),
    "loan_repayment": IntentSpec("还贷款", "a loan repayment", "general", money=True),
    "mortgage_inquiry": IntentSpec("房贷咨询", "a mortgage enquiry", "wealth"),
    "wealth_products": IntentSpec("理财咨询", "investment products", "wealth"),
    "interest_rate_inquiry": IntentSpec("利率查询", "interest rates", SELF_SERVICE),
    "fx_rate": IntentSpec("外汇牌价", "exchange rates", SELF_SERVICE),  # no currency said: the whole table
    "fx_exchange": IntentSpec("外币兑换", "a currency exchange", "fx", ("amount", "currency"), money=True),
    "international_remittance": IntentSpec(
        "境外汇款", "an international transfer", "fx", ("amount", "currency"), money=True
    ),
    "utility_payment": IntentSpec("生活缴费", "bill payment", SELF_SERVICE, money=True),
    "social_security_card": IntentSpec("社保卡业务", "social security cards", "general"),
    "pension_inquiry": IntentSpec("养老金查询", "a pension enquiry", SELF_SERVICE),
    "corporate_account": IntentSpec("对公开户", "a business account", "corporate"),
    "take_ticket": IntentSpec("取号", "a queue number", QUEUE),
    "queue_status": IntentSpec("排队进度", "your place in the queue", QUEUE),
    "appointment_booking": IntentSpec("预约办理", "an appointment", QUEUE),
    "fraud_report": IntentSpec("反诈报告", "a fraud report", "general", urgent=True),
}
COUNTER_SERVICES: Final = frozenset({"cash", "general", "corporate", "wealth", "fx"})
BUSINESS_LOAN_TYPES: Final = frozenset({"business", "corporate", "operating"})


def service_for(intent: str, slots: dict[str, object]) -> str:
    """The counter a ticket for ``intent`` goes to."""
    spec = CATALOGUE.get(intent)
    if intent == "loan_inquiry" and str(slots.get("loan_type", "")) in BUSINESS_LOAN_TYPES:
        return "corporate"
    if spec is None or spec.route not in COUNTER_SERVICES:
        wanted = str(slots.get("service", ""))
        return wanted if wanted in COUNTER_SERVICES else "general"
    return spec.route


def missing_slots(intent: str, slots: dict[str, object]) -> list[str]:
    spec = CATALOGUE.get(intent)
    return [] if spec is None else [name for name in spec.required if slots.get(name) in (None, "")]
