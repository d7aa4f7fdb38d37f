"""Writes with a rule for customer data: every upsert and record lives here."""

from crm.services.assets import asset_upsert
from crm.services.catalog import order_upsert, product_upsert
from crm.services.customers import (
    consent_record,
    customer_phone_mark_unusable,
    customer_upsert,
)
from crm.services.events import MAX_BATCH, EventBatchResult, browse_events_record

__all__ = [
    "MAX_BATCH",
    "EventBatchResult",
    "asset_upsert",
    "browse_events_record",
    "consent_record",
    "customer_phone_mark_unusable",
    "customer_upsert",
    "order_upsert",
    "product_upsert",
]
