"""The digital employee against the real queue service (HTTP, uvicorn), real Redis and the real broker: the
voice ticket carries the prepared form the teller reads; an appointment said in the dialogue is booked with
a confirmation code, a full slot gets the nearest free ones offered; "where am I" answers with the place in
line; branch questions are answered from branch-config.v1."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from branchops.clock import platform_clock
from branchops.contracts import encode, new_event, topics
from branchops.contracts.branch_config import (
    BranchAddress,
    BranchConfig,
    BranchInfo,
    OpeningSpan,
    ServiceConfig,
    ServiceNames,
    Weekday,
)
from branchops.contracts.enums import ServiceName
from branchops.contracts.events import BranchConfigChanged, ChangedBy, PlanInterval, StaffingPlan
from branchops.devstack.process import free_port
from branchops.settings import PlatformSettings, Role
from services.queue.bootstrap import build_app as build_queue
from services.queue.settings import QueueSettings
from tests.conftest import api_key
from tests.integration.kafka_helpers import produce_raw, wait_for
from tests.integration.test_voice_dialogue import KIOSK, voice_client
from tests.waiting import join_within

TELLER = {"X-API-Key": api_key(Role.TELLER)}
SERVICE = {"X-API-Key": api_key(Role.SERVICE)}
STARTS = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]


def next_monday() -> dt.date:
    """The day 下周一 means today (the NLU reads relative days against the branches' local day)."""
    today = platform_clock().now().astimezone(ZoneInfo("Asia/Shanghai")).date()
    return today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=1)


@dataclass
class Queue:
    url: str
    app: FastAPI


@pytest.fixture
def queue(platform: PlatformSettings, redis_url: str) -> Iterator[Queue]:
    port = free_port()
    channels = {"vip": ["appointment", "teller"], "urgent": ["teller", "voice"]}
    settings = QueueSettings(
        redis_url=redis_url,
        priority_channels=channels,
        appointment_handling_min={"wealth": 15.0, "cash": 15.0},  # type: ignore[arg-type]
    )
    app = build_queue(settings, platform)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield Queue(f"http://127.0.0.1:{port}", app)
    server.should_exit = True
    join_within(thread, 10)


def session(client: TestClient, branch: str, lang: str = "zh") -> str:
    got = client.post(f"/v1/branches/{branch}/dialogue/sessions", json={"kiosk_id": "k1", "lang": lang}, headers=KIOSK)
    assert got.status_code == 201, got.text
    return str(got.json()["session_id"])


def say(client: TestClient, branch: str, sid: str, text: str) -> dict[str, object]:
    got = client.post(f"/v1/branches/{branch}/dialogue/sessions/{sid}/turns", json={"text": text}, headers=KIOSK)
    assert got.status_code == 200, got.text
    return dict(got.json())


def test_the_voice_ticket_carries_the_prepared_form_and_status_reads_it(
    platform: PlatformSettings, redis_url: str, queue: Queue
) -> None:
    branch = f"vf-{uuid.uuid4().hex[:6]}"
    with voice_client(platform, redis_url, queue.url) as client:
        sid = session(client, branch)
        say(client, branch, sid, "我要给张三转账，从尾号1234的卡")
        say(client, branch, sid, "三千五百元")
        done = say(client, branch, sid, "确认")
        assert done["outcome"] == "ticket", done
        ticket = done["ticket"]
        assert isinstance(ticket, dict) and ticket["prepared_form"] is True
        number = str(ticket["number"])
        status = say(client, branch, sid, "查询排队进度")
        assert number in str(status["reply"]) and "前面还有 0 位" in str(status["reply"]), status
        other = session(client, branch)
        by_number = say(client, branch, other, f"我的号码是{number}排到哪了")
        assert number in str(by_number["reply"]) and "前面还有 0 位" in str(by_number["reply"]), by_number
        unknown = say(client, branch, other, "我的号码是E099排到哪了")
        assert "没有找到" in str(unknown["reply"])
        with httpx.Client(base_url=queue.url) as q:  # what the teller's console reads
            waiting = q.get(f"/v1/branches/{branch}/queue", headers=TELLER).json()["waiting"]
            tid = next(t["ticket_id"] for t in waiting if t["number"] == number)
            form = q.get(f"/v1/branches/{branch}/tickets/{tid}", headers=TELLER).json()["form"]
            assert form == {
                "kind": "transfer",
                "fields": {"amount": "3500.00", "currency": "CNY", "payee": "张三", "account_last4": "1234"},
            }
            assert q.get(f"/v1/branches/{branch}/tickets/{tid}", headers=KIOSK).json()["form"] is None
            opened = q.put(
                f"/v1/branches/{branch}/windows/w7", json={"state": "open", "skills": ["general"]}, headers=TELLER
            )
            assert opened.status_code == 200
            assert q.post(f"/v1/branches/{branch}/windows/w7/call-next", headers=TELLER).json()["ticket_id"] == tid
        called = say(client, branch, other, f"我的号码是{number}排到哪了")
        assert "w7 号窗口" in str(called["reply"]), called
        own = say(client, branch, sid, "查询排队进度")
        assert "w7 号窗口" in str(own["reply"]), own


def test_an_appointment_said_in_the_dialogue_is_booked_and_a_full_slot_offers_others(
    platform: PlatformSettings, redis_url: str, queue: Queue
) -> None:
    branch = f"va-{uuid.uuid4().hex[:6]}"
    monday = next_monday()
    plan = StaffingPlan(
        branch_id=branch,
        at=dt.datetime.now(dt.UTC),
        date=monday,
        version=1,
        intervals=[
            PlanInterval(start=s, required={}, planned={ServiceName.WEALTH: 1, ServiceName.CASH: 1}) for s in STARTS
        ],
        assignments=[],
        solve_ms=5,
        objective=0.0,
    )
    event = new_event(topics.STAFFING_PLAN, plan, source="branchops/staffing/test")
    asyncio.run(produce_raw(platform.kafka_bootstrap, topics.STAFFING_PLAN.name, [encode(event)], key=branch.encode()))
    with httpx.Client(base_url=queue.url) as q:

        def planned() -> bool:
            params = {"service": "wealth", "date": monday.isoformat()}
            got = q.get(f"/v1/branches/{branch}/appointments/slots", params=params, headers=SERVICE)
            return bool(got.json().get("slots"))

        asyncio.run(wait_for(planned, timeout_s=30, what="the queue applied the staffing plan"))
    with voice_client(platform, redis_url, queue.url) as client:
        sid = session(client, branch)
        ask = say(client, branch, sid, "我想预约下周一上午十点办理理财")
        assert ask["outcome"] == "confirm_prompt" and monday.isoformat() in str(ask["reply"]), ask
        done = say(client, branch, sid, "是的")
        assert done["outcome"] == "booked", done
        appointment = done["appointment"]
        assert isinstance(appointment, dict) and appointment["start"] == "10:00"
        assert str(appointment["code"]) in str(done["reply"]) and f"{monday.month}月{monday.day}日" in str(
            done["reply"]
        )
        with httpx.Client(base_url=queue.url) as q:
            kept = q.get(f"/v1/branches/{branch}/appointments/{appointment['appointment_id']}", headers=TELLER).json()
            assert (kept["service"], kept["date"], kept["start"]) == ("wealth", monday.isoformat(), "10:00")
            body = {"service": "wealth", "date": monday.isoformat(), "start": "10:00"}
            for _ in range(50):  # fill the 10:00 slot
                if q.post(f"/v1/branches/{branch}/appointments", json=body, headers=SERVICE).status_code != 201:
                    break
            assert q.post(f"/v1/branches/{branch}/appointments", json=body, headers=SERVICE).json()["reason"] == (
                "slot_full"
            )
        sid = session(client, branch, "en")
        say(client, branch, sid, "I want to book an appointment next Monday at 10am for wealth management")
        offered = say(client, branch, sid, "yes")
        assert offered["outcome"] == "slot_offer" and "09:30" in str(offered["reply"]), offered
        assert "10:30" in str(offered["reply"])
        picked = say(client, branch, sid, "10:30 am")
        assert picked["outcome"] == "confirm_prompt" and "10:30" in str(picked["reply"]), picked
        booked = say(client, branch, sid, "yes")
        assert booked["outcome"] == "booked" and "10:30" in str(booked["reply"]), booked
        late = session(client, branch)
        say(client, branch, late, "我想预约下周一晚上八点办理理财")
        outside = say(client, branch, late, "是的")
        assert outside["outcome"] == "slot_offer" and "11:30" in str(outside["reply"]), outside


def test_branch_info_from_the_branch_configuration(platform: PlatformSettings, redis_url: str, queue: Queue) -> None:
    branch = f"vi-{uuid.uuid4().hex[:6]}"
    week = {day: [OpeningSpan(open="09:00", close="17:00")] for day in (Weekday.MON, Weekday.TUE, Weekday.WED)}
    config = BranchConfig(
        branch=BranchInfo(
            name="人民路支行",
            timezone="Asia/Shanghai",
            hours=week,
            address=BranchAddress(zh="上海市黄浦区人民路88号", en="88 Renmin Road, Huangpu, Shanghai"),
            phone="+86 21 6333 0000",
        ),
        services=[
            ServiceConfig(
                code=ServiceName.WEALTH,
                name=ServiceNames(zh="理财业务", en="Wealth"),
                target_wait_min=15,
                ticket_prefix="D",
            )
        ],
    )
    change = BranchConfigChanged(
        branch_id=branch,
        at=dt.datetime.now(dt.UTC),
        version=1,
        changed_by=ChangedBy(subject="test", role="manager"),
        config=config,
    )
    with voice_client(platform, redis_url, queue.url) as client:
        sid = session(client, branch)
        before = say(client, branch, sid, "营业时间是几点")
        assert "人民路支行" not in str(before["reply"])
        event = new_event(topics.BRANCH_CONFIG, change, source="branchops/records/test")
        asyncio.run(
            produce_raw(platform.kafka_bootstrap, topics.BRANCH_CONFIG.name, [encode(event)], key=branch.encode())
        )

        def answered() -> bool:
            return "人民路支行" in str(say(client, branch, sid, "营业时间是几点")["reply"])

        asyncio.run(wait_for(answered, timeout_s=30, what="the voice service read branch-config.v1"))
        reply = str(say(client, branch, sid, "营业时间是几点")["reply"])
        assert "周一至周三 09:00-17:00" in reply and "理财业务" in reply and "屏幕上方" not in reply
        assert "地址：上海市黄浦区人民路88号" in reply and "+86 21 6333 0000" in reply
        english = session(client, branch, "en")
        where = str(say(client, branch, english, "where is the branch")["reply"])
        assert "Our address: 88 Renmin Road, Huangpu, Shanghai" in where and "人民路88号" not in where
        assert "Phone: +86 21 6333 0000" in where
