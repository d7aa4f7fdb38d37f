"""The sections of the customer page ("the whole story on one page").

A section is a title, a template fragment and a function that reads what the
fragment shows for one customer. Each function must run a fixed number of
queries (bounded querysets, select_related/prefetch_related), so the page costs
the same for a customer with five orders or five thousand.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Prefetch, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.models import Channel, Consent, Customer, OrderLine, Purpose

ORDERS_SHOWN = 10
BROWSE_EVENTS_SHOWN = 20
CONSENT_HISTORY_SHOWN = 50
ASSETS_SHOWN = 50

SectionContext = Callable[[Customer, HttpRequest], dict[str, Any]]


@dataclass(frozen=True)
class StorySection:
    """One block of the customer page.

    key: a unique slug, used as the HTML id ("story-<key>") and to replace a section.
    title: the heading (lazy gettext).
    template: the fragment rendered with the context returned by `context`.
    context: `(customer, request) -> dict`; a fixed number of queries, bounded rows.
    order: position on the page, lowest first (crm uses 10-50; see CustomerAdmin).
    """

    key: str
    title: str
    template: str
    context: SectionContext
    order: int = 100


def changelist_url(model: str, customer: Customer) -> str:
    """The admin list of `model` (app_model) rows of one customer."""
    url = reverse(f"admin:{model}_changelist")
    return f"{url}?customer__id__exact={customer.pk}"


def consent_context(customer: Customer, request: HttpRequest) -> dict[str, Any]:
    current = {
        (row.channel, row.purpose): row
        for row in Consent.objects.filter(customer=customer).latest_per_topic()
    }
    topics = [
        {
            "channel": channel,
            "purpose": purpose,
            "decision": current.get((channel, purpose)),
        }
        for channel in Channel
        for purpose in Purpose
    ]
    history = list(
        customer.consents.order_by("-recorded_at", "-id")[:CONSENT_HISTORY_SHOWN]
    )
    return {"topics": topics, "history": history, "shown": CONSENT_HISTORY_SHOWN}


def orders_context(customer: Customer, request: HttpRequest) -> dict[str, Any]:
    lines = Prefetch("lines", queryset=OrderLine.objects.select_related("product"))
    orders = customer.orders.order_by("-placed_at", "-id").prefetch_related(lines)
    totals = customer.orders.aggregate(
        count=Count("id"), spent=Sum("total"), last=Max("placed_at")
    )
    return {
        "orders": list(orders[:ORDERS_SHOWN]),
        "totals": totals,
        "shown": ORDERS_SHOWN,
        "all_url": changelist_url("crm_order", customer),
    }


def browsing_context(customer: Customer, request: HttpRequest) -> dict[str, Any]:
    events = customer.browse_events.select_related("product").order_by(
        "-occurred_at", "-id"
    )
    return {
        "events": list(events[:BROWSE_EVENTS_SHOWN]),
        "count": customer.browse_events.count(),
        "shown": BROWSE_EVENTS_SHOWN,
        "all_url": changelist_url("crm_browseevent", customer),
    }


def assets_context(customer: Customer, request: HttpRequest) -> dict[str, Any]:
    assets = customer.assets.order_by("next_service_on", "id")
    return {
        "assets": list(assets[:ASSETS_SHOWN]),
        "shown": ASSETS_SHOWN,
        "all_url": changelist_url("crm_asset", customer),
    }


CRM_SECTIONS = [
    StorySection(
        "consent", _("Consent"), "admin/crm/story/consent.html", consent_context, 10
    ),
    StorySection(
        "orders", _("Orders"), "admin/crm/story/orders.html", orders_context, 30
    ),
    StorySection(
        "browsing", _("Browsing"), "admin/crm/story/browsing.html", browsing_context, 40
    ),
    StorySection(
        "assets", _("Assets"), "admin/crm/story/assets.html", assets_context, 50
    ),
]
