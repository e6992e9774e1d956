"""Any sequence of ticket and window operations, through the queue's use cases on a real Redis, keeps
the invariants: one holder per ticket, numbers unique per day, counts add up; every status change is
the one the domain's state machine allows."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from branchops.contracts.enums import Channel, ServiceName, TicketStatus, WindowState
from services.queue.adapters.keys import Keys
from services.queue.domain.errors import QueueError
from services.queue.domain.lifecycle import WAITING, Action, InvalidTransition, transition
from services.queue.domain.tickets import IssueTicket
from services.queue.routes.problems import status_of
from tests.conftest import make_platform
from tests.security.apps import UNREACHABLE_BROKER, build
from tests.security.asgi import LoopRunner

SERVICES = [ServiceName.CASH, ServiceName.GENERAL, ServiceName.FX]
WINDOWS = ["w1", "w2", "w3"]
ACTIONS = [a for a in Action if a is not Action.CALL]


class TicketMachine(RuleBasedStateMachine):
    tickets = Bundle("tickets")

    def __init__(self, redis_url: str, runner: LoopRunner) -> None:
        super().__init__()
        self.run = runner.run
        app = build("queue", redis_url, make_platform(UNREACHABLE_BROKER))
        self.tickets: Any = app.state.tickets
        self.windows: Any = app.state.windows
        self.now = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
        self.tickets.clock = self.windows.clock = lambda: self.now
        self.branch = f"sm-{uuid.uuid4().hex[:10]}"
        self.status: dict[str, TicketStatus] = {}
        self.numbers: set[str] = set()

    def _tick(self) -> None:
        self.now += dt.timedelta(seconds=7)

    @rule(target=tickets, service=st.sampled_from(SERVICES))
    def issue(self, service: ServiceName) -> str:
        self._tick()
        record, position, _ = self.run(self.tickets.issue(IssueTicket(self.branch, service, Channel.KIOSK)))
        assert position == self.run(self.tickets.store.position(record)), "place in line given at issue is wrong"
        assert record.number not in self.numbers, f"number {record.number} handed out twice"
        self.numbers.add(record.number)
        self.status[record.ticket_id] = record.status
        return str(record.ticket_id)

    @rule(
        window=st.sampled_from(WINDOWS),
        skills=st.lists(st.sampled_from(SERVICES), min_size=1, max_size=3, unique=True),
        state=st.sampled_from(list(WindowState)),
    )
    def put_window(self, window: str, skills: list[ServiceName], state: WindowState) -> None:
        self._tick()
        try:
            self.run(self.windows.put(self.branch, window, state, tuple(skills), None))
        except QueueError as exc:
            assert status_of(exc) == 409, exc  # a window holding a customer may not close

    @rule(window=st.sampled_from(WINDOWS))
    def call_next(self, window: str) -> None:
        self._tick()
        try:
            record = self.run(self.windows.call_next(self.branch, window))
        except QueueError as exc:
            assert status_of(exc) in (404, 409), exc
            return
        if record is not None:
            assert self.status[record.ticket_id] in WAITING, "called a ticket that was not waiting"
            self.status[record.ticket_id] = TicketStatus.CALLED

    @rule(ticket=tickets, action=st.sampled_from(ACTIONS), target_service=st.sampled_from(SERVICES))
    def act(self, ticket: str, action: Action, target_service: ServiceName) -> None:
        self._tick()
        before = self.status[ticket]
        try:
            expected: TicketStatus | None = transition(before, action)
        except InvalidTransition:
            expected = None
        try:
            record = self.run(self.tickets.act(self.branch, ticket, action, service=target_service))
        except QueueError as exc:
            if status_of(exc) == 422:  # a transfer to the service it is already in
                return
            assert expected is None and status_of(exc) == 409, (before, action, status_of(exc), exc)
            return
        assert expected is not None, f"{action} allowed from {before}"
        assert record.status is expected
        self.status[ticket] = record.status

    @invariant()
    def stored_state_matches_and_adds_up(self) -> None:
        store, keys = self.tickets.store, Keys(self.branch)
        redis = store._redis
        windows = self.run(self.windows.store.all(self.branch))
        holders = [w.ticket_id for w in windows if w.ticket_id]
        assert len(holders) == len(set(holders)), f"a ticket held by two windows: {holders}"
        waiting_in_lines = 0
        for service in SERVICES:
            waiting_in_lines += self.run(redis.zcard(keys.line(service)))
        for ticket_id, status in self.status.items():
            record = self.run(store.get(self.branch, ticket_id))
            assert record is not None and record.status is status, (ticket_id, record, status)
            at_window = status in (TicketStatus.CALLED, TicketStatus.SERVING)
            if at_window:
                assert record.window_id and holders.count(ticket_id) == 1, f"{ticket_id} {status} has no window"
            else:
                assert ticket_id not in holders, f"{ticket_id} is {status} but a window holds it"
        assert waiting_in_lines == sum(s in WAITING for s in self.status.values()), "lines and statuses disagree"


def test_ticket_state_machine(redis_url: str) -> None:
    runner = LoopRunner()
    try:
        run_state_machine_as_test(
            lambda: TicketMachine(redis_url, runner),
            settings=settings(
                max_examples=25,
                stateful_step_count=30,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    finally:
        runner.close()
