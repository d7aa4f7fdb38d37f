"""Assets that need servicing (vehicles, appliances)."""

import datetime as dt
import zoneinfo
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Asset, AssetKind, Customer
from crm.services.bulk import CleanItem, Plan, bulk_upsert, clean_id, customers_by_id
from crm.services.common import (
    ItemResult,
    clean_fields,
    customer_ref,
    first_error,
    optional,
    rejected,
)
from crm.validation import (
    FieldErrors,
    clean_choice,
    clean_date,
    clean_datetime,
    clean_int,
    clean_text,
)

MAX_INTERVAL_DAYS = 3650


def _service_moment(value: Any) -> dt.date | dt.datetime:
    """A date, or a valid aware datetime (its date is taken in the customer's zone)."""
    if isinstance(value, str) and len(value.strip()) > 10:
        return clean_datetime(value, timezone.get_default_timezone())
    return clean_date(value)


def _service_date(moment: dt.date | dt.datetime, customer: Customer) -> dt.date:
    # "Serviced on" is a date: a datetime counts on the day it fell where the
    # customer lives (TIME_ZONE when the customer has no zone).
    zone = customer_zone(customer)
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(zone).date()
    if moment > timezone.localdate(timezone=zone) + dt.timedelta(days=1):
        raise ValidationError(_("Must not be in the future."), code="future")
    return moment


def customer_zone(customer: Customer) -> dt.tzinfo:
    """The customer's time zone, or the project's."""
    try:
        return (
            zoneinfo.ZoneInfo(customer.time_zone)
            if customer.time_zone
            else (timezone.get_default_timezone())
        )
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()


def _asset_cleaners(customers: Mapping[str, Customer]) -> dict:
    return {
        "customer": lambda v: customer_ref(v, customers),
        "kind": lambda v: clean_choice(v, AssetKind.values),
        "name": lambda v: clean_text(v, max_length=200, required=True),
        "last_serviced_at": optional(_service_moment),
        "service_interval_days": lambda v: clean_int(
            v, minimum=1, maximum=MAX_INTERVAL_DAYS
        ),
    }


def asset_upsert(*, external_id: str, **fields: Any) -> tuple[Asset, bool]:
    """Create or update the asset `external_id`; the next service date follows.

    The rules of assets_upsert_batch: this is a batch of one.
    """
    [result] = assets_upsert_batch(items=[{"external_id": external_id, **fields}])
    if result.status == 422:
        raise first_error(result)
    return result.obj, result.status == 201


def assets_upsert_batch(*, items: Sequence[Mapping[str, Any]]) -> list[ItemResult]:
    """Upsert each item ({external_id, ...the fields of asset_upsert}).

    Answer per index: 201 created, 200 updated, or 422 with the item's errors.
    """
    cleaners = _asset_cleaners(customers_by_id(items))
    cleaned = [_asset_clean(index, item, cleaners) for index, item in enumerate(items)]
    valid = [c for c in cleaned if isinstance(c, CleanItem)]
    written = {r.index: r for r in bulk_upsert(ASSETS, valid)}
    return [written[c.index] if isinstance(c, CleanItem) else c for c in cleaned]


def _asset_clean(
    index: int, item: Mapping[str, Any], cleaners: dict
) -> CleanItem | ItemResult:
    fields = dict(item)
    external_id = clean_id(index, fields.pop("external_id", None))
    if isinstance(external_id, ItemResult):
        return external_id
    errors = FieldErrors()
    values = clean_fields(fields, cleaners, errors)
    if errors.errors:
        return rejected(index, external_id, errors.errors)
    return CleanItem(index, external_id, values)


def _asset_prepare(asset: Asset, values: Mapping, errors: FieldErrors) -> None:
    # A service time becomes a date once the asset's customer is known.
    if values.get("last_serviced_at") is not None:
        asset.last_serviced_at = errors.check(
            "last_serviced_at", _service_date, asset.last_serviced_at, asset.customer
        )
    asset.sync_next_service()


ASSETS = Plan(
    model=Asset,
    required=["customer", "kind", "name", "service_interval_days"],
    columns=[
        "customer",
        "kind",
        "name",
        "last_serviced_at",
        "service_interval_days",
        "next_service_on",
    ],
    prepare=_asset_prepare,
    related=("customer",),
    resolved=["customer"],
)
