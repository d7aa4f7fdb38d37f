"""Service recovery: a low survey answer opens a case with deadlines for the care team."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from care.models.choices import CaseStatus
from care.models.messages import Message
from care.models.surveys import Survey
from care.models.tickets import Ticket
from crm.models import Customer


class RecoveryPolicy(models.Model):
    """Queue and deadlines for the cases of one RFM segment (blank segment: everyone else)."""

    segment = models.CharField(
        _("segment"),
        max_length=24,
        unique=True,
        blank=True,
        help_text=_("an RFM segment slug, e.g. champions; blank for the default"),
    )
    queue = models.CharField(_("queue"), max_length=60)
    first_response_minutes = models.PositiveIntegerField(
        _("first response within (minutes)"), default=60
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution within (minutes)"), default=24 * 60
    )

    class Meta:
        verbose_name = _("recovery policy")
        verbose_name_plural = _("recovery policies")
        ordering = ["segment"]

    def __str__(self) -> str:
        return f"{self.segment or '*'} -> {self.queue}"


class RecoveryCase(models.Model):
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.CASCADE,
        related_name="recovery_cases",
        verbose_name=_("ticket"),
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="recovery_cases",
        verbose_name=_("customer"),
    )
    survey = models.OneToOneField(
        Survey,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recovery_case",
        verbose_name=_("survey"),
    )
    segment = models.CharField(_("segment"), max_length=24, blank=True)
    queue = models.CharField(_("queue"), max_length=60, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recovery_cases",
        verbose_name=_("assigned to"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CaseStatus.choices,
        default=CaseStatus.OPEN,
        db_index=True,
    )
    opened_at = models.DateTimeField(_("opened at"))
    first_response_due = models.DateTimeField(_("first response due"))
    resolution_due = models.DateTimeField(_("resolution due"))
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    first_response_at = models.DateTimeField(
        _("first response at"), null=True, blank=True
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    follow_up = models.OneToOneField(
        Message,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("follow-up survey"),
    )

    class Meta:
        verbose_name = _("recovery case")
        verbose_name_plural = _("recovery cases")
        ordering = ["resolution_due", "id"]
        permissions = [
            ("approve_goodwill", _("Can approve goodwill coupons")),
            ("work_all_queues", _("Can see and work the cases of every queue")),
        ]
        indexes = [
            models.Index(fields=["customer", "status"], name="care_case_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.customer_id}"

    @property
    def next_due(self):
        """The deadline that matters now: first response until answered, then resolution."""
        if self.first_response_at is None:
            return min(self.first_response_due, self.resolution_due)
        return self.resolution_due

    def is_overdue(self, now) -> bool:
        return self.status == CaseStatus.OPEN and self.next_due < now


class Goodwill(models.Model):
    """A goodwill coupon proposed on a case; sent only after a manager approves."""

    case = models.OneToOneField(
        RecoveryCase,
        on_delete=models.CASCADE,
        related_name="goodwill",
        verbose_name=_("case"),
    )
    note = models.CharField(_("why"), max_length=500, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    message = models.OneToOneField(
        Message,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="goodwill",
        verbose_name=_("message"),
    )

    class Meta:
        verbose_name = _("goodwill coupon")
        verbose_name_plural = _("goodwill coupons")

    def __str__(self) -> str:
        return f"goodwill for case {self.case_id}"
