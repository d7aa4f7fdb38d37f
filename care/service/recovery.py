"""Service recovery: a low survey answer opens a case with deadlines.

Services `recovery_case_<verb>(*, case, user, ..., now)`; each checks the case
is open, writes under a row lock and returns the case. A user's queues are the
names of their auth groups ("care", "senior", "managers").
"""

import datetime as dt

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from care.models import (
    Campaign,
    CampaignStatus,
    CaseStatus,
    RecoveryCase,
    RecoveryPolicy,
    Survey,
    TriggerKind,
)
from care.outbox.direct import message_plan_direct

DEFAULT_POLICY = RecoveryPolicy(
    segment="", queue="care", first_response_minutes=60, resolution_minutes=24 * 60
)


class RecoveryError(Exception):
    """A case action that cannot be done (closed case, missing permission ...)."""


def customer_segment(customer_id: int) -> str:
    """The customer's current RFM segment slug, "" when unscored or not installed."""
    try:
        rfm = apps.get_model("segmentation", "CustomerRfm")
    except LookupError:
        return ""
    found = rfm.objects.filter(customer_id=customer_id).values_list(
        "segment", flat=True
    )
    return next(iter(found), "") or ""


def recovery_policy_for(segment: str) -> RecoveryPolicy:
    """The policy of the segment, else the default row (blank segment), else 1 h / 24 h."""
    policies = {
        p.segment: p for p in RecoveryPolicy.objects.filter(segment__in=[segment, ""])
    }
    return policies.get(segment) or policies.get("") or DEFAULT_POLICY


def agent_user(agent: str) -> AbstractBaseUser | None:
    """The staff user whose username is the ticket's agent, if there is one."""
    if not agent:
        return None
    users = get_user_model().objects.filter(username__iexact=agent, is_active=True)
    return users.first()


def recovery_case_open(*, survey: Survey, now: dt.datetime) -> RecoveryCase:
    """Open (once per survey) the case for a low answer, with the segment's deadlines."""
    existing = RecoveryCase.objects.filter(survey=survey).first()
    if existing is not None:
        return existing
    segment = customer_segment(survey.customer_id)
    policy = recovery_policy_for(segment)
    # High-value segments go to their queue as a whole; others to the ticket's agent.
    senior = policy.segment != ""
    case = RecoveryCase(
        ticket_id=survey.ticket_id,
        customer_id=survey.customer_id,
        survey=survey,
        segment=segment,
        queue=policy.queue,
        assignee=None if senior else agent_user(survey.agent),
        opened_at=now,
        first_response_due=now + dt.timedelta(minutes=policy.first_response_minutes),
        resolution_due=now + dt.timedelta(minutes=policy.resolution_minutes),
    )
    case.full_clean()
    case.save()
    return case


def _locked_open(case: RecoveryCase) -> RecoveryCase:
    locked = RecoveryCase.objects.select_for_update().get(pk=case.pk)
    if locked.status != CaseStatus.OPEN:
        raise RecoveryError(_("Case #%(id)s is already resolved.") % {"id": case.pk})
    return locked


def _note(case: RecoveryCase, user, text: str, now: dt.datetime) -> None:
    if text.strip():
        stamp = date_format(timezone.localtime(now), "Y-m-d H:i")
        who = user.get_username() if user else "-"
        case.notes = f"{case.notes}\n[{stamp} {who}] {text.strip()}".strip()


def _save(case: RecoveryCase) -> RecoveryCase:
    case.full_clean()
    case.save()
    return case


@transaction.atomic
def recovery_case_take(*, case: RecoveryCase, user, now: dt.datetime) -> RecoveryCase:
    """Assign the case to `user` (taking it over from anyone else)."""
    locked = _locked_open(case)
    locked.assignee, locked.taken_at = user, now
    return _save(locked)


@transaction.atomic
def recovery_case_respond(
    *, case: RecoveryCase, user, note: str = "", now: dt.datetime
) -> RecoveryCase:
    """Record the first response to the customer (later calls only add the note)."""
    locked = _locked_open(case)
    locked.first_response_at = locked.first_response_at or now
    if locked.assignee_id is None:
        locked.assignee, locked.taken_at = user, now
    _note(locked, user, note, now)
    return _save(locked)


@transaction.atomic
def recovery_case_escalate(
    *, case: RecoveryCase, user, note: str = "", now: dt.datetime
) -> RecoveryCase:
    """Hand the case to the escalation queue (CARE_RECOVERY_ESCALATION_QUEUE), unassigned."""
    locked = _locked_open(case)
    locked.queue = settings.CARE_RECOVERY_ESCALATION_QUEUE
    locked.assignee, locked.taken_at, locked.escalated_at = None, None, now
    _note(locked, user, note or _("escalated"), now)
    return _save(locked)


@transaction.atomic
def recovery_case_resolve(
    *,
    case: RecoveryCase,
    user,
    note: str = "",
    follow_up: bool = False,
    now: dt.datetime,
) -> RecoveryCase:
    """Close the case; with follow_up, a follow-up survey goes out through the outbox."""
    locked = _locked_open(case)
    locked.status, locked.resolved_at = CaseStatus.RESOLVED, now
    locked.first_response_at = locked.first_response_at or now
    locked.assignee = locked.assignee or user
    _note(locked, user, note, now)
    if follow_up:
        locked.follow_up = _follow_up_plan(locked, now)
    return _save(locked)


def survey_campaign() -> Campaign:
    campaign = (
        Campaign.objects.filter(
            trigger=TriggerKind.SURVEY, status=CampaignStatus.ACTIVE
        )
        .order_by("pk")
        .first()
    )
    if campaign is None:
        raise RecoveryError(
            _(
                "No active post-service survey campaign: run install_playbooks --activate."
            )
        )
    return campaign


def _follow_up_plan(case: RecoveryCase, now: dt.datetime):
    ticket = case.ticket
    return message_plan_direct(
        campaign=survey_campaign(),
        customer_id=case.customer_id,
        subject=f"ticket:{ticket.pk}",
        occasion=f"followup-case{case.pk}",
        send_after=now,
        data={
            "follow_up": True,
            "case": case.pk,
            "reopened_count": ticket.reopened_count,
        },
        ticket_id=ticket.pk,
        expires_at=now + dt.timedelta(hours=24),
    )


def customers_in_recovery(customer_ids: list[int], now: dt.datetime) -> dict[int, str]:
    """Customers with an open case or a low score within CARE_LOW_SCORE_DAYS, and why."""
    found: dict[int, str] = {}
    days = settings.CARE_LOW_SCORE_DAYS
    low = Survey.objects.filter(
        customer_id__in=customer_ids, answered_at__gte=now - dt.timedelta(days=days)
    ).filter(
        Q(csat__lte=settings.CARE_RECOVERY_CSAT_MAX)
        | Q(nps__lte=settings.CARE_RECOVERY_NPS_MAX)
    )
    for customer_id, answered in low.order_by("answered_at").values_list(
        "customer_id", "answered_at"
    ):
        until = timezone.localtime(answered + dt.timedelta(days=days)).date()
        found[customer_id] = _("low survey score: no marketing until %(date)s") % {
            "date": until.isoformat()
        }
    cases = RecoveryCase.objects.filter(
        customer_id__in=customer_ids, status=CaseStatus.OPEN
    ).values_list("customer_id", "pk")
    for customer_id, pk in cases:
        found[customer_id] = _("recovery case #%(id)s open") % {"id": pk}
    return found


def user_queues(user) -> list[str]:
    return list(user.groups.values_list("name", flat=True))


ALL_QUEUES_PERMISSION = "care.work_all_queues"


def recovery_cases_visible(
    user, cases: QuerySet[RecoveryCase] | None = None
) -> QuerySet[RecoveryCase]:
    """The cases a user may see and work: their queues' and their own (managers: all).

    The senior queue is worked by the members of the `senior` group only.
    """
    cases = RecoveryCase.objects.all() if cases is None else cases
    if user.has_perm(ALL_QUEUES_PERMISSION):
        return cases
    return cases.filter(Q(assignee=user) | Q(queue__in=user_queues(user)))


def recovery_cases_mine(user) -> QuerySet[RecoveryCase]:
    """Open cases assigned to the user or waiting in one of their queues, unassigned."""
    mine = Q(assignee=user) | Q(assignee__isnull=True, queue__in=user_queues(user))
    return (
        RecoveryCase.objects.filter(status=CaseStatus.OPEN)
        .filter(mine)
        .select_related("customer", "ticket", "assignee", "survey")
    )
