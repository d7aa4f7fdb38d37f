"""The endpoints: parse, call one service, report. Upserts answer 201 or 200."""

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.errors import HttpError

from api import present
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
from crm.models import Customer
from crm.services import (
    MAX_BATCH,
    asset_upsert,
    browse_events_record,
    customer_upsert,
    order_upsert,
    product_upsert,
)

router = Router()
ERRORS = {code: ErrorOut for code in (400, 401, 409, 413, 415, 422)}


def _status(created: bool) -> int:
    return 201 if created else 200


@router.put(
    "/customers/{external_id}", response={200: CustomerOut, 201: CustomerOut, **ERRORS}
)
def put_customer(request: HttpRequest, external_id: str, payload: CustomerIn):
    """Create or update a customer; consents add to the history only when they change."""
    fields = payload.model_dump(exclude_unset=True)
    customer, created = customer_upsert(
        external_id=external_id, consent_source=f"api:{request.auth.name}", **fields
    )
    return Status(_status(created), present.customer_out(customer))


@router.get(
    "/customers/{external_id}",
    response={200: CustomerOut, 404: ErrorOut, 401: ErrorOut},
)
def get_customer(request: HttpRequest, external_id: str):
    """The profile, current consents, RFM scores and segment, and recent messages."""
    customer = (
        Customer.objects.select_related("rfm").filter(external_id=external_id).first()
    )
    if customer is None:
        raise Http404(_("Unknown customer %(id)r.") % {"id": external_id[:64]})
    audit_customer(action=Action.CUSTOMER_VIEW, external_id=customer.external_id)
    return Status(200, present.customer_out(customer))


@router.put("/products/{sku}", response={200: ProductOut, 201: ProductOut, **ERRORS})
def put_product(request: HttpRequest, sku: str, payload: ProductIn):
    product, created = product_upsert(sku=sku, **payload.model_dump(exclude_unset=True))
    return Status(_status(created), present.product_out(product))


@router.put("/orders/{external_id}", response={200: OrderOut, 201: OrderOut, **ERRORS})
def put_order(request: HttpRequest, external_id: str, payload: OrderIn):
    """Create or update an order; `items`, when given, replaces every line."""
    order, created = order_upsert(
        external_id=external_id, **payload.model_dump(exclude_unset=True)
    )
    order_received(order)  # redeems the order's coupon, once
    return Status(_status(created), present.order_out(order))


@router.post("/events", response={200: EventBatchOut, **ERRORS})
def post_events(request: HttpRequest, payload: EventBatchIn):
    """Record up to 1,000 events; valid ones are written, each invalid one is reported."""
    if len(payload.events) > MAX_BATCH:
        raise HttpError(
            413,
            _("At most %(max)d events per batch (got %(got)d): split the batch.")
            % {"max": MAX_BATCH, "got": len(payload.events)},
        )
    result = browse_events_record(events=payload.events)
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


@router.put("/assets/{external_id}", response={200: AssetOut, 201: AssetOut, **ERRORS})
def put_asset(request: HttpRequest, external_id: str, payload: AssetIn):
    """Create or update an asset; its next service date follows from the last one."""
    asset, created = asset_upsert(
        external_id=external_id, **payload.model_dump(exclude_unset=True)
    )
    return Status(_status(created), present.asset_out(asset))


@router.put(
    "/tickets/{external_id}", response={200: TicketOut, 201: TicketOut, **ERRORS}
)
def put_ticket(request: HttpRequest, external_id: str, payload: TicketIn):
    """Create or update a helpdesk ticket (open, resolved or closed)."""
    ticket, created = ticket_upsert(
        external_id=external_id, **payload.model_dump(exclude_unset=True)
    )
    return Status(_status(created), present.ticket_out(ticket))
