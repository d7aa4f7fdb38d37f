"""Customers and their consent decisions."""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import audit_customer
from crm.models import Channel, Consent, Customer, Purpose
from crm.services.common import (
    ItemResult,
    clean_fields,
    first_error,
    optional,
    past_datetime,
    rejected,
    save_clean,
)
from crm.services.customer_batch import CustomerItem, customers_write
from crm.validation import (
    FieldErrors,
    clean_bool,
    clean_choice,
    clean_date,
    clean_email,
    clean_external_id,
    clean_locale,
    clean_phone,
    clean_text,
    clean_time_zone,
)

# A request carries a handful of decisions; thousands are a mistake or an attack.
MAX_CONSENTS = 50


def _birthday(value: Any) -> dt.date:
    birthday = clean_date(value)
    if birthday > timezone.localdate():
        raise ValidationError(_("A birthday cannot be in the future."), code="future")
    return birthday


def _customer_cleaners() -> dict:
    return {
        "name": lambda v: clean_text(v, max_length=200),
        "phone": lambda v: clean_phone(v, settings.PHONE_DEFAULT_REGION),
        "email": clean_email,
        "birthday": optional(_birthday),
        "time_zone": clean_time_zone,
        "locale": clean_locale,
    }


def _clean_consent(
    item: Any, default_source: str, errors: FieldErrors, prefix: str
) -> dict:
    if not isinstance(item, Mapping):
        errors.add(
            prefix, _("Expected an object with channel, purpose, granted and source.")
        )
        return {}
    sub = FieldErrors()
    decision = _consent_values(sub, item, default_source)
    for field, messages in sub.errors.items():
        for message in messages:
            errors.add(f"{prefix}.{field}", message)
    return decision


def _consent_values(errors: FieldErrors, item: Mapping, default_source: str) -> dict:
    unknown = set(item) - {"channel", "purpose", "granted", "source", "recorded_at"}
    for name in sorted(unknown):
        errors.add(str(name), _("Unknown field."))
    return {
        "channel": errors.check(
            "channel", clean_choice, item.get("channel"), Channel.values
        ),
        "purpose": errors.check(
            "purpose", clean_choice, item.get("purpose"), Purpose.values
        ),
        "granted": errors.check("granted", clean_bool, item.get("granted")),
        "source": errors.check(
            "source",
            clean_text,
            _blank_to(item.get("source"), default_source),
            max_length=100,
            required=True,
        ),
        "recorded_at": errors.check(
            "recorded_at", optional(past_datetime), item.get("recorded_at")
        ),
    }


def _blank_to(value: Any, default: str) -> Any:
    """A missing or blank source is the default one."""
    return value if isinstance(value, str) and value.strip() else default


def customer_clean(
    *,
    index: int,
    external_id: Any,
    consents: Any = None,
    consent_source: str = "api",
    **fields: Any,
) -> CustomerItem | ItemResult:
    """Clean one customer item: the values to write, or the item's rejection."""
    errors = FieldErrors()
    external_id = errors.check("external_id", clean_external_id, external_id)
    values = clean_fields(fields, _customer_cleaners(), errors)
    if consents is not None and (
        isinstance(consents, str | bytes) or not isinstance(consents, Sequence)
    ):
        errors.add("consents", _("Expected a list."))
        consents = []
    elif consents is not None and len(consents) > MAX_CONSENTS:
        errors.add(
            "consents",
            _("At most %(max)d consent decisions per request (got %(got)d).")
            % {"max": MAX_CONSENTS, "got": len(consents)},
        )
        consents = []
    decisions = [
        _clean_consent(item, consent_source, errors, f"consents.{index}")
        for index, item in enumerate(consents or [])
    ]
    if errors.errors:
        return rejected(index, external_id, errors.errors)
    return CustomerItem(index, external_id, values, decisions)


def customer_upsert(
    *, external_id: str, consent_source: str = "api", **fields: Any
) -> tuple[Customer, bool]:
    """Create or update the customer `external_id`; return it and whether it was created.

    Fields left out keep their value; None or "" clears them. Each consent
    decision follows the rules of `consent_record` (`consent_source` when it has
    no source of its own). The same rules as customers_upsert_batch: it is one.
    """
    [result] = customers_upsert_batch(
        items=[{"external_id": external_id, **fields}], consent_source=consent_source
    )
    if result.status == 422:
        raise first_error(result)
    return result.obj, result.status == 201


def customers_upsert_batch(
    *,
    items: Sequence[Mapping[str, Any]],
    consent_source: str = "api",
    related: Sequence[str] = (),
) -> list[ItemResult]:
    """Upsert each item ({external_id, ...the fields of customer_upsert}).

    Answer per index: 201 created, 200 updated, or 422 with the item's errors;
    a rejected item writes nothing, the others are written. `related`: relations
    to load with the customers that exist (select_related), for the answer.
    """
    cleaned = [
        customer_clean(index=index, consent_source=consent_source, **item)
        for index, item in enumerate(items)
    ]
    valid = [c for c in cleaned if isinstance(c, CustomerItem)]
    written = {r.index: r for r in customers_write(valid, related)}
    return [written[c.index] if isinstance(c, CustomerItem) else c for c in cleaned]


def consent_record(
    *,
    customer: Customer,
    channel: str,
    purpose: str,
    granted: bool,
    source: str,
    recorded_at: dt.datetime | str | None = None,
) -> tuple[Consent, bool]:
    """Record a decision; return the current row and whether a new one was added.

    The history is kept and the newest row wins. Repeating the current decision,
    or resending one already on file with the same time, adds nothing.
    """
    item = {
        "channel": channel,
        "purpose": purpose,
        "granted": granted,
        "source": source,
    }
    if recorded_at is not None:
        item["recorded_at"] = recorded_at
    errors = FieldErrors()
    decision = _consent_values(errors, item, source)
    errors.raise_if_any()
    with transaction.atomic():
        return _consent_save(customer=customer, **decision)


def _consent_save(
    *,
    customer: Customer,
    channel: str,
    purpose: str,
    granted: bool,
    source: str,
    recorded_at: dt.datetime | None,
    locked: bool = False,
    fresh: bool = False,
) -> tuple[Consent, bool]:
    """Add the decision unless it is already on file; `fresh`: the topic has no rows."""
    if not locked:
        # Lock the customer so two requests cannot both see "no change" or both add.
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
    if not fresh:
        on_file = _consent_on_file(customer, channel, purpose, granted, recorded_at)
        if on_file is not None:
            return on_file, False
    consent = Consent(
        customer=customer,
        channel=channel,
        purpose=purpose,
        granted=granted,
        source=source,
        recorded_at=recorded_at or timezone.now(),
    )
    save_clean(consent, exclude=["customer"])
    # The source stays on the consent row (erased with the customer); the
    # trail keeps who and what, never free text an integrator sent.
    audit_customer(
        action=Action.CONSENT_CHANGE,
        external_id=customer.external_id,
        detail={"channel": channel, "purpose": purpose, "granted": granted},
    )
    return consent, True


def _consent_on_file(
    customer: Customer,
    channel: str,
    purpose: str,
    granted: bool,
    recorded_at: dt.datetime | None,
) -> Consent | None:
    """The row that already records this decision: a resend, or the current one."""
    topic = Consent.objects.filter(customer=customer, channel=channel, purpose=purpose)
    if recorded_at is not None:
        resent = topic.filter(granted=granted, recorded_at=recorded_at).first()
        if resent is not None:
            return resent
    current = topic.order_by("-recorded_at", "-id").first()
    return current if current is not None and current.granted == granted else None


def customer_phone_mark_unusable(*, customer: Customer, reason: str) -> bool:
    """Record that the phone cannot receive SMS; return whether it was news.

    Kept until the phone number changes. Only the row's marker columns are
    written, so a concurrent profile update is not overwritten.
    """
    return _mark_unusable(customer, "phone", reason)


def customer_email_mark_unusable(*, customer: Customer, reason: str) -> bool:
    """Record that the email address bounced for good; return whether it was news.

    Kept until the address changes; written like the phone's marker.
    """
    return _mark_unusable(customer, "email", reason)


def _mark_unusable(customer: Customer, address: str, reason: str) -> bool:
    now, reason = timezone.now(), reason[:200]
    marker = {f"{address}_unusable_reason": reason, f"{address}_unusable_at": now}
    updated = Customer.objects.filter(
        pk=customer.pk,
        **{address: getattr(customer, address), f"{address}_unusable_at__isnull": True},
    ).update(**marker, updated_at=now)
    if updated:
        for name, value in marker.items():
            setattr(customer, name, value)
    return bool(updated)
