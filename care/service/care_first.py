"""Care before marketing: who must not get marketing now, and why (shown to staff).

An open ticket, an open recovery case, or a low survey score within
CARE_LOW_SCORE_DAYS (14). Dispatch asks once per batch.
"""

import datetime as dt
from collections.abc import Iterable

from django.utils.translation import gettext

from care.models import Ticket, TicketStatus
from care.service.recovery import customers_in_recovery


def care_first_details(customer_ids: Iterable[int], now: dt.datetime) -> dict[int, str]:
    """Customers who must not get marketing now, each with why."""
    ids = list(customer_ids)
    if not ids:
        return {}
    found = customers_in_recovery(ids, now)
    open_tickets = Ticket.objects.filter(customer_id__in=ids, status=TicketStatus.OPEN)
    for customer_id in open_tickets.values_list("customer_id", flat=True):
        found.setdefault(customer_id, gettext("open ticket"))
    return found
