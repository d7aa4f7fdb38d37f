"""Behavioural events, recorded in batches where each item stands alone."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import BrowseEvent, Customer
from crm.services.common import past_datetime, products_by_sku
from crm.validation import FieldErrors, clean_choice, clean_external_id, clean_text

MAX_BATCH = 1000
EVENT_TYPES = ("product_viewed",)
EVENT_FIELDS = {"type", "customer", "product", "occurred_at", "id"}


@dataclass
class EventBatchResult:
    accepted: int = 0
    duplicates: int = 0
    # (index in the batch, field, message)
    errors: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass
class _Event:
    index: int
    customer: str
    product: str
    occurred_at: Any
    event_id: str | None


def browse_events_record(*, events: Sequence[Any]) -> EventBatchResult:
    """Write every valid event of the batch and report each invalid one by index.

    An event's optional `id` is kept as its event id: one already on file, or
    repeated in the batch, is counted as accepted and a duplicate, not written.
    """
    result = EventBatchResult()
    parsed = [e for i, raw in enumerate(events) if (e := _parse(i, raw, result))]
    parsed = _resolve(parsed, result)
    seen = set(
        BrowseEvent.objects.filter(
            event_id__in=[e.event_id for e in parsed if e.event_id]
        ).values_list("event_id", flat=True)
    )
    rows = []
    for event in parsed:
        result.accepted += 1
        if event.event_id and event.event_id in seen:
            result.duplicates += 1
            continue
        seen.add(event.event_id)
        rows.append(
            BrowseEvent(
                customer_id=event.customer,
                product_id=event.product,
                occurred_at=event.occurred_at,
                event_id=event.event_id,
            )
        )
    with transaction.atomic():
        # A concurrent retry of the same batch may win the race: skip, not fail.
        BrowseEvent.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    result.errors.sort()
    return result


def _parse(index: int, raw: Any, result: EventBatchResult) -> _Event | None:
    if not isinstance(raw, Mapping):
        result.errors.append((index, "", _("Expected an object.")))
        return None
    errors = FieldErrors()
    for name in sorted(set(raw) - EVENT_FIELDS, key=str):
        errors.add(str(name), _("Unknown field."))
    errors.check("type", clean_choice, raw.get("type"), EVENT_TYPES)
    event = _Event(
        index=index,
        customer=errors.check("customer", clean_external_id, raw.get("customer")),
        product=errors.check("product", clean_external_id, raw.get("product")),
        occurred_at=errors.check("occurred_at", past_datetime, raw.get("occurred_at")),
        event_id=errors.check("id", clean_text, raw.get("id"), max_length=100) or None,
    )
    for name, messages in errors.errors.items():
        result.errors.append((index, name, " ".join(messages)))
    return None if errors.errors else event


def _resolve(events: list[_Event], result: EventBatchResult) -> list[_Event]:
    """Swap external ids for primary keys; report the unknown ones."""
    customers = dict(
        Customer.objects.filter(
            external_id__in={e.customer for e in events}
        ).values_list("external_id", "pk")
    )
    products = {
        sku: p.pk for sku, p in products_by_sku(e.product for e in events).items()
    }
    resolved = []
    for event in events:
        if event.customer not in customers:
            message = _("Unknown customer %(id)r.") % {"id": event.customer}
            result.errors.append((event.index, "customer", message))
        elif event.product not in products:
            message = _("Unknown product %(sku)r.") % {"sku": event.product}
            result.errors.append((event.index, "product", message))
        else:
            event.customer, event.product = (
                customers[event.customer],
                products[event.product],
            )
            resolved.append(event)
    return resolved
