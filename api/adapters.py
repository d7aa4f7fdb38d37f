"""Reads from the apps beneath the API, each behind one function."""

from typing import Any

from care.outbox import selectors as care_selectors
from crm.models import Customer
from segmentation import selectors as segmentation_selectors

RECENT_MESSAGES = 20


def customer_rfm(customer: Customer) -> dict[str, Any] | None:
    """Current RFM scores (with "segment"); load the customer with select_related("rfm")."""
    return segmentation_selectors.customer_rfm(customer)


def customer_recent_messages(customer: Customer) -> list[dict[str, Any]]:
    """Newest messages first (channel, status, skip reason)."""
    return list(
        care_selectors.customer_recent_messages(customer, limit=RECENT_MESSAGES)
    )
