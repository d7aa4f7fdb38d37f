"""Alerts: incidents opened and closed from the operations figures, mailed once each way.

An incident is a row keyed "<kind>:<subject>" with at most one open per key
(a partial unique constraint): two evaluators at once open it once. Its
email is claimed by a guarded UPDATE of `opened_mail_at` (and, when it ends,
of `closed_mail_at`), so it goes out once; a failed send is given back and
tried again at the next evaluation. All incidents opened (or closed) by one
evaluation travel in one email.

Evaluated by a scheduled task every minute, and also by /healthz and by each
`dispatch` run, at most once per CARE_ALERTS_EVERY_SECONDS across all
processes: when the cluster itself is down, the web server and the
dispatchers still raise "scheduler late" (docs/operations.md).
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from care.models import Heartbeat, Incident, IncidentKind, Job
from care.operations.heartbeat import (
    ALIVE,
    LATE,
    heartbeat_beat,
    heartbeats_prune,
    scheduler_status,
)
from care.operations.status import (
    QUIET_HOURS,
    survey_why,
    cases_overdue,
    channel_failure_rates,
    surveys_at_risk,
)

log = logging.getLogger(__name__)

MAIL_LIMIT = 50  # incidents listed in one email; the rest are counted
ALERTS_HEARTBEAT = "care-alerts"  # the schedule's name; its row is also the claim


@dataclass(frozen=True)
class Condition:
    kind: str
    subject: str
    detail: dict

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.subject}"


def _minutes(seconds: float | None) -> int | None:
    return None if seconds is None else int(seconds // 60)


def scheduler_conditions(now: dt.datetime) -> list[Condition]:
    status = scheduler_status(now)
    late = [
        {"job": j.job, "state": j.state, "minutes": _minutes(j.age_s)}
        for j in status.late_jobs
    ]
    if not late:
        return []
    # The per-minute jobs may be alive while the nightly RFM run is late.
    state = LATE if status.state == ALIVE else status.state
    return [
        Condition(
            IncidentKind.SCHEDULER_LATE, "scheduler", {"state": state, "jobs": late}
        )
    ]


def survey_conditions(now: dt.datetime) -> list[Condition]:
    return [
        Condition(
            IncidentKind.SURVEY_LATE,
            f"ticket:{risk.ticket_id}",
            {
                "ticket": risk.ticket_ref,
                "resolved_at": risk.resolved_at.isoformat(),
                "status": risk.status,
                "reason": risk.reason,
                "why": risk.kind,
            },
        )
        for risk in surveys_at_risk(now)
        if risk.kind != QUIET_HOURS
    ]


def channel_conditions(now: dt.datetime) -> list[Condition]:
    return [
        Condition(
            IncidentKind.CHANNEL_FAILING,
            rate.channel,
            {
                "channel": rate.channel,
                "failures": rate.failures,
                "attempts": rate.attempts,
                "percent": round(rate.rate * 100),
            },
        )
        for rate in channel_failure_rates(now)
        if rate.attempts >= settings.CARE_ALERT_FAILURE_MIN_ATTEMPTS
        and rate.rate > settings.CARE_ALERT_FAILURE_RATE
    ]


def case_conditions(now: dt.datetime) -> list[Condition]:
    return [
        Condition(
            IncidentKind.CASE_OVERDUE,
            f"case:{case.case_id}",
            {
                "case": case.case_id,
                "ticket": case.ticket_ref,
                "queue": case.queue,
                "due": case.due.isoformat(),
            },
        )
        for case in cases_overdue(now)
        if case.deadline == "first_response"
    ]


def conditions_find(now: dt.datetime) -> list[Condition]:
    """Everything that is wrong now, one Condition per incident subject."""
    return [
        *scheduler_conditions(now),
        *survey_conditions(now),
        *channel_conditions(now),
        *case_conditions(now),
    ]


@dataclass
class Evaluation:
    opened: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    mailed: int = 0

    def summary(self) -> dict:
        return {
            "opened": len(self.opened),
            "closed": len(self.closed),
            "mailed": self.mailed,
        }


def alerts_evaluate(*, now: dt.datetime) -> Evaluation:
    """Open incidents for new conditions, close those that cleared, mail both once."""
    found = {c.key: c for c in conditions_find(now)}
    open_now = {i.key: i for i in Incident.objects.filter(closed_at__isnull=True)}
    result = Evaluation()
    for key, condition in found.items():
        if key not in open_now and incident_open(condition, now):
            result.opened.append(key)
    for key, incident in open_now.items():
        if key not in found and Incident.objects.filter(
            pk=incident.pk, closed_at__isnull=True
        ).update(closed_at=now):
            result.closed.append(key)
    result.mailed = _mail_opened(now) + _mail_closed(now)
    return result


def incident_open(condition: Condition, now: dt.datetime) -> bool:
    try:
        with transaction.atomic():
            Incident.objects.create(
                kind=condition.kind,
                subject=condition.subject,
                key=condition.key,
                detail=condition.detail,
                opened_at=now,
            )
    except IntegrityError:  # another evaluator opened it a moment ago
        return False
    log.warning(
        "incident opened: %s",
        condition.key,
        extra={"event": "incident_opened", "incident": condition.key},
    )
    return True


def incidents_claim(
    pending: list[Incident], stamp: str, now: dt.datetime
) -> list[Incident]:
    """The incidents whose email this evaluator won (a guarded UPDATE each)."""
    return [
        incident
        for incident in pending
        if Incident.objects.filter(pk=incident.pk, **{f"{stamp}__isnull": True}).update(
            **{stamp: now}
        )
    ]


def _mail_opened(now: dt.datetime) -> int:
    pending = Incident.objects.filter(
        closed_at__isnull=True, opened_mail_at__isnull=True
    )
    claimed = incidents_claim(
        list(pending.order_by("opened_at", "pk")), "opened_mail_at", now
    )
    return _send(claimed, "opened_mail_at", opened=True)


def _mail_closed(now: dt.datetime) -> int:
    # Only incidents whose opening was mailed: an alert nobody heard of
    # needs no all-clear.
    pending = Incident.objects.filter(
        closed_at__isnull=False,
        opened_mail_at__isnull=False,
        closed_mail_at__isnull=True,
    )
    claimed = incidents_claim(
        list(pending.order_by("closed_at", "pk")), "closed_mail_at", now
    )
    return _send(claimed, "closed_mail_at", opened=False)


def _send(incidents: list[Incident], stamp: str, *, opened: bool) -> int:
    if not incidents:
        return 0
    recipients = alert_recipients()
    if not recipients:
        log.warning("no one to mail alerts to: add managers with an email address")
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = alert_email(incidents, opened=opened)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:  # given back: the next evaluation tries again
        log.exception("could not mail %s incidents", len(incidents))
        Incident.objects.filter(pk__in=[i.pk for i in incidents]).update(
            **{stamp: None}
        )
        return 0
    return 1


def alert_recipients() -> list[str]:
    """The active members of CARE_ALERT_GROUP with an email, and CARE_ALERT_EMAILS."""
    members = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=settings.CARE_ALERT_GROUP)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    return sorted(set(members) | set(settings.CARE_ALERT_EMAILS))


def incident_title(incident: Incident) -> str:
    """One line for the managers, in the active language, from the incident's facts."""
    detail = incident.detail
    if incident.kind == IncidentKind.SCHEDULER_LATE:
        jobs = ", ".join(_job_line(job) for job in detail.get("jobs", []))
        return _("Scheduler %(state)s: %(jobs)s") % {
            "state": _state_label(detail.get("state", "")),
            "jobs": jobs,
        }
    if incident.kind == IncidentKind.SURVEY_LATE:
        return _(
            "Survey for ticket %(ticket)s not sent %(minutes)s+ minutes after "
            "resolution (%(why)s)"
        ) % {
            "ticket": detail.get("ticket", incident.subject),
            "minutes": settings.CARE_ALERT_SURVEY_LATE_MINUTES,
            "why": survey_why(
                detail.get("why", ""),
                detail.get("status", ""),
                detail.get("reason", ""),
            ),
        }
    if incident.kind == IncidentKind.CHANNEL_FAILING:
        return _(
            "%(channel)s failing: %(failures)s of %(attempts)s tries in the last "
            "hour (%(percent)s%%)"
        ) % _facts(detail, "channel", "failures", "attempts", "percent")
    due = detail.get("due")
    return _(
        "Recovery case #%(case)s (ticket %(ticket)s, queue %(queue)s): no first "
        "response by %(due)s"
    ) % {
        **_facts(detail, "case", "ticket", "queue"),
        "due": _local(due) if due else "?",
    }


def _facts(detail: dict, *names: str) -> dict:
    return {name: detail.get(name, "?") for name in names}


def _local(iso: str) -> str:
    return timezone.localtime(dt.datetime.fromisoformat(iso)).strftime("%Y-%m-%d %H:%M")


def _state_label(state: str) -> str:
    labels = {"late": _("late"), "stopped": _("stopped"), "never": _("never seen")}
    return str(labels.get(state, state))


def _job_line(job: dict) -> str:
    label = str(dict(Job.choices).get(job["job"], job["job"]))
    if job.get("minutes") is None:
        return _("%(job)s never seen") % {"job": label}
    return _("%(job)s not seen for %(minutes)s min") % {
        "job": label,
        "minutes": job["minutes"],
    }


def alert_email(incidents: list[Incident], *, opened: bool) -> tuple[str, str]:
    titles = [incident_title(i) for i in incidents[:MAIL_LIMIT]]
    more = len(incidents) - len(titles)
    if opened:
        subject = _("[Proactive Care] Alert: %(first)s") % {"first": titles[0]}
        intro = _("These promises are not being kept right now:")
    else:
        subject = _("[Proactive Care] Resolved: %(first)s") % {"first": titles[0]}
        intro = _("These incidents have ended:")
    if len(incidents) > 1:
        subject += " " + _("(and %(count)s more)") % {"count": len(incidents) - 1}
    lines = [intro, ""] + [f"- {title}" for title in titles]
    if more:
        lines.append(_("...and %(count)s more.") % {"count": more})
    lines += ["", _("Status page: %(url)s") % {"url": status_url()}]
    lines.append(_("What each alert means and what to do: docs/operations.md"))
    return subject[:200], "\n".join(lines) + "\n"


def status_url() -> str:
    return settings.SITE_URL + reverse("admin:care_operations_status")


def alerts_run(*, force: bool = False) -> Evaluation | None:
    """Evaluate the alerts unless another process did within CARE_ALERTS_EVERY_SECONDS.

    The "alerts" heartbeat row is the claim: its start is moved forward by a
    guarded UPDATE, so of several callers at once one evaluates.
    """
    started = timezone.now()
    if not force and not _claim_turn(started):
        return None
    result = alerts_evaluate(now=started)
    heartbeats_prune(now=started)
    heartbeat_beat(
        name=ALERTS_HEARTBEAT,
        started_at=started,
        finished_at=timezone.now(),
        summary=result.summary(),
    )
    return result


def _claim_turn(now: dt.datetime) -> bool:
    every = dt.timedelta(seconds=settings.CARE_ALERTS_EVERY_SECONDS)
    if Heartbeat.objects.filter(
        name=ALERTS_HEARTBEAT, started_at__lte=now - every
    ).update(started_at=now):
        return True
    _, created = Heartbeat.objects.get_or_create(
        name=ALERTS_HEARTBEAT, defaults={"job": Job.ALERTS, "started_at": now}
    )
    return created
