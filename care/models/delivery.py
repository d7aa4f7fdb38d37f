"""What comes back from the provider and the customer: receipts and replies."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from care.models.choices import InboundKind
from care.models.messages import Message
from crm.models import Customer


class DeliveryEvent(models.Model):
    """One status callback from the provider, kept as received (the event log)."""

    message = models.ForeignKey(
        Message,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="delivery_events",
        verbose_name=_("message"),
    )
    provider_id = models.CharField(_("provider id"), max_length=100)
    status = models.CharField(_("status"), max_length=12)
    error_code = models.CharField(_("error code"), max_length=10, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")
        ordering = ["-received_at", "-id"]
        indexes = [
            # The admin's list, newest first, without sorting every receipt.
            models.Index(
                fields=["received_at", "id"], name="care_delivery_received_idx"
            )
        ]
        constraints = [
            # A repeated callback is the same event: recorded once.
            models.UniqueConstraint(
                fields=["provider_id", "status", "error_code"],
                name="care_delivery_event_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.status}"


class InboundMessage(models.Model):
    """An SMS a customer sent us; unique by the provider's id."""

    provider_id = models.CharField(_("provider id"), max_length=100, unique=True)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
        verbose_name=_("customer"),
    )
    from_number = models.CharField(_("from"), max_length=40, db_index=True)
    to_number = models.CharField(_("to"), max_length=40, blank=True)
    body = models.TextField(_("body"), blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=InboundKind.choices)
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("inbound SMS")
        verbose_name_plural = _("inbound SMS")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(
                fields=["customer", "received_at"], name="care_inbound_customer_idx"
            ),
            models.Index(
                fields=["received_at", "id"], name="care_inbound_received_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_number}: {self.body[:40]}"
