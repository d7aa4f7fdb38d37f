"""Reusable reads on the outbox and tickets, named after the status sets of care.models.choices."""

from django.db import models

from care.models.choices import RETRYABLE, SENT_LIKE, TICKET_DONE


class MessageQuerySet(models.QuerySet):
    def retryable(self) -> "MessageQuerySet":
        """Waiting for dispatch: planned, or deferred to a later time."""
        return self.filter(status__in=RETRYABLE)

    def sent_like(self) -> "MessageQuerySet":
        """Taken by the provider (sent or delivered)."""
        return self.filter(status__in=SENT_LIKE)


class TicketQuerySet(models.QuerySet):
    def done(self) -> "TicketQuerySet":
        """Resolved or closed by the helpdesk."""
        return self.filter(status__in=TICKET_DONE)
