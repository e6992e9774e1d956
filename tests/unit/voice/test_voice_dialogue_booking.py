"""Dialogue policy (pure) for appointments, queue status and branch facts: an appointment with the day the
customer said is confirmed then booked, its details may change in the confirmation turn, a full slot gets
the nearest free ones offered; "where am I" reads the session's own ticket or the number said."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from datetime import date

from services.voice.domain.dialogue.booking import BranchFacts, FreeSlot, TicketState
from services.voice.domain.dialogue.policy import (
    BookingRequest,
    Decision,
    StatusRequest,
    TicketRequest,
    Understanding,
    after_booking,
    after_branch_info,
    after_status,
    after_ticket,
    decide,
    phrases_for,
)
from services.voice.domain.dialogue.state import DialogueState
from services.voice.domain.dialogue.times import find_time
from services.voice.domain.nlu.engine import NluEngine
from services.voice.domain.nlu.extractor import extract_slots
from services.voice.domain.nlu.normalise import normalise

APPOINTMENTS = ("appointment_booking", "large_cash_appointment")


def hear(engine: NluEngine, state: DialogueState, text: str, today: date) -> Decision:
    """As the use case reads a turn: the NLU's slots, the task's slots and a time of day for appointments."""
    result = engine.analyse(text, today)
    slots = dict(result.slots)
    words = normalise(text)
    if state.phase in ("filling", "confirming") and state.intent:
        slots = {**extract_slots(words, state.intent, today), **slots}
    said = find_time(words)
    intent = state.intent or result.intent
    if said and intent in APPOINTMENTS:
        slots["time"] = said.value
        rest = extract_slots(words[: said.start] + " " + words[said.end :], intent, today)
        slots.pop("amount", None)
        slots.update({k: v for k, v in rest.items() if k == "amount"})
    return decide(state, Understanding(result.intent, result.confidence, slots, result.lang))


def fresh(lang: str = "zh") -> DialogueState:
    return DialogueState("s1", "b1", "k1", lang=lang)


def next_weekday(today: date, weekday: int) -> date:
    """The day 下周X means (the week after today's)."""
    return today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=1, days=weekday)


def test_appointment_with_a_day_is_confirmed_then_booked(engine: NluEngine, today: date) -> None:
    d = hear(engine, fresh(), "我想预约下周一上午十点办理理财", today)
    assert d.outcome == "confirm_prompt" and d.booking is None and d.ticket is None
    monday = next_weekday(today, 0)
    assert monday.isoformat() in d.reply and "10:00" in d.reply and "理财" in d.reply
    d = hear(engine, d.state, "是的", today)
    assert d.outcome == "booking" and d.booking == BookingRequest("wealth", monday, "10:00")
    done = after_booking(d.state, d.booking, ("10:00", "ABCD2345"), None)
    assert done.outcome == "booked" and "ABCD2345" in done.reply and "10:00" in done.reply
    assert f"{monday.month}月{monday.day}日" in done.reply and done.state.phase == "open"


def test_appointment_without_a_day_asks_for_it(engine: NluEngine, today: date) -> None:
    d = hear(engine, fresh(), "我想预约办理业务", today)
    assert (d.outcome, d.state.pending_slot) == ("slot_prompt", "date")
    d = hear(engine, d.state, "明天", today)
    assert d.outcome == "confirm_prompt" and (today + dt.timedelta(days=1)).isoformat() in d.reply


def test_the_confirmation_turn_may_change_day_service_and_amount(engine: NluEngine, today: date) -> None:
    d = hear(engine, fresh(), "预约下周一上午十点取现五万元", today)
    assert d.outcome == "confirm_prompt" and "50,000" in d.reply
    assert phrases_for(d.state) is None, "no yes/no grammar: the customer may say another day or amount"
    d = hear(engine, d.state, "改到下周二", today)
    tuesday = next_weekday(today, 1)
    assert d.outcome == "confirm_prompt" and tuesday.isoformat() in d.reply
    assert "10:00" not in d.reply, "another day: the time said for the old one is dropped"
    d = hear(engine, d.state, "换成二十万", today)
    assert d.outcome == "confirm_prompt" and "200,000" in d.reply
    d = hear(engine, d.state, "九点", today)
    assert d.outcome == "confirm_prompt" and "09:00" in d.reply
    d = hear(engine, d.state, "确认", today)
    assert d.booking == BookingRequest("cash", tuesday, "09:00")
    booking = hear(engine, fresh(), "我想预约下周一办理理财", today)
    changed = hear(engine, booking.state, "改成外汇业务", today)
    assert changed.outcome == "confirm_prompt" and "外汇" in changed.reply


def test_a_full_slot_offers_the_nearest_free_ones_and_the_customer_picks_one(engine: NluEngine, today: date) -> None:
    d = hear(engine, fresh("en"), "Book an appointment next Monday at 10am", today)
    d = hear(engine, d.state, "yes", today)
    assert d.booking is not None and d.booking.time == "10:00"
    slots = [FreeSlot(s, s != "10:00") for s in ("09:00", "09:30", "10:00", "10:30", "11:00")]
    offered = after_booking(d.state, d.booking, None, slots)
    assert offered.outcome == "slot_offer" and "09:00, 09:30, 10:30" in offered.reply
    assert (offered.state.phase, offered.state.pending_slot) == ("filling", "time")
    picked = hear(engine, offered.state, "10:30 am", today)
    assert picked.outcome == "confirm_prompt" and "10:30" in picked.reply
    again = hear(engine, picked.state, "yes", today)
    assert again.booking is not None and again.booking.time == "10:30"
    none_free = after_booking(d.state, d.booking, None, [FreeSlot("10:00", False)])
    assert none_free.outcome == "slot_offer" and none_free.state.pending_slot == "date"
    failed = after_booking(d.state, d.booking, None, None)
    assert failed.outcome == "booking_failed" and failed.state.phase == "open"


def test_large_withdrawal_without_a_day_is_a_ticket_with_its_form(engine: NluEngine, today: date) -> None:
    d = hear(engine, fresh(), "我要大额取现二十万", today)
    d = hear(engine, d.state, "是的", today)
    assert d.ticket is not None and d.ticket.service == "cash" and d.booking is None
    assert d.ticket.form is not None and d.ticket.form.payload()["fields"] == {"amount": "200000.00", "currency": "CNY"}


def test_queue_status_reads_the_sessions_own_ticket_or_the_number_said(engine: NluEngine, today: date) -> None:
    issued = after_ticket(fresh(), TicketRequest("cash", handoff=False), "A007", 5.0, 2, "t-abc")
    d = hear(engine, issued.state, "查询排队进度", today)
    assert d.status == StatusRequest("t-abc", "A007")
    waiting = after_status(d.state, d.status, TicketState("A007", "issued", 3, 8, 12), failed=False)
    assert "A007" in waiting.reply and "2 位" in waiting.reply and "8-12" in waiting.reply
    called = after_status(d.state, d.status, TicketState("A007", "called", None, window_id="3"), failed=False)
    assert "3 号窗口" in called.reply
    down = after_status(d.state, d.status, None, failed=True)
    assert down.outcome == "status_failed"
    said = hear(engine, fresh(), "我的号码是B012排到哪了", today)
    assert said.status == StatusRequest(None, "B012")
    unknown = after_status(said.state, said.status, None, failed=False)
    assert "B012" in unknown.reply
    ask = hear(engine, fresh(), "查询排队进度", today)
    assert (ask.outcome, ask.state.pending_slot) == ("slot_prompt", "ticket_number")
    answered = hear(engine, ask.state, "A023", today)
    assert answered.status == StatusRequest(None, "A023")


def test_branch_info_from_the_configuration(engine: NluEngine, today: date) -> None:
    d = hear(engine, fresh(), "营业时间是几点", today)
    assert d.branch_info and d.reply == ""
    week = {day: [("09:00", "17:00")] for day in ("mon", "tue", "wed", "thu", "fri")}
    facts = BranchFacts("人民路支行", week, [("现金业务", "Cash"), ("理财业务", "Wealth")])
    answer = after_branch_info(d.state, facts)
    assert "人民路支行" in answer.reply and "周一至周五 09:00-17:00" in answer.reply and "理财业务" in answer.reply
    assert "屏幕上方" not in answer.reply
    assert "屏幕" in after_branch_info(d.state, None).reply, "no configuration yet: the old pointer"
    assert "地址" not in answer.reply, "no address configured: none is made up"
    located = BranchFacts(
        "人民路支行", week, [], address=("人民路88号大厅", "88 Renmin Road"), phone="+86 21 6333 0000"
    )
    zh = after_branch_info(d.state, located).reply
    assert "地址：人民路88号大厅。" in zh and "电话：+86 21 6333 0000。" in zh and "Renmin" not in zh
    english = replace(d.state, lang="en")
    en = after_branch_info(english, located).reply
    assert "Our address: 88 Renmin Road." in en and "Phone: +86 21 6333 0000." in en and "人民路88号" not in en
    assert "times. Our address" in en, "English sentences are separated by a space"
