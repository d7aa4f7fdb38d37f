"""Every variable a message template can use: name, meaning (en, zh-hans), sample.

Templates see data, never objects: each variable is a plain value (text, a
number, a date, yes/no) safe to show the customer it is about. There is no way
from a variable to a user, a password, the database or the settings: the
values are copied out of the rows here, and `context_build` refuses anything
that is not plain data.

One list for everything that shows or checks variables. Every message offers
the COMMON ones; a trigger kind adds its own in its registry entry
(`TriggerSpec.variables`, care.outreach.triggers), and
`care.outreach.triggers.variables_for(kind)` gives the whole list of a kind
(for the campaign studio's variable list and its validation).
"""

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from care.models import Message, Offer
from crm.categories import category_name

PLAIN = (str, int, float, bool, Decimal, dt.date, type(None))


@dataclass(frozen=True)
class Variable:
    """A template variable: `name` as written in {{ }}, e.g. customer.first_name."""

    name: str
    description: str  # lazily translated: str(v.description) in the active language
    sample: Any


CUSTOMER_NAME = Variable(
    "customer.name", _("The customer's name as we have it on file."), "Alex Chen"
)
CUSTOMER_FIRST_NAME = Variable(
    "customer.first_name",
    _(
        "The first word of the name; the whole name when it has no spaces "
        "(Chinese names)."
    ),
    "Alex",
)
OFFER_NAME = Variable("offer.name", _("The offer's name."), "Birthday gift 20% off")
OFFER_DESCRIPTION = Variable(
    "offer.description",
    _("What the offer gives, in the customer's language."),
    "20% off",
)
OFFER_VALID_DAYS = Variable(
    "offer.valid_days", _("How many days the coupon stays valid."), 30
)
COUPON_CODE = Variable(
    "coupon_code",
    _("The customer's own single-use coupon code (empty without an offer)."),
    "BDAY7K3MQ2XP",
)
SITE_URL = Variable(
    "site_url", _("Our web address (SITE_URL)."), "https://care.example.com"
)
COMMON: tuple[Variable, ...] = (
    CUSTOMER_NAME,
    CUSTOMER_FIRST_NAME,
    OFFER_NAME,
    OFFER_DESCRIPTION,
    OFFER_VALID_DAYS,
    COUPON_CODE,
    SITE_URL,
)

# Offered by some kinds only (each kind lists its own in its registry entry).
DAYS_AHEAD = Variable(
    "occasion.days_ahead", _("Days from today until the occasion."), 3
)
BIRTHDAY = Variable(
    "occasion.birthday", _("The coming birthday (YYYY-MM-DD)."), "2027-02-06"
)
DUE_ON = Variable(
    "occasion.due_on", _("The date the next service is due (YYYY-MM-DD)."), "2026-12-01"
)
ASSET_NAME = Variable("asset.name", _("The vehicle or appliance's name."), "Model Y")
ASSET_KIND = Variable(
    "asset.kind",
    _("Vehicle, appliance or other, in the customer's language."),
    "Vehicle",
)
PRODUCT_NAME = Variable("product.name", _("The product's name."), "Air purifier X2")
PRODUCT_CATEGORY = Variable(
    "product.category",
    _("The product's category, named in the customer's language."),
    "Home appliances",
)
DAYS_VIEWED = Variable(
    "occasion.days_viewed", _("On how many days the customer looked at it."), 3
)
TICKET_SUBJECT = Variable(
    "ticket.subject",
    _("The subject of the customer's ticket."),
    "Washing machine leaks",
)
SURVEY_URL = Variable(
    "survey_url",
    _("The customer's own survey link (works once, for a limited time)."),
    "https://care.example.com/s/preview",
)
SURVEY_YESTERDAY = Variable(
    "survey_yesterday",
    _("Yes when quiet hours held the survey over to the next day."),
    False,
)
FROM_SEGMENT = Variable(
    "occasion.from_segment", _("The segment the customer left."), "loyal"
)
TO_SEGMENT = Variable(
    "occasion.to_segment", _("The segment the customer moved into."), "at_risk"
)


@dataclass(frozen=True)
class KindContext:
    """What a trigger kind gives a template being rendered.

    `allowed`: the names of the variables the kind offers (all others are
    dropped); `values(message)`: the kind's own values for that message, as
    plain data under the variables' names (its hooks' context, or samples).
    """

    allowed: frozenset[str]
    values: Callable[[Message], Mapping[str, Any]] = field(default=lambda message: {})


COMMON_ONLY = KindContext(frozenset(v.name for v in COMMON))


def offer_description(offer: Offer) -> str:
    """The offer's description in the language being rendered (English as fallback)."""
    language = translation.get_language() or "en"
    if language.startswith("zh") and offer.description_zh_hans:
        return offer.description_zh_hans
    return offer.description


def first_name(name: str) -> str:
    words = name.split()
    return words[0] if words else ""


def message_values(message: Message, coupon_code: str) -> dict[str, Any]:
    """Plain values copied out of the message's rows, under their variable names."""
    customer, offer = message.customer, message.campaign.offer
    values: dict[str, Any] = {
        "customer.name": customer.name,
        "customer.first_name": first_name(customer.name),
        "coupon_code": coupon_code,
        "site_url": settings.SITE_URL,
    }
    if offer is not None:
        values |= {
            "offer.name": offer.name,
            "offer.description": offer_description(offer),
            "offer.valid_days": offer.valid_days,
        }
    values |= _subject_values(message)
    for key, value in (message.occasion or {}).items():
        values[f"occasion.{key}"] = value
    return values


def _subject_values(message: Message) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if message.product_id:
        product = message.product
        values |= {
            "product.name": product.name,
            # The name in the language being rendered, never the slug.
            "product.category": category_name(product.category),
        }
    if message.asset_id:
        asset = message.asset
        values |= {
            "asset.name": asset.name,
            "asset.kind": str(asset.get_kind_display()),
        }
    if message.ticket_id:
        values["ticket.subject"] = message.ticket.subject
    return values


class NotPlain(TypeError):
    """A variable's value is an object, not plain data: it is never rendered."""


def context_build(values: Mapping[str, Any], allowed: Collection[str]) -> dict:
    """The template context: allowed variables only, plain values only, read-only.

    "customer.name" becomes {"customer": {"name": ...}}; the inner mappings are
    read-only so a template cannot change what later parts see.
    """
    nested: dict[str, Any] = {}
    for name, value in values.items():
        if name not in allowed:
            continue
        if not isinstance(value, PLAIN):
            raise NotPlain(f"{name} is {type(value).__name__}, not plain data")
        head, _dot, tail = name.partition(".")
        if tail:
            nested.setdefault(head, {})[tail] = value
        else:
            nested[head] = value
    return {
        key: MappingProxyType(value) if isinstance(value, dict) else value
        for key, value in nested.items()
    }
