"""The ticket state machine: which action may follow which status (pure)."""

from __future__ import annotations

from enum import StrEnum

from branchops.contracts.enums import TicketStatus as S


class Action(StrEnum):
    CALL = "call"
    RECALL = "recall"
    START = "start"
    COMPLETE = "complete"
    NO_SHOW = "no-show"
    TRANSFER = "transfer"
    ABANDON = "abandon"
    CANCEL = "cancel"


WAITING = frozenset({S.ISSUED, S.TRANSFERRED})
AT_WINDOW = frozenset({S.CALLED, S.SERVING})
FINAL = frozenset({S.COMPLETED, S.NO_SHOW, S.ABANDONED, S.CANCELLED})

# action -> (statuses it may follow, status it leads to)
RULES: dict[Action, tuple[frozenset[S], S]] = {
    Action.CALL: (WAITING, S.CALLED),
    Action.RECALL: (frozenset({S.CALLED}), S.CALLED),
    Action.START: (frozenset({S.CALLED}), S.SERVING),
    Action.COMPLETE: (AT_WINDOW, S.COMPLETED),
    Action.NO_SHOW: (frozenset({S.CALLED}), S.NO_SHOW),
    Action.TRANSFER: (AT_WINDOW, S.TRANSFERRED),
    Action.ABANDON: (WAITING, S.ABANDONED),
    Action.CANCEL: (WAITING, S.CANCELLED),
}


class InvalidTransition(ValueError):
    """The action is not allowed in the ticket's current status."""

    def __init__(self, status: S, action: Action) -> None:
        allowed = ", ".join(sorted(s.value for s in RULES[action][0]))
        super().__init__(f"cannot {action.value} a ticket that is {status.value} (allowed from: {allowed})")
        self.status = status
        self.action = action


def transition(status: S, action: Action) -> S:
    sources, target = RULES[action]
    if status not in sources:
        raise InvalidTransition(status, action)
    return target


def leaves_window(action: Action) -> bool:
    """After this action the window is free for the next customer."""
    return action in (Action.COMPLETE, Action.NO_SHOW, Action.TRANSFER)
