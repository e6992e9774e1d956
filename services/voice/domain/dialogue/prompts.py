"""Everything the digital employee says, in Mandarin and English (the customer's language of the turn)."""

from __future__ import annotations

from typing import Final

from services.voice.domain.dialogue.catalogue import CATALOGUE

PROMPTS: Final[dict[str, dict[str, str]]] = {
    "greeting": {
        "zh": "您好，我是数字员工。请问您要办理什么业务？",
        "en": "Hello, I am the digital assistant. What can I do for you today?",
    },
    "anything_else": {"zh": "好的。还有什么可以帮您？", "en": "All right. Is there anything else I can do for you?"},
    "goodbye": {"zh": "感谢您的光临，再见！", "en": "Thank you for visiting. Goodbye!"},
    "not_understood": {
        "zh": "抱歉，我没有听清。请再说一遍您要办理的业务，比如“查余额”或“取款”。",
        "en": 'Sorry, I did not catch that. Please tell me again, for example "check my balance" or "withdraw cash".',
    },
    "not_understood_again": {
        "zh": "抱歉，还是没有听明白。您也可以点击屏幕上的按钮，或说“转人工”。",
        "en": 'Sorry, I still did not understand. You can also tap a button on the screen, or say "talk to a person".',
    },
    "ask_amount": {"zh": "请问金额是多少？", "en": "How much would you like, please?"},
    "ask_currency": {
        "zh": "请问是哪种货币？比如美元、欧元或港币。",
        "en": "Which currency, please? For example US dollars, euros or Hong Kong dollars.",
    },
    "ask_bill_reference": {
        "zh": "请说出或输入缴费户号（4 到 32 位字母或数字）。",
        "en": "Please say or type the bill's account number (4 to 32 letters or digits).",
    },
    "ask_again_bill_reference": {
        "zh": "抱歉，没有听清缴费户号。请说或输入 4 到 32 位字母或数字。",
        "en": "Sorry, I did not get the bill's account number. Please say or type 4 to 32 letters or digits.",
    },
    "ask_again_amount": {
        "zh": "抱歉，我没听清金额。请说一个数字，比如“五千元”。",
        "en": 'Sorry, I did not get the amount. Please say a number, like "five thousand".',
    },
    "ask_again_currency": {
        "zh": "抱歉，我没听清货币。请说“美元”、“欧元”、“日元”、“港币”或“英镑”。",
        "en": "Sorry, I did not get the currency. Please say US dollars, euros, yen, Hong Kong dollars or pounds.",
    },
    "confirm": {
        "zh": "请确认：{summary}。确认请说“是”，取消请说“不是”。",
        "en": 'Please confirm: {summary}. Say "yes" to go ahead or "no" to cancel.',
    },
    "confirm_again": {"zh": "请回答“是”或“不是”：{summary}。", "en": "Please answer yes or no: {summary}."},
    "cancelled": {"zh": "好的，已取消。还有什么可以帮您？", "en": "OK, cancelled. Is there anything else?"},
    "self_service": {
        "zh": "{name}可以在自助终端办理，请点击屏幕上的“{name}”。",
        "en": 'You can do {name} yourself at this kiosk: tap "{name}" on the screen.',
    },
    "ticket": {
        "zh": "已为您取号 {number}，{wait}请留意叫号屏。",
        "en": "Your number is {number}. {wait}Please watch the screen for your number.",
    },
    "handoff": {
        "zh": "我为您安排工作人员。您的优先号是 {number}，{wait}请稍候。",
        "en": "I am getting a colleague for you. Your priority number is {number}. {wait}Please wait.",
    },
    "wait_minutes": {"zh": "预计等候约 {minutes} 分钟，", "en": "The expected wait is about {minutes} minutes. "},
    "wait_position": {"zh": "前面还有 {ahead} 位，", "en": "There are {ahead} people ahead of you. "},
    "ticket_failed": {
        "zh": "抱歉，取号暂时不成功，请到取号机取号或向大堂经理求助。",
        "en": "Sorry, I could not get a number just now. Please use the ticket machine or ask the lobby manager.",
    },
    "queue_status": {
        "zh": "您的号码和前面的人数显示在叫号屏上；如需帮助请说“转人工”。",
        "en": "Your number and the people ahead are shown on the queue screen; say "
        '"talk to a person" if you need help.',
    },
    "branch_info": {
        "zh": "营业时间和网点地址显示在屏幕上方。",
        "en": "Opening hours and our address are at the top of the screen.",
    },
    "nothing_to_repeat": {"zh": "您好，请问要办理什么业务？", "en": "Hello, what can I do for you?"},
    "ask_date": {"zh": "请问您想预约哪一天？", "en": "Which day would you like to come in?"},
    "ask_again_date": {
        "zh": "抱歉，我没听清日期。请说“明天”或“下周一”这样的日期。",
        "en": 'Sorry, I did not get the day. Please say a day like "tomorrow" or "next Monday".',
    },
    "ask_time": {"zh": "请问几点？", "en": "At what time, please?"},
    "ask_again_time": {
        "zh": "抱歉，我没听清时间。请说一个时间，比如“上午十点”，或换一天。",
        "en": 'Sorry, I did not get the time. Please say a time like "10 am", or another day.',
    },
    "ask_ticket_number": {
        "zh": "请告诉我您的号码，比如 A023。",
        "en": "Please tell me your number, for example A023.",
    },
    "ask_again_ticket_number": {
        "zh": "抱歉，我没听清号码。请说票上的号码，比如 A023。",
        "en": "Sorry, I did not get the number. Please read it from your slip, for example A023.",
    },
    "booked": {
        "zh": "已为您预约{date} {time}的{service}，预约码 {code}。请在预约时间到网点签到。",
        "en": "You are booked for {service} on {date} at {time}. Your confirmation code is {code}. "
        "Please check in when you arrive.",
    },
    "slot_taken": {
        "zh": "{date} {wanted}已约满或不在营业时间。可预约的时间有：{offers}。请说一个时间，或换一天。",
        "en": "{date} at {wanted} is full or outside opening hours. Free times are {offers}. "
        "Please say one of them, or another day.",
    },
    "day_full": {
        "zh": "{date}没有可预约的时间了，请换一天。",
        "en": "There are no free times on {date}. Please choose another day.",
    },
    "booking_failed": {
        "zh": "抱歉，预约暂时不成功。您可以现在取号，或稍后再试。",
        "en": "Sorry, I could not book that just now. You can take a number now or try again later.",
    },
    "status_waiting": {
        "zh": "您的号码 {number} 前面还有 {ahead} 位，{wait}请留意叫号屏。",
        "en": "Your number {number} has {ahead} people ahead. {wait}Please watch the screen.",
    },
    "status_called": {
        "zh": "号码 {number} 已叫号，请到 {window} 号窗口。",
        "en": "Number {number} has been called: please go to window {window}.",
    },
    "status_done": {
        "zh": "号码 {number} 已不在排队中。如需帮助请说“转人工”。",
        "en": 'Number {number} is no longer in the queue. Say "talk to a person" if you need help.',
    },
    "status_unknown": {
        "zh": "没有找到号码 {number} 的排队信息，请核对票上的号码。",
        "en": "I could not find number {number} in today's queue. Please check the number on your slip.",
    },
    "status_failed": {
        "zh": "抱歉，暂时查不到排队进度，请看叫号屏或向大堂经理询问。",
        "en": "Sorry, I cannot read the queue just now. Please look at the queue screen or ask the lobby manager.",
    },
    "wait_range": {"zh": "预计等候 {low}-{high} 分钟，", "en": "The expected wait is {low}-{high} minutes. "},
    "branch_facts": {
        "zh": "{name}的营业时间：{hours}。可办理：{services}。",
        "en": "{name} is open {hours}. Services: {services}.",
    },
    "branch_closed_days": {"zh": "其他时间不营业。", "en": "Closed at other times."},
    "branch_address": {"zh": "地址：{address}。", "en": "Our address: {address}."},
    "branch_phone": {"zh": "电话：{phone}。", "en": "Phone: {phone}."},
}
SERVICE_NAMES: Final[dict[str, tuple[str, str]]] = {
    "cash": ("现金业务", "cash services"),
    "general": ("综合业务", "general services"),
    "corporate": ("对公业务", "business banking"),
    "wealth": ("理财业务", "wealth management"),
    "fx": ("外汇业务", "foreign exchange"),
}
CURRENCY_NAMES: Final[dict[str, tuple[str, str]]] = {
    "CNY": ("人民币", "yuan"),
    "USD": ("美元", "US dollars"),
    "EUR": ("欧元", "euros"),
    "JPY": ("日元", "yen"),
    "HKD": ("港币", "Hong Kong dollars"),
    "GBP": ("英镑", "pounds"),
}


def say(key: str, lang: str, **values: object) -> str:
    return PROMPTS[key][lang if lang in ("zh", "en") else "zh"].format(**values)


def intent_name(intent: str, lang: str) -> str:
    spec = CATALOGUE.get(intent)
    if spec is None:
        return intent
    return spec.zh if lang == "zh" else spec.en


def format_amount(slots: dict[str, object], lang: str) -> str:
    amount = slots.get("amount")
    currency = str(slots.get("currency") or "CNY")
    zh_name, en_name = CURRENCY_NAMES.get(currency, (currency, currency))
    if amount is None:
        return zh_name if lang == "zh" else en_name
    number = f"{amount:,}" if isinstance(amount, int | float) else str(amount)
    return f"{number} {zh_name}" if lang == "zh" else f"{number} {en_name}"


def summary(intent: str, slots: dict[str, object], lang: str) -> str:
    """One line the customer confirms: what, how much, to whom."""
    parts = [intent_name(intent, lang)]
    if "amount" in slots or "currency" in slots:
        parts.append(format_amount(slots, lang))
    if slots.get("payee"):
        parts.append(f"收款人 {slots['payee']}" if lang == "zh" else f"to {slots['payee']}")
    if slots.get("service") and intent in ("appointment_booking", "take_ticket"):
        parts.append(SERVICE_NAMES.get(str(slots["service"]), ("", ""))[0 if lang == "zh" else 1])
    if slots.get("date"):
        parts.append(str(slots["date"]) + (f" {slots['time']}" if slots.get("time") else ""))
    if slots.get("account_last4"):
        parts.append(f"尾号 {slots['account_last4']}" if lang == "zh" else f"account ending {slots['account_last4']}")
    return "，".join(parts) if lang == "zh" else ", ".join(parts)


def wait_phrase(lang: str, wait_min: float | None, ahead: int | None) -> str:
    if wait_min is not None:
        return say("wait_minutes", lang, minutes=max(1, round(wait_min)))
    if ahead is not None:
        return say("wait_position", lang, ahead=ahead)
    return ""
