"""Customers in batches: validate every item, then write the valid ones in bulk.

One PUT /customers is a batch of one, so the single and the batch endpoints
share every rule. An item that fails validation writes nothing and its
neighbours still go in. Each round first reads the customers it names, without
a lock: an item that would change nothing (a periodic sync resends mostly
those) is answered from that read, with no transaction and no lock. The others
are written with a handful of statements whatever their number: lock the
existing rows, insert the new ones, update the changed ones, insert the new
consent rows.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import Action
from audit.services import audit_customer_entries, audit_customers
from crm.models import Consent, Customer
from crm.prepared import Prepared
from crm.services import at_once
from crm.services.bulk import in_rounds
from crm.services.common import ItemResult
from crm.validation import FieldErrors

# Columns a customer upsert may write (besides the key and created_at).
_COLUMNS = [
    "name",
    "phone",
    "email",
    "birthday",
    "birth_month",
    "birth_day",
    "time_zone",
    "locale",
    "phone_unusable_reason",
    "phone_unusable_at",
    "email_unusable_reason",
    "email_unusable_at",
    "updated_at",
]


@dataclass
class CustomerItem:
    """One cleaned item: the customer's values and its consent decisions."""

    index: int
    external_id: str
    values: dict[str, Any]
    decisions: list[dict[str, Any]]


Topic = tuple[int, str, str]
# (item, customer, whether the customer is new in this round)
Accepted = list[tuple[CustomerItem, Customer, bool]]


def customers_write(
    items: Sequence[CustomerItem], related: Sequence[str] = ()
) -> list[ItemResult]:
    """Write cleaned items; a repeated external id is applied after the earlier one.

    `related`: relations loaded with a customer the write leaves unchanged (what
    the caller's answer shows).
    """
    results = []
    for round_items in in_rounds(items, lambda item: item.external_id):
        unchanged, rest, existing = _unchanged(round_items, related)
        results += unchanged
        if not rest:
            continue
        try:
            if at_once.supported() and not set(existing) & {
                i.external_id for i in rest
            }:
                results += _insert_round(rest)
            else:
                # Only rows seen to exist can be locked; the unique index
                # guards the insert of the others.
                results += _write_round(rest, existing)
        except IntegrityError:
            # Another request created one of these customers first: run again,
            # the lock now finds the row and updates it.
            results += _write_round(rest, [i.external_id for i in rest])
    return sorted(results, key=lambda r: r.index)


def _unchanged(
    items: list[CustomerItem], related: Sequence[str] = ()
) -> tuple[list[ItemResult], list[CustomerItem], list[str]]:
    """Answer the items that would change nothing.

    Return their results, the other items, and the ids that exist.
    """
    known = {
        c.external_id: c
        for c in _customers_read(tuple(related))([i.external_id for i in items])
    }
    pairs = [(i, known[i.external_id], False) for i in items if i.external_id in known]
    pairs = [(i, c, n) for i, c, n in pairs if not _differs(c, i.values)]
    if not pairs:
        return [], items, list(known)
    current, on_file = _consents_on_file(pairs)
    adding = {row.customer_id for row in _news(pairs, current, on_file, timezone.now())}
    results = [
        ItemResult(item.index, item.external_id, 200, obj=customer)
        for item, customer, _new in pairs
        if customer.pk not in adding
    ]
    _attach(results, current, {c.pk for i, c, _n in pairs if i.decisions})
    done = {r.index for r in results}
    return results, [item for item in items if item.index not in done], list(known)


def _customers_read(related: tuple[str, ...]) -> Prepared:
    if related not in _CUSTOMER_READS:
        _CUSTOMER_READS[related] = Prepared(
            lambda ids: Customer.objects.select_related(*related).filter(
                external_id__in=ids
            ),
            kinds=[str],
        )
    return _CUSTOMER_READS[related]


_CUSTOMER_READS: dict[tuple[str, ...], Prepared] = {}
_CONSENTS_READ = Prepared(
    lambda ids: Consent.objects.filter(customer_id__in=ids).order_by(), kinds=[int]
)


def _differs(customer: Customer, values: dict[str, Any]) -> bool:
    return any(getattr(customer, name) != value for name, value in values.items())


def _write_round(items: list[CustomerItem], existing: list[str]) -> list[ItemResult]:
    now = timezone.now()
    with transaction.atomic():
        known = locked_customers(existing) if existing else {}
        results, new, known_items = [], [], []
        for item in items:
            customer = known.get(item.external_id) or Customer(
                external_id=item.external_id
            )
            result = _apply(item, customer, now)
            results.append(result)
            if result.status == 201:
                new.append(customer)
            elif result.status == 200:
                known_items.append(customer)
        Customer.objects.bulk_create(new)
        accepted = [
            (i, r.obj, r.status == 201)
            for i, r in zip(items, results, strict=True)
            if r.status != 422
        ]
        consented = _consents_write(accepted, now, results)
        # A resend that changes nothing writes nothing.
        changed = [c for c in known_items if _changed(c) or c.pk in consented]
        for customer in changed:
            customer.updated_at = now
        Customer.objects.bulk_update(changed, _COLUMNS, batch_size=100)
    return results


def _insert_round(items: list[CustomerItem]) -> list[ItemResult]:
    """Only new customers: everything in one statement (crm.services.at_once)."""
    now = timezone.now()
    results, new, consents = [], [], []
    for item in items:
        customer = Customer(external_id=item.external_id)
        result = _apply(item, customer, now)
        results.append(result)
        if result.status == 422:
            continue
        # Nothing on file yet: each customer's decisions on their own.
        current: dict[Topic, Consent] = {}
        rows = _news([(item, customer, True)], current, set(), now)
        new.append(customer)
        consents += rows
        result.consents = [current[topic] for topic in sorted(current)]
    if new:
        entries = audit_customer_entries(
            action=Action.CONSENT_CHANGE,
            entries=[
                (row.customer.external_id, _consent_detail(row)) for row in consents
            ],
        )
        at_once.insert_at_once(new, consents, entries)
    return results


def locked_customers(external_ids: list[str]) -> dict[str, Customer]:
    """The customers that exist, locked until the round commits."""
    rows = Customer.objects.select_for_update().filter(external_id__in=external_ids)
    return {c.external_id: c for c in rows}


def _apply(item: CustomerItem, customer: Customer, now: dt.datetime) -> ItemResult:
    created = customer.pk is None
    values = item.values
    if "phone" in values and values["phone"] != customer.phone:
        # A new number gets a fresh chance.
        customer.phone_unusable_reason, customer.phone_unusable_at = "", None
    if "email" in values and values["email"] != customer.email:
        customer.email_unusable_reason, customer.email_unusable_at = "", None
    customer._before = {name: getattr(customer, name) for name in _COLUMNS[:-1]}
    for name, value in values.items():
        setattr(customer, name, value)
    customer.sync_birth_parts()
    try:
        customer.full_clean(validate_unique=False)
    except ValidationError as error:
        errors = FieldErrors()
        errors.merge(error)
        return ItemResult(item.index, item.external_id, 422, errors.errors)
    if created:
        customer.created_at = customer.updated_at = now
    status = 201 if created else 200
    return ItemResult(item.index, item.external_id, status, obj=customer)


def _changed(customer: Customer) -> bool:
    return any(getattr(customer, n) != v for n, v in customer._before.items())


def _consents_write(
    accepted: Accepted, now: dt.datetime, results: list[ItemResult]
) -> set[int]:
    """Add each decision that is news, by the rules of consent_record.

    Return the ids of the customers who got a new row. Each result of a
    customer whose decisions are now all known (a new one, or one that sent
    some) gets them in `consents`, so the answer need not read them again.
    """
    with_decisions = [a for a in accepted if a[0].decisions]
    current, on_file = _consents_on_file(with_decisions)
    rows = _news(with_decisions, current, on_file, now)
    Consent.objects.bulk_create(rows)
    audit_customers(
        action=Action.CONSENT_CHANGE,
        entries=[(row.customer.external_id, _consent_detail(row)) for row in rows],
    )
    _attach(results, current, {c.pk for i, c, _n in with_decisions})
    return {row.customer_id for row in rows}


def _consent_detail(row: Consent) -> dict:
    # As consent_record writes it: who and what, never the integrator's free text.
    return {"channel": row.channel, "purpose": row.purpose, "granted": row.granted}


def _news(
    accepted: Accepted, current: dict[Topic, Consent], on_file: set, now: dt.datetime
) -> list[Consent]:
    """The consent rows the decisions add; `current` is brought up to date."""
    rows = []
    for item, customer, _created in accepted:
        for decision in item.decisions:
            topic = (customer.pk, decision["channel"], decision["purpose"])
            granted, recorded_at = decision["granted"], decision["recorded_at"]
            if recorded_at is not None and (topic, granted, recorded_at) in on_file:
                continue  # a resend of a decision already on file
            latest = current.get(topic)
            if latest is not None and latest.granted == granted:
                continue  # the current decision already says so
            row = Consent(customer=customer, **decision)
            row.recorded_at = recorded_at or now
            rows.append(row)
            on_file.add((topic, granted, row.recorded_at))
            if latest is None or row.recorded_at >= latest.recorded_at:
                current[topic] = row
    return rows


def _attach(results: list[ItemResult], current: dict, informed: set[int]) -> None:
    by_customer: dict[int, list[Consent]] = {}
    for topic in sorted(current):
        by_customer.setdefault(topic[0], []).append(current[topic])
    for result in results:
        if result.status == 201 or (result.obj and result.obj.pk in informed):
            result.consents = by_customer.get(result.obj.pk, [])


def _consents_on_file(accepted: Accepted) -> tuple[dict[Topic, Consent], set]:
    """The current decision per topic, and the (topic, granted, time) rows sent again.

    Customers created in this round have none: only the others are looked up,
    in one read of their rows. The newest row per topic is the current one
    (by recorded_at, then id: ConsentQuerySet.latest_per_topic's rule), picked
    here: a correlated subquery costs more to build than a customer's few rows.
    """
    known = [c.pk for item, c, created in accepted if not created and item.decisions]
    current: dict[Topic, Consent] = {}
    on_file: set = set()
    if not known:
        return current, on_file
    times = {
        d["recorded_at"]
        for item, _c, created in accepted
        if not created
        for d in item.decisions
        if d["recorded_at"]
    }
    for row in _CONSENTS_READ(known):
        topic = (row.customer_id, row.channel, row.purpose)
        latest = current.get(topic)
        if latest is None or (row.recorded_at, row.pk) > (
            latest.recorded_at,
            latest.pk,
        ):
            current[topic] = row
        if row.recorded_at in times:
            on_file.add((topic, row.granted, row.recorded_at))
    return current, on_file
