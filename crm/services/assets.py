"""Assets that need servicing (vehicles, appliances)."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Asset, AssetKind
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
    clean_external_id,
    clean_int,
    clean_text,
)

MAX_INTERVAL_DAYS = 3650


def _service_date(value: Any) -> dt.date:
    # A datetime counts on the day it fell in TIME_ZONE: "serviced on" is a date.
    serviced = clean_date(
        value, allow_datetime=True, tz=timezone.get_default_timezone()
    )
    if serviced > timezone.localdate() + dt.timedelta(days=1):
        raise ValidationError(_("Must not be in the future."), code="future")
    return serviced


def _asset_cleaners() -> dict:
    return {
        "customer": customer_ref,
        "kind": lambda v: clean_choice(v, AssetKind.values),
        "name": lambda v: clean_text(v, max_length=200, required=True),
        "last_serviced_at": optional(_service_date),
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
        asset.sync_next_service()
        save_clean(asset)
    return asset, created
