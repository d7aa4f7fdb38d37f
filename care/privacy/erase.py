"""customer_erase: remove a person's data for good, keeping proof that we did."""

import datetime as dt
from collections import Counter

from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import audit_customer
from care.models import ErasureRecord, Message, MessageStatus
from care.privacy.export import delivery_events_of, inbound_of
from care.privacy.scope import CUSTOMER_LINKS, subject_hash
from crm.models import Customer


class ErasureBlocked(Exception):
    """The erasure cannot run now (a message to the customer is being sent)."""


def erasure_lookup(*, external_id: str) -> ErasureRecord | None:
    """The latest erasure of this external id, if any."""
    return ErasureRecord.objects.filter(subject_hash=subject_hash(external_id)).first()


def customer_erase(*, customer: Customer, requested_by: str) -> ErasureRecord:
    """Delete the customer and every row about them, in one transaction.

    Raise ErasureBlocked while a worker holds one of their messages mid-send:
    that send cannot be called back, and the record must not claim otherwise.
    """
    now = timezone.now()
    with transaction.atomic():
        # Locked rows are skipped by dispatch's claim (SKIP LOCKED): nothing
        # of theirs can be claimed between this check and the delete.
        messages = Message.objects.select_for_update().filter(customer=customer)
        _refuse_if_sending(messages, now)
        counts = _delete_everything(customer)
        record = ErasureRecord(
            subject_hash=subject_hash(customer.external_id),
            erased_at=now,
            requested_by=requested_by[:200],
            counts=counts,
        )
        record.full_clean()
        record.save()
        audit_customer(
            action=Action.CUSTOMER_ERASE,
            external_id=customer.external_id,
            detail={"erasure_record": record.pk, "rows": sum(counts.values())},
        )
    return record


def _refuse_if_sending(messages, now: dt.datetime) -> None:
    lease = dt.timedelta(seconds=settings.CARE_DISPATCH_LEASE_SECONDS)
    # A claim older than the lease belongs to a dead worker: its row is not
    # in flight any more, and deleting it is what the reaper would need anyway.
    busy = [
        m.pk
        for m in messages.only("id", "status", "claimed_at")
        if m.status == MessageStatus.SENDING
        and m.claimed_at is not None
        and m.claimed_at >= now - lease
    ]
    if busy:
        raise ErasureBlocked(
            _(
                "message %(id)s to this customer is being sent right now; try again in a minute"
            )
            % {"id": busy[0]}
        )


def _delete_everything(customer: Customer) -> dict[str, int]:
    counts: Counter[str] = Counter()
    counts["admin.LogEntry"] = _log_entries_delete(customer)
    # Rows the cascade would keep: unmatched receipts, and replies whose
    # customer link is SET_NULL (they hold the phone number and the text).
    counts["care.DeliveryEvent"] += (
        delivery_events_of(customer).filter(message__isnull=True).delete()[0]
    )
    counts["care.InboundMessage"] += inbound_of(customer).delete()[0]
    for label in [k for k, v in CUSTOMER_LINKS.items() if v == "delete"]:
        app_label, model_name, field = label.split(".")
        model = apps.get_model(app_label, model_name)
        counts[f"{app_label}.{model_name}"] += model._default_manager.filter(
            **{field: customer}
        ).delete()[0]
    _, cascaded = customer.delete()
    counts.update(cascaded)
    return {label: n for label, n in sorted(counts.items()) if n}


def _log_entries_delete(customer: Customer) -> int:
    """Admin history names the objects (str() of a customer is their name)."""
    targets = [(Customer, [customer.pk])]
    for label in CUSTOMER_LINKS:
        app_label, model_name, field = label.split(".")
        model = apps.get_model(app_label, model_name)
        ids = model._default_manager.filter(**{field: customer}).values_list(
            "pk", flat=True
        )
        targets.append((model, list(ids)))
    deleted = 0
    for model, ids in targets:
        if ids:
            deleted += LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=[str(pk) for pk in ids],
            ).delete()[0]
    return deleted
