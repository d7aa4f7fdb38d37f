from django.db import models
from django.utils.translation import gettext_lazy as _

from care.models.choices import TicketStatus
from care.models.querysets import TicketQuerySet
from crm.models import Customer


class Ticket(models.Model):
    """A helpdesk ticket, pushed by the helpdesk through the API."""

    external_id = models.CharField(_("external id"), max_length=64, unique=True)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="tickets",
        verbose_name=_("customer"),
    )
    subject = models.CharField(_("subject"), max_length=300)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=TicketStatus.choices,
        default=TicketStatus.OPEN,
    )
    opened_at = models.DateTimeField(_("opened at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    agent = models.CharField(_("agent"), max_length=200, blank=True)
    first_contact_resolution = models.BooleanField(
        _("resolved at first contact"), null=True, blank=True
    )
    # Counts resolved -> open moves, so a survey planned for an earlier
    # resolution can tell the ticket reopened.
    reopened_count = models.PositiveIntegerField(_("times reopened"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(
                fields=["status", "resolved_at"], name="care_ticket_status_res_idx"
            ),
            models.Index(
                fields=["customer", "status"], name="care_ticket_customer_idx"
            ),
            # The admin's list, newest first (TicketAdmin.ordering).
            models.Index(fields=["opened_at", "id"], name="care_ticket_opened_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.external_id}: {self.subject}"
