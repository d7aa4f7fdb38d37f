"""Assets that need servicing (vehicles, appliances)."""

import datetime as dt
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Asset, AssetKind, Customer
from crm.services.common import (
    clean_fields,
    customer_ref,
    locked_or_new,
    optional,
    require,
    retry_on_conflict,
    save_clean,
)
from crm.validation import (
    FieldErrors,
    clean_choice,
    clean_date,
    clean_datetime,
    clean_external_id,
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


def _asset_cleaners() -> dict:
    return {
        "customer": customer_ref,
        "kind": lambda v: clean_choice(v, AssetKind.values),
        "name": lambda v: clean_text(v, max_length=200, required=True),
        "last_serviced_at": optional(_service_moment),
        "service_interval_days": lambda v: clean_int(
            v, minimum=1, maximum=MAX_INTERVAL_DAYS
        ),
    }


@retry_on_conflict
def asset_upsert(*, external_id: str, **fields: Any) -> tuple[Asset, bool]:
    """Create or update the asset `external_id`; the next service date follows."""
    errors = FieldErrors()
    external_id = errors.check("external_id", clean_external_id, external_id)
    values = clean_fields(fields, _asset_cleaners(), errors)
    errors.raise_if_any()
    with transaction.atomic():
        asset = locked_or_new(Asset, external_id=external_id)
        require(
            values, ["customer", "kind", "name", "service_interval_days"], asset, errors
        )
        errors.raise_if_any()
        created = asset.pk is None
        for name, value in values.items():
            setattr(asset, name, value)
        if values.get("last_serviced_at") is not None:
            asset.last_serviced_at = errors.check(
                "last_serviced_at",
                _service_date,
                asset.last_serviced_at,
                asset.customer,
            )
            errors.raise_if_any()
        asset.sync_next_service()
        save_clean(asset)
    return asset, created
