"""Upserts in bulk: every item validated on its own, the valid ones written together.

The batch endpoints and the single ones share this path (a single upsert is a
batch of one), so they share every rule. An item that fails validation writes
nothing and its neighbours still go in. Each round writes with a few statements
whatever its size: lock the rows that exist, insert the new ones, update the
changed ones, then whatever the model writes beside them (an order's lines).
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from crm.models import Customer
from crm.services.common import ItemResult, rejected, require
from crm.validation import FieldErrors, clean_external_id


@dataclass
class CleanItem:
    """One validated item: the values to set, and what the model writes beside it."""

    index: int
    external_id: str
    values: dict[str, Any]
    beside: Any = None


@dataclass
class Plan:
    """How to upsert one model in bulk."""

    model: type[models.Model]
    required: list[str]  # fields a new row must be given
    columns: list[str]  # columns an update writes (updated_at is added)
    # Checks and derived values once the values are set; errors go in FieldErrors.
    prepare: Callable[[Any, Mapping[str, Any], FieldErrors], None] | None = None
    # Writes beside the rows: (item, row) for every accepted item of a round.
    beside: Callable[[list[tuple[CleanItem, Any]]], None] | None = None
    related: tuple[str, ...] = ()  # loaded with the locked rows
    # Foreign keys resolved by the cleaners: not looked up again by full_clean.
    resolved: list[str] = field(default_factory=list)


def in_rounds(items: Sequence[Any], key: Callable[[Any], str]) -> list[list[Any]]:
    """Split items so no round has a key twice; a repeat goes in the next round."""
    rounds: list[list[Any]] = []
    seen: dict[str, int] = {}
    for item in items:
        depth = seen.get(key(item), 0)
        seen[key(item)] = depth + 1
        if depth == len(rounds):
            rounds.append([])
        rounds[depth].append(item)
    return rounds


def bulk_upsert(plan: Plan, items: Sequence[CleanItem]) -> list[ItemResult]:
    """Write the cleaned items; a repeated id is applied after the earlier one."""
    results = []
    for round_items in in_rounds(items, lambda item: item.external_id):
        try:
            results += _round(plan, round_items)
        except IntegrityError:
            # Another request inserted one of these ids first: the lock now finds it.
            results += _round(plan, round_items)
    return sorted(results, key=lambda r: r.index)


def _round(plan: Plan, items: list[CleanItem]) -> list[ItemResult]:
    now = timezone.now()
    with transaction.atomic():
        rows = plan.model.objects.select_for_update(of=("self",))
        known = {
            row.external_id: row
            for row in rows.select_related(*plan.related).filter(
                external_id__in=[item.external_id for item in items]
            )
        }
        results, new, changed, accepted = [], [], [], []
        attnames = [plan.model._meta.get_field(c).attname for c in plan.columns]
        for item in items:
            row = known.get(item.external_id) or plan.model(
                external_id=item.external_id
            )
            before = {name: getattr(row, name) for name in attnames}
            errors = _apply(plan, item, row)
            if errors:
                results.append(rejected(item.index, item.external_id, errors))
                continue
            created = row.pk is None
            status = 201 if created else 200
            results.append(ItemResult(item.index, item.external_id, status, obj=row))
            accepted.append((item, row))
            if created:
                new.append(row)
            elif item.beside is not None or _differs(row, before):
                row.updated_at = now
                changed.append(row)
        plan.model.objects.bulk_create(new)
        plan.model.objects.bulk_update(
            changed, [*plan.columns, "updated_at"], batch_size=100
        )
        if plan.beside is not None:
            plan.beside(accepted)
    return results


def _apply(plan: Plan, item: CleanItem, row: models.Model) -> dict[str, list[str]]:
    errors = FieldErrors()
    require(item.values, plan.required, row, errors)
    if errors.errors:
        return errors.errors
    for name, value in item.values.items():
        setattr(row, name, value)
    if plan.prepare is not None:
        plan.prepare(row, item.values, errors)
    if not errors.errors:
        try:
            row.full_clean(exclude=plan.resolved, validate_unique=False)
        except ValidationError as error:
            errors.merge(error)
    return errors.errors


def _differs(row: models.Model, before: Mapping[str, Any]) -> bool:
    return any(getattr(row, name) != value for name, value in before.items())


def customers_by_id(items: Iterable[Mapping[str, Any]]) -> dict[str, Customer]:
    """The customers the items name in `customer`, by external id, in one query."""
    ids = {i.get("customer") for i in items if isinstance(i.get("customer"), str)}
    return {c.external_id: c for c in Customer.objects.filter(external_id__in=ids)}


def clean_id(index: int, external_id: Any) -> str | ItemResult:
    """The item's external id, or the item's rejection."""
    try:
        return clean_external_id(external_id)
    except ValidationError as error:
        return rejected(index, external_id, {"external_id": error.messages})
