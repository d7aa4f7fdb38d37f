"""Everything the admin status page and its index panel show, read in one place.

The page: the scheduler and each job (heartbeats), the queue, failures by
reason and provider code, channel failure rates, surveys at risk of missing
the hour (split into those quiet hours explain and those they do not), recovery
cases past their deadlines and the open incidents. Each part is one or two
indexed queries, whatever the size of the outbox (tests/operations/
test_status_page.py counts them).
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from care.models import Heartbeat, Incident
from care.operations.alerts import incident_title
from care.operations.heartbeat import (
    SchedulerStatus,
    beat_state,
    last_seen,
    scheduler_status,
)
from care.operations.status import (
    QUIET_HOURS,
    ChannelRate,
    OverdueCase,
    QueueStatus,
    SurveyRisk,
    cases_overdue,
    channel_failure_rates,
    oldest_due_age,
    queue_status,
    surveys_at_risk,
)

BANNER_LIMIT = 5


@dataclass(frozen=True)
class BeatRow:
    beat: Heartbeat
    state: str
    last_seen: dt.datetime


@dataclass(frozen=True)
class OpenIncident:
    incident: Incident
    title: str


@dataclass(frozen=True)
class Overview:
    now: dt.datetime
    scheduler: SchedulerStatus
    beats: list[BeatRow]
    queue: QueueStatus
    rates: list[ChannelRate]
    surveys_alerting: list[SurveyRisk]
    surveys_quiet: list[SurveyRisk]
    cases: list[OverdueCase]
    incidents: list[OpenIncident]

    @property
    def oldest_due_age(self) -> float | None:
        return self.queue.oldest_due_age(self.now)

    @property
    def failure_threshold_percent(self) -> int:
        return round(settings.CARE_ALERT_FAILURE_RATE * 100)


def _beat_rows(scheduler: SchedulerStatus, now: dt.datetime) -> list[BeatRow]:
    return [
        BeatRow(b, beat_state(b.job, last_seen(b), now), last_seen(b))
        for b in scheduler.beats
    ]


def open_incidents(limit: int | None = None) -> list[OpenIncident]:
    rows = Incident.objects.filter(closed_at__isnull=True).order_by("-opened_at", "-pk")
    if limit is not None:
        rows = rows[:limit]
    return [OpenIncident(incident, incident_title(incident)) for incident in rows]


def operations_overview(now: dt.datetime) -> Overview:
    scheduler = scheduler_status(now)
    surveys = surveys_at_risk(now)
    return Overview(
        now=now,
        scheduler=scheduler,
        beats=_beat_rows(scheduler, now),
        queue=queue_status(now),
        rates=channel_failure_rates(now),
        surveys_alerting=[s for s in surveys if s.kind != QUIET_HOURS],
        surveys_quiet=[s for s in surveys if s.kind == QUIET_HOURS],
        cases=cases_overdue(now),
        incidents=open_incidents(),
    )


@dataclass(frozen=True)
class Glance:
    """The admin index panel: the scheduler, the queue, the open incidents."""

    scheduler: str
    oldest_due_age: float | None
    incidents: list[OpenIncident]
    incident_count: int


def operations_glance(now: dt.datetime) -> Glance:
    incidents = Incident.objects.filter(closed_at__isnull=True)
    return Glance(
        scheduler=scheduler_status(now).state,
        oldest_due_age=oldest_due_age(now),
        incidents=open_incidents(BANNER_LIMIT),
        incident_count=incidents.count(),
    )
