"""Request and response shapes; they type-check the JSON and document it in OpenAPI.

Bodies carry plain JSON types; the services in crm and care decide what a value
means (phone numbers, dates, amounts), so the API and the CSV import agree.
"""

from typing import Annotated, Any

from ninja import Schema
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
)
from pydantic.functional_validators import model_validator
from pydantic.json_schema import WithJsonSchema

DateText = Annotated[
    StrictStr,
    WithJsonSchema({"type": "string", "format": "date", "example": "1990-05-17"}),
]
DateTimeText = Annotated[
    StrictStr,
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "example": "2026-11-20T09:30:00+08:00",
            "description": "ISO 8601; without an offset it is read in the server's TIME_ZONE",
        }
    ),
]
# Any JSON value: the services read amounts (and say what is wrong with them).
Amount = Annotated[
    Any,
    WithJsonSchema(
        {
            "type": "string",
            "format": "decimal",
            "example": "199.00",
            "description": "non-negative, at most 2 decimals; a string or a number",
        }
    ),
]


class Body(Schema):
    model_config = ConfigDict(extra="forbid")


class ConsentIn(Body):
    channel: StrictStr = Field(description="sms or email")
    purpose: StrictStr = Field(description="service or marketing")
    granted: StrictBool
    source: StrictStr | None = Field(
        None, description="where the decision was made; defaults to api:<token name>"
    )
    recorded_at: DateTimeText | None = Field(
        None, description="when it was made; defaults to now"
    )


class CustomerIn(Body):
    name: StrictStr | None = None
    phone: StrictStr | None = Field(
        None, description="any format; stored as E.164", examples=["+8613812345678"]
    )
    email: StrictStr | None = None
    birthday: DateText | None = None
    time_zone: StrictStr | None = Field(
        None, description="IANA name", examples=["Asia/Shanghai"]
    )
    locale: StrictStr | None = Field(
        None, description="zh-hans or en (zh-CN, en_US... accepted)"
    )
    consents: list[ConsentIn] | None = None


class ProductIn(Body):
    name: StrictStr | None = None
    category: StrictStr | None = None
    price: Amount | None = None
    launched_at: DateTimeText | None = None


class OrderItemIn(Body):
    product: StrictStr = Field(
        validation_alias=AliasChoices("product", "sku"), description="the product's SKU"
    )
    quantity: StrictInt = 1
    unit_price: Amount | None = Field(
        None, description="defaults to the product's price"
    )


class OrderIn(Body):
    customer: StrictStr | None = Field(None, description="the customer's external id")
    placed_at: DateTimeText | None = None
    total: Amount | None = None
    currency: StrictStr | None = Field(None, description="ISO 4217", examples=["CNY"])
    items: list[OrderItemIn] | None = Field(
        None, description="replaces every line when given"
    )
    coupon_code: StrictStr | None = None


class EventIn(Body):
    type: StrictStr = Field(description="product_viewed")
    customer: StrictStr = Field(description="the customer's external id")
    product: StrictStr = Field(description="the product's SKU")
    occurred_at: DateTimeText
    id: StrictStr | None = Field(
        None, description="your event id; a repeat is not stored twice"
    )


class EventBatchIn(BaseModel):
    # A plain pydantic model: ninja's Schema hides the raw list from the validator.
    events: Annotated[
        list[Any],
        WithJsonSchema(
            {"type": "array", "maxItems": 1000, "items": EventIn.model_json_schema()}
        ),
    ]

    @model_validator(mode="before")
    @classmethod
    def _bare_list(cls, data: Any) -> Any:
        # A bare JSON array is accepted as the batch too.
        return {"events": data} if isinstance(data, list) else data


class AssetIn(Body):
    customer: StrictStr | None = Field(None, description="the customer's external id")
    kind: StrictStr | None = Field(None, description="vehicle, appliance or other")
    name: StrictStr | None = None
    last_serviced_at: StrictStr | None = Field(
        None, description="a date, or a date and time"
    )
    service_interval_days: StrictInt | None = None


class TicketIn(Body):
    customer: StrictStr | None = Field(None, description="the customer's external id")
    subject: StrictStr | None = None
    status: StrictStr | None = Field(None, description="open, resolved or closed")
    opened_at: DateTimeText | None = None
    resolved_at: DateTimeText | None = None
    agent: StrictStr | None = None
    first_contact_resolution: StrictBool | None = None


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
