"""Field types of the API's bodies, built from the declarations in crm.validation.

Each type validates a value (pydantic) and describes it in the OpenAPI schema
from the same declaration, so the schema states exactly what the API accepts:
its enums, lengths, patterns, ranges and nullability. What a schema cannot
state (a reference must exist, a phone number must be real, a time must not be
in the future) is checked by the services, and refused per field with 422.
"""

import re
from collections.abc import Callable, Iterable
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    StrictStr,
    StringConstraints,
)
from pydantic.json_schema import WithJsonSchema

from crm import validation as v


def _no_default(schema: dict[str, Any]) -> None:
    # An omitted field keeps its stored value: it has no default to advertise.
    schema.pop("default", None)


def omitted(**kwargs: Any) -> Any:
    """An optional field: may be left out; the service keeps the stored value."""
    return Field(None, json_schema_extra=_no_default, **kwargs)


def _checked(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Run a crm cleaner as a pydantic validator; keep the value as sent."""

    def validate(value: Any) -> Any:
        try:
            check(value)
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from None
        return value

    return validate


def text(max_length: int, *, required: bool = False) -> Any:
    """Free text of at most max_length characters; `required`: not blank."""
    pattern = v.REQUIRED_TEXT_PATTERN if required else v.TEXT_PATTERN
    return Annotated[
        StrictStr, StringConstraints(max_length=max_length, pattern=pattern)
    ]


def web_url(max_length: int) -> Any:
    """An http(s) address (printable ASCII) or "" for none."""
    return Annotated[
        StrictStr, StringConstraints(max_length=max_length, pattern=v.WEB_URL_PATTERN)
    ]


def choice(values: Iterable[str], description: str = "") -> Any:
    options = list(values)
    schema = {"type": "string", "enum": options}
    if description:
        schema["description"] = description
    return Annotated[
        StrictStr,
        AfterValidator(_checked(lambda x: _one_of(x, options))),
        WithJsonSchema(schema),
    ]


def _one_of(value: str, options: list[str]) -> None:
    if value not in options:
        raise ValidationError(
            _("Expected one of %(options)s.") % {"options": ", ".join(options)}
        )


def _id_type(pattern: str, description: str) -> Any:
    compiled = re.compile(pattern)

    def check(value: str) -> None:
        v.clean_external_id(value)
        if not compiled.match(value):
            raise ValidationError(
                _("%(id)r is reserved: choose another id.") % {"id": value}
            )

    return Annotated[
        StrictStr,
        AfterValidator(_checked(check)),
        WithJsonSchema(
            {
                "type": "string",
                "minLength": 1,
                "maxLength": v.ID_MAX_LENGTH,
                "pattern": pattern,
                "description": description,
                "example": "C1001",
            }
        ),
    ]


_ID_RULE = "1-64 characters; no whitespace, slash or control character; not . or .."
# A reference, or the id of a product or ticket.
Id = _id_type(v.ID_PATTERN, _ID_RULE)
# The id of a customer, order or asset: "batch" names their batch endpoints.
ResourceId = _id_type(v.RESOURCE_ID_PATTERN, _ID_RULE + " or batch")

DateText = Annotated[
    StrictStr,
    AfterValidator(_checked(v.parse_date_text)),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "description": "YYYY-MM-DD",
            "example": "1990-05-17",
        }
    ),
]

_DATE_TIME_SCHEMA = {
    "type": "string",
    "format": "date-time",
    "description": "ISO 8601; without an offset it is read in the server's "
    "TIME_ZONE; must be a valid UTC time (before 9999-12-30)",
    "example": "2026-11-20T09:30:00+08:00",
}


DateTimeText = Annotated[
    StrictStr,
    AfterValidator(_checked(v.parse_datetime_text)),
    WithJsonSchema(_DATE_TIME_SCHEMA),
]


def _date_or_datetime(value: str) -> Any:
    if len(value.strip()) > 10:
        return v.parse_datetime_text(value)
    return v.parse_date_text(value)


DateOrDateTimeText = Annotated[
    StrictStr,
    AfterValidator(_checked(_date_or_datetime)),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date"},
                _DATE_TIME_SCHEMA,
            ],
            "description": "a date (YYYY-MM-DD), or a date and time whose date in "
            "the customer's time zone is kept",
        }
    ),
]

Amount = Annotated[
    Any,  # text or a number: clean_decimal checks the type (and refuses bools)
    AfterValidator(_checked(v.clean_amount)),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": v.AMOUNT_PATTERN, "example": "199.00"},
                {
                    "type": "number",
                    "minimum": 0,
                    "maximum": float(v.AMOUNT_MAX),
                    "multipleOf": 0.01,
                },
            ],
            "description": "non-negative, at most 10 digits before the point and 2 "
            "after; text (recommended, ASCII digits) or a number; answered as text",
        }
    ),
]


def _whole(value: Any) -> int:
    # JSON Schema counts 3.0 as an integer; true and "3" are not.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        # pydantic reports a ValueError as the field's error (a TypeError escapes).
        raise ValueError(_("Expected a whole number."))  # noqa: TRY004
    return value


def whole_number(minimum: int, maximum: int) -> Any:
    return Annotated[
        Any,
        BeforeValidator(_whole),
        Field(ge=minimum, le=maximum),
        WithJsonSchema({"type": "integer", "minimum": minimum, "maximum": maximum}),
    ]


TimeZone = Annotated[
    StrictStr,
    AfterValidator(_checked(v.clean_time_zone)),
    WithJsonSchema(
        {
            "type": "string",
            "enum": ["", *v.time_zones()],
            "description": "an IANA time zone name; empty means the server's TIME_ZONE",
            "example": "Asia/Shanghai",
        }
    ),
]

Locale = Annotated[
    StrictStr,
    StringConstraints(max_length=v.LOCALE_MAX_LENGTH, pattern=v.LOCALE_PATTERN),
    Field(
        description="zh-hans or en; zh-CN, zh_Hans, en-US, en_GB... are "
        "accepted and normalised; Traditional Chinese is refused"
    ),
]
