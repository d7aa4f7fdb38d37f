"""Writes with a rule for care data. Tickets arrive from the helpdesk through the API."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from care.models import TICKET_DONE, Ticket, TicketStatus
from crm.services.common import (
    clean_fields,
    customer_ref,
    locked_or_new,
    optional,
    past_datetime,
    require,
    retry_on_conflict,
    save_clean,
)
from crm.validation import (
    FieldErrors,
    clean_bool,
    clean_choice,
    clean_external_id,
    clean_text,
)


def _ticket_cleaners() -> dict:
    return {
        "customer": customer_ref,
        "subject": lambda v: clean_text(v, max_length=300, required=True),
        "status": lambda v: clean_choice(v, TicketStatus.values),
        "opened_at": past_datetime,
        "resolved_at": optional(past_datetime),
        "agent": lambda v: clean_text(v, max_length=200),
        "first_contact_resolution": optional(clean_bool),
    }


@retry_on_conflict
def ticket_upsert(*, external_id: str, **fields: Any) -> tuple[Ticket, bool]:
    """Create or update the ticket `external_id`; return it and whether it was created.

    A ticket resolved without `resolved_at` keeps its earlier resolution time,
    or is resolved now. Moving from resolved or closed back to open clears
    `resolved_at` and counts a reopening. `opened_at` defaults to now.
    """
    errors = FieldErrors()
    external_id = errors.check("external_id", clean_external_id, external_id)
    values = clean_fields(fields, _ticket_cleaners(), errors)
    errors.raise_if_any()
    with transaction.atomic():
        ticket = locked_or_new(Ticket, external_id=external_id)
        require(values, ["customer", "subject"], ticket, errors)
        errors.raise_if_any()
        created = ticket.pk is None
        before = None if created else ticket.status
        for name, value in values.items():
            setattr(ticket, name, value)
        _apply_status(ticket, before)
        _check_times(ticket, errors)
        errors.raise_if_any()
        save_clean(ticket)
    return ticket, created


def _apply_status(ticket: Ticket, before: str | None) -> None:
    now = timezone.now()
    ticket.opened_at = ticket.opened_at or now
    if ticket.status == TicketStatus.OPEN:
        if before in TICKET_DONE:
            ticket.reopened_count += 1
        # An open ticket has no resolution time, whatever the helpdesk sent.
        ticket.resolved_at = None
    elif ticket.status == TicketStatus.RESOLVED and ticket.resolved_at is None:
        ticket.resolved_at = now


def _check_times(ticket: Ticket, errors: FieldErrors) -> None:
    resolved: dt.datetime | None = ticket.resolved_at
    if resolved is not None and resolved < ticket.opened_at:
        errors.add("resolved_at", _("Must not be before opened_at."))
