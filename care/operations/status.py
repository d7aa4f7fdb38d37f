"""What the status page, the alerts and /healthz read: a handful of indexed aggregates.

Each figure is one query whatever the size of the outbox (the indexes are on
Message: care_msg_waiting_idx, care_msg_claim_idx, care_msg_trouble_idx,
care_msg_sent_at_idx; on Ticket: care_ticket_status_res_idx). Nothing here
returns an address or a text: tickets and cases are named by their ids.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import CharField, Count, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext as _

from care.models import (
    SENT_LIKE,
    Campaign,
    CampaignStatus,
    CaseStatus,
    Message,
    MessageStatus,
    Reason,
    RecoveryCase,
    Ticket,
    TriggerKind,
)
from care.outreach.campaigns import campaign_is_live
from care.outreach.triggers import audience_q

HOUR = dt.timedelta(hours=1)
# Survey classes: why a survey past the hour has not gone.
NOT_PLANNED, WAITING, FAILED, EXPIRED, QUIET_HOURS = (
    "not_planned",
    "waiting",
    "failed",
    "expired",
    "quiet_hours",
)
LIST_LIMIT = 200


@dataclass(frozen=True)
class QueueStatus:
    due_now: int
    oldest_due_at: dt.datetime | None
    deferred_by_reason: list[tuple[str, int]]
    sending: int
    stuck_sending: int
    unknown: int
    failed_24h: list[tuple[str, str, str, int]]  # channel, reason, provider code, count

    def oldest_due_age(self, now: dt.datetime) -> float | None:
        if self.oldest_due_at is None:
            return None
        return max((now - self.oldest_due_at).total_seconds(), 0.0)


def _due(now: dt.datetime):
    # Dispatch claims only the rows of active campaigns: a paused campaign's
    # rows wait on purpose.
    return Message.objects.retryable().filter(
        send_after__lte=now, campaign__status=CampaignStatus.ACTIVE
    )


def oldest_due_age(now: dt.datetime) -> float | None:
    """Seconds the oldest due message has waited (one index probe: /healthz asks often)."""
    oldest = _due(now).aggregate(oldest=Min("send_after"))["oldest"]
    return None if oldest is None else max((now - oldest).total_seconds(), 0.0)


def queue_status(now: dt.datetime) -> QueueStatus:
    due = _due(now).aggregate(n=Count("id"), oldest=Min("send_after"))
    deferred = (
        Message.objects.filter(status=MessageStatus.DEFERRED)
        .values_list("reason")
        .annotate(n=Count("id"))
        .order_by("-n", "reason")
    )
    lease = dt.timedelta(seconds=settings.CARE_DISPATCH_LEASE_SECONDS)
    doubt = Message.objects.filter(
        status__in=(MessageStatus.SENDING, MessageStatus.UNKNOWN)
    ).aggregate(
        sending=Count("id", filter=Q(status=MessageStatus.SENDING)),
        stuck=Count(
            "id",
            filter=Q(status=MessageStatus.SENDING, claimed_at__lt=now - lease),
        ),
        unknown=Count("id", filter=Q(status=MessageStatus.UNKNOWN)),
    )
    failed = (
        Message.objects.filter(
            status=MessageStatus.FAILED, updated_at__gte=now - dt.timedelta(days=1)
        )
        .values_list("channel", "reason", "error_code")
        .annotate(n=Count("id"))
        .order_by("-n", "channel", "reason")
    )
    return QueueStatus(
        due_now=due["n"],
        oldest_due_at=due["oldest"],
        deferred_by_reason=list(deferred),
        sending=doubt["sending"],
        stuck_sending=doubt["stuck"],
        unknown=doubt["unknown"],
        failed_24h=list(failed),
    )


@dataclass(frozen=True)
class ChannelRate:
    channel: str
    attempts: int
    failures: int

    @property
    def rate(self) -> float:
        return self.failures / self.attempts if self.attempts else 0.0


def channel_failure_rates(now: dt.datetime) -> list[ChannelRate]:
    """Per channel over the last hour: failed (or retried after an error) of all tries.

    A message the carrier later reported undelivered was sent and failed: it
    counts once as a try and once as a failure.
    """
    since = now - HOUR
    sent = dict(
        Message.objects.filter(sent_at__gte=since)
        .values_list("channel")
        .annotate(n=Count("id"))
    )
    troubled = (
        Message.objects.filter(updated_at__gte=since)
        .filter(
            Q(status=MessageStatus.FAILED)
            | Q(status=MessageStatus.DEFERRED, reason=Reason.TRANSIENT_ERROR)
        )
        .values_list("channel")
        .annotate(n=Count("id"), unsent=Count("id", filter=Q(sent_at__isnull=True)))
    )
    failures = {channel: (n, unsent) for channel, n, unsent in troubled}
    channels = sorted(set(sent) | set(failures))
    return [
        ChannelRate(
            channel,
            attempts=sent.get(channel, 0) + failures.get(channel, (0, 0))[1],
            failures=failures.get(channel, (0, 0))[0],
        )
        for channel in channels
    ]


@dataclass(frozen=True)
class SurveyRisk:
    ticket_id: int
    ticket_ref: str
    resolved_at: dt.datetime
    status: str  # the survey message's status, "" when none was planned
    reason: str
    kind: str  # NOT_PLANNED, WAITING, FAILED, EXPIRED or QUIET_HOURS

    @property
    def explained_by_quiet_hours(self) -> bool:
        return self.kind == QUIET_HOURS

    @property
    def why(self) -> str:
        return survey_why(self.kind, self.status, self.reason)


def survey_why(kind: str, status: str, reason: str) -> str:
    """Why a survey is not out, in words (the status page and the alert)."""
    if kind == NOT_PLANNED:
        return _("not planned: is the sweep running?")
    if kind == EXPIRED:
        return _("expired unsent")
    if kind == FAILED:
        return _("failed: %(reason)s") % {"reason": reason}
    if kind == QUIET_HOURS:
        return _("waiting for the end of quiet hours")
    return _("still %(status)s: %(reason)s") % {
        "status": status,
        "reason": reason or "-",
    }


def survey_kind(status: str | None, reason: str) -> str | None:
    """Why a survey past the hour is not out; None when it went or a rule stopped it."""
    if status is None:
        return NOT_PLANNED
    if status in SENT_LIKE or status == MessageStatus.HELD_OUT:
        return None
    if status == MessageStatus.SKIPPED:
        return EXPIRED if reason == Reason.EXPIRED else None
    if status == MessageStatus.FAILED:
        return FAILED
    if status == MessageStatus.DEFERRED and reason == Reason.QUIET_HOURS:
        return QUIET_HOURS
    return WAITING


def surveys_at_risk(now: dt.datetime) -> list[SurveyRisk]:
    """Tickets resolved CARE_ALERT_SURVEY_LATE_MINUTES ago or more whose survey is not out.

    Only tickets a live survey campaign covers, resolved within the last
    CARE_ALERT_SURVEY_WATCH_MINUTES; the survey for the ticket's current
    resolution (its occasion "r<times reopened>"), not a recovery follow-up.
    """
    campaigns = [
        c
        for c in Campaign.objects.filter(
            trigger=TriggerKind.SURVEY, status=CampaignStatus.ACTIVE
        )
        if campaign_is_live(c, now)
    ]
    if not campaigns:
        return []
    audiences = [audience_q(c.audience or {}, "customer__") for c in campaigns]
    covered = Q()
    if all(audiences):  # an empty audience is everyone
        for audience in audiences:
            covered |= audience
    late = dt.timedelta(minutes=settings.CARE_ALERT_SURVEY_LATE_MINUTES)
    watch = dt.timedelta(minutes=settings.CARE_ALERT_SURVEY_WATCH_MINUTES)
    survey = Message.objects.filter(
        ticket=OuterRef("pk"),
        trigger=TriggerKind.SURVEY,
        occasion_key__endswith=Concat(
            Value("/r"), Cast(OuterRef("reopened_count"), CharField())
        ),
    ).order_by("-id")
    rows = (
        Ticket.objects.done()
        .filter(resolved_at__lte=now - late, resolved_at__gt=now - watch)
        .filter(covered)
        .annotate(
            survey_status=Subquery(survey.values("status")[:1]),
            survey_reason=Subquery(survey.values("reason")[:1]),
        )
        .order_by("resolved_at", "pk")
        .values_list(
            "pk", "external_id", "resolved_at", "survey_status", "survey_reason"
        )
    )
    found = []
    for pk, ref, resolved_at, status, reason in rows[: LIST_LIMIT * 5]:
        kind = survey_kind(status, reason or "")
        if kind is not None:
            found.append(SurveyRisk(pk, ref, resolved_at, status or "", reason, kind))
    return found[:LIST_LIMIT]


@dataclass(frozen=True)
class OverdueCase:
    case_id: int
    ticket_ref: str
    queue: str
    deadline: str  # "first_response" or "resolution"
    due: dt.datetime


def cases_overdue(now: dt.datetime) -> list[OverdueCase]:
    """Open recovery cases past their first-response or resolution deadline."""
    rows = (
        RecoveryCase.objects.filter(status=CaseStatus.OPEN)
        .filter(
            Q(first_response_at__isnull=True, first_response_due__lt=now)
            | Q(resolution_due__lt=now)
        )
        .order_by("first_response_due", "pk")
        .values_list(
            "pk",
            "ticket__external_id",
            "queue",
            "first_response_at",
            "first_response_due",
            "resolution_due",
        )
    )
    found = []
    for pk, ref, queue, responded, first_due, resolution_due in rows[:LIST_LIMIT]:
        if responded is None and first_due < now:
            found.append(OverdueCase(pk, ref, queue, "first_response", first_due))
        else:
            found.append(OverdueCase(pk, ref, queue, "resolution", resolution_due))
    return found
