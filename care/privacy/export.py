"""customer_export: everything held about one person, as JSON-able data."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from audit.models import Action
from audit.services import audit_customer
from care.models import DeliveryEvent, InboundMessage, Message
from crm.models import Customer
from segmentation.models import CustomerRfm

FORMAT = "proactive-care/customer-export/1"
# Bookkeeping that says nothing about the person (fingerprint: the RFM run's
# change-detection hash).
SKIPPED = {"customer_id", "birth_month", "birth_day", "fingerprint"}


def plain(value: Any) -> Any:
    """A value JSON can carry: ISO 8601 times, decimals as strings."""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def row(obj: models.Model, **extra: Any) -> dict[str, Any]:
    """Every stored field of obj (foreign keys as ids), plus extra."""
    data = {
        field.attname: plain(getattr(obj, field.attname))
        for field in obj._meta.concrete_fields
        if field.attname not in SKIPPED
    }
    data.update({key: plain(value) for key, value in extra.items()})
    return data


def inbound_of(customer: Customer) -> models.QuerySet:
    """Replies linked to the customer, and unmatched ones from their phone."""
    mine = Q(customer=customer)
    if customer.phone:
        mine |= Q(customer__isnull=True, from_number=customer.phone)
    return InboundMessage.objects.filter(mine)


def delivery_events_of(customer: Customer) -> models.QuerySet:
    """Receipts of the customer's messages, also those that arrived unmatched."""
    messages = Message.objects.filter(customer=customer)
    provider_ids = messages.exclude(provider_id="").values("provider_id")
    return DeliveryEvent.objects.filter(
        Q(message__customer=customer)
        | Q(message__isnull=True, provider_id__in=provider_ids)
    )


def customer_export(*, customer: Customer) -> dict[str, Any]:
    """Everything we hold about the customer (docs/privacy.md lists the sections).

    Every export is written to the audit trail (who, when, from where).
    """
    audit_customer(action=Action.CUSTOMER_EXPORT, external_id=customer.external_id)
    return {
        "format": FORMAT,
        "exported_at": plain(timezone.now()),
        "profile": row(customer),
        "consents": [row(c) for c in customer.consents.order_by("recorded_at", "id")],
        "orders": _orders(customer),
        "browse_events": _browse_events(customer),
        "assets": [row(a) for a in customer.assets.order_by("id")],
        "tickets": [row(t) for t in customer.tickets.order_by("opened_at", "id")],
        "rfm": _rfm(customer),
        "segment_history": [
            row(t) for t in customer.segment_transitions.order_by("changed_at", "id")
        ],
        "messages": _messages(customer),
        "delivery_events": [
            row(e) for e in delivery_events_of(customer).order_by("received_at", "id")
        ],
        "inbound_messages": [
            row(m) for m in inbound_of(customer).order_by("received_at", "id")
        ],
        "coupons": [
            row(c, offer=c.offer.name)
            for c in customer.coupons.select_related("offer").order_by(
                "issued_at", "id"
            )
        ],
        "surveys": [row(s) for s in customer.surveys.order_by("created_at", "id")],
        "recovery_cases": _recovery_cases(customer),
    }


def _orders(customer: Customer) -> list[dict[str, Any]]:
    orders = customer.orders.prefetch_related("lines__product").order_by(
        "placed_at", "id"
    )
    return [
        row(
            order,
            lines=[
                row(line, sku=line.product.sku, product=line.product.name)
                for line in order.lines.all()
            ],
        )
        for order in orders
    ]


def _browse_events(customer: Customer) -> list[dict[str, Any]]:
    events = customer.browse_events.select_related("product").order_by(
        "occurred_at", "id"
    )
    return [row(e, sku=e.product.sku, product=e.product.name) for e in events]


def _rfm(customer: Customer) -> dict[str, Any] | None:
    rfm = CustomerRfm.objects.with_as_of().filter(customer=customer).first()
    if rfm is None:
        return None
    return row(rfm, rfm_code=rfm.rfm_code, recency_days=rfm.recency_days)


def _messages(customer: Customer) -> list[dict[str, Any]]:
    messages = customer.messages.select_related("campaign").order_by("created_at", "id")
    return [
        row(m, campaign={"slug": m.campaign.slug, "name": m.campaign.name})
        for m in messages
    ]


def _recovery_cases(customer: Customer) -> list[dict[str, Any]]:
    cases = customer.recovery_cases.select_related("assignee", "goodwill")
    result = []
    for case in cases.order_by("opened_at", "id"):
        goodwill = getattr(case, "goodwill", None)
        result.append(
            row(
                case,
                assignee=case.assignee.get_username() if case.assignee else None,
                goodwill=None if goodwill is None else _goodwill(goodwill),
            )
        )
    return result


def _goodwill(goodwill) -> dict[str, Any]:
    data = row(goodwill)
    # Staff accounts are not the subject's data: keep the decision, not the ids.
    data.pop("proposed_by_id", None)
    data.pop("approved_by_id", None)
    return data
