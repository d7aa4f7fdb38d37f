"""Reads from the parts built beside the API, each behind one function.

Segmentation and outreach provide these selectors.
"""

import importlib
import importlib.util
from typing import Any

from crm.models import Customer
from segmentation import selectors as segmentation_selectors

RECENT_MESSAGES = 20


def _selector(module: str, name: str) -> Any:
    if importlib.util.find_spec(module) is None:
        return None
    return getattr(importlib.import_module(module), name, None)


def customer_rfm(customer: Customer) -> dict[str, Any] | None:
    """Current RFM scores (with "segment"); load the customer with select_related("rfm")."""
    return segmentation_selectors.customer_rfm(customer)


def customer_recent_messages(customer: Customer) -> list[dict[str, Any]]:
    """Newest messages first (channel, status, skip reason), from care.selectors."""
    selector = _selector("care.selectors", "customer_recent_messages")
    return list(selector(customer, limit=RECENT_MESSAGES)) if selector else []
