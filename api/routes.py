"""The endpoints: parse, call one service, report. Upserts answer 201 or 200."""

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.errors import HttpError

from api import present
from api.batches import (
    AssetBatchIn,
    BatchOut,
    CustomerBatchIn,
    OrderBatchIn,
    batch_out,
)
from api.fields import Id, ResourceId
from api.schemas import (
    AssetIn,
    AssetOut,
    CustomerIn,
    CustomerOut,
    ErrorOut,
    EventBatchIn,
    EventBatchOut,
    OrderIn,
    OrderOut,
    ProductIn,
    ProductOut,
    TicketIn,
    TicketOut,
)
from audit.models import Action
from audit.services import audit_customer
from care.outreach.offers import order_received
from care.service.tickets import ticket_upsert
from crm.models import Customer, Order
from crm.services import (
    MAX_BATCH,
    asset_upsert,
    assets_upsert_batch,
    browse_events_record,
    customers_upsert_batch,
    first_error,
    order_upsert,
    orders_upsert_batch,
    product_upsert,
)

router = Router()
# Every error an operation can answer, each with the one error body.
_COMMON = {code: ErrorOut for code in (400, 401, 409, 413, 415, 422, 503)}


def _write(out: type) -> dict:
    return {200: out, 201: out, **_COMMON}


def _status(created: bool) -> int:
    return 201 if created else 200


def _too_many(count: int, field: str) -> None:
    if count > MAX_BATCH:
        raise HttpError(
            413,
            _("At most %(max)d %(field)s per batch (got %(got)d): split the batch.")
            % {"max": MAX_BATCH, "field": field, "got": count},
        )


def _order_upsert(**fields: Any) -> tuple[Order, bool]:
    order, created = order_upsert(**fields)
    order_received(order)  # redeems the order's coupon, once
    return order, created


# The batch endpoints are declared first: /customers/batch must win over
# /customers/{external_id} (whose ids may not be "batch").
@router.post("/customers/batch", response={200: BatchOut, **_COMMON})
def post_customers(request: HttpRequest, payload: CustomerBatchIn):
    """Upsert up to 1,000 customers; answered per index, each item on its own."""
    _too_many(len(payload.items), "items")
    items = [item.model_dump(exclude_unset=True) for item in payload.items]
    results = customers_upsert_batch(
        items=items, consent_source=f"api:{request.auth.name}"
    )
    return Status(200, batch_out(results))


@router.post("/orders/batch", response={200: BatchOut, **_COMMON})
def post_orders(request: HttpRequest, payload: OrderBatchIn):
    """Upsert up to 1,000 orders; answered per index, each item on its own."""
    _too_many(len(payload.items), "items")
    items = [item.model_dump(exclude_unset=True) for item in payload.items]
    results = orders_upsert_batch(items=items)
    for result in results:
        if result.obj is not None:
            order_received(result.obj)  # redeems the order's coupon, once
    return Status(200, batch_out(results))


@router.post("/assets/batch", response={200: BatchOut, **_COMMON})
def post_assets(request: HttpRequest, payload: AssetBatchIn):
    """Upsert up to 1,000 assets; answered per index, each item on its own."""
    _too_many(len(payload.items), "items")
    items = [item.model_dump(exclude_unset=True) for item in payload.items]
    return Status(200, batch_out(assets_upsert_batch(items=items)))


@router.put("/customers/{external_id}", response=_write(CustomerOut))
def put_customer(request: HttpRequest, external_id: ResourceId, payload: CustomerIn):
    """Create or update a customer; consents add to the history only when they change."""
    item = {"external_id": external_id, **payload.model_dump(exclude_unset=True)}
    [result] = customers_upsert_batch(
        items=[item], consent_source=f"api:{request.auth.name}", related=["rfm"]
    )
    if result.status == 422:
        raise first_error(result)
    return Status(result.status, present.customer_written(result))


@router.get(
    "/customers/{external_id}",
    response={
        200: CustomerOut,
        **{code: ErrorOut for code in (401, 404, 422, 503)},
    },
)
def get_customer(request: HttpRequest, external_id: ResourceId):
    """The profile, current consents, RFM scores and segment, and recent messages."""
    customer = (
        Customer.objects.select_related("rfm").filter(external_id=external_id).first()
    )
    if customer is None:
        raise Http404(_("Unknown customer %(id)r.") % {"id": external_id})
    audit_customer(action=Action.CUSTOMER_VIEW, external_id=customer.external_id)
    return Status(200, present.customer_out(customer))


@router.put("/products/{sku}", response=_write(ProductOut))
def put_product(request: HttpRequest, sku: Id, payload: ProductIn):
    product, created = product_upsert(sku=sku, **payload.model_dump(exclude_unset=True))
    return Status(_status(created), present.product_out(product))


@router.put("/orders/{external_id}", response=_write(OrderOut))
def put_order(request: HttpRequest, external_id: ResourceId, payload: OrderIn):
    """Create or update an order; `items`, when given, replaces every line."""
    order, created = _order_upsert(
        external_id=external_id, **payload.model_dump(exclude_unset=True)
    )
    return Status(_status(created), present.order_out(order))


@router.post("/events", response={200: EventBatchOut, **_COMMON})
def post_events(request: HttpRequest, payload: EventBatchIn):
    """Record up to 1,000 events; valid ones are written, each invalid one is reported."""
    _too_many(len(payload.events), "events")
    events = [event.model_dump() for event in payload.events]
    result = browse_events_record(events=events)
    return Status(
        200,
        {
            "accepted": result.accepted,
            "duplicates": result.duplicates,
            "errors": [
                {"index": i, "field": f, "error": m} for i, f, m in result.errors
            ],
        },
    )


@router.put("/assets/{external_id}", response=_write(AssetOut))
def put_asset(request: HttpRequest, external_id: ResourceId, payload: AssetIn):
    """Create or update an asset; its next service date follows from the last one."""
    asset, created = asset_upsert(
        external_id=external_id, **payload.model_dump(exclude_unset=True)
    )
    return Status(_status(created), present.asset_out(asset))


@router.put("/tickets/{external_id}", response=_write(TicketOut))
def put_ticket(request: HttpRequest, external_id: Id, payload: TicketIn):
    """Create or update a helpdesk ticket (open, resolved or closed)."""
    ticket, created = ticket_upsert(
        external_id=external_id, **payload.model_dump(exclude_unset=True)
    )
    return Status(_status(created), present.ticket_out(ticket))
