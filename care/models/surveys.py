"""Post-service surveys: one row per survey sent, holding the link's state and the answer."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from care.models.choices import AnswerVia, SurveyKind
from care.models.messages import Message
from care.models.tickets import Ticket
from crm.models import Channel, Customer


class Survey(models.Model):
    """Created when the survey message is rendered for sending; stamped sent after."""

    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.CASCADE,
        related_name="surveys",
        verbose_name=_("ticket"),
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="surveys",
        verbose_name=_("customer"),
    )
    message = models.OneToOneField(
        Message,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey",
        verbose_name=_("message"),
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=SurveyKind.choices, default=SurveyKind.SERVICE
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # Copied from the ticket when sent, so reports filter without joins and
    # keep the figures of the time.
    agent = models.CharField(_("agent"), max_length=200, blank=True)
    resolved_at = models.DateTimeField(_("ticket resolved at"), null=True, blank=True)
    deferred_reason = models.CharField(_("deferred because"), max_length=20, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("link expires"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_via = models.CharField(
        _("answered by"), max_length=4, choices=AnswerVia.choices, blank=True
    )
    csat = models.PositiveSmallIntegerField(
        _("satisfaction (1-5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    nps = models.PositiveSmallIntegerField(
        _("likelihood to recommend (0-10)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-sent_at", "-id"]
        permissions = [("view_reports", _("Can see the care reports"))]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(kind="service"),
                name="care_survey_once_per_ticket",
            )
        ]
        indexes = [
            models.Index(fields=["customer", "sent_at"], name="care_survey_cust_idx"),
            models.Index(fields=["sent_at"], name="care_survey_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"survey {self.pk} ({self.ticket_id})"

    @property
    def answered(self) -> bool:
        return self.answered_at is not None
