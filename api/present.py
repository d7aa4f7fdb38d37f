"""Rows as the JSON the API answers with."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from api.adapters import customer_recent_messages, customer_rfm
from care.models import Ticket
from crm.models import Asset, Consent, Customer, Order, Product
from crm.services import ItemResult


def _iso(value: dt.date | None) -> str | None:
    """ISO 8601; times in UTC, whatever offset they arrived with."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC)
    return value.isoformat() if value is not None else None


def _money(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


def customer_written(result: ItemResult) -> dict[str, Any]:
    """The customer just upserted, without reading again what the write knows."""
    return customer_out(result.obj, consents=result.consents, new=result.status == 201)


def customer_out(
    customer: Customer,
    *,
    consents: Iterable[Consent] | None = None,
    new: bool = False,
) -> dict[str, Any]:
    """The customer; `consents`: its current decisions when already known; a `new`
    one has no scores or messages yet."""
    if consents is None:
        consents = (
            Consent.objects.filter(customer=customer)
            .latest_per_topic()
            .order_by("channel", "purpose")
        )
    rfm = None if new else customer_rfm(customer)
    return {
        "external_id": customer.external_id,
        "name": customer.name,
        "phone": customer.phone,
        "email": customer.email,
        "birthday": _iso(customer.birthday),
        "time_zone": customer.time_zone,
        "locale": customer.locale,
        "created_at": _iso(customer.created_at),
        "updated_at": _iso(customer.updated_at),
        "consents": [
            {
                "channel": c.channel,
                "purpose": c.purpose,
                "granted": c.granted,
                "source": c.source,
                "recorded_at": _iso(c.recorded_at),
            }
            for c in consents
        ],
        "rfm": rfm,
        "segment": rfm.get("segment") if isinstance(rfm, dict) else None,
        "recent_messages": [] if new else customer_recent_messages(customer),
    }


def product_out(product: Product) -> dict[str, Any]:
    return {
        "sku": product.sku,
        "name": product.name,
        "category": product.category,
        "price": _money(product.price),
        "launched_at": _iso(product.launched_at),
        "url": product.url,
    }


def order_out(order: Order) -> dict[str, Any]:
    lines = order.lines.select_related("product").order_by("pk")
    return {
        "external_id": order.external_id,
        "customer": order.customer.external_id,
        "placed_at": _iso(order.placed_at),
        "total": _money(order.total),
        "currency": order.currency,
        "coupon_code": order.coupon_code,
        "items": [
            {
                "product": line.product.sku,
                "quantity": line.quantity,
                "unit_price": _money(line.unit_price),
            }
            for line in lines
        ],
    }


def asset_out(asset: Asset) -> dict[str, Any]:
    return {
        "external_id": asset.external_id,
        "customer": asset.customer.external_id,
        "kind": asset.kind,
        "name": asset.name,
        "last_serviced_at": _iso(asset.last_serviced_at),
        "service_interval_days": asset.service_interval_days,
        "next_service_on": _iso(asset.next_service_on),
    }


def ticket_out(ticket: Ticket) -> dict[str, Any]:
    return {
        "external_id": ticket.external_id,
        "customer": ticket.customer.external_id,
        "subject": ticket.subject,
        "status": ticket.status,
        "opened_at": _iso(ticket.opened_at),
        "resolved_at": _iso(ticket.resolved_at),
        "agent": ticket.agent,
        "first_contact_resolution": ticket.first_contact_resolution,
        "reopened_count": ticket.reopened_count,
    }
