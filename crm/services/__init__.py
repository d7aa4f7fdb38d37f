"""Writes with a rule for customer data: every upsert and record lives here."""

from crm.services.assets import asset_upsert, assets_upsert_batch
from crm.services.catalog import (
    MAX_LINES,
    MAX_QUANTITY,
    order_upsert,
    orders_upsert_batch,
    product_upsert,
)
from crm.services.common import ItemResult, first_error
from crm.services.customers import (
    MAX_CONSENTS,
    consent_record,
    customer_email_mark_unusable,
    customer_phone_mark_unusable,
    customer_upsert,
    customers_upsert_batch,
)
from crm.services.events import MAX_BATCH, EventBatchResult, browse_events_record

__all__ = [
    "MAX_BATCH",
    "MAX_CONSENTS",
    "MAX_LINES",
    "MAX_QUANTITY",
    "EventBatchResult",
    "ItemResult",
    "asset_upsert",
    "assets_upsert_batch",
    "browse_events_record",
    "consent_record",
    "customer_email_mark_unusable",
    "customer_phone_mark_unusable",
    "customer_upsert",
    "customers_upsert_batch",
    "first_error",
    "order_upsert",
    "orders_upsert_batch",
    "product_upsert",
]
