"""Topic registry: the only place a topic name is spelled."""

from __future__ import annotations

from dataclasses import dataclass

from branchops.contracts import events
from branchops.contracts.base import EventData

PREFIX = "branchops."
DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True, slots=True)
class Topic:
    """A Kafka topic: its name (with major version), payload model, key field and dead-letter twin."""

    short: str
    model: type[EventData]
    description: str
    key_field: str = "branch_id"
    partitions: int = 6
    retention_hours: int = 7 * 24
    compacted: bool = False
    """Log compaction (cleanup.policy=compact): the broker keeps the latest record per key, for ever."""

    @property
    def retention_ms(self) -> int:
        """retention.ms of the topic: -1 (unlimited) when compacted; the dead-letter twin keeps retention_hours."""
        return -1 if self.compacted else self.retention_hours * 3600 * 1000

    @property
    def cleanup_policy(self) -> str:
        return "compact" if self.compacted else "delete"

    @property
    def name(self) -> str:
        return f"{PREFIX}{self.short}"

    @property
    def dlq(self) -> str:
        return f"{self.name}{DLQ_SUFFIX}"

    @property
    def event_type(self) -> str:
        """CloudEvents ``type``: ``branchops.<topic>`` (the versioned short name)."""
        return self.name


FOOTFALL = Topic("footfall.v1", events.Footfall, "People counts per camera and aggregation window")
OCCUPANCY = Topic("occupancy.v1", events.Occupancy, "Hourly occupancy grid of a camera's view (counts per cell)")
CAMERA_STATUS = Topic("camera.status.v1", events.CameraStatus, "Camera worker up/degraded/down")
TICKETS = Topic("tickets.v1", events.Ticket, "Every change of a queue ticket")
WINDOWS = Topic("windows.v1", events.Window, "Teller windows opened, closed or on break")
QUEUE_FORECAST = Topic("queue.forecast.v1", events.QueueForecast, "Live queue state and arrival forecast")
STAFFING_PLAN = Topic("staffing.plan.v1", events.StaffingPlan, "A new staffing plan for a branch day")
STAFFING_ALERTS = Topic("staffing.alerts.v1", events.StaffingAlert, "Actions proposed to branch managers")
KYC_RESULTS = Topic("kyc.results.v1", events.KycResult, "KYC decisions (masked, no images)", retention_hours=90 * 24)
FEEDBACK = Topic("feedback.v1", events.Feedback, "Customer ratings of a served ticket")
VOICE_INTERACTIONS = Topic("voice.interactions.v1", events.VoiceInteraction, "Digital-employee turns")
BRANCH_CONFIG = Topic(
    "branch-config.v1",
    events.BranchConfigChanged,
    "A branch's whole configuration after each accepted change (records)",
    compacted=True,
)

ALL_TOPICS: tuple[Topic, ...] = (
    FOOTFALL,
    OCCUPANCY,
    CAMERA_STATUS,
    TICKETS,
    WINDOWS,
    QUEUE_FORECAST,
    STAFFING_PLAN,
    STAFFING_ALERTS,
    KYC_RESULTS,
    FEEDBACK,
    VOICE_INTERACTIONS,
    BRANCH_CONFIG,
)

_BY_NAME = {t.name: t for t in ALL_TOPICS}


class UnknownTopic(KeyError):
    pass


def topic_by_name(name: str) -> Topic:
    """Look a topic up by its full name (``branchops.tickets.v1``)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownTopic(f"unknown topic {name!r}") from None


def topic_of(model: type[EventData]) -> Topic:
    for topic in ALL_TOPICS:
        if topic.model is model:
            return topic
    raise UnknownTopic(f"no topic carries {model.__name__}")


def all_topic_names(with_dlq: bool = True) -> list[str]:
    names = [t.name for t in ALL_TOPICS]
    return names + [t.dlq for t in ALL_TOPICS] if with_dlq else names
