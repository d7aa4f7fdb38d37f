"""Request and response shapes: they check the JSON and describe it in OpenAPI.

Field types come from api.fields, which builds them from crm.validation's
declarations: the schema is generated from what the validation enforces. The
services in crm and care then decide what a value means (phone numbers, time
zones of dates, references) and refuse what a schema cannot state.
"""

from typing import Annotated, Any

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from api.fields import (
    Amount,
    DateOrDateTimeText,
    DateText,
    DateTimeText,
    Id,
    Locale,
    TimeZone,
    choice,
    omitted,
    text,
    web_url,
    whole_number,
)
from care.models import TicketStatus
from crm import validation as v
from crm.currencies import ISO_4217
from crm.models import AssetKind, Channel, Purpose
from crm.services import MAX_BATCH, MAX_CONSENTS, MAX_LINES, MAX_QUANTITY
from crm.services.assets import MAX_INTERVAL_DAYS


class Body(BaseModel):
    # Unknown fields are refused; patterns use Python's re (lookaheads), and
    # every pattern is also valid ECMA-262 for the clients' validators. A plain
    # pydantic model: ninja's Schema adds a validator for reading ORM objects,
    # which input never is, at a cost per item of a batch.
    model_config = ConfigDict(extra="forbid", regex_engine="python-re")


class ConsentIn(Body):
    channel: choice(Channel.values)
    purpose: choice(Purpose.values)
    granted: StrictBool
    source: text(100) | None = Field(
        None, description="where the decision was made; defaults to api:<token name>"
    )
    recorded_at: DateTimeText | None = Field(
        None, description="when it was made; defaults to now"
    )


class CustomerIn(Body):
    name: text(200) | None = omitted()
    phone: text(v.PHONE_MAX_LENGTH) | None = omitted(
        description="any common format; stored as E.164",
        examples=["+8613812345678"],
    )
    email: text(v.EMAIL_MAX_LENGTH) | None = omitted()
    birthday: DateText | None = omitted()
    time_zone: TimeZone | None = omitted()
    locale: Locale = omitted()
    consents: Annotated[list[ConsentIn], Field(max_length=MAX_CONSENTS)] | None = (
        omitted()
    )


class ProductIn(Body):
    name: text(200, required=True) = omitted()
    category: text(100) | None = omitted()
    price: Amount | None = omitted()
    launched_at: DateTimeText | None = omitted()
    url: web_url(500) | None = omitted(description="the product's page in the shop")


class OrderItemIn(Body):
    product: Id = omitted(description="the product's SKU (or send it as sku)")
    sku: Id = omitted()
    quantity: whole_number(1, MAX_QUANTITY) = 1
    unit_price: Amount | None = Field(
        None, description="defaults to the product's price"
    )

    model_config = ConfigDict(
        json_schema_extra={"anyOf": [{"required": ["product"]}, {"required": ["sku"]}]}
    )

    @model_validator(mode="after")
    def _product_named(self) -> "OrderItemIn":
        if self.product is None and self.sku is None:
            raise ValueError("Name the product (its SKU) in product.")
        return self


class OrderIn(Body):
    customer: Id = omitted(description="the customer's external id")
    placed_at: DateTimeText = omitted()
    total: Amount = omitted()
    currency: choice(sorted(ISO_4217), "ISO 4217 code; CNY when left out") = omitted()
    items: Annotated[list[OrderItemIn], Field(max_length=MAX_LINES)] = omitted(
        description="replaces every line when given"
    )
    coupon_code: text(64) | None = omitted()


class EventIn(Body):
    type: choice(["product_viewed"])
    customer: Id
    product: Id
    occurred_at: DateTimeText
    id: text(100) | None = Field(
        None, description="your event id; a repeat is not stored twice"
    )


class EventBatchIn(BaseModel):
    """{"events": [...]} or a bare array of events."""

    model_config = ConfigDict(extra="forbid")
    # More than MAX_BATCH events is a 413, checked by the endpoint.
    events: list[EventIn]

    @model_validator(mode="before")
    @classmethod
    def _bare_list(cls, data: Any) -> Any:
        return {"events": data} if isinstance(data, list) else data

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> Any:
        # Describe both accepted forms, and the batch limit the endpoint enforces.
        schema = handler.resolve_ref_schema(handler(core_schema))
        as_object = {key: schema.pop(key) for key in list(schema) if key != "title"}
        events = as_object["properties"]["events"]
        events["maxItems"] = MAX_BATCH
        schema["anyOf"] = [as_object, dict(events)]
        return schema


class AssetIn(Body):
    customer: Id = omitted(description="the customer's external id")
    kind: choice(AssetKind.values) = omitted()
    name: text(200, required=True) = omitted()
    last_serviced_at: DateOrDateTimeText | None = omitted()
    service_interval_days: whole_number(1, MAX_INTERVAL_DAYS) = omitted()


class TicketIn(Body):
    customer: Id = omitted(description="the customer's external id")
    subject: text(300, required=True) = omitted()
    status: choice(TicketStatus.values) = omitted()
    opened_at: DateTimeText = omitted()
    resolved_at: DateTimeText | None = omitted()
    agent: text(200) | None = omitted()
    first_contact_resolution: StrictBool | None = omitted()


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldErrorOut]


class EventErrorOut(Schema):
    index: int
    field: str
    error: str


class EventBatchOut(Schema):
    accepted: int
    duplicates: int
    errors: list[EventErrorOut]


class ConsentOut(Schema):
    channel: str
    purpose: str
    granted: bool
    source: str
    recorded_at: str


class CustomerOut(Schema):
    external_id: str
    name: str
    phone: str
    email: str
    birthday: str | None
    time_zone: str
    locale: str
    created_at: str
    updated_at: str
    consents: list[ConsentOut]
    rfm: dict[str, Any] | None
    segment: str | None
    recent_messages: list[dict[str, Any]]


class ProductOut(Schema):
    sku: str
    name: str
    category: str
    price: str | None
    launched_at: str | None
    url: str


class OrderLineOut(Schema):
    product: str
    quantity: int
    unit_price: str


class OrderOut(Schema):
    external_id: str
    customer: str
    placed_at: str
    total: str
    currency: str
    coupon_code: str
    items: list[OrderLineOut]


class AssetOut(Schema):
    external_id: str
    customer: str
    kind: str
    name: str
    last_serviced_at: str | None
    service_interval_days: int
    next_service_on: str | None


class TicketOut(Schema):
    external_id: str
    customer: str
    subject: str
    status: str
    opened_at: str
    resolved_at: str | None
    agent: str
    first_contact_resolution: bool | None
    reopened_count: int
