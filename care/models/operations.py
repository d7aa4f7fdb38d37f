"""Operations: heartbeats of the scheduled jobs and dispatchers, alert incidents, webhook tallies.

These rows let an operator tell "no work" from "no cluster" (care/operations/),
mail the managers at most once per incident, and count webhook requests
across every web process (the /metrics collector reads them).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Upper bounds (seconds) of the run-duration histogram kept on each heartbeat;
# the last bucket is +Inf. Cumulative counts, as Prometheus expects them.
DURATION_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)


class Job(models.TextChoices):
    SWEEP = "sweep", _("Sweep (planning)")
    DISPATCH = "dispatch", _("Dispatch (sending)")
    REAPER = "reaper", _("Reaper (messages in doubt)")
    RFM = "rfm", _("RFM scoring")
    ALERTS = "alerts", _("Alert evaluation")


class IncidentKind(models.TextChoices):
    SCHEDULER_LATE = "scheduler_late", _("Scheduler late")
    SURVEY_LATE = "survey_late", _("Survey missing its hour")
    CHANNEL_FAILING = "channel_failing", _("Channel failing")
    CASE_OVERDUE = "case_overdue", _("Recovery case past its first-response deadline")


class Heartbeat(models.Model):
    """The latest run of one job in one place: when, how long, what it did.

    One row per name: a scheduled task's schedule name ("care-sweep",
    "care-reconcile", "rfm-nightly", "care-alerts"), and "dispatch@<host>" or
    a given name for each dispatch process, so several dispatchers show
    separately. A row whose `finished_at` stops moving is a process or a
    cluster that stopped: a fact kept in the database, which outlives the
    process that wrote it.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    # A run under way has started_at after finished_at (or no finished_at yet).
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration_s = models.FloatField(_("duration (s)"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    job = models.CharField(_("job"), max_length=10, choices=Job.choices, blank=True)
    host = models.CharField(_("host"), max_length=100, blank=True)
    pid = models.PositiveIntegerField(_("process id"), null=True, blank=True)
    # The last run that did something (a non-empty summary): "no work" shows
    # as a fresh heartbeat with an old last_work_at.
    last_work_at = models.DateTimeField(_("last did work at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)
    failures = models.PositiveIntegerField(_("failed runs"), default=0)
    # Cumulative histogram of run durations (DURATION_BUCKETS, then +Inf).
    duration_sum = models.FloatField(_("total run time (s)"), default=0.0)
    duration_buckets = models.JSONField(_("duration histogram"), default=list)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")
        ordering = ["name"]
        permissions = [
            ("view_operations", _("Can view the operations status and alerts"))
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def running(self) -> bool:
        return self.finished_at is None or self.started_at > self.finished_at


class Incident(models.Model):
    """One alert, open until its condition clears; mailed once when opened, once when closed.

    `key` is "<kind>:<subject>"; at most one open incident per key (a partial
    unique constraint), so two evaluators at once never open, or mail, twice.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=IncidentKind.choices)
    subject = models.CharField(_("subject"), max_length=120)
    key = models.CharField(_("key"), max_length=150)
    # The facts at opening (late jobs, the ticket's reference, a channel's
    # rate): ids and figures, never a customer's contact details or a
    # message's text. The title is written from them in the reader's
    # language (care/operations/alerts.py).
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    opened_mail_at = models.DateTimeField(_("alert mailed at"), null=True, blank=True)
    closed_mail_at = models.DateTimeField(
        _("recovery mailed at"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(closed_at__isnull=True),
                name="care_incident_open_once",
            )
        ]
        indexes = [models.Index(fields=["closed_at"], name="care_incident_closed_idx")]

    def __str__(self) -> str:
        return self.key


class WebhookTally(models.Model):
    """Webhook requests by endpoint and outcome, counted in the database.

    Shared by every web process and host, so /metrics reports one total
    whichever process answers the scrape.
    """

    endpoint = models.CharField(_("endpoint"), max_length=40)
    outcome = models.CharField(_("outcome"), max_length=20)
    count = models.PositiveBigIntegerField(_("requests"), default=0)

    class Meta:
        verbose_name = _("webhook tally")
        verbose_name_plural = _("webhook tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "outcome"], name="care_webhook_tally_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.outcome}: {self.count}"
