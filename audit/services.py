"""audit_record: append one entry; customer_ref: how an entry names a customer."""

import hashlib
from typing import Any

from django.utils import timezone

from audit.context import Actor, current_actor
from audit.models import AuditEntry

# Fixed, published salt: the hash must stay checkable after a SECRET_KEY
# rotation, and it is meant to be recomputed by staff who are given the id.
# The same hash names the customer in care's erasure records.
SALT = b"proactive-care/erasure/v1:"


def subject_hash(external_id: str) -> str:
    """The SHA-256 of a customer's external id: names them without their data."""
    return hashlib.sha256(SALT + external_id.encode("utf-8")).hexdigest()


def audit_record(
    *,
    action: str,
    target_type: str,
    target_id: str,
    target_label: str = "",
    detail: dict[str, Any] | None = None,
    actor: Actor | None = None,
) -> AuditEntry:
    """Append an entry by the current actor (or `actor`). Never personal data in it."""
    who = actor or current_actor()
    entry = AuditEntry(
        at=timezone.now(),
        actor=who.name[:150],
        actor_id=who.user_id,
        ip=who.ip,
        action=action,
        target_type=target_type,
        target_id=str(target_id)[:64],
        target_label=target_label[:200],
        detail=detail or {},
    )
    entry.save()
    return entry


def audit_customers(*, action: str, entries: list[tuple[str, dict[str, Any]]]) -> None:
    """Append one entry per (external id, detail), in one statement (batch writes)."""
    AuditEntry.objects.bulk_create(
        audit_customer_entries(action=action, entries=entries)
    )


def audit_customer_entries(
    *, action: str, entries: list[tuple[str, dict[str, Any]]]
) -> list[AuditEntry]:
    """The entries of audit_customers, unsaved: for a writer that inserts them with
    its own rows in one statement."""
    who = current_actor()
    now = timezone.now()
    return [
        AuditEntry(
            at=now,
            actor=who.name[:150],
            actor_id=who.user_id,
            ip=who.ip,
            action=action,
            target_type="customer",
            target_id=subject_hash(external_id),
            detail=detail,
        )
        for external_id, detail in entries
    ]


def audit_customer(
    *, action: str, external_id: str, detail: dict[str, Any] | None = None
) -> AuditEntry:
    """An entry about a customer, named by the hash of their external id."""
    return audit_record(
        action=action,
        target_type="customer",
        target_id=subject_hash(external_id),
        detail=detail,
    )
